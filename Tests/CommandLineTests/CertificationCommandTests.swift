import Foundation
import Testing

/// `ledgerctl certifications` and the eleventh column of `cards import` (issue 15).
@Suite("ledgerctl certifications")
struct CertificationCommandTests {
    /// A file in the temporary folder with `text`; removed by the caller.
    func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cert-\(UUID().uuidString.prefix(8)).csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func count(_ card: String) throws -> String {
        try Executables.sql("SELECT count(*) FROM ledger.certifications WHERE card_no = '\(card)'")
    }

    @Test("cards import takes certified_on; record, import, due and the notices work as the contract says")
    func commands() throws {
        #expect(try Executables.ledgerctl("migrate").status == 0)
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).uppercased()
        let (overdue, fresh) = ("CO" + suffix, "CF" + suffix)
        let cards = try file("""
            card_no,name,category,birth_date,phone,address,community,status,valid_from,valid_until,certified_on
            \(overdue),Overdue Holder,veteran,1940-01-01,13900000001,1 Elm,East,active,,,2020-01-01
            \(fresh),Fresh Holder,veteran,1940-01-01,13900000002,2 Elm,East,active,,,
            """)
        defer { try? FileManager.default.removeItem(at: cards) }
        let imported = try Executables.ledgerctl("cards", "import", cards.path)
        #expect(imported.status == 0, "\(imported.output)")
        #expect(try count(overdue) == "1")
        #expect(try count(fresh) == "0")

        let noProxy = try Executables.ledgerctl("certifications", "record", "--card", fresh, "--method", "proxy", "--on", "2024-02-29")
        #expect(noProxy.status == 1)
        #expect(noProxy.stderr.contains("--proxy-name"), "\(noProxy.stderr)")
        let badMethod = try Executables.ledgerctl("certifications", "record", "--card", fresh, "--method", "by_pigeon", "--on", "2024-02-29")
        #expect(badMethod.status != 0)
        #expect(badMethod.stderr.contains("in_person"), "\(badMethod.stderr)")
        #expect(try count(fresh) == "0")
        let proxy = try Executables.ledgerctl("certifications", "record", "--card", fresh, "--method", "proxy", "--on", "2024-02-29",
                                              "--proxy-name", "Fresh Junior", "--proxy-relation", "son")
        #expect(proxy.status == 0, "\(proxy.output)")
        #expect(proxy.stdout.contains("next due 2025-02-28"), "\(proxy.stdout)")

        let bad = try file("card_no,method,certified_on,reference\n\(fresh),online,2024-03-01,\n\(fresh),in_person,2024-03-01,\nNOSUCHCARD1,in_person,2024-03-01,\n")
        defer { try? FileManager.default.removeItem(at: bad) }
        let refused = try Executables.ledgerctl("certifications", "import", bad.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("line 2: reference"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was imported"), "\(refused.stderr)")
        #expect(try count(fresh) == "1")
        let good = try file("\(fresh),online,2024-03-01,PROV-77\n")
        defer { try? FileManager.default.removeItem(at: good) }
        let first = try Executables.ledgerctl("certifications", "import", good.path)
        #expect(first.stdout.contains("imported 1 certifications (0 already recorded)"), "\(first.output)")
        let again = try Executables.ledgerctl("certifications", "import", good.path)
        #expect(again.stdout.contains("imported 0 certifications (1 already recorded)"), "\(again.output)")

        let csv = try Executables.ledgerctl("certifications", "due", "--overdue", "--format", "csv")
        #expect(csv.status == 0, "\(csv.output)")
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "card_no,name,phone,address,community,last_method,last_certified_on,due,days_left,overdue")
        let row = lines.first { $0.hasPrefix(overdue + ",") }
        #expect(row?.contains("Overdue Holder,13900000001,1 Elm,East,registry,2020-01-01,2021-01-01,") == true, "\(csv.stdout)")
        // The latest certification by its day sets the due date: the online one of 2024-03-01, not the proxy's.
        let freshRow = lines.first { $0.hasPrefix(fresh + ",") }
        #expect(freshRow?.contains(",online,2024-03-01,2025-03-01,") == true, "\(csv.stdout)")
        let both = try Executables.ledgerctl("certifications", "due", "--overdue", "--within", "5")
        #expect(both.status != 0)

        // A notice as the daemon raises it (a scheduler of a test running meanwhile may have raised it already); staff
        // list and acknowledge it once.
        let id = try Executables.sql("""
            WITH raised AS (INSERT INTO ledger.certification_notices (card_no, due_on) VALUES ('\(overdue)', '2021-01-01')
                            ON CONFLICT DO NOTHING RETURNING id)
            SELECT id FROM raised
            UNION ALL SELECT id FROM ledger.certification_notices WHERE card_no = '\(overdue)' AND acknowledged_at IS NULL
            LIMIT 1
            """)
        let notices = try Executables.ledgerctl("certifications", "notices")
        #expect(notices.stdout.contains(overdue), "\(notices.output)")
        let acknowledged = try Executables.ledgerctl("certifications", "acknowledge", id, "--note", "called: certifies tomorrow")
        #expect(acknowledged.status == 0, "\(acknowledged.output)")
        let twice = try Executables.ledgerctl("certifications", "acknowledge", id, "--note", "again")
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("already acknowledged"), "\(twice.stderr)")
        let sample = try Executables.ledgerctl("certifications", "sample", "--period", "2024-02")
        #expect(sample.status == 0, "\(sample.output)")
    }
}
