import Foundation
import LedgerCore
@testable import LedgerStore
import Logging
import Postgres
import TestSupport
import Testing

/// sql/0012_seal_lines.sql: each entry's seal line hashed as it is written, and the close's digest taken from those
/// hashes only when they cover the period's entries one for one.
@Suite("stored seal lines")
struct SealLinesTests {
    static let settings = LedgerSettings(booking: BookingPolicy(timeZone: TimeZone(identifier: "Asia/Shanghai")!), dailyLimit: DailyLimit())
    static let may = try! Period(parsing: "2031-05")

    /// How many entries have a stored line equal to the hash of their line in audit.entries, and how many stored lines
    /// there are in all; as an auditor sees them.
    static func matchingLines(_ auditor: PostgresConnection) throws -> (matching: Int, entries: Int, lines: Int) {
        let row = try auditor.query("""
            SELECT (SELECT count(*) FROM audit.entries e JOIN audit.seal_lines s ON s.entry_id = e.id AND s.period = e.period
                    WHERE s.line_sha256 = sha256(convert_to(audit.seal_line(e), 'UTF8'))) AS matching,
                   (SELECT count(*) FROM audit.entries) AS entries, (SELECT count(*) FROM audit.seal_lines) AS lines
            """).single()
        return (try row.decode("matching"), try row.decode("entries"), try row.decode("lines"))
    }

    @Test("every entry, meal or void, late or not, has exactly the hash of its audit line, and the close seals with them")
    func linesMatchEntries() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                let counts = try Self.matchingLines(auditor)
                #expect(counts.entries == 6 && counts.matching == 6 && counts.lines == 6)
            }
            let digests = try fixture.db.query("""
                SELECT ledger.period_digest_v3_stored(period) AS stored, ledger.period_digest_v3(period) AS recomputed, digest
                FROM ledger.periods WHERE period = '2031-04'
                """).single()
            #expect(try digests.decode("stored", as: String.self) == digests.decode("recomputed", as: String.self))
            #expect(try digests.decode("stored", as: String.self) == digests.decode("digest", as: String.self))
            // Many entries at once, in no particular id order: the stored lines give the digest of the lines recomputed.
            _ = try fixture.db.query("""
                INSERT INTO ledger.periods (period) VALUES ('2031-08');
                """)
            _ = try fixture.db.query("""
                INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256, card_no,
                    credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
                SELECT gen_random_uuid(), 'meal', r.id, t.id, '2031-08', false, TIMESTAMPTZ '2031-08-01 12:00+08' + g * interval '1 minute',
                       sha256(int8send(g)), 'PLANT77' || lpad((g % 7)::text, 5, '0'), 'preferential_card', 'veteran', DATE '2031-08-01',
                       1000 + g, 8500, ((1000 + g) * 8500 + 5000) / 10000, (1000 + g) - ((1000 + g) * 8500 + 5000) / 10000
                FROM generate_series(1, 500) g JOIN ledger.restaurants r ON r.code IN ('R1', 'R2') JOIN ledger.terminals t ON t.restaurant_id = r.id
                """)
            #expect(try fixture.db.query("""
                SELECT ledger.period_digest_v3_stored('2031-08') = ledger.period_digest_v3('2031-08'), count(*) FROM ledger.seal_lines WHERE period = '2031-08'
                """).single().values == ["t", "1000"])
            // A period without entries: the digest of nothing, from no lines.
            #expect(try fixture.db.query("INSERT INTO ledger.periods (period) VALUES ('2031-09') RETURNING ledger.period_digest_v3_stored(period)")
                .single().onlyValue(as: String.self) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

            let report = try Reconciliations.run(period: Self.may, statements: nil, dryRun: false, settings: Self.settings, on: fixture.db)
            #expect(try fixture.db.query("SELECT ledger.period_digest_v3('2031-05')").single().onlyValue(as: String.self) == report.digest)
            #expect(try Reconciliations.verify(period: Self.may, on: fixture.db) == .intact(digest: report.digest!))
        }
    }

    @Test("seal lines are append-only for everyone, hidden from ledger_app, and readable by auditors")
    func linesProtected() throws {
        try AuditFixture.with { fixture in
            let id = fixture.mayMeal
            for statement: PostgresQuery in [
                "UPDATE ledger.seal_lines SET line_sha256 = sha256('x') WHERE entry_id = \(id)",
                "DELETE FROM ledger.seal_lines WHERE entry_id = \(id)",
            ] {
                AuditFixture.expectRefusal("23001", note: "\(statement)") { _ = try fixture.db.query(statement) }
            }
            AuditFixture.expectRefusal("23001") { try fixture.db.execute(script: "TRUNCATE ledger.seal_lines") }
            try fixture.asLogin(grantedRole: "ledger_app") { app in
                for statement: PostgresQuery in [
                    "SELECT * FROM ledger.seal_lines",
                    "INSERT INTO ledger.seal_lines VALUES ('2031-05', gen_random_uuid(), sha256('x'))",
                    "SELECT ledger.period_digest_v3_stored('2031-05')",
                ] {
                    AuditFixture.expectRefusal("42501", note: "\(statement)") { _ = try app.query(statement) }
                }
            }
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                // Since sql/0023 the view reads archived months too (a UNION ALL): not updatable at all (55000), and
                // not granted either.
                AuditFixture.expectRefusal("55000") { _ = try auditor.query("INSERT INTO audit.seal_lines VALUES ('2031-05', gen_random_uuid(), sha256('x'))") }
                let mayInsert = try auditor.query("SELECT has_table_privilege('audit.seal_lines', 'INSERT')").single().onlyValue(as: Bool.self)
                #expect(!mayInsert)
                let lines = try auditor.query("SELECT count(*) FROM audit.seal_lines WHERE entry_id = \(id)").single().onlyValue(as: Int.self)
                #expect(lines == 1)
            }
        }
    }

    @Test("an entry written with triggers off has no line: the close seals the entries themselves, and verify agrees")
    func entryWithoutLine() throws {
        try AuditFixture.with { fixture in
            let stray = UUID()
            try fixture.db.execute(script: "SET session_replication_role = replica")
            try fixture.meal(stray, at: "R1", card: AuditFixture.card1, period: "2031-05", occurred: "2031-05-20T12:00:00+08:00", gross: 1000)
            try fixture.db.execute(script: "SET session_replication_role = origin")
            #expect(try fixture.db.query("SELECT count(*) FROM ledger.seal_lines WHERE entry_id = \(stray)").single().onlyValue(as: Int.self) == 0)
            #expect(try fixture.db.query("SELECT ledger.period_digest_v3_stored('2031-05')").single().onlyValue(as: String?.self) == nil)

            let report = try Reconciliations.run(period: Self.may, statements: nil, dryRun: false, settings: Self.settings, on: fixture.db)
            #expect(report.entries == 3)
            #expect(try fixture.db.query("SELECT ledger.period_digest_v3('2031-05')").single().onlyValue(as: String.self) == report.digest)
            #expect(try Reconciliations.verify(period: Self.may, on: fixture.db) == .intact(digest: report.digest!))
        }
    }

    @Test("an entry changed behind the triggers' back before the close breaks the seal at once, and its line shows which")
    func changedBeforeClose() throws {
        try AuditFixture.with { fixture in
            try fixture.db.execute(script: """
                ALTER TABLE ledger.entries DISABLE TRIGGER USER;
                UPDATE ledger.entries SET gross_fen = 3000, payable_fen = 2550, discount_fen = 450 WHERE id = '\(fixture.mayMeal.uuidString.lowercased())';
                ALTER TABLE ledger.entries ENABLE TRIGGER USER;
                """)
            let report = try Reconciliations.run(period: Self.may, statements: nil, dryRun: false, settings: Self.settings, on: fixture.db)
            guard case .broken(let stored, _) = try Reconciliations.verify(period: Self.may, on: fixture.db) else {
                Issue.record("a period with an entry changed before its close verified")
                return
            }
            #expect(stored == report.digest)
            #expect(try Reconciliations.sealLineDifferences(period: Self.may, on: fixture.db)
                == [SealLineDifference(entryID: fixture.mayMeal, kind: .changed)])
            // sql/audit/README.md: the entries whose line no longer hashes to the line stored when they were written.
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                let changed = try auditor.query("""
                    SELECT e.id FROM audit.entries e JOIN audit.seal_lines s ON s.entry_id = e.id AND s.period = e.period
                    WHERE s.line_sha256 <> sha256(convert_to(audit.seal_line(e), 'UTF8'))
                    """).map { try $0.onlyValue(as: UUID.self) }
                #expect(changed == [fixture.mayMeal])
            }
        }
    }

    @Test("the differences name an entry changed, one written with triggers off and one removed, and nothing else")
    func differences() throws {
        try AuditFixture.with { fixture in
            let april = try Period(parsing: "2031-04")
            #expect(try Reconciliations.sealLineDifferences(period: april, on: fixture.db).isEmpty)
            let stray = UUID()
            try fixture.db.execute(script: "SET session_replication_role = replica")
            try fixture.meal(stray, at: "R1", card: AuditFixture.card1, period: "2031-04", occurred: "2031-04-20T12:00:00+08:00", gross: 1000)
            try fixture.db.execute(script: """
                DELETE FROM ledger.entries WHERE id = '\(fixture.aprilMealR2.uuidString.lowercased())';
                UPDATE ledger.entries SET reason = 'edited' WHERE id = '\(fixture.aprilVoid.uuidString.lowercased())';
                SET session_replication_role = origin;
                """)
            let expected = [SealLineDifference(entryID: stray, kind: .unsealed), SealLineDifference(entryID: fixture.aprilMealR2, kind: .removed),
                            SealLineDifference(entryID: fixture.aprilVoid, kind: .changed)]
            let found = try Reconciliations.sealLineDifferences(period: april, on: fixture.db)
            let expectedInOrder = expected.sorted { $0.entryID.uuidString < $1.entryID.uuidString }
            #expect(found == expectedInOrder)
            guard case .broken = try Reconciliations.verify(period: april, on: fixture.db) else {
                Issue.record("the changed period still verified")
                return
            }
        }
    }

    @Test("entries written before migration 0012 get their lines from it, equal to their audit lines")
    func backfill() throws {
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            let all = try TestDatabase.migrations()
            try Migrator(migrations: all.filter { $0.version < 12 }, logger: TestDatabase.logger).migrate(db)
            _ = try Restaurants.add(code: "R1", name: "One", community: "C", rate: Rate(basisPoints: 8500), on: db)
            _ = try Terminals.add(restaurant: "R1", name: "till", on: db)
            try db.execute(script: """
                INSERT INTO ledger.periods (period) VALUES ('2031-06'), ('2031-07');
                INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256, card_no,
                    credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
                SELECT gen_random_uuid(), 'meal', 1, 1, CASE WHEN g % 2 = 0 THEN '2031-06' ELSE '2031-07' END, false, now(),
                       sha256(int8send(g)), 'OLDCARD' || g, 'preferential_card', 'veteran', current_date, 1000, 8500, 850, 150
                FROM generate_series(1, 10) g;
                """)
            try Migrator(migrations: all, logger: TestDatabase.logger).migrate(db)
            let row = try db.query("""
                SELECT (SELECT count(*) FROM audit.entries e JOIN ledger.seal_lines s ON s.entry_id = e.id AND s.period = e.period
                        WHERE s.line_sha256 = sha256(convert_to(audit.seal_line(e), 'UTF8'))),
                       (SELECT count(*) FROM ledger.seal_lines), ledger.period_digest_v3_stored('2031-06') = ledger.period_digest_v3('2031-06')
                """).single().values
            #expect(row == ["10", "10", "t"])
        }
    }
}
