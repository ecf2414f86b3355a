import Foundation
import Postgres

/// A database of its own for one test, created empty on the test cluster and dropped afterwards, however the test
/// ends: for tests that migrate it themselves, change roles or catalogs, or need to be alone.
public struct ScratchDatabase: Sendable {
    public let name: String
    public let url: String

    /// Creates an empty database; `drop()` removes it.
    public static func create() throws -> ScratchDatabase {
        guard var components = URLComponents(string: try TestDatabase.url()) else {
            throw TestSetupError("DATABASE_URL must be a postgresql:// URI for these tests")
        }
        let name = "scratch_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try admin { try $0.execute(script: "CREATE DATABASE \(name)") }
        components.path = "/" + name
        return ScratchDatabase(name: name, url: components.string!)
    }

    public func drop() {
        try? Self.admin { try $0.execute(script: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    private static func admin(_ body: (PostgresConnection) throws -> Void) throws {
        let db = try TestDatabase.connect()
        defer { db.close() }
        try body(db)
    }

    /// Runs `body` with a new scratch database, migrated when `migrated`; drops it afterwards.
    public static func withScratch<T>(migrated: Bool = false, _ body: (ScratchDatabase) throws -> T) throws -> T {
        let scratch = try create()
        defer { scratch.drop() }
        if migrated { try scratch.migrate() }
        return try body(scratch)
    }

    /// `withScratch` for asynchronous tests.
    public static func withScratchAsync(
        migrated: Bool = false, _ body: @Sendable (ScratchDatabase) async throws -> Void
    ) async throws {
        let scratch = try create()
        do {
            if migrated { try scratch.migrate() }
            try await body(scratch)
        } catch {
            scratch.drop()
            throw error
        }
        scratch.drop()
    }

    /// A new superuser connection to this database.
    public func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(url, logger: TestDatabase.logger)
    }

    /// Applies the repository's migrations.
    public func migrate() throws {
        let db = try connect()
        defer { db.close() }
        try TestDatabase.migrate(db)
    }

    /// This database's URL with another user and, when given, its password.
    public func url(user: String, password: String? = nil) -> String {
        var components = URLComponents(string: url)!
        components.user = user
        components.password = password
        return components.string!
    }

    /// The password of every login `withLogin` makes: the test cluster asks every login but its owner for one.
    public static let loginPassword = "test-login-password"

    /// Runs `body` with the URL (password included) of a new LOGIN role granted `role`, with a random name; drops the
    /// role afterwards.
    public func withLogin<T>(grantedRole role: String, _ body: (String) async throws -> T) async throws -> T {
        let (login, db) = try makeLogin(grantedRole: role)
        defer { Self.dropLogin(login, on: db) }
        return try await body(url(user: login, password: Self.loginPassword))
    }

    /// `withLogin` for synchronous tests.
    public func withLogin<T>(grantedRole role: String, _ body: (String) throws -> T) throws -> T {
        let (login, db) = try makeLogin(grantedRole: role)
        defer { Self.dropLogin(login, on: db) }
        return try body(url(user: login, password: Self.loginPassword))
    }

    private func makeLogin(grantedRole role: String) throws -> (String, PostgresConnection) {
        let login = "t_" + role + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        let db = try connect()
        do {
            try db.execute(script: "CREATE ROLE \(login) LOGIN PASSWORD '\(Self.loginPassword)' IN ROLE \(role)")
        } catch {
            db.close()
            throw error
        }
        return (login, db)
    }

    private static func dropLogin(_ login: String, on db: PostgresConnection) {
        try? db.execute(script: "DROP OWNED BY \(login); DROP ROLE IF EXISTS \(login)")
        db.close()
    }
}
