import Foundation
import LedgerCore
@testable import LedgerStore
import Postgres
import Synchronization
import TestSupport
import Testing

/// Issue 12, items 4 and 5: what the daemon's role can write, held by the database (sql/0014), and lock keys that
/// reveal nothing to whoever reads pg_locks.
@Suite("least privilege")
struct LeastPrivilegeTests {
    /// `ledger.post_meals` for one meal of card 1 at R1, with the fields a test varies (`occurredAt`: noon of the local
    /// date unless given).
    static func postMeal(
        _ id: UUID = UUID(), terminal: String = "R1", card: String = AuditFixture.card1, credential: String = "preferential_card",
        category: String = "veteran", localDate: String = "2031-05-20", period: String = "2031-05", late: Bool = false,
        rate: Int32 = 8500, gross: Int64 = 2000, occurredAt: String? = nil
    ) -> PostgresQuery {
        """
        SELECT ledger.post_meals(ARRAY[\(id)]::uuid[],
            ARRAY[(SELECT t.id FROM ledger.terminals t JOIN ledger.restaurants r ON r.id = t.restaurant_id WHERE r.code = \(terminal))]::int8[],
            ARRAY[\(period)]::text[], ARRAY[\(late)]::bool[], ARRAY[\(occurredAt ?? localDate + "T12:00:00+08:00")]::timestamptz[],
            ARRAY['fingerprint']::text[], ARRAY[\(card)]::text[], ARRAY[\(credential)]::text[], ARRAY[\(category)]::text[],
            ARRAY[\(localDate)]::date[], ARRAY[\(gross)]::int8[], ARRAY[\(rate)]::int4[])
        """
    }

    @Test("as ledger_app: no period or entry written directly, and post_meals refuses what breaks a rule, creating nothing")
    func appCannotWriteAroundTheRules() throws {
        try AuditFixture.with { fixture in
            try fixture.db.execute(script: "UPDATE ledger.terminals SET revoked_at = now() WHERE restaurant_id = (SELECT id FROM ledger.restaurants WHERE code = 'R2')")
            try fixture.asLogin(grantedRole: "ledger_app") { app in
                // The issue's reproductions: a period already closed with a made-up digest, and a meal at 1 bp with
                // an unknown card, a revoked terminal and a discount of 999,900 fen.
                AuditFixture.expectRefusal("42501") {
                    _ = try app.query("""
                        INSERT INTO ledger.periods (period, status, closed_at, entries, digest)
                        VALUES ('2031-07', 'closed', now(), 0, 'not-a-digest')
                        """)
                }
                AuditFixture.expectRefusal("42501") {
                    _ = try app.query("""
                        INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                            card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
                        SELECT gen_random_uuid(), 'meal', t.restaurant_id, t.id, '2031-05', false, now(), sha256('x'), 'NOSUCHCARD1',
                               'preferential_card', 'veteran', '2031-05-20', 1000000, 1, 100, 999900
                        FROM ledger.terminals t LIMIT 1
                        """)
                }

                for (rule, query) in [
                    ("unknown card", Self.postMeal(card: "NOSUCHCARD1")),
                    ("revoked terminal", Self.postMeal(terminal: "R2")),
                    ("rate not in force", Self.postMeal(rate: 1, gross: 1_000_000)),
                    ("category not the card's", Self.postMeal(category: "special_care")),
                    ("military ID not an active serviceman's", Self.postMeal(credential: "military_id")),
                    ("period not the local date's", Self.postMeal(localDate: "2031-05-20", period: "2031-08")),
                    ("late while its own period is open", Self.postMeal(localDate: "2031-05-20", period: "2031-08", late: true)),
                    ("late into an earlier period", Self.postMeal(localDate: "2031-04-20", period: "2031-03", late: true)),
                ] {
                    AuditFixture.expectRefusal("LD002", note: "\(rule)") { _ = try app.query(query) }
                }

                // What the rules allow: a meal of an open month that has no period row yet, and a late meal of
                // closed April booked into May; payable and discount are the server's arithmetic.
                let july = UUID()
                #expect(try app.query(Self.postMeal(july, localDate: "2031-07-01", period: "2031-07")).count == 1)
                #expect(try app.query(Self.postMeal(localDate: "2031-04-29", period: "2031-05", late: true)).count == 1)
                let stored = try fixture.db.query("SELECT payable_fen, discount_fen FROM ledger.entries WHERE id = \(july)").single()
                #expect(try stored.decode("payable_fen", as: Int64.self) == 1700 && stored.decode("discount_fen", as: Int64.self) == 300)
            }
            let periods = try fixture.db.query("SELECT period, status FROM ledger.periods ORDER BY period").map {
                "\(try $0.decode("period", as: String.self)) \(try $0.decode("status", as: String.self))"
            }
            #expect(periods == ["2031-04 closed", "2031-05 open", "2031-07 open"])
        }
    }

    @Test("a delivery moves only along its life cycle, for every role: delivered never goes back to requested")
    func deliveryLifeCycleHeld() throws {
        try AuditFixture.with { fixture in
            let delivered = fixture.aprilDelivery
            try fixture.asLogin(grantedRole: "ledger_app") { app in
                AuditFixture.expectRefusal("23514") {
                    _ = try app.query("UPDATE ledger.deliveries SET status = 'requested', wellness = NULL WHERE id = \(delivered)")
                }
                AuditFixture.expectRefusal("23514") {
                    _ = try app.query("""
                        INSERT INTO ledger.deliveries (id, restaurant_id, terminal_id, card_no, scheduled_for, meal, status, wellness,
                                                       request_sha256)
                        SELECT gen_random_uuid(), t.restaurant_id, t.id, \(AuditFixture.card1), '2031-05-20', 'lunch', 'delivered', 'ok',
                               sha256('x')
                        FROM ledger.terminals t LIMIT 1
                        """)
                }
                AuditFixture.expectRefusal("23514") {
                    _ = try app.query("""
                        INSERT INTO ledger.delivery_events (id, delivery_id, terminal_id, from_status, to_status, at, request_sha256)
                        SELECT gen_random_uuid(), d.id, d.terminal_id, 'delivered', 'dispatched', now(), sha256('x')
                        FROM ledger.deliveries d WHERE d.id = \(delivered)
                        """)
                }
            }
            AuditFixture.expectRefusal("23514") {
                _ = try fixture.db.query("UPDATE ledger.deliveries SET status = 'dispatched', wellness = NULL WHERE id = \(delivered)")
            }
            #expect(try fixture.db.query("SELECT status FROM ledger.deliveries WHERE id = \(delivered)").single()
                .onlyValue(as: String.self) == "delivered")
        }
    }

    @Test("the database's delivery life cycle is LedgerCore's, status pair by status pair")
    func lifeCycleAgreesWithTheDomain() throws {
        try AuditFixture.with { fixture in
            for from in DeliveryStatus.allCases {
                for to in DeliveryStatus.allCases {
                    let wellness: Wellness? = to == .delivered || to == .failed ? .ok : nil
                    let domain = (try? DeliveryTransition.apply(from: from, to: to, wellness: wellness)) != nil
                    let database = try fixture.db.query("SELECT ledger.is_delivery_transition(\(from.rawValue), \(to.rawValue))")
                        .single().onlyValue(as: Bool.self)
                    #expect(domain == database, "\(from) → \(to)")
                }
            }
        }
    }

    @Test("an auditor watching pg_locks under load cannot map the card lock keys back to card numbers")
    func lockKeysRevealNothing() async throws {
        try await ScratchDatabase.withScratchAsync { scratch in
            let cards = (1...20).map { String(format: "CARD%06d", $0) }
            let token = try scratch.migrateWithRestaurantR1(
                cards: cards.map { "\($0),Holder,veteran,1950-01-01,1,1 Elm,East,active,," }.joined(separator: "\n"))
            let db = try scratch.connect()
            defer { db.close() }
            try await scratch.withLogin(grantedRole: "ledger_auditor") { auditorURL in
                let auditor = try PostgresConnection.connect(auditorURL, logger: TestDatabase.logger)
                defer { auditor.close() }
                AuditFixture.expectRefusal("42501") { _ = try auditor.query("SELECT ledger.card_lock_key('CARD000001')") }

                // One lock held for sure while the auditor looks, beside those of the meals under way.
                let holder = try scratch.connect()
                defer { holder.close() }
                try holder.execute(script: "BEGIN; SELECT ledger.lock_cards(ARRAY['CARD000001'])")

                let pool = PostgresPool(configuration: .init(conninfo: scratch.url, maxConnections: 4), logger: TestDatabase.logger)
                let now = try RFC3339.parse("2031-05-12T12:00:00+08:00")
                let ledger = Ledger(pool: pool, settings: LedgerSettings(
                    booking: BookingPolicy(timeZone: TimeZone(identifier: "Asia/Shanghai")!), dailyLimit: DailyLimit(maxMeals: 1000)),
                    clock: { now })
                let terminal = try #require(try await ledger.authenticate(token: token))
                let loading = Flag()
                let load = Task {
                    defer { loading.lower() }
                    for round in 0..<40 {
                        _ = await ledger.recordMeals(cards.dropFirst().map { card in
                            MealRequest(id: UUID(), cardNumber: try! CardNumber(card), credential: .preferentialCard,
                                        occurredAt: now.addingTimeInterval(Double(-round)), gross: 1000, claimedPayable: nil)
                        }, by: terminal)
                    }
                }
                var seen = Set<Int64>()
                let deadline = ContinuousClock.now + .seconds(20)
                repeat {
                    for row in try auditor.query("""
                        SELECT (classid::int8 << 32) | objid::int8 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1
                        """) {
                        seen.insert(try row.onlyValue(as: Int64.self))
                    }
                    try await Task.sleep(for: .milliseconds(1))
                } while loading.isRaised && ContinuousClock.now < deadline
                await load.value
                try holder.execute(script: "ROLLBACK")
                await pool.close()

                // The held lock was seen, under its keyed value; no key seen is the old unkeyed hash of any card.
                let held = try db.query("SELECT ledger.card_lock_key('CARD000001')").single().onlyValue(as: Int64.self)
                #expect(seen.contains(held))
                let unkeyed = Set(try db.query("SELECT hashtextextended('ledger.card:' || c, 0) FROM unnest(\(cards)::text[]) AS c")
                    .map { try $0.onlyValue(as: Int64.self) })
                #expect(seen.isDisjoint(with: unkeyed))
                #expect(try db.query("SELECT count(*) FROM ledger.entries").single().onlyValue(as: Int.self) == 40 * 19)
            }
        }
    }
}

/// A flag one task lowers and another reads.
private final class Flag: Sendable {
    private let raised = Mutex(true)
    var isRaised: Bool { raised.withLock { $0 } }
    func lower() { raised.withLock { $0 = false } }
}
