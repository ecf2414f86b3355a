import Foundation
@testable import LedgerStore
import Logging
import Postgres
import TestSupport
import Testing

/// A migrated scratch database with a closed period (2031-04, reconciled and sealed) and an open one (2031-05):
/// two restaurants, two cards with planted personal data, meals, a void, a late meal, deliveries, a welfare alert,
/// a reconciliation run with a break, an anomaly and subsidy lines.
struct AuditFixture {
    let scratch: ScratchDatabase
    /// A superuser connection to the scratch database.
    let db: PostgresConnection
    /// The seal recipe `populate` and `close` use: the current one, or an older one for a database migrated only as
    /// far as a migration before the current recipe.
    var sealVersion: Int16 = Reconciliations.sealVersion

    /// The planted personal data of card 1; none of it may appear in any audit view.
    static let card1 = "PLANT7700001"
    static let card2 = "PLANT7700002"
    static let planted = [card1, card2, "Wang Plantedname", "Li Plantedname", "13912345671", "13912345672",
                          "88 Secretlane Road", "99 Secretlane Road", "1931-03-15", "1932-04-16"]

    let aprilMealR1 = UUID()      // card 1 at R1
    let aprilMealR2 = UUID()      // card 1 at R2, 20 minutes later
    let aprilMealVoided = UUID()  // card 2 at R1, voided in April
    let aprilVoid = UUID()
    let mayMeal = UUID()          // card 1 at R1
    let mayLateMeal = UUID()      // card 2 at R2, happened in April, booked late into May
    let aprilDelivery = UUID()    // card 1, delivered ok
    let mayDelivery = UUID()      // card 1, failed with a concern: a welfare alert
    let mayDelivery2 = UUID()     // card 2, requested

    /// Runs `body` with a migrated and populated scratch database, then drops it.
    static func with(_ body: (AuditFixture) throws -> Void) throws {
        try ScratchDatabase.withScratch(migrated: true) { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            let fixture = AuditFixture(scratch: scratch, db: db)
            try fixture.populate()
            try body(fixture)
        }
    }

    func populate() throws {
        for code in ["R1", "R2"] {
            _ = try db.query("INSERT INTO ledger.restaurants (code, name, community, rate_bp) VALUES (\(code), \("Restaurant " + code), 'East', 8500)")
            _ = try db.query("""
                INSERT INTO ledger.terminals (restaurant_id, name, token_sha256)
                SELECT id, 'till', sha256(convert_to(\(code), 'UTF8')) FROM ledger.restaurants WHERE code = \(code)
                """)
        }
        _ = try db.query("""
            INSERT INTO ledger.subsidy_terms (restaurant_id, effective_from, discount_share_bp, delivery_fee_fen)
            SELECT id, '2031-01-01', 10000, 500 FROM ledger.restaurants
            """)
        _ = try db.query("""
            INSERT INTO ledger.cards (card_no, holder_name, category, birth_date, phone, address, community, status)
            VALUES (\(Self.card1), 'Wang Plantedname', 'veteran', '1931-03-15', '13912345671', '88 Secretlane Road', 'East', 'active'),
                   (\(Self.card2), 'Li Plantedname', 'veteran', '1932-04-16', '13912345672', '99 Secretlane Road', 'East', 'active')
            """)
        try db.execute(script: "INSERT INTO ledger.periods (period) VALUES ('2031-04'), ('2031-05')")
        try meal(aprilMealR1, at: "R1", card: Self.card1, period: "2031-04", occurred: "2031-04-10T12:00:00+08", gross: 2000)
        try meal(aprilMealR2, at: "R2", card: Self.card1, period: "2031-04", occurred: "2031-04-10T12:20:00+08", gross: 3000)
        try meal(aprilMealVoided, at: "R1", card: Self.card2, period: "2031-04", occurred: "2031-04-11T12:00:00+08", gross: 1500)
        _ = try db.query("""
            INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                                        voided_entry_id, reason)
            SELECT \(aprilVoid), 'void', m.restaurant_id, m.terminal_id, '2031-04', false, '2031-04-11T12:05:00+08',
                   sha256('void'), m.id, 'wrong amount'
            FROM ledger.entries m WHERE m.id = \(aprilMealVoided)
            """)
        try meal(mayMeal, at: "R1", card: Self.card1, period: "2031-05", occurred: "2031-05-02T12:00:00+08", gross: 2500)
        try meal(mayLateMeal, at: "R2", card: Self.card2, period: "2031-05", occurred: "2031-04-30T19:00:00+08", gross: 1800, late: true)
        try delivery(aprilDelivery, at: "R1", card: Self.card1, day: "2031-04-12", status: "delivered", wellness: "ok")
        try delivery(mayDelivery, at: "R1", card: Self.card1, day: "2031-05-03", status: "failed", wellness: "concern")
        try delivery(mayDelivery2, at: "R2", card: Self.card2, day: "2031-05-03", status: "requested", wellness: nil)
        _ = try db.query("""
            INSERT INTO ledger.welfare_alerts (card_no, reason, delivery_ids) VALUES (\(Self.card1), 'concern', ARRAY[\(mayDelivery)]::uuid[])
            """)

        // The reconciliation of April, as the reconciliation would record it, then the close with the seal.
        _ = try db.query("""
            INSERT INTO ledger.reconciliation_runs (period, started_at, finished_at, entries, digest, seal_version)
            VALUES ('2031-04', now(), now(), 4, ledger.seal_digest('2031-04', \(sealVersion)), \(sealVersion))
            """)
        _ = try db.query("""
            INSERT INTO ledger.reconciliation_breaks (run_id, restaurant_id, kind, entry_id, detail)
            SELECT run.id, r.id, 'amount_mismatch', \(aprilMealR1),
                   \("card " + Self.card1 + ": statement says 2100 fen, ledger 2000 fen")
            FROM ledger.reconciliation_runs run, ledger.restaurants r WHERE run.period = '2031-04' AND r.code = 'R1'
            """)
        _ = try db.query("""
            INSERT INTO ledger.anomalies (run_id, kind, card_no, entry_ids, detail)
            SELECT run.id, 'two_restaurants_30min', \(Self.card1), ARRAY[\(aprilMealR1), \(aprilMealR2)]::uuid[],
                   \("card " + Self.card1 + " at R1 and R2 within 20 minutes")
            FROM ledger.reconciliation_runs run WHERE run.period = '2031-04'
            """)
        _ = try db.query("""
            INSERT INTO ledger.subsidy_lines (run_id, restaurant_id, meals, voided_meals, cardholders, gross_fen, discount_fen,
                payable_fen, deliveries_delivered, discount_subsidy_fen, delivery_subsidy_fen, subsidy_fen)
            SELECT run.id, r.id, s.meals, s.voided_meals, s.cardholders, s.gross_fen, s.discount_fen, s.payable_fen,
                   s.deliveries_delivered, s.discount_fen, s.deliveries_delivered * 500, s.discount_fen + s.deliveries_delivered * 500
            FROM audit.period_summary s
            JOIN ledger.restaurants r ON r.code = s.restaurant
            JOIN ledger.reconciliation_runs run ON run.period = s.period
            WHERE s.period = '2031-04'
            """)
        try close("2031-04")
    }

    /// Closes a period the way reconciliation does: its entry count and its seal, by the recipe of `sealVersion` (the
    /// fixture's own when nil).
    func close(_ period: String, sealVersion: Int16? = nil) throws {
        let sealVersion = sealVersion ?? self.sealVersion
        _ = try db.query("""
            UPDATE ledger.periods SET status = 'closed', closed_at = now(),
                entries = (SELECT count(*) FROM ledger.entries WHERE period = \(period)),
                digest = ledger.seal_digest(\(period), \(sealVersion)), seal_version = \(sealVersion)
            WHERE period = \(period)
            """)
    }

    func meal(_ id: UUID, at restaurant: String, card: String, period: String, occurred: String, gross: Int64,
              late: Bool = false) throws {
        _ = try db.query("""
            INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
            SELECT \(id), 'meal', r.id, t.id, \(period), \(late), \(occurred)::timestamptz, sha256(convert_to(\(id.uuidString), 'UTF8')),
                   \(card), 'preferential_card', 'veteran', (\(occurred)::timestamptz AT TIME ZONE 'Asia/Shanghai')::date,
                   \(gross), 8500, (\(gross) * 8500 + 5000) / 10000, \(gross) - (\(gross) * 8500 + 5000) / 10000
            FROM ledger.restaurants r JOIN ledger.terminals t ON t.restaurant_id = r.id WHERE r.code = \(restaurant)
            """)
    }

    func delivery(_ id: UUID, at restaurant: String, card: String, day: String, status: String, wellness: String?) throws {
        _ = try db.query("""
            INSERT INTO ledger.deliveries (id, restaurant_id, terminal_id, card_no, scheduled_for, meal, note, request_sha256)
            SELECT \(id), r.id, t.id, \(card), \(day)::date, 'lunch',
                   \("Wang Plantedname said call 13912345671"), sha256(convert_to(\(id.uuidString), 'UTF8'))
            FROM ledger.restaurants r JOIN ledger.terminals t ON t.restaurant_id = r.id WHERE r.code = \(restaurant)
            """)
        try advanceDelivery(id, to: status, wellness: wellness, on: db)
    }

    /// Runs `body` on a connection of a new LOGIN role granted `role`, with a random name; drops the role afterwards.
    func asLogin<T>(grantedRole role: String, _ body: (PostgresConnection) throws -> T) throws -> T {
        try scratch.withLogin(grantedRole: role) { url in
            let connection = try PostgresConnection.connect(url, logger: TestDatabase.logger)
            defer { connection.close() }
            return try body(connection)
        }
    }

    /// Expects `body` to fail with SQLSTATE `sqlState` and a message holding every one of `fragments`.
    ///
    /// Never write a closure inside the arguments of `#expect` or `#require`: Swift 6.3.1 then mixes it up with a
    /// later closure of the same type in the same enclosing closure, which runs the first one's code instead of its
    /// own (scripts/lib/check-test-closures refuses such code). Helpers like this one take the closure themselves.
    static func expectRefusal(
        _ sqlState: String, saying fragments: String..., note: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        guard let error = refusal(sourceLocation: sourceLocation, body) else { return }
        let prefix = note.map { "\($0): " } ?? ""
        #expect(error.sqlState == sqlState, "\(prefix)\(error.message)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    /// The database's refusal of `body`; nil, with an issue recorded, when `body` succeeds or fails otherwise.
    static func refusal(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> PostgresError? {
        do {
            try body()
            Issue.record("expected the database to refuse, but it did not", sourceLocation: sourceLocation)
        } catch let error as PostgresError {
            return error
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// The queries of `sql/audit/examples.sql`, comments and psql's own commands (lines that start with `\`, and the
    /// `\gset` query of the default period) removed, split where a line ends with a semicolon, with `period` for the
    /// psql variable `:'period'`.
    static func exampleQueries(period: String) throws -> [String] {
        let file = Migration.defaultDirectory().appendingPathComponent("audit/examples.sql")
        let text = try String(contentsOf: file, encoding: .utf8)
        var queries: [String] = []
        var current: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") || trimmed.isEmpty || trimmed.hasPrefix("\\") || trimmed.hasSuffix("\\gset") { continue }
            current.append(line.replacingOccurrences(of: ":'period'", with: "'\(period)'"))
            if trimmed.hasSuffix(";") {
                queries.append(String(current.joined(separator: "\n").dropLast()))
                current = []
            }
        }
        if !current.isEmpty { queries.append(current.joined(separator: "\n")) }
        return queries
    }
}
