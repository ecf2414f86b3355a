import Foundation
@testable import LedgerStore
import Postgres
import Testing

/// Staff members are PostgreSQL logins in the group roles ledger_clerk and ledger_approver (sql/0017).
@Suite("staff logins")
struct StaffTests {
    /// Runs `body` with a fresh login name, and drops that login afterwards, however `body` ends.
    static func withLoginName(_ fixture: AuditFixture, _ body: (String) throws -> Void) throws {
        let login = "staff_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        defer { try? fixture.db.execute(script: "DROP OWNED BY \(login); DROP ROLE IF EXISTS \(login)") }
        try body(login)
    }

    static func roles(of login: String, _ db: PostgresConnection) throws -> [String] {
        try db.query("""
            SELECT g.rolname::text AS role FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
            WHERE r.rolname = \(login) ORDER BY 1
            """).map { try $0.decode("role", as: String.self) }
    }

    @Test("adding a member creates a login with a SCRAM verifier made by libpq, grants the role, and keeps the name")
    func addStaff() throws {
        try AuditFixture.with { fixture in
            try Self.withLoginName(fixture) { login in
                let verifier = try fixture.db.scramVerifier(password: "correct horse battery", user: login)
                #expect(verifier.hasPrefix("SCRAM-SHA-256$4096:"))
                #expect(!verifier.contains("correct horse"))
                _ = try fixture.db.query("SELECT ledger.add_staff(\(login), '王小明', 'clerk', \(verifier))")
                _ = try fixture.db.query("SELECT ledger.add_staff(\(login), '王小明', 'approver', NULL)")
                #expect(try Self.roles(of: login, fixture.db) == ["ledger_approver", "ledger_clerk"])
                let stored = try fixture.db.query("SELECT rolpassword, rolcanlogin FROM pg_authid WHERE rolname = \(login)").single()
                #expect(try stored.decode("rolpassword", as: String.self) == verifier)
                #expect(try stored.decode("rolcanlogin", as: Bool.self))
                #expect(try fixture.db.query("SELECT full_name FROM ledger.staff WHERE login = \(login)").single()
                    .decode("full_name", as: String.self) == "王小明")
            }
        }
    }

    @Test("disabling a member ends their logins and roles but keeps the record; adding them again enables them")
    func disableStaff() throws {
        try AuditFixture.with { fixture in
            try Self.withLoginName(fixture) { login in
                _ = try fixture.db.query("SELECT ledger.add_staff(\(login), 'Li Approver', 'approver', NULL)")
                _ = try fixture.db.query("SELECT ledger.disable_staff(\(login))")
                #expect(try Self.roles(of: login, fixture.db).isEmpty)
                #expect(try !fixture.db.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = \(login)").single().decode("rolcanlogin", as: Bool.self))
                #expect(try fixture.db.query("SELECT disabled_by FROM ledger.staff WHERE login = \(login)").single()
                    .decode("disabled_by", as: String?.self) != nil)
                AuditFixture.expectRefusal("LD003", saying: "no active staff member") {
                    _ = try fixture.db.query("SELECT ledger.disable_staff(\(login))")
                }
                _ = try fixture.db.query("SELECT ledger.add_staff(\(login), 'Li Approver', 'approver', NULL)")
                #expect(try Self.roles(of: login, fixture.db) == ["ledger_approver"])
            }
        }
    }

    @Test("a superuser, a ledger_ or pg_ name, an odd login, an unknown role, a blank name or a clear password are refused")
    func refusals() throws {
        try AuditFixture.with { fixture in
            let superuser = try fixture.db.query("SELECT current_user::text AS login").single().decode("login", as: String.self)
            for (login, role, name, verifier, fragment) in [
                (superuser, "clerk", "Boss", nil, "superuser"),
                ("ledger_x", "clerk", "X", nil, "not ledger_"),
                ("Robert'); DROP TABLE ledger.entries;--", "clerk", "X", nil, "lowercase"),
                ("staff_ok", "auditor", "X", nil, "clerk or approver"),
                ("staff_ok", "clerk", " ", nil, "needs a name"),
                ("staff_ok", "clerk", "X", "hunter2", "SCRAM-SHA-256"),
            ] as [(String, String, String, String?, String)] {
                AuditFixture.expectRefusal("LD003", saying: fragment) {
                    _ = try fixture.db.query("SELECT ledger.add_staff(\(login), \(name), \(role), \(verifier))")
                }
            }
            #expect(try fixture.db.query("SELECT count(*) AS n FROM pg_roles WHERE rolname = 'staff_ok'").single().decode("n", as: Int.self) == 0)
        }
    }
}
