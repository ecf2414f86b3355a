import Foundation
import LedgerStore
import Logging
import Postgres

/// The test cluster that `./scripts/test` starts: `DATABASE_URL`, read once for the whole test process. Without it
/// every database test fails (never skips) and says why.
public enum TestDatabase {
    public static let missingMessage = "DATABASE_URL is not set: run ./scripts/test, which starts a private PostgreSQL"

    private static let environmentURL = ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }

    public static let logger = Logger(label: "test")

    /// `DATABASE_URL`; a `TestSetupError` saying how to set it when it is not set.
    public static func url() throws -> String {
        guard let url = environmentURL else { throw TestSetupError(missingMessage) }
        return url
    }

    /// A new superuser connection to the test database.
    public static func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(url(), logger: logger)
    }

    /// The repository's migrations.
    public static func migrations() throws -> [Migration] {
        try Migration.load(from: Migration.defaultDirectory())
    }

    /// Applies the repository's migrations on `db` (those already applied are skipped).
    public static func migrate(_ db: PostgresConnection) throws {
        _ = try Migrator(migrations: migrations(), logger: logger).migrate(db)
    }

    /// The test database, migrated (a no-op once done; the migrator's advisory lock makes parallel tests wait).
    public static func migrated() throws -> String {
        let db = try connect()
        defer { db.close() }
        try migrate(db)
        return try url()
    }

    /// Runs `body` on a new superuser connection to the migrated test database.
    public static func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let db = try PostgresConnection.connect(try migrated(), logger: logger)
        defer { db.close() }
        return try body(db)
    }
}

/// A test that cannot be set up: it fails with this message.
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
