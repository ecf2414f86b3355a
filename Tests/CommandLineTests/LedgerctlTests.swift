import Foundation
import Testing

@Suite("ledgerctl")
struct LedgerctlTests {
    static let nowhere = "postgresql://postgres@127.0.0.1:1/nowhere?connect_timeout=2"

    @Test("migrate with a database that is not there exits non-zero with one clear line")
    func unreachable() throws {
        let outcome = try Executables.run("ledgerctl", ["migrate"], environment: ["DATABASE_URL": Self.nowhere])
        #expect(outcome.status != 0)
        let lines = outcome.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(outcome.stderr.contains("cannot connect to the database"))
        #expect(outcome.stderr.contains("DATABASE_URL"))
    }

    @Test("migrate is safe to run again")
    func migrateTwice() throws {
        #expect(try Executables.ledgerctl("migrate").status == 0)
        let again = try Executables.ledgerctl("migrate")
        #expect(again.status == 0)
        #expect(again.stdout.contains("schema is up to date"))
    }

    @Test("restaurant add, terms, list and show; a rate above 8500 and a duplicate code are refused")
    func restaurants() throws {
        _ = try Executables.ledgerctl("migrate")
        let code = "CLI" + UUID().uuidString.prefix(6)
        #expect(try Executables.ledgerctl("restaurant", "add", "--code", code, "--name", "老兵食堂", "--community", "東社區", "--rate", "8000").status == 0)
        let duplicate = try Executables.ledgerctl("restaurant", "add", "--code", code, "--name", "x", "--community", "y", "--rate", "8000")
        #expect(duplicate.status != 0)
        #expect(duplicate.stderr.contains("already registered"))
        let tooHigh = try Executables.ledgerctl("restaurant", "add", "--code", code + "X", "--name", "x", "--community", "y", "--rate", "8501")
        #expect(tooHigh.status != 0)
        #expect(tooHigh.stderr.contains("8500"))
        #expect(try Executables.ledgerctl("restaurant", "terms", "--code", code, "--from", "2031-01-01", "--discount-share", "5000",
                                          "--delivery-fee", "800", "--monthly-cap", "100000").status == 0)
        #expect(try Executables.ledgerctl("restaurant", "list").stdout.contains(code))
        let show = try Executables.ledgerctl("restaurant", "show", "--code", code)
        #expect(show.status == 0)
        #expect(show.stdout.contains("2031-01-01"))
        #expect(show.stdout.contains("100000"))
        #expect(try Executables.ledgerctl("restaurant", "show", "--code", "NOSUCH").status != 0)
    }

    @Test("terminal add prints the token on its last line; revoke and list")
    func terminals() throws {
        _ = try Executables.ledgerctl("migrate")
        let code = "CLI" + UUID().uuidString.prefix(6)
        _ = try Executables.ledgerctl("restaurant", "add", "--code", code, "--name", "x", "--community", "y", "--rate", "8500")
        let added = try Executables.ledgerctl("terminal", "add", "--restaurant", code, "--name", "till")
        #expect(added.status == 0)
        #expect(added.lastLine.hasPrefix("ldg_") && added.lastLine.count == 68)
        #expect(try Executables.ledgerctl("terminal", "list", "--restaurant", code).stdout.contains("till"))
        #expect(try Executables.ledgerctl("terminal", "revoke", "--restaurant", code, "--name", "till").status == 0)
        let again = try Executables.ledgerctl("terminal", "revoke", "--restaurant", code, "--name", "till")
        #expect(again.status != 0)
        #expect(again.stderr.contains("no live terminal"))
    }

    @Test("cards import: all or nothing, every bad row as 'line N: reason', exit 1")
    func cardsImport() throws {
        _ = try Executables.ledgerctl("migrate")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = "CLIGOOD" + UUID().uuidString.prefix(8).replacingOccurrences(of: "-", with: "")
        let bad = directory.appendingPathComponent("bad.csv")
        try """
            card_no,name,category,birth_date,phone,address,community,status,valid_from,valid_until
            \(good),王小明,veteran,1940-01-01,,,,active,,
            X,李四,veteran,1940-01-01,,,,active,,
            \(good)2,張三,veteran,1940-13-01,,,,frozen,,
            """.write(to: bad, atomically: true, encoding: .utf8)
        let refused = try Executables.ledgerctl("cards", "import", bad.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("line 3: card_no"))
        #expect(refused.stderr.contains("line 4: birth_date"))
        #expect(refused.stderr.contains("line 4: birth_date: '1940-13-01' is not a calendar date"))
        #expect(refused.stderr.contains("status: 'frozen'"))
        #expect(try Executables.ledgerctl("cards", "show", good).status != 0)

        let fine = directory.appendingPathComponent("good.csv")
        try "\(good),王小明,veteran,1940-01-01,138,\"1 Road, Flat 2\",East,active,,\n".write(to: fine, atomically: true, encoding: .utf8)
        let imported = try Executables.ledgerctl("cards", "import", fine.path)
        #expect(imported.status == 0)
        #expect(imported.stdout.contains("imported 1 cards"))
        #expect(try Executables.ledgerctl("cards", "show", good).stdout.contains("1 Road, Flat 2"))
    }
}
