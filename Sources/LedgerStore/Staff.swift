public import Foundation
public import Postgres

/// What a staff member may do: a clerk prepares a month's close and follows up welfare alerts; an approver approves or
/// rejects a close. Each is a PostgreSQL group role (`ledger_clerk`, `ledger_approver`, sql/0017).
public enum StaffRole: String, Sendable, CaseIterable {
    case clerk
    case approver

    /// The group role a login is granted.
    public var groupRole: String { "ledger_\(rawValue)" }
}

/// A staff member: a PostgreSQL login in a staff group role, with the name the bureau knows them by.
public struct StaffMember: Sendable, Equatable, PostgresRowDecodable {
    public let login: String
    public let name: String
    /// The staff roles the login holds now; none once disabled.
    public let roles: [StaffRole]
    public let addedAt: Date
    public let disabledAt: Date?

    /// From the columns login, full_name, roles (the group roles' names), added_at and disabled_at.
    public init(_ row: PostgresRow) throws {
        login = try row.decode("login")
        name = try row.decode("full_name")
        roles = try row.decode("roles", as: [String].self).compactMap { role in StaffRole.allCases.first { $0.groupRole == role } }
        addedAt = try row.decode("added_at")
        disabledAt = try row.decode("disabled_at", as: Date?.self)
    }
}

/// Bureau staff as PostgreSQL logins: the database is the identity store, and its rules (sql/0017) decide who may do
/// what. Run by the ledger's owner, which needs the CREATEROLE attribute.
public enum Staff {
    /// Adds `login` as a staff member of `role` (creating the login when it does not exist, or enabling a disabled
    /// member again). A `password` is sent only as its SCRAM-SHA-256 verifier, computed here by libpq.
    public static func add(login: String, name: String, role: StaffRole, password: String?, on db: PostgresConnection) throws {
        let verifier = try password.map { try db.scramVerifier(password: $0, user: login) }
        try LedgerRefusal.translatingRules {
            _ = try db.query("SELECT ledger.add_staff(\(login), \(name), \(role.rawValue), \(verifier))")
        }
    }

    /// Every staff member ever added, by login, with the roles they hold now.
    public static func list(on db: PostgresConnection) throws -> [StaffMember] {
        try db.query("""
            SELECT s.login::text AS login, s.full_name, s.added_at, s.disabled_at,
                   coalesce(array(SELECT g.rolname::text FROM pg_auth_members m
                                  JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
                                  WHERE r.rolname = s.login AND g.rolname::text = ANY(\(StaffRole.allCases.map(\.groupRole))::text[])
                                  ORDER BY 1), '{}') AS roles
            FROM ledger.staff s ORDER BY s.login
            """).decode(StaffMember.self)
    }

    /// Disables a staff member: their login can no longer log in, loses its staff roles, and its sessions end; the
    /// records of what they did stay.
    public static func disable(login: String, on db: PostgresConnection) throws {
        try LedgerRefusal.translatingRules { _ = try db.query("SELECT ledger.disable_staff(\(login))") }
    }
}
