import Foundation
import TestSupport
import Testing

/// `ledgerctl certifications set-due`, `cycle` and `notices --closed` (issue 15's loose ends, sql/0021), each on a
/// scratch database of its own, since a cycle changes everyone's due dates.
@Suite("ledgerctl certifications set-due, cycle, notices --closed")
struct CertificationStaffCommandTests {
    @Test("set-due gives a card without certification a due date that 'due' lists; each refusal says why and records nothing")
    func setDue() throws {
        try ScratchDatabase.withScratch { scratch in
            let owner = { (arguments: String...) in
                try Executables.run("ledgerctl", arguments, environment: ["DATABASE_URL": scratch.url])
            }
            #expect(try owner("migrate").status == 0)
            _ = try Executables.sql("""
                INSERT INTO ledger.cards (card_no, holder_name, category, phone, status) VALUES
                    ('SD00000001', 'First Due', 'veteran', '13900000011', 'active'),
                    ('SD00000002', 'Certified', 'veteran', NULL, 'active'),
                    ('SD00000003', 'Revoked', 'veteran', NULL, 'revoked');
                INSERT INTO ledger.certifications (id, card_no, method, certified_on, next_due)
                    VALUES (gen_random_uuid(), 'SD00000002', 'in_person', '2024-01-01', '2025-01-01')
                """, databaseURL: scratch.url)
            let due = "2099-03-31"
            let set = try owner("certifications", "set-due", "--card", "SD00000001", "--due", due, "--note", "agreed by phone")
            #expect(set.status == 0, "\(set.output)")
            #expect(set.stdout.contains("card SD00000001 is due to certify on \(due)"), "\(set.stdout)")
            let listed = try owner("certifications", "due", "--within", "100000", "--format", "csv")
            let row = listed.stdout.split(separator: "\n").first { $0.hasPrefix("SD00000001,") }
            // No last certification: last_method and last_certified_on are empty.
            #expect(row?.hasPrefix("SD00000001,First Due,13900000011,,,,,\(due),") == true, "\(listed.stdout)")
            #expect(row?.hasSuffix(",no") == true, "\(listed.stdout)")

            let refusals: [([String], String?)] = [
                (["--card", "SD00000002", "--due", due], "already has a certification"),
                (["--card", "SD00000003", "--due", due], "is revoked"),
                (["--card", "NOSUCH0001", "--due", due], "is not in the registry"),
                (["--card", "SD00000001", "--due", "2001-01-01"], "is before today"),
                (["--card", "SD00000001", "--due", "2024-02-30"], nil),
            ]
            for (arguments, reason) in refusals {
                let refused = try Executables.run("ledgerctl", ["certifications", "set-due"] + arguments,
                                                  environment: ["DATABASE_URL": scratch.url])
                #expect(refused.status != 0, "\(arguments)")
                if let reason { #expect(refused.stderr.contains(reason), "\(arguments): \(refused.stderr)") }
            }
            let rows = try Executables.sql("SELECT count(*) FROM ledger.certification_first_dues", databaseURL: scratch.url)
            #expect(rows == "1")
        }
    }

    @Test("cycle lists each category (the default where none is set) and sets one as an approver, not as a clerk")
    func cycle() throws {
        try ScratchDatabase.withScratch { scratch in
            #expect(try Executables.run("ledgerctl", ["migrate"], environment: ["DATABASE_URL": scratch.url]).status == 0)
            let listed = try Executables.run("ledgerctl", ["certifications", "cycle"], environment: ["DATABASE_URL": scratch.url])
            #expect(listed.status == 0, "\(listed.output)")
            #expect(listed.stdout.contains("12 (LEDGER_CERT_CYCLE_MONTHS)") && listed.stdout.contains("special_care"), "\(listed.stdout)")
            try scratch.withLogin(grantedRole: "ledger_approver") { approverURL in
                let set = try Executables.run("ledgerctl", ["certifications", "cycle", "--category", "veteran", "--months", "6"],
                                              environment: ["DATABASE_URL": approverURL])
                #expect(set.status == 0, "\(set.output)")
                #expect(set.stdout.contains("certification cycle of veteran set to 6 months"), "\(set.stdout)")
                #expect(set.stdout.contains(URLComponents(string: approverURL)?.user ?? "?"), "\(set.stdout)")
            }
            try scratch.withLogin(grantedRole: "ledger_clerk") { clerkURL in
                let refused = try Executables.run("ledgerctl", ["certifications", "cycle", "--category", "veteran", "--months", "3"],
                                                  environment: ["DATABASE_URL": clerkURL])
                #expect(refused.status == 1)
                #expect(refused.stderr.contains("only an approver"), "\(refused.stderr)")
            }
            for arguments in [["--category", "veteran"], ["--category", "sailor", "--months", "6"], ["--category", "veteran", "--months", "0"]] {
                let bad = try Executables.run("ledgerctl", ["certifications", "cycle"] + arguments, environment: ["DATABASE_URL": scratch.url])
                #expect(bad.status != 0, "\(arguments)")
            }
            let months = try Executables.sql("SELECT months FROM ledger.certification_cycles WHERE category = 'veteran'", databaseURL: scratch.url)
            #expect(months == "6")
        }
    }

    @Test("notices --closed shows a notice closed by the person's certification apart from one a person acknowledged")
    func closedNotices() throws {
        try ScratchDatabase.withScratch { scratch in
            let owner = { (arguments: String...) in
                try Executables.run("ledgerctl", arguments, environment: ["DATABASE_URL": scratch.url])
            }
            #expect(try owner("migrate").status == 0)
            _ = try Executables.sql("""
                INSERT INTO ledger.cards (card_no, holder_name, category, status) VALUES ('NC00000001', 'Notice Holder', 'veteran', 'active');
                INSERT INTO ledger.certifications (id, card_no, method, certified_on, next_due)
                    VALUES (gen_random_uuid(), 'NC00000001', 'in_person', current_date - 500, current_date - 135);
                INSERT INTO ledger.certification_notices (card_no, due_on) VALUES ('NC00000001', current_date - 135)
                """, databaseURL: scratch.url)
            let today = try Executables.sql("SELECT current_date", databaseURL: scratch.url)
            let certified = try owner("certifications", "record", "--card", "NC00000001", "--method", "in_person", "--on", today)
            #expect(certified.status == 0, "\(certified.output)")
            #expect(try owner("certifications", "notices").stdout.contains("no open certification notices"))
            let closed = try owner("certifications", "notices", "--closed")
            #expect(closed.status == 0, "\(closed.output)")
            let line = closed.stdout.split(separator: "\n").first { $0.contains("NC00000001") }
            #expect(line?.contains("certification") == true, "\(closed.stdout)")
            let id = try Executables.sql("SELECT id FROM ledger.certification_notices", databaseURL: scratch.url)
            let acknowledged = try owner("certifications", "acknowledge", id, "--note", "called")
            #expect(acknowledged.status == 1)
            #expect(acknowledged.stderr.contains("because the person certified"), "\(acknowledged.stderr)")
        }
    }
}
