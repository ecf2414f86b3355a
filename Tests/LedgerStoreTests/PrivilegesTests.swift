import Foundation
@testable import LedgerStore
import Postgres
import TestSupport
import Testing

/// What each role may do is written in one place, docs/privileges.md, and held to the catalog: a migration that
/// widens (or narrows) a role fails this suite until the document says so too.
@Suite("privileges")
struct PrivilegesTests {
    static let begin = "<!-- privileges:begin -->"
    static let end = "<!-- privileges:end -->"

    /// The listing of docs/privileges.md, between its markers and inside its code fence.
    static func documented() throws -> [String] {
        let file = Migration.defaultDirectory().deletingLastPathComponent().appendingPathComponent("docs/privileges.md")
        let text = try String(contentsOf: file, encoding: .utf8)
        guard let start = text.range(of: begin), let stop = text.range(of: end), start.upperBound < stop.lowerBound else {
            Issue.record("docs/privileges.md has no listing between \(begin) and \(end)")
            return []
        }
        return text[start.upperBound..<stop.lowerBound]
            .split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("```") }
    }

    @Test("every privilege of every role but the owner, after all migrations, is the listing of docs/privileges.md")
    func catalogMatchesTheDocument() throws {
        try ScratchDatabase.withScratch(migrated: true) { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            let query = try String(
                contentsOf: Migration.defaultDirectory().appendingPathComponent("audit/privileges.sql"), encoding: .utf8)
            let actual = try db.query(PostgresQuery(unsafeSQL: query)).map { row in
                try ["role", "privilege", "kind", "object"].map { try row.decode($0, as: String.self) }.joined(separator: " | ")
            }
            let documented = try Self.documented()
            let widened = actual.filter { !documented.contains($0) }
            let narrowed = documented.filter { !actual.contains($0) }
            #expect(widened.isEmpty, "granted in the catalog but not in docs/privileges.md:\n\(widened.joined(separator: "\n"))")
            #expect(narrowed.isEmpty, "in docs/privileges.md but not granted:\n\(narrowed.joined(separator: "\n"))")
            #expect(actual.count > 40, "the catalog query found too little to be the real listing: \(actual.count) lines")
        }
    }

    @Test("every append-only table refuses UPDATE and DELETE with 23001 and a message that names it and says what to do")
    func finalRowsNameTheirTable() throws {
        try AuditFixture.with { fixture in
            let tables = [
                "ledger.entries": "void", "ledger.delivery_events": "new event", "ledger.reconciliation_runs": "closed period",
                "ledger.reconciliation_breaks": "closed period", "ledger.anomalies": "closed period",
                "ledger.subsidy_lines": "closed period", "ledger.secrets": "seal key", "ledger.reconciliation_reports": "closed period",
                "ledger.seal_lines": "entries",
            ]
            // The two tables the fixture leaves empty get a row each, so that their row triggers fire.
            try fixture.db.execute(script: """
                INSERT INTO ledger.delivery_events (id, delivery_id, terminal_id, from_status, to_status, at, request_sha256)
                SELECT gen_random_uuid(), id, terminal_id, 'requested', 'dispatched', now(), sha256('event') FROM ledger.deliveries LIMIT 1;
                INSERT INTO ledger.reconciliation_reports (run_id, report) SELECT id, '{}' FROM ledger.reconciliation_runs LIMIT 1;
                """)
            for (table, advice) in tables {
                let rows = try fixture.db.query(PostgresQuery(unsafeSQL: "SELECT count(*) AS rows FROM \(table)")).single()
                #expect(try rows.decode("rows", as: Int.self) > 0, "the fixture leaves \(table) empty: no row trigger would fire")
                let column = try fixture.db.query("""
                    SELECT attname::text AS name FROM pg_attribute WHERE attrelid = \(table)::regclass AND attnum > 0
                    AND attidentity = '' AND attgenerated = '' AND NOT attisdropped ORDER BY attnum LIMIT 1
                    """)
                    .single().decode("name", as: String.self)
                for statement in ["UPDATE \(table) SET \(column) = \(column)", "DELETE FROM \(table)"] {
                    do {
                        let changed = try fixture.db.query(PostgresQuery(unsafeSQL: statement)).affectedRows
                        Issue.record("\(statement) was allowed (\(changed) rows)")
                    } catch let error as PostgresError {
                        #expect(error.sqlState == "23001", "\(statement)")
                        #expect(error.message.contains("\(table) is append-only"), "\(statement): \(error.message)")
                        #expect(error.message.contains(advice), "\(statement): \(error.message)")
                    }
                }
            }
        }
    }
}
