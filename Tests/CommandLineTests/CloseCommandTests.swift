import Foundation
import TestSupport
import Testing

/// `ledgerctl close …` and `reconcile` under the two-person policy (PRODUCT.md §4.9), each login its own, as the
/// bureau's staff run them.
@Suite("ledgerctl close")
struct CloseCommandTests {
    static let period = "2033-04"
    static let mealID = "3f1b6c2e-0000-4000-8000-0000000000c1"

    static func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? ""
    }

    static func isDigest(_ text: String) -> Bool {
        text.count == 64 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    @Test("reconcile prepares under two-person; a clerk prepares, another login approves and the period closes; each refusal says why")
    func twoPersonClose() throws {
        try ScratchDatabase.withScratch { scratch in
            let owner = { (arguments: String...) in
                try Executables.run("ledgerctl", arguments, environment: ["DATABASE_URL": scratch.url])
            }
            #expect(try owner("migrate").status == 0)
            #expect(try owner("close", "policy").stdout == "close policy: two-person\n")
            try ReconcileCommandTests.oneMealMonth(scratch.url, ctl: owner, mealID: Self.mealID)
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("close-" + UUID().uuidString)
            defer { try? FileManager.default.removeItem(at: work) }
            let statements = work.appendingPathComponent("statements"), drafts = work.appendingPathComponent("drafts")
            let final = work.appendingPathComponent("final")
            try FileManager.default.createDirectory(at: statements, withIntermediateDirectories: true)
            try "id,occurred_at,card_no,gross_fen,payable_fen,voided\n\(Self.mealID),2033-04-30T23:30:00+08:00,CARD0001,2001,1701,false\n"
                .write(to: statements.appendingPathComponent("R1.csv"), atomically: true, encoding: .utf8)
            let status = { try Executables.sql("SELECT status FROM ledger.periods WHERE period = '\(Self.period)'", databaseURL: scratch.url) }

            try scratch.withLogin(grantedRole: "ledger_clerk") { clerkURL in
                try scratch.withLogin(grantedRole: "ledger_approver") { approverURL in
                    let clerkLogin = URLComponents(string: clerkURL)?.user ?? "", approverLogin = URLComponents(string: approverURL)?.user ?? ""
                    let clerk = { (arguments: String...) in
                        try Executables.run("ledgerctl", arguments, environment: ["DATABASE_URL": clerkURL])
                    }
                    let approver = { (arguments: String...) in
                        try Executables.run("ledgerctl", arguments, environment: ["DATABASE_URL": approverURL])
                    }

                    // The monthly timer's reconcile, as the owner: it prepares, exits 0 and says how to approve.
                    let timer = try owner("reconcile", "--period", Self.period, "--out", drafts.path)
                    #expect(timer.status == 0, "\(timer.stderr)")
                    #expect(timer.stdout.contains("prepared, not performed") && timer.stdout.contains("ledgerctl close approve"), "\(timer.stdout)")
                    #expect(Self.isDigest(Self.lastLine(timer.stdout)), "\(timer.stdout)")
                    #expect(try status() == "open")
                    #expect(FileManager.default.fileExists(atPath: drafts.appendingPathComponent("subsidy-\(Self.period).html").path))

                    // A second proposal while one is pending: refused before anything is computed or written.
                    let twice = try clerk("close", "prepare", "--period", Self.period, "--out", drafts.path)
                    #expect(twice.status == 1)
                    #expect(twice.stderr.contains("pending already"), "\(twice.stderr)")
                    let noReason = try clerk("close", "reject", "--period", Self.period, "--reason", " ")
                    #expect(noReason.status == 1)
                    #expect(noReason.stderr.contains("needs a reason"), "\(noReason.stderr)")
                    #expect(try clerk("close", "reject", "--period", Self.period, "--reason", "the statements were not in yet").status == 0)

                    // The clerk prepares with the statements.
                    let prepared = try clerk("close", "prepare", "--period", Self.period, "--statements", statements.path, "--out", drafts.path)
                    #expect(prepared.status == 0, "\(prepared.stderr)")
                    let digest = Self.lastLine(prepared.stdout)
                    #expect(Self.isDigest(digest), "\(prepared.stdout)")
                    #expect(prepared.stdout.contains("prepared by \(clerkLogin)"), "\(prepared.stdout)")
                    let shown = try clerk("close", "status", "--period", Self.period)
                    #expect(shown.stdout.contains("prepared") && shown.stdout.contains("proposal \(digest)"), "\(shown.stdout)")

                    // Refusals, each with its reason, each changing nothing.
                    let policy = try clerk("close", "policy", "single")
                    #expect(policy.status == 1)
                    #expect(policy.stderr.contains("only the ledger's owner sets the close policy"), "\(policy.stderr)")
                    let byClerk = try clerk("close", "approve", "--period", Self.period)
                    #expect(byClerk.status == 1)
                    #expect(byClerk.stderr.contains("only an approver"), "\(byClerk.stderr)")
                    let other = try approver("close", "approve", "--period", Self.period, "--proposal", String(repeating: "a", count: 64))
                    #expect(other.status == 1)
                    #expect(other.stderr.contains("is \(digest), not"), "\(other.stderr)")
                    let malformed = try approver("close", "approve", "--period", Self.period, "--proposal", "ABC")
                    #expect(malformed.status != 0)
                    #expect(malformed.stderr.contains("64 lowercase hex digits"), "\(malformed.stderr)")
                    #expect(try status() == "open")

                    // The approval closes the month as reconcile does, and writes the final reports.
                    let approved = try approver("close", "approve", "--period", Self.period, "--proposal", digest, "--out", final.path)
                    #expect(approved.status == 0, "\(approved.stderr)")
                    #expect(approved.stdout.contains("period \(Self.period) closed at"), "\(approved.stdout)")
                    #expect(try status() == "closed")
                    let signed = try Executables.sql(
                        "SELECT prepared_by || ' ' || approved_by FROM audit.periods WHERE period = '\(Self.period)'", databaseURL: scratch.url)
                    #expect(signed == "\(clerkLogin) \(approverLogin)")
                    // The draft says so; the final report names who prepared and who approved it.
                    let draft = try String(contentsOf: drafts.appendingPathComponent("subsidy-\(Self.period).html"), encoding: .utf8)
                    #expect(draft.contains("草稿") && draft.contains(clerkLogin) && !draft.contains(approverLogin))
                    let signedHTML = try String(contentsOf: final.appendingPathComponent("subsidy-\(Self.period).html"), encoding: .utf8)
                    #expect(!signedHTML.contains("草稿") && signedHTML.contains(clerkLogin) && signedHTML.contains(approverLogin))
                    let rewritten = try owner("report", "--period", Self.period, "--format", "html", "--out", work.path)
                    #expect(rewritten.status == 0, "\(rewritten.stderr)")
                    let again = try String(contentsOf: work.appendingPathComponent("subsidy-\(Self.period).html"), encoding: .utf8)
                    #expect(again == signedHTML)
                    let csv = try String(contentsOf: final.appendingPathComponent("subsidy-\(Self.period).csv"), encoding: .utf8)
                    #expect(csv.contains("\(Self.period),R1,1,0,1,2001,300,1701,0,150,0,150\n"), "\(csv)")
                    #expect(try owner("verify", "--period", Self.period).status == 0)
                    let closedStatus = try approver("close", "status", "--period", Self.period)
                    #expect(closedStatus.stdout.contains("closed") && closedStatus.stdout.contains("approved"), "\(closedStatus.stdout)")
                    let approvedTwice = try approver("close", "approve", "--period", Self.period)
                    #expect(approvedTwice.status == 1)
                    #expect(approvedTwice.stderr.contains("no proposal is pending"), "\(approvedTwice.stderr)")
                    let actions = try Executables.sql(
                        "SELECT string_agg(action, ',' ORDER BY at, action DESC) FROM audit.close_actions WHERE period = '\(Self.period)'",
                        databaseURL: scratch.url)
                    #expect(actions == "prepared,rejected,prepared,approved")
                }
            }
        }
    }

    @Test("close policy single makes reconcile close at once; the policy is shown, and only two values are accepted")
    func singlePolicy() throws {
        try ScratchDatabase.withScratch { scratch in
            let owner = { (arguments: String...) in
                try Executables.run("ledgerctl", arguments, environment: ["DATABASE_URL": scratch.url])
            }
            #expect(try owner("migrate").status == 0)
            let bad = try owner("close", "policy", "three-person")
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("two-person or single"), "\(bad.stderr)")
            #expect(try owner("close", "policy", "single").stdout == "close policy: single\n")
            try ReconcileCommandTests.oneMealMonth(scratch.url, ctl: owner, mealID: Self.mealID)
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("single-" + UUID().uuidString)
            defer { try? FileManager.default.removeItem(at: out) }
            let closed = try owner("reconcile", "--period", Self.period, "--out", out.path)
            #expect(closed.status == 0, "\(closed.stderr)")
            #expect(closed.stdout.contains("period \(Self.period) closed at"), "\(closed.stdout)")
            let shown = try owner("close", "status")
            #expect(shown.stdout.contains("close policy: single"), "\(shown.stdout)")
            let periodLine = shown.stdout.split(separator: "\n").first { $0.hasPrefix(Self.period) } ?? ""
            #expect(periodLine.contains("closed"), "\(shown.stdout)")
            // A month the ledger has no row for yet is open.
            let unknown = try owner("close", "status", "--period", "2099-01")
            let unknownLine = unknown.stdout.split(separator: "\n").first { $0.hasPrefix("2099-01") } ?? ""
            #expect(unknownLine.contains("open") && !unknown.stdout.contains(Self.period), "\(unknown.stdout)")
        }
    }
}
