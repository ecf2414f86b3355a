import Foundation
import TestSupport
import Testing

/// `ledgerctl migrate` making the monthly partitions ahead, and `ledgerctl partitions list|detach|attach` (sql/0023).
@Suite("ledgerctl partitions")
struct PartitionsCommandTests {
    @Test("migrate makes partitions ahead; a closed month is detached, listed as archived, verified, and attached again")
    func detachVerifyAttach() throws {
        try ReconcileCommandTests.withDatabase { url, ctl in
            let again = try ctl("migrate")
            #expect(again.stdout.contains("monthly partitions made 3 months ahead"), "\(again.stdout)")
            try ReconcileCommandTests.oneMealMonth(url, ctl: ctl, mealID: "3f1b6c2e-0000-4000-8000-0000000000a1")
            _ = try Executables.sql("INSERT INTO ledger.periods (period) VALUES ('2033-05')", databaseURL: url)

            let open = try ctl("partitions", "detach", "2033-04")
            #expect(open.status == 1)
            #expect(open.stderr.contains("period 2033-04 is not closed"), "\(open.stderr)")

            let work = try ReconcileCommandTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: work) }
            #expect(try ctl("reconcile", "--period", "2033-04", "--out", work.path).status == 0)
            let detached = try ctl("partitions", "detach", "2033-04")
            #expect(detached.status == 0, "\(detached.stderr)")
            #expect(try Executables.sql("SELECT count(*) FROM archive.entries_2033_04", databaseURL: url) == "1")

            let listed = try ctl("partitions", "list")
            #expect(listed.status == 0)
            let april = listed.stdout.split(separator: "\n").first { $0.hasPrefix("2033-04") }.map(String.init) ?? ""
            #expect(april.contains(" 1 ") && april.contains("archived") && april.contains("closed"), "\(listed.stdout)")
            let may = listed.stdout.split(separator: "\n").first { $0.hasPrefix("2033-05") }.map(String.init) ?? ""
            #expect(may.contains("attached") && may.contains("open"), "\(listed.stdout)")

            let verified = try ctl("verify", "--period", "2033-04")
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stdout.contains("seal intact"))

            #expect(try ctl("partitions", "attach", "2033-04").status == 0)
            #expect(try Executables.sql("SELECT tableoid::regclass FROM ledger.entries WHERE period = '2033-04'", databaseURL: url)
                == "ledger.entries_2033_04")
            let twice = try ctl("partitions", "attach", "2033-04")
            #expect(twice.status == 1)
            #expect(twice.stderr.contains("it is not archived"), "\(twice.stderr)")
            #expect(try ctl("verify", "--period", "2033-04").status == 0)
        }
    }
}
