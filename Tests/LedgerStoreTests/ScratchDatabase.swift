import Foundation
import LedgerCore
@testable import LedgerStore
import Logging
import Postgres
import Testing

/// A database of its own for one test, created empty on the cluster of `DATABASE_URL` and dropped afterwards.
/// Without `DATABASE_URL` the test fails and says why; it never skips.
struct ScratchDatabase {
    let name: String
    let url: String
    static let logger = Logger(label: "test")

    static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            Issue.record("DATABASE_URL is not set: run ./scripts/test, which starts a private PostgreSQL")
            throw CancellationError()
        }
        return url
    }

    /// Creates the database; `drop()` removes it.
    static func create() throws -> ScratchDatabase {
        let server = try serverURL()
        guard var components = URLComponents(string: server) else {
            Issue.record("DATABASE_URL must be a postgresql:// URI for these tests")
            throw CancellationError()
        }
        let name = "scratch_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try admin { try $0.execute(script: "CREATE DATABASE \(name)") }
        components.path = "/" + name
        return ScratchDatabase(name: name, url: components.string!)
    }

    func drop() {
        try? Self.admin { try $0.execute(script: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    private static func admin(_ body: (PostgresConnection) throws -> Void) throws {
        let db = try PostgresConnection.connect(try serverURL(), logger: logger)
        defer { db.close() }
        try body(db)
    }

    static func withScratch<T>(_ body: (ScratchDatabase) throws -> T) throws -> T {
        let scratch = try create()
        defer { scratch.drop() }
        return try body(scratch)
    }

    static func withScratchAsync(_ body: @Sendable (ScratchDatabase) async throws -> Void) async throws {
        let scratch = try create()
        do {
            try await body(scratch)
        } catch {
            scratch.drop()
            throw error
        }
        scratch.drop()
    }

    /// A migrated scratch database holding a restaurant of each code (rate 8500, one terminal "till"), on one
    /// connection; dropped after `body`.
    static func withRestaurants(_ codes: [String], _ body: (PostgresConnection) throws -> Void) throws {
        try withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            try Migrator(migrations: migrations(), logger: logger).migrate(db)
            for code in codes {
                _ = try Restaurants.add(code: code, name: "Restaurant \(code)", community: "C", rate: Rate(basisPoints: 8500), on: db)
                _ = try Terminals.add(restaurant: code, name: "till", on: db)
            }
            try body(db)
        }
    }

    func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(url, logger: Self.logger)
    }

    /// The repository's migrations.
    static func migrations() throws -> [Migration] {
        try Migration.load(from: Migration.defaultDirectory())
    }
}
