import Foundation
import Testing

/// `ledgerctl staff`: bureau staff as PostgreSQL logins (issue 14; the rules are sql/0017's).
@Suite("ledgerctl staff")
struct StaffCommandTests {
    @Test("staff add makes a login with a SCRAM verifier of the password read from standard input; list and disable follow")
    func addListDisable() throws {
        #expect(try Executables.ledgerctl("migrate").status == 0)
        let login = "staff_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        defer { _ = try? Executables.sql("DROP OWNED BY \(login); DROP ROLE IF EXISTS \(login)") }

        let added = try Executables.ledgerctl(input: "s3cret horse\n", "staff", "add", "--login", login, "--name", "王小明",
                                              "--role", "clerk", "--password-stdin")
        #expect(added.status == 0, "\(added.output)")
        let verifier = try Executables.sql("SELECT rolpassword FROM pg_authid WHERE rolname = '\(login)'")
        #expect(verifier.hasPrefix("SCRAM-SHA-256$"), "\(verifier)")
        #expect(!verifier.contains("s3cret"))
        let other = try Executables.ledgerctl("staff", "add", "--login", login, "--name", "王小明", "--role", "approver")
        #expect(other.status == 0, "\(other.output)")
        #expect(other.stdout.contains("no password set"))

        let listed = try Executables.ledgerctl("staff", "list")
        let line = listed.stdout.split(separator: "\n").first { $0.hasPrefix(login + " ") }
        #expect(line?.contains("王小明") == true, "\(listed.stdout)")
        #expect(line?.contains("approver,clerk") == true, "\(listed.stdout)")

        let disabled = try Executables.ledgerctl("staff", "disable", "--login", login)
        #expect(disabled.status == 0, "\(disabled.output)")
        #expect(try Executables.sql("SELECT rolcanlogin FROM pg_roles WHERE rolname = '\(login)'") == "f")
        let afterwards = try Executables.ledgerctl("staff", "list")
        let disabledLine = afterwards.stdout.split(separator: "\n").first { $0.hasPrefix(login + " ") }
        #expect(disabledLine?.contains("clerk") == false, "\(afterwards.stdout)")
        let again = try Executables.ledgerctl("staff", "disable", "--login", login)
        #expect(again.status == 1)
        #expect(again.stderr.contains("no active staff member"), "\(again.stderr)")
    }

    @Test("staff add refuses an unknown role, an odd login and an empty password on standard input, creating nothing")
    func refusals() throws {
        #expect(try Executables.ledgerctl("migrate").status == 0)
        let role = try Executables.ledgerctl("staff", "add", "--login", "staff_nobody", "--name", "X", "--role", "auditor")
        #expect(role.status != 0)
        #expect(role.stderr.contains("clerk or approver"), "\(role.stderr)")
        let odd = try Executables.ledgerctl("staff", "add", "--login", "Bad Name", "--name", "X", "--role", "clerk")
        #expect(odd.status == 1)
        #expect(odd.stderr.contains("lowercase"), "\(odd.stderr)")
        let empty = try Executables.ledgerctl(input: "\n", "staff", "add", "--login", "staff_nobody", "--name", "X", "--role", "clerk",
                                              "--password-stdin")
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("no password"), "\(empty.stderr)")
        #expect(try Executables.sql("SELECT count(*) FROM pg_roles WHERE rolname IN ('staff_nobody', 'Bad Name')") == "0")
    }
}
