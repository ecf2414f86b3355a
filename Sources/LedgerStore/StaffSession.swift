import Foundation
public import Logging
import NIOPosix
public import Postgres

/// Why a staff member could not sign in; `message` says why, for the person at the sign-in form.
public enum StaffSignInRefusal: Error, Sendable, Equatable {
    /// PostgreSQL refused the login and password (a wrong password, an unknown or disabled login).
    case wrongPassword
    /// PostgreSQL let a deliberately wrong password in: it checks no password for this login (`trust`).
    case noPasswordChecked
    /// The login is in neither staff group role (an auditor, the daemon's own login, …).
    case notStaff

    public var message: String {
        switch self {
        case .wrongPassword:
            "the login or the password is wrong (or the login is disabled): check both and try again"
        case .noPasswordChecked:
            "PostgreSQL checks no password for this login (trust authentication), so a sign-in would prove nothing: ask the administrator to require a password (scram-sha-256 in pg_hba.conf) for it"
        case .notStaff:
            "this login is not bureau staff (ledger_clerk or ledger_approver): ask the administrator to add it with 'ledgerctl staff add'"
        }
    }
}

/// A signed-in staff member's own database connection, opened as their login with their password and kept until
/// sign-out or the idle timeout: every act runs as that login (`session_user`), so the database's rules and its
/// records of who did what hold. The password is used to connect and is not kept.
///
/// `@unchecked Sendable`: the connection serves one caller at a time (its handle is behind a lock), and every call
/// runs on NIO's thread pool, never on the cooperative threads.
public final class StaffSession: @unchecked Sendable {
    public let login: String
    public let roles: [StaffRole]
    private let db: PostgresConnection

    private init(login: String, roles: [StaffRole], db: PostgresConnection) {
        self.login = login
        self.roles = roles
        self.db = db
    }

    /// Connects to the configured database as `login` with `password` (giving up after 10 s). Refused with
    /// `StaffSignInRefusal` when PostgreSQL refuses the password, checks none, or the login is not staff;
    /// `LedgerUnavailable` when the database cannot be reached.
    public static func signIn(
        login: String, password: String, configuration: LedgerConfiguration, logger: Logger
    ) async throws -> StaffSession {
        try await NIOThreadPool.singleton.runIfActive {
            try open(login: login, password: password, databaseURL: configuration.databaseURL, logger: logger)
        }
    }

    private static func open(login: String, password: String, databaseURL: String, logger: Logger) throws -> StaffSession {
        guard !login.isEmpty, !password.isEmpty else { throw StaffSignInRefusal.wrongPassword }
        // A password no one has: if PostgreSQL lets it in, it checks none for this login.
        let wrong = "not-the-password-" + UUID().uuidString
        if let unchecked = try? connect(databaseURL, login: login, password: wrong, logger: logger) {
            unchecked.close()
            throw StaffSignInRefusal.noPasswordChecked
        }
        let db: PostgresConnection
        do {
            db = try connect(databaseURL, login: login, password: password, logger: logger)
        } catch let error as PostgresError where error.refusesCredentials {
            throw StaffSignInRefusal.wrongPassword
        } catch {
            throw LedgerUnavailable.translating(error)
        }
        do {
            let granted = try db.query("""
                SELECT array(SELECT r FROM unnest(\(StaffRole.allCases.map(\.groupRole))::text[]) r
                             WHERE pg_has_role(session_user, r, 'MEMBER') ORDER BY r) AS roles
                """).single().decode("roles", as: [String].self)
            let roles = StaffRole.allCases.filter { granted.contains($0.groupRole) }
            guard !roles.isEmpty else { throw StaffSignInRefusal.notStaff }
            return StaffSession(login: login, roles: roles, db: db)
        } catch {
            db.close()
            throw LedgerUnavailable.translating(error)
        }
    }

    private static func connect(_ url: String, login: String, password: String, logger: Logger) throws -> PostgresConnection {
        try PostgresConnection.connect(url, logger: logger, connectTimeoutSeconds: 10, credentials: (login, password))
    }

    /// Runs `body` on this member's connection, off the cooperative threads. The database's errors reach the caller
    /// as `LedgerUnavailable`, the refusals of its rules as `LedgerRefusal.refusedByRule`.
    public func run<T: Sendable>(_ body: @escaping @Sendable (LedgerConnection) throws -> T) async throws -> T {
        let db = self.db
        return try await NIOThreadPool.singleton.runIfActive {
            do {
                return try LedgerRefusal.translatingRules { try body(db) }
            } catch let error as PostgresError {
                throw LedgerUnavailable.translating(error)
            }
        }
    }

    /// Ends the session's connection.
    public func close() {
        db.close()
    }
}

extension PostgresError {
    /// The server refused the login or its password (SQLSTATE 28P01 or 28000, which libpq reports only in the text).
    var refusesCredentials: Bool {
        kind == .connectionFailed && (message.contains("authentication failed") || message.contains("no password")
            || message.contains("not permitted to log in") || message.contains("does not exist"))
    }
}
