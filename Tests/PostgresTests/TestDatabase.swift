import Foundation
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

/// What the tests of the Postgres module add to the shared test database: pools, waits and tables of their own.
extension TestDatabase {
    static func makePool(
        maxConnections: Int,
        acquireTimeout: Duration = .seconds(10)
    ) throws -> PostgresPool {
        var configuration = PostgresPool.Configuration(
            conninfo: try url(),
            maxConnections: maxConnections
        )
        configuration.acquireTimeout = acquireTimeout
        return PostgresPool(configuration: configuration, logger: logger)
    }

    /// Polls `condition` every 5 ms until it holds; after `limit`, records an issue naming `what` and throws.
    static func waitUntil(
        _ what: String, within limit: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: () -> Bool
    ) async throws {
        let end = ContinuousClock.now + limit
        while !condition() {
            guard ContinuousClock.now < end else {
                Issue.record("gave up after \(limit) waiting for \(what)", sourceLocation: sourceLocation)
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// A table name no other test (or test run) uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
    }

    /// Runs `body` with a real (not temporary) table that other connections can see, dropped afterwards.
    static func withTable<T>(
        _ prefix: String,
        columns: String,
        _ body: (String) async throws -> T
    ) async throws -> T {
        let name = uniqueName(prefix)
        let admin = try connect()
        defer { admin.close() }
        try admin.execute(script: "CREATE TABLE \(name) (\(columns))")
        do {
            let value = try await body(name)
            try admin.execute(script: "DROP TABLE IF EXISTS \(name)")
            return value
        } catch {
            try? admin.execute(script: "DROP TABLE IF EXISTS \(name)")
            throw error
        }
    }
}

/// A counter that `@Sendable` closures can share.
final class Counter: Sendable {
    private let value = Mutex(0)

    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
    var current: Int { value.withLock { $0 } }
}

/// A value that `@Sendable` closures can share.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) { self.value = Mutex(value) }

    func update<R: Sendable>(_ body: (inout Value) -> R) -> R { value.withLock { body(&$0) } }
    var current: Value { value.withLock { $0 } }
}
