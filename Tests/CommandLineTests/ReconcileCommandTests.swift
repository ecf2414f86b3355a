import Foundation
import TestSupport
import Testing

/// `ledgerctl reconcile`, `verify` and `report` as an operator runs them, each test on a database of its own.
@Suite("ledgerctl reconcile, verify, report")
struct ReconcileCommandTests {
    /// A scratch database, migrated by `ledgerctl migrate` and set to the close policy `single` (reconcile closes at
    /// once, as the owner; CloseCommandTests has the two-person close), dropped afterwards.
    static func withDatabase(_ body: (String, (String...) throws -> Executables.Outcome) throws -> Void) throws {
        try ScratchDatabase.withScratch { scratch in
            let ctl = { (arguments: String...) in
                try Executables.run("ledgerctl", arguments, environment: ["DATABASE_URL": scratch.url])
            }
            #expect(try ctl("migrate").status == 0)
            #expect(try ctl("close", "policy", "single").stdout == "close policy: single\n")
            try body(scratch.url, ctl)
        }
    }

    /// Restaurant R1 with terms from 2033-01-01, a terminal, and one meal of 2001 fen in April 2033 with `mealID`.
    static func oneMealMonth(_ url: String, ctl: (String...) throws -> Executables.Outcome, mealID: String) throws {
        #expect(try ctl("restaurant", "add", "--code", "R1", "--name", "一号餐厅", "--community", "东社区", "--rate", "8500").status == 0)
        #expect(try ctl("restaurant", "terms", "--code", "R1", "--from", "2033-01-01", "--discount-share", "5000", "--delivery-fee", "500").status == 0)
        #expect(try ctl("terminal", "add", "--restaurant", "R1", "--name", "till").status == 0)
        _ = try Executables.sql("""
            INSERT INTO ledger.periods (period) VALUES ('2033-04');
            INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
            SELECT '\(mealID)', 'meal', r.id, t.id, '2033-04', false, '2033-04-30T23:30:00+08:00', sha256('a'), 'CARD0001',
                'preferential_card', 'veteran', '2033-04-30', 2001, 8500, 1701, 300
            FROM ledger.restaurants r JOIN ledger.terminals t ON t.restaurant_id = r.id
            """, databaseURL: url)
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recon-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("reconcile writes the three files, closes the period, and writes the same bytes again; verify and report")
    func closeAndRepeat() throws {
        try Self.withDatabase { url, ctl in
            let work = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: work) }
            let id = "3f1b6c2e-0000-4000-8000-000000000001"
            try Self.oneMealMonth(url, ctl: ctl, mealID: id)
            let statements = work.appendingPathComponent("statements")
            try FileManager.default.createDirectory(at: statements, withIntermediateDirectories: true)
            let out = work.appendingPathComponent("out")

            // A malformed statement: refused line by line, nothing written, the period still open.
            try "id,occurred_at,card_no,gross_fen,payable_fen,voided\n\(id),2033-04-30T23:30:00+08:00,CARD0001,2001,1701,false\nnot-a-uuid,x,CARD0001,1,1,maybe\n"
                .write(to: statements.appendingPathComponent("R1.csv"), atomically: true, encoding: .utf8)
            let refused = try ctl("reconcile", "--period", "2033-04", "--statements", statements.path, "--out", out.path)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("R1.csv line 3: id"))
            #expect(!FileManager.default.fileExists(atPath: out.path))
            #expect(try Executables.sql("SELECT status FROM ledger.periods WHERE period = '2033-04'", databaseURL: url) == "open")
            #expect(try ctl("verify", "--period", "2033-04").status == 2)

            try "id,occurred_at,card_no,gross_fen,payable_fen,voided\n\(id),2033-04-30T23:30:00+08:00,CARD0001,2001,1701,false\n"
                .write(to: statements.appendingPathComponent("R1.csv"), atomically: true, encoding: .utf8)

            // A dry run writes the reports and changes nothing.
            let dry = try ctl("reconcile", "--period", "2033-04", "--statements", statements.path, "--out", out.path, "--dry-run")
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(try Executables.sql("SELECT status FROM ledger.periods WHERE period = '2033-04'", databaseURL: url) == "open")
            #expect(try Executables.sql("SELECT count(*) FROM ledger.reconciliation_runs", databaseURL: url) == "0")

            let first = try ctl("reconcile", "--period", "2033-04", "--statements", statements.path, "--out", out.path)
            #expect(first.status == 0, "\(first.stderr)")
            let names = ["subsidy-2033-04.csv", "breaks-2033-04.csv", "subsidy-2033-04.html"]
            let bytes = try names.map { try Data(contentsOf: out.appendingPathComponent($0)) }
            let csv = String(decoding: bytes[0], as: UTF8.self)
            #expect(csv.contains("2033-04,R1,1,0,1,2001,300,1701,0,150,0,150\n"))
            #expect(csv.hasSuffix("2033-04,TOTAL,1,0,1,2001,300,1701,0,150,0,150\n"))
            #expect(String(decoding: bytes[1], as: UTF8.self) == "period,restaurant,kind,entry_id,detail\n")
            let html = String(decoding: bytes[2], as: UTF8.self)
            #expect(html.contains("双拥餐厅优待补贴结算报告") && html.contains("<svg") && html.contains("3.00"))
            // Closed: final, no draft mark; no issuing bureau without LEDGER_ISSUER.
            #expect(!html.contains("草稿") && !html.contains("class=\"issuer\""))
            // Self-contained: nothing fetched from elsewhere.
            #expect(!html.contains("src=") && !html.contains("<link") && !html.contains("<script") && !html.contains("url("))
            let digest = try Executables.sql("SELECT digest FROM ledger.periods WHERE period = '2033-04'", databaseURL: url)
            #expect(html.contains(digest))
            #expect(digest == (try Executables.sql("SELECT ledger.period_digest_v3('2033-04')", databaseURL: url)))
            #expect(try Executables.sql("SELECT seal_version FROM audit.periods WHERE period = '2033-04'", databaseURL: url) == "3")

            // Again, after more time has passed and without statements: the same bytes.
            let again = try ctl("reconcile", "--period", "2033-04", "--out", out.path)
            #expect(again.status == 0)
            let rewritten = try names.map { try Data(contentsOf: out.appendingPathComponent($0)) }
            #expect(rewritten == bytes)

            // report, from the stored run; English on request.
            let reports = work.appendingPathComponent("reports")
            #expect(try ctl("report", "--period", "2033-04", "--format", "csv", "--out", reports.path).status == 0)
            #expect(try Data(contentsOf: reports.appendingPathComponent("subsidy-2033-04.csv")) == bytes[0])
            #expect(try ctl("report", "--period", "2033-04", "--format", "json", "--out", reports.path).status == 0)
            #expect(try String(contentsOf: reports.appendingPathComponent("subsidy-2033-04.json"), encoding: .utf8).contains(digest))
            #expect(try ctl("report", "--period", "2033-04", "--format", "html", "--lang", "en", "--out", reports.path).status == 0)
            #expect(try String(contentsOf: reports.appendingPathComponent("subsidy-2033-04.html"), encoding: .utf8).contains("subsidy settlement report"))
            // The issuing bureau (LEDGER_ISSUER) heads the title block.
            let issued = try Executables.run("ledgerctl", ["report", "--period", "2033-04", "--format", "html", "--out", reports.path],
                                             environment: ["DATABASE_URL": url, "LEDGER_ISSUER": "某某区退役军人事务局"])
            #expect(issued.status == 0, "\(issued.stderr)")
            #expect(try String(contentsOf: reports.appendingPathComponent("subsidy-2033-04.html"), encoding: .utf8)
                .contains("<div class=\"issuer\">某某区退役军人事务局</div>"))
            #expect(try ctl("report", "--period", "2033-05", "--format", "csv", "--out", reports.path).status == 1)

            // verify: intact, then broken after an entry is altered behind the triggers.
            let intact = try ctl("verify", "--period", "2033-04")
            #expect(intact.status == 0 && intact.stdout.contains("intact"))
            _ = try Executables.sql("""
                ALTER TABLE ledger.entries DISABLE TRIGGER USER;
                UPDATE ledger.entries SET reason = NULL, card_no = 'CARD0002' WHERE id = '\(id)';
                ALTER TABLE ledger.entries ENABLE TRIGGER USER;
                """, databaseURL: url)
            let broken = try ctl("verify", "--period", "2033-04")
            #expect(broken.status == 1)
            #expect(broken.stdout.contains("SEAL BROKEN"))
            #expect(broken.stdout.contains("entry \(id): changed since it was written"))
        }
    }

    @Test("bad options are refused before the database is touched")
    func badOptions() throws {
        #expect(try Executables.ledgerctl("reconcile", "--period", "2033-13").status != 0)
        #expect(try Executables.ledgerctl("reconcile", "--period", "2033-01", "--lang", "fr").status != 0)
        #expect(try Executables.ledgerctl("report", "--period", "2033-01", "--format", "pdf").status != 0)
    }
}
