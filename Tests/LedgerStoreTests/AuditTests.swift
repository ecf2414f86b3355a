import Foundation
import LedgerCore
@testable import LedgerStore
import Logging
import Postgres
import TestSupport
import Testing

@Suite("SQL for auditors, personal data and tamper evidence")
struct AuditTests {
    /// docs/interfaces.md, "SQL for auditors": each view and the columns it has at least.
    static let contract: [String: [String]] = [
        "meals": ["id", "period", "restaurant", "terminal", "card_ref", "card_last4", "category", "credential", "occurred_at",
                  "recorded_at", "gross_fen", "rate_bp", "payable_fen", "discount_fen", "late", "voided"],
        "deliveries": ["id", "period", "restaurant", "card_ref", "scheduled_for", "meal", "status", "wellness", "updated_at"],
        "periods": ["period", "status", "closed_at", "entries", "digest"],
        "period_summary": ["period", "restaurant", "meals", "voided_meals", "gross_fen", "discount_fen", "payable_fen",
                           "deliveries_delivered", "subsidy_fen", "closed"],
        "reconciliation_breaks": ["period", "restaurant", "kind", "entry_id", "detail"],
        "anomalies": ["period", "kind", "card_ref", "entry_ids", "detail"],
    ]

    /// Column names that would carry personal data or secrets.
    static let denied: Set<String> = ["name", "holder_name", "phone", "address", "birth_date", "card_no", "note", "ack_note",
                                      "acknowledged_by", "run_by", "token_sha256", "value", "secret"]

    /// Every view of schema audit, as the owner sees them.
    static func auditViews(_ db: PostgresConnection) throws -> [String] {
        try db.query("SELECT table_name FROM information_schema.views WHERE table_schema = 'audit' ORDER BY 1")
            .map { try $0.onlyValue(as: String.self) }
    }

    @Test("an auditor reads every view with the contract's columns, and the views are all granted")
    func viewsReadable() throws {
        try AuditFixture.with { fixture in
            let views = try Self.auditViews(fixture.db)
            #expect(Set(Self.contract.keys).isSubset(of: Set(views)))
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                for view in views {
                    let columns = try auditor.query("""
                        SELECT column_name FROM information_schema.columns WHERE table_schema = 'audit' AND table_name = \(view)
                        """).map { try $0.onlyValue(as: String.self) }
                    for column in Self.contract[view] ?? [] {
                        #expect(columns.contains(column), "audit.\(view) lacks \(column)")
                    }
                    let rows = try auditor.query(PostgresQuery(unsafeSQL: "SELECT * FROM audit.\(view)"))
                    #expect(rows.columns.count == columns.count, "audit.\(view)")
                }
                for view in Self.contract.keys {
                    #expect(try auditor.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM audit.\(view)")).single()
                        .onlyValue(as: Int.self) > 0, "audit.\(view) is empty in the fixture")
                }
            }
        }
    }

    /// A row of audit.period_summary as `restaurant meals voided gross discount delivered subsidy closed`.
    static func summaryLine(_ row: PostgresRow) throws -> String {
        var parts = [try row.decode("restaurant", as: String.self)]
        for column in ["meals", "voided_meals", "gross_fen", "discount_fen", "deliveries_delivered"] {
            parts.append(String(try row.decode(column, as: Int.self)))
        }
        let subsidy = try row.decode("subsidy_fen", as: Int?.self)
        parts.append(subsidy.map(String.init) ?? "-")
        parts.append(String(try row.decode("closed", as: Bool.self)))
        return parts.joined(separator: " ")
    }

    @Test("the views show the right figures: voids, late meals, closed and live summaries")
    func figures() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                let voided = try auditor.query("SELECT voided, void_id FROM audit.meals WHERE id = \(fixture.aprilMealVoided)").single()
                #expect(try voided.decode("voided", as: Bool.self))
                #expect(try voided.decode("void_id", as: UUID.self) == fixture.aprilVoid)
                let late = try auditor.query("SELECT late, period, card_last4 FROM audit.meals WHERE id = \(fixture.mayLateMeal)").single()
                #expect(try late.decode("late", as: Bool.self) && late.decode("period", as: String.self) == "2031-05")
                #expect(try late.decode("card_last4", as: String.self) == "0002")
                let summary = try auditor.query("""
                    SELECT restaurant, meals, voided_meals, gross_fen, discount_fen, deliveries_delivered, subsidy_fen, closed
                    FROM audit.period_summary ORDER BY period, restaurant
                    """).map(Self.summaryLine)
                // April R1: meals 2000 and 1500 (voided): net gross 2000, discount 300; one delivered: 300 + 500.
                #expect(summary == [
                    "R1 2 1 2000 300 1 800 true",
                    "R2 1 0 3000 450 0 450 true",
                    "R1 1 0 2500 375 0 - false",
                    "R2 1 0 1800 270 0 - false",
                ])
                #expect(try auditor.query("SELECT audit.verify_period('2031-04')").single().onlyValue(as: Bool.self))
                #expect(try !auditor.query("SELECT audit.verify_period('2031-05')").single().onlyValue(as: Bool.self))
                #expect(try !auditor.query("SELECT audit.verify_period('1999-01')").single().onlyValue(as: Bool.self))
            }
        }
    }

    @Test("an auditor is refused every base table, every write, ledger.card_ref, ledger.secrets and creating objects")
    func auditorRefused() throws {
        try AuditFixture.with { fixture in
            let tables = try fixture.db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'ledger' ORDER BY 1")
                .map { try $0.onlyValue(as: String.self) }
            #expect(tables.contains("secrets") && tables.contains("entries") && tables.contains("cards"))
            let views = try Self.auditViews(fixture.db)
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                for table in tables {
                    AuditFixture.expectRefusal("42501", note: "ledger.\(table) is readable") {
                        _ = try auditor.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM ledger.\(table) LIMIT 0"))
                    }
                }
                for view in views {
                    for write in ["DELETE FROM audit.\(view)", "UPDATE audit.\(view) SET period = period",
                                  "INSERT INTO audit.\(view) SELECT * FROM audit.\(view) LIMIT 1", "TRUNCATE audit.\(view)"] {
                        let state = AuditFixture.refusal { _ = try auditor.query(PostgresQuery(unsafeSQL: write)) }?.sqlState
                        // A view PostgreSQL could write through refuses for want of privilege (42501); the others
                        // cannot be written at all (no such column, or not updatable): never a success.
                        #expect(state != nil, "\(write) succeeded")
                        if view == "reconciliation_runs", write.hasPrefix("DELETE") {
                            #expect(state == "42501", "\(write): \(state ?? "-")")
                        }
                        // audit.periods joins the close's proposals (sql/0017): no view of it can be written at all.
                        if view == "periods", !write.hasPrefix("TRUNCATE") {
                            #expect(state == "55000", "\(write): \(state ?? "-")")
                        }
                    }
                }
                for statement in [
                    "SELECT ledger.card_ref('\(AuditFixture.card1)')",
                    "SELECT ledger.period_digest('2031-04')",
                    "SELECT * FROM ledger.secrets",
                    "CREATE TABLE audit.mine (x int)",
                    "CREATE TABLE public.mine (x int)",
                    "CREATE FUNCTION pg_temp.ref(text) RETURNS text LANGUAGE sql AS 'SELECT ledger.card_ref($1)'",
                    "SET ROLE ledger_app",
                ] {
                    AuditFixture.expectRefusal("42501", note: "\(statement)") { try auditor.execute(script: statement) }
                }
                AuditFixture.expectRefusal("55000") {
                    try auditor.execute(script: "UPDATE audit.periods SET digest = repeat('0', 64) WHERE period = '2031-04'")
                }
            }
            #expect(try fixture.db.query("SELECT audit.verify_period('2031-04')").single().onlyValue(as: Bool.self))
        }
    }

    @Test("no function of schemas audit and ledger is executable by PUBLIC, and PUBLIC cannot create in schema public")
    func publicGrants() throws {
        try AuditFixture.with { fixture in
            let open = try fixture.db.query("""
                SELECT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname IN ('audit', 'ledger') AND has_function_privilege('public', p.oid, 'EXECUTE')
                """).map { try $0.onlyValue(as: String.self) }
            #expect(open == [])
            let schemas = try fixture.db.query("""
                SELECT n.nspname FROM pg_namespace n
                WHERE n.nspname IN ('audit', 'ledger', 'public')
                  AND (has_schema_privilege('public', n.oid, 'CREATE') OR
                       (n.nspname <> 'public' AND has_schema_privilege('public', n.oid, 'USAGE')))
                """).map { try $0.onlyValue(as: String.self) }
            #expect(schemas == [])
            let tables = try fixture.db.query("""
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname IN ('audit', 'ledger') AND c.relkind IN ('r', 'v', 'm', 'p', 'S')
                  AND has_table_privilege('public', c.oid, 'SELECT')
                """).map { try $0.onlyValue(as: String.self) }
            #expect(tables == [])
        }
    }

    @Test("no audit view has a personal column or shows planted personal data")
    func noPersonalData() throws {
        try AuditFixture.with { fixture in
            let views = try Self.auditViews(fixture.db)
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                let columns = try auditor.query("""
                    SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'audit'
                    """).map { (try $0.decode("table_name", as: String.self), try $0.decode("column_name", as: String.self)) }
                #expect(Set(columns.map(\.0)) == Set(views))
                for (view, column) in columns {
                    #expect(!Self.denied.contains(column), "audit.\(view).\(column)")
                }
                for view in views {
                    let texts = try auditor.query(PostgresQuery(unsafeSQL: "SELECT t::text FROM audit.\(view) t"))
                        .map { try $0.onlyValue(as: String.self) }
                    for text in texts {
                        for planted in AuditFixture.planted {
                            #expect(!text.contains(planted), "audit.\(view) shows \(planted): \(text)")
                        }
                    }
                }
            }
        }
    }

    @Test("card_ref is one pseudonym per card across meals, deliveries, anomalies, alerts and outcomes")
    func cardRefStable() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                func ref(_ query: PostgresQuery) throws -> String { try auditor.query(query).single().onlyValue(as: String.self) }
                let one = try ref("SELECT card_ref FROM audit.meals WHERE id = \(fixture.aprilMealR1)")
                let two = try ref("SELECT card_ref FROM audit.meals WHERE id = \(fixture.aprilMealVoided)")
                #expect(one != two)
                #expect(one.hasPrefix("c_") && one.count == 66)
                #expect(try ref("SELECT card_ref FROM audit.meals WHERE id = \(fixture.mayMeal)") == one)
                #expect(try ref("SELECT card_ref FROM audit.entries WHERE id = \(fixture.aprilMealR2)") == one)
                #expect(try ref("SELECT card_ref FROM audit.deliveries WHERE id = \(fixture.aprilDelivery)") == one)
                #expect(try ref("SELECT card_ref FROM audit.deliveries WHERE id = \(fixture.mayDelivery2)") == two)
                #expect(try ref("SELECT card_ref FROM audit.anomalies WHERE period = '2031-04'") == one)
                #expect(try ref("SELECT card_ref FROM audit.welfare_alerts") == one)
                #expect(try ref("SELECT card_ref FROM audit.welfare_outcomes WHERE alerts = 1") == one)
                // A card number quoted in a detail is replaced by its pseudonym.
                #expect(try ref("SELECT detail FROM audit.anomalies").contains(one))
                #expect(try ref("SELECT detail FROM audit.reconciliation_breaks").contains(one))
            }
        }
    }

    @Test("the seal version 2: recomputable by hand in plain SQL; an entry altered behind the triggers' back breaks verify_period")
    func seal() throws {
        try AuditFixture.with { fixture in
            // May sealed by version 2, the recipe of closes from migration 0011 until 0026 (SealV3Tests has version 3).
            try fixture.close("2031-05", sealVersion: 2)
            let byHand = """
                SELECT encode(sha256(coalesce(string_agg(sha256(convert_to(concat_ws('|',
                    e.id::text, e.kind, e.period, e.restaurant, e.terminal, coalesce(e.card_ref, ''),
                    coalesce(e.card_last4, ''), coalesce(e.category, ''), coalesce(e.credential, ''),
                    to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                    to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                    coalesce(e.local_date::text, ''), coalesce(e.gross_fen::text, ''), coalesce(e.rate_bp::text, ''),
                    coalesce(e.payable_fen::text, ''), coalesce(e.discount_fen::text, ''),
                    CASE WHEN e.late THEN 't' ELSE 'f' END, coalesce(e.voided_entry_id::text, ''),
                    coalesce(e.reason, '')), 'UTF8')), ''::bytea ORDER BY e.id), '')), 'hex')
                FROM audit.entries e
                WHERE e.period = '2031-05'
                """
            let withSealLine = """
                SELECT encode(sha256(coalesce(string_agg(sha256(convert_to(audit.seal_line(e), 'UTF8')), ''::bytea ORDER BY e.id), '')), 'hex')
                FROM audit.entries e WHERE e.period = '2031-05'
                """
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                let sealed = try auditor.query("SELECT digest FROM audit.periods WHERE period = '2031-05' AND seal_version = 2").single()
                    .onlyValue(as: String.self)
                #expect(try auditor.query(PostgresQuery(unsafeSQL: byHand)).single().onlyValue(as: String.self) == sealed)
                #expect(try auditor.query(PostgresQuery(unsafeSQL: withSealLine)).single().onlyValue(as: String.self) == sealed)
                #expect(try auditor.query("SELECT seal_version FROM audit.reconciliation_runs WHERE period = '2031-04'").single()
                    .onlyValue(as: Int16.self) == Reconciliations.sealVersion)
                #expect(try auditor.query("SELECT audit.verify_period('2031-05')").single().onlyValue(as: Bool.self))
                #expect(try auditor.query("SELECT audit.verify_period('2031-04')").single().onlyValue(as: Bool.self))
            }

            // The superuser cannot change an entry either, while the triggers are on.
            AuditFixture.expectRefusal("23001") {
                _ = try fixture.db.query("UPDATE ledger.entries SET gross_fen = 3000, payable_fen = 2550, discount_fen = 450 WHERE id = \(fixture.aprilMealR1)")
            }
            try fixture.db.execute(script: """
                ALTER TABLE ledger.entries DISABLE TRIGGER USER;
                UPDATE ledger.entries SET gross_fen = 3000, payable_fen = 2550, discount_fen = 450 WHERE id = '\(fixture.mayMeal.uuidString.lowercased())';
                ALTER TABLE ledger.entries ENABLE TRIGGER USER;
                """)
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                #expect(try !auditor.query("SELECT audit.verify_period('2031-05')").single().onlyValue(as: Bool.self))
                let sealed = try auditor.query("SELECT digest FROM audit.periods WHERE period = '2031-05'").single().onlyValue(as: String.self)
                #expect(try auditor.query(PostgresQuery(unsafeSQL: byHand)).single().onlyValue(as: String.self) != sealed)
            }
        }
    }

    @Test("a period sealed with version 1 (before migration 0011) is still checked by the version 1 chain")
    func sealVersion1() throws {
        try AuditFixture.with { fixture in
            try fixture.close("2031-05", sealVersion: 1)
            let v1 = """
                SELECT encode(audit.seal_chain(audit.seal_line(e) ORDER BY e.id), 'hex') FROM audit.entries e WHERE e.period = '2031-05'
                """
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                let sealed = try auditor.query("SELECT digest FROM audit.periods WHERE period = '2031-05' AND seal_version = 1").single()
                    .onlyValue(as: String.self)
                #expect(try auditor.query(PostgresQuery(unsafeSQL: v1)).single().onlyValue(as: String.self) == sealed)
                #expect(try auditor.query("SELECT audit.verify_period('2031-05')").single().onlyValue(as: Bool.self))
            }
            #expect(try Reconciliations.verify(period: Period(parsing: "2031-05"), on: fixture.db) == .intact(digest: fixture.db.query(
                "SELECT digest FROM ledger.periods WHERE period = '2031-05'").single().onlyValue(as: String.self)))
            #expect(try fixture.db.query("SELECT ledger.period_digest_v2('2031-05') <> ledger.period_digest('2031-05')").single()
                .onlyValue(as: Bool.self))
        }
    }

    @Test("every query of sql/audit/examples.sql runs as an auditor")
    func examples() throws {
        let queries = try AuditFixture.exampleQueries(period: "2031-04")
        let text = try String(contentsOf: Migration.defaultDirectory().appendingPathComponent("audit/examples.sql"), encoding: .utf8)
        let fixedPeriod = text.firstMatch(of: /'\d{4}-\d{2}'/)
        #expect(text.contains(":'period'") && fixedPeriod == nil, "a query names a fixed period")
        #expect(queries.count >= 10)
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                var nonEmpty = 0
                for query in queries {
                    do {
                        if try !auditor.query(PostgresQuery(unsafeSQL: query)).isEmpty { nonEmpty += 1 }
                    } catch {
                        Issue.record("example failed: \(error)\n\(query)")
                    }
                }
                #expect(nonEmpty == queries.count, "some examples return nothing on the fixture")
                // The hand-made seal of the examples matches the sealed digest.
                let sealQuery = queries.first { $0.contains("AS recomputed") }
                let seal = try #require(sealQuery)
                let row = try auditor.query(PostgresQuery(unsafeSQL: seal)).single()
                #expect(try row.decode("recomputed", as: String.self) == row.decode("sealed", as: String.self))
            }
        }
    }

    @Test("ledger_app may not change entries, close periods, read the secret or the audit views")
    func appRefused() throws {
        try AuditFixture.with { fixture in
            let id = fixture.mayMeal
            try fixture.asLogin(grantedRole: "ledger_app") { app in
                for statement: PostgresQuery in [
                    "UPDATE ledger.entries SET gross_fen = 1 WHERE id = \(id)",
                    "DELETE FROM ledger.entries WHERE id = \(id)",
                    "UPDATE ledger.periods SET status = 'closed', closed_at = now(), entries = 0, digest = repeat('0', 64) WHERE period = '2031-05'",
                    "DELETE FROM ledger.periods WHERE period = '2031-05'",
                    "SELECT * FROM ledger.secrets",
                    "SELECT ledger.card_ref('PLANT7700001')",
                    "SELECT * FROM audit.meals",
                    "UPDATE ledger.delivery_events SET note = 'x'",
                    "INSERT INTO ledger.subsidy_lines SELECT * FROM ledger.subsidy_lines",
                    "INSERT INTO ledger.reconciliation_runs (period, started_at, finished_at, entries, digest) VALUES ('2031-05', now(), now(), 0, repeat('0', 64))",
                ] {
                    AuditFixture.expectRefusal("42501", note: "\(statement)") { _ = try app.query(statement) }
                }
                AuditFixture.expectRefusal("42501") { try app.execute(script: "TRUNCATE ledger.entries") }
                // What ledgerd checks at start.
                let migrated = try app.query("SELECT 1 FROM ledger.schema_migrations LIMIT 1")
                #expect(migrated.count == 1)
            }
            #expect(try fixture.db.query("SELECT status FROM ledger.periods WHERE period = '2031-05'").single().onlyValue(as: String.self) == "open")
        }
    }

    @Test("as ledger_app, the daemon's whole flow works: meal, void, delivery and its events, standing orders")
    func appFlow() async throws {
        try await ScratchDatabase.withScratchAsync { scratch in
            let token = try scratch.migrateWithRestaurantR1(cards: "CARD000001,Holder,veteran,1940-01-01,13800000001,1 Elm,East,active,,")
            let db = try scratch.connect()
            defer { db.close() }
            let monday = try LocalDate(parsing: "2031-05-12")
            _ = try StandingOrders.add(
                NewStandingOrder(cardNumber: CardNumber("CARD000001"), restaurantCode: "R1", weekdays: [1], meal: .dinner,
                                 startsOn: monday, endsOn: nil),
                minimumAge: 80, on: db)

            try await scratch.withLogin(grantedRole: "ledger_app") { url in
                let pool = PostgresPool(configuration: .init(conninfo: url, maxConnections: 2), logger: TestDatabase.logger)
                let now = try RFC3339.parse("2031-05-12T12:00:00+08:00")
                let ledger = Ledger(pool: pool, settings: LedgerSettings(booking: BookingPolicy(timeZone: TimeZone(identifier: "Asia/Shanghai")!)),
                                    clock: { now })
                do {
                    let terminal = try #require(try await ledger.authenticate(token: token))
                    let mealID = UUID()
                    let meal = try await ledger.recordMeal(
                        MealRequest(id: mealID, cardNumber: CardNumber("CARD000001"), credential: .preferentialCard,
                                    occurredAt: try RFC3339.parse("2031-05-12T11:30:00+08:00"), gross: 2000, claimedPayable: nil),
                        by: terminal)
                    #expect(meal.value.payable == 1700 && !meal.isReplay)
                    let void = try await ledger.voidMeal(VoidRequest(id: UUID(), mealID: mealID, reason: "wrong card"), by: terminal)
                    #expect(void.value.mealID == mealID)
                    let deliveryID = UUID()
                    _ = try await ledger.requestDelivery(
                        DeliveryRequest(id: deliveryID, cardNumber: CardNumber("CARD000001"), scheduledFor: monday, meal: .lunch, mealID: nil),
                        by: terminal)
                    for (status, wellness) in [(DeliveryStatus.dispatched, Wellness?.none), (.failed, .concern)] {
                        _ = try await ledger.recordDeliveryEvent(
                            DeliveryEventRequest(id: UUID(), deliveryID: deliveryID, status: status,
                                                 at: try RFC3339.parse("2031-05-12T11:45:00+08:00"), wellness: wellness, note: nil),
                            by: terminal)
                    }
                    #expect(try await ledger.openWelfareAlertCount() == 1)
                    #expect(try await ledger.deliveries(on: monday, by: terminal).count == 2)
                    #expect(try await ledger.generateDeliveries(on: monday) == 0)
                } catch {
                    await pool.close()
                    throw error
                }
                await pool.close()
            }

            // Seen by an auditor: the meal voided, the delivery failed with a concern, one pseudonym throughout.
            let row = try db.query("""
                SELECT m.voided, d.status, d.wellness, m.card_ref = d.card_ref AS same_card_ref FROM audit.meals m, audit.deliveries d
                WHERE NOT d.from_standing_order
                """).single()
            #expect(try row.decode("voided", as: Bool.self))
            #expect(try row.decode("status", as: String.self) == "failed" && row.decode("wellness", as: String.self) == "concern")
            #expect(try row.decode("same_card_ref", as: Bool.self))
        }
    }
}
