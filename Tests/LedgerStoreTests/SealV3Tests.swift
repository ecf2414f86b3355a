import Foundation
import LedgerCore
@testable import LedgerStore
import Logging
import Postgres
import TestSupport
import Testing

/// sql/0026_seal_v3.sql: seal version 3, the entries in id order cut into consecutive parts of 4,096, each part's line
/// hashes hashed in id order, and the parts' digests hashed in part order.
@Suite("seal version 3")
struct SealV3Tests {
    static let settings = LedgerSettings(booking: BookingPolicy(timeZone: TimeZone(identifier: "Asia/Shanghai")!), dailyLimit: DailyLimit())
    static let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let partSize = 4096

    /// The plain-SQL recipe of version 3 exactly as sql/audit/README.md prints it, for `period` instead of its example's.
    static func readmeRecipe(period: String) throws -> PostgresQuery {
        let file = Migration.defaultDirectory().appendingPathComponent("audit/README.md")
        let text = try String(contentsOf: file, encoding: .utf8)
        guard let heading = text.range(of: "Version 3 in plain SQL"),
              let start = text.range(of: "```sql\n", range: heading.upperBound..<text.endIndex),
              let stop = text.range(of: "```", range: start.upperBound..<text.endIndex) else {
            Issue.record("sql/audit/README.md has no SQL block after \"Version 3 in plain SQL\"")
            return "SELECT NULL::text"
        }
        let sql = String(text[start.upperBound..<stop.lowerBound])
        #expect(sql.contains("'2031-04'"))
        return PostgresQuery(unsafeSQL: sql.replacingOccurrences(of: "'2031-04'", with: "'\(period)'"))
    }

    /// Version 3 worked out here from the stored line hashes, the ordering and cutting in Swift and only SHA-256 from
    /// the database: the hashes in id order cut every 4,096, each part's concatenated and hashed, those digests
    /// concatenated in order and hashed.
    static func digestWorkedOut(period: String, on db: PostgresConnection) throws -> String {
        let lines = try db.query("SELECT entry_id::text AS id, encode(line_sha256, 'hex') AS hash FROM audit.seal_lines WHERE period = \(period)")
            .map { row in (id: try row.decode("id", as: String.self), hash: try row.decode("hash", as: String.self)) }
        // A uuid's order is that of its 16 bytes, which is the order of its lower-case text.
        let hashes = lines.sorted { $0.id < $1.id }.map(\.hash)
        var digests = ""
        for start in stride(from: 0, to: hashes.count, by: partSize) {
            digests += try sha256(hex: hashes[start..<min(start + partSize, hashes.count)].joined(), on: db)
        }
        return try sha256(hex: digests, on: db)
    }

    static func sha256(hex: String, on db: PostgresConnection) throws -> String {
        try db.query("SELECT encode(sha256(decode(\(hex), 'hex')), 'hex')").single().onlyValue(as: String.self)
    }

    /// Meals number `numbers` of `period` at R1, each the same whenever it is written (its times and amounts come from
    /// its number); `ids` makes the id of meal `g`, as SQL over the column `g`.
    static func meals(_ period: String, _ numbers: ClosedRange<Int>, ids: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: """
            INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, recorded_at, request_sha256,
                card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
            SELECT \(ids), 'meal', r.id, t.id, '\(period)', false, TIMESTAMPTZ '\(period)-01 12:00+08' + g * interval '1 minute',
                   TIMESTAMPTZ '\(period)-01 12:00:01+08' + g * interval '1 minute', sha256(int8send(g)),
                   'PLANT77' || lpad((g % 7)::text, 5, '0'), 'preferential_card', 'veteran', DATE '\(period)-01',
                   1000 + g, 8500, ((1000 + g) * 8500 + 5000) / 10000, (1000 + g) - ((1000 + g) * 8500 + 5000) / 10000
            FROM generate_series(\(numbers.lowerBound), \(numbers.upperBound)) g
            JOIN ledger.restaurants r ON r.code = 'R1' JOIN ledger.terminals t ON t.restaurant_id = r.id
            """)
    }

    /// Time-based ids (UUID version 7) of one month share their first bytes; these share their first eight.
    static let timeBasedIDs = "('018f3a2b-9c00-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid"
    static let nilID = "'00000000-0000-0000-0000-000000000000'::uuid"

    /// August, closed and sealed: 3 × 4,096 + 5 meals, one with the nil uuid (the lowest id) and the others with
    /// time-based ids; October and November, open: exactly one part (4,096 meals) and one more than a part (4,097).
    static func months(_ fixture: AuditFixture) throws {
        try fixture.db.execute(script: "INSERT INTO ledger.periods (period) VALUES ('2031-08'), ('2031-10'), ('2031-11')")
        _ = try fixture.db.query(meals("2031-08", 1...(3 * partSize + 4), ids: timeBasedIDs))
        _ = try fixture.db.query(meals("2031-08", 0...0, ids: nilID))
        try fixture.close("2031-08")
        _ = try fixture.db.query(meals("2031-10", 1...partSize, ids: "md5('seal v3 october ' || g)::uuid"))
        _ = try fixture.db.query(meals("2031-11", 1...(partSize + 1), ids: "md5('seal v3 november ' || g)::uuid"))
    }

    @Test("the seal is the plain-SQL recipe of sql/audit/README.md, run by an auditor, for entries in several parts and for none")
    func readmeRecipe() throws {
        try AuditFixture.with { fixture in
            try Self.months(fixture)
            try fixture.db.execute(script: "INSERT INTO ledger.periods (period) VALUES ('2031-09')")
            try fixture.close("2031-09")
            let august = try fixture.db.query("""
                SELECT count(*) AS entries, count(DISTINCT substr(id::text, 1, 18)) AS prefixes,
                       (SELECT id FROM ledger.entries WHERE period = '2031-08' ORDER BY id LIMIT 1) AS lowest
                FROM ledger.entries WHERE period = '2031-08'
                """).single()
            #expect(try august.decode("entries", as: Int.self) == 3 * Self.partSize + 5)
            #expect(try august.decode("prefixes", as: Int.self) == 2)
            #expect(try august.decode("lowest", as: UUID.self) == UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
            let example = try AuditFixture.exampleQueries(period: "2031-08").first { $0.contains("WHEN 3 THEN") }
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                for period in ["2031-04", "2031-08", "2031-09"] {
                    let sealed = try auditor.query("SELECT digest FROM audit.periods WHERE period = \(period) AND seal_version = 3")
                        .single().onlyValue(as: String.self)
                    let byHand = try auditor.query(Self.readmeRecipe(period: period)).single().onlyValue(as: String.self)
                    #expect(byHand == sealed, "\(period)")
                    #expect(try auditor.query("SELECT audit.verify_period(\(period))").single().onlyValue(as: Bool.self), "\(period)")
                }
                let nothing = try auditor.query("SELECT digest FROM audit.periods WHERE period = '2031-09'").single().onlyValue(as: String.self)
                #expect(nothing == Self.empty)
                // examples.sql, query 12: the recipe chosen by the period's version.
                let recomputed = try auditor.query(PostgresQuery(unsafeSQL: try #require(example))).single()
                #expect(try recomputed.decode("recomputed", as: String.self) == recomputed.decode("sealed", as: String.self))
            }
        }
    }

    @Test("the digest from the stored line hashes is the one recomputed from the entries, for clerks and approvers too")
    func storedIsRecomputed() throws {
        try AuditFixture.with { fixture in
            try Self.months(fixture)
            for role in ["ledger_clerk", "ledger_approver"] {
                try fixture.asLogin(grantedRole: role) { staff in
                    for period in ["2031-04", "2031-05", "2031-08", "2031-10", "2031-11", "2031-12"] {
                        let row = try staff.query("""
                            SELECT ledger.period_digest_v3_stored(\(period)) AS stored, ledger.period_digest_v3(\(period)) AS recomputed
                            """).single()
                        let stored = try row.decode("stored", as: String?.self)
                        let recomputed = try row.decode("recomputed", as: String?.self)
                        #expect(stored != nil && stored == recomputed, "\(role), \(period)")
                    }
                }
            }
            #expect(try fixture.db.query("SELECT ledger.period_digest_v3('2031-12')").single().onlyValue(as: String.self) == Self.empty)
        }
    }

    @Test("the parts: one part, a part and one entry, several parts with shared id prefixes and the nil uuid, worked out apart; a changed entry breaks it")
    func parts() throws {
        try AuditFixture.with { fixture in
            let db = fixture.db
            try Self.months(fixture)
            for period in ["2031-04", "2031-08", "2031-10", "2031-11", "2031-12"] {
                let stored = try db.query("SELECT ledger.period_digest_v3_stored(\(period))").single().onlyValue(as: String.self)
                #expect(try Self.digestWorkedOut(period: period, on: db) == stored, "\(period)")
            }
            // Up to 4,096 entries are one part: the digest is that of version 2's digest. From 4,097 on, it is not.
            for (period, onePart) in [("2031-04", true), ("2031-10", true), ("2031-11", false), ("2031-08", false)] {
                let row = try db.query("""
                    SELECT encode(sha256(decode(ledger.period_digest_v2(\(period)), 'hex')), 'hex') AS twice,
                           ledger.period_digest_v3(\(period)) AS v3
                    """).single()
                #expect(try (row.decode("twice", as: String.self) == row.decode("v3", as: String.self)) == onePart, "\(period)")
            }

            // One entry of August changed behind the triggers' back: verify fails and names it.
            let changed = try db.query(PostgresQuery(unsafeSQL: "SELECT \(Self.timeBasedIDs) FROM (SELECT 5000 AS g) x")).single()
                .onlyValue(as: UUID.self)
            try db.execute(script: """
                ALTER TABLE ledger.entries DISABLE TRIGGER USER;
                UPDATE ledger.entries SET gross_fen = 3000, payable_fen = 2550, discount_fen = 450 WHERE id = '\(changed.uuidString.lowercased())';
                ALTER TABLE ledger.entries ENABLE TRIGGER USER;
                """)
            let august = try Period(parsing: "2031-08")
            guard case .broken = try Reconciliations.verify(period: august, on: db) else {
                Issue.record("the changed period still verified")
                return
            }
            #expect(try Reconciliations.sealLineDifferences(period: august, on: db) == [SealLineDifference(entryID: changed, kind: .changed)])
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                let verified = try auditor.query("SELECT audit.verify_period('2031-08') AS august, audit.verify_period('2031-04') AS april")
                    .single()
                #expect(try !verified.decode("august", as: Bool.self))
                #expect(try verified.decode("april", as: Bool.self))
            }
        }
    }

    @Test("a period sealed with version 2 before migration 0026 keeps it and verifies after; the next close is version 3")
    func versionTwoBeforeMigration() throws {
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            let all = try TestDatabase.migrations()
            try Migrator(migrations: all.filter { $0.version < 26 }, logger: TestDatabase.logger).migrate(db)
            let fixture = AuditFixture(scratch: scratch, db: db, sealVersion: 2)
            try fixture.populate()
            let sealed = try db.query("SELECT digest FROM ledger.periods WHERE period = '2031-04' AND seal_version = 2").single()
                .onlyValue(as: String.self)

            try Migrator(migrations: all, logger: TestDatabase.logger).migrate(db)

            let april = try Period(parsing: "2031-04")
            #expect(try Reconciliations.verify(period: april, on: db) == .intact(digest: sealed))
            #expect(try db.query("SELECT ledger.seal_digest('2031-04', 3::smallint) <> \(sealed)").single().onlyValue(as: Bool.self))
            let may = try Period(parsing: "2031-05")
            let report = try Reconciliations.run(period: may, statements: nil, dryRun: false, settings: Self.settings, on: db)
            let mayDigest = try #require(report.digest)
            try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                let periods = try auditor.query("SELECT period, seal_version, digest FROM audit.periods WHERE status = 'closed' ORDER BY period")
                    .map { row in try [row.decode("period", as: String.self), String(row.decode("seal_version", as: Int16.self)),
                                       row.decode("digest", as: String.self)] }
                #expect(periods == [["2031-04", "2", sealed], ["2031-05", "3", mayDigest]])
                #expect(try auditor.query("SELECT audit.verify_period('2031-04') AND audit.verify_period('2031-05')").single()
                    .onlyValue(as: Bool.self))
                #expect(try auditor.query("SELECT seal_version FROM audit.reconciliation_runs WHERE period = '2031-05'").single()
                    .onlyValue(as: Int16.self) == 3)
            }
            #expect(try db.query("SELECT ledger.period_digest_v3('2031-05')").single().onlyValue(as: String.self) == mayDigest)
        }
    }
}
