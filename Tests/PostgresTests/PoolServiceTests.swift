import Logging
import Postgres
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// The pool as a service of a `ServiceGroup`: it closes at the group's graceful shutdown, after the services that
/// come later in the group have finished with it.
@Suite("the pool as a service")
struct PoolServiceTests {
    /// What a server does at graceful shutdown: finishes its requests in flight, which still borrow connections.
    final class Borrower: Service, Sendable {
        let pool: PostgresPool
        let served = Mutex(false)

        init(pool: PostgresPool) { self.pool = pool }

        func run() async throws {
            try await gracefulShutdown()
            _ = try await pool.query("SELECT pg_sleep(0.2)")
            served.withLock { $0 = true }
        }
    }

    @Test("the group's graceful shutdown closes the pool after the services after it; borrowers are refused then")
    func closesAtShutdown() async throws {
        let pool = try TestDatabase.makePool(maxConnections: 2)
        let borrower = Borrower(pool: pool)
        var configuration = ServiceGroupConfiguration(services: [pool, borrower], logger: TestDatabase.logger)
        // A deadline: a shutdown that does not finish in time is cancelled (and the borrower's query then fails).
        configuration.maximumGracefulShutdownDuration = .seconds(20)
        let group = ServiceGroup(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await pool.query("SELECT 1").single().decode(0, as: Int32.self) == 1)
            await group.triggerGracefulShutdown()
            // The borrower's query during the shutdown failing would make the group's run throw here.
            try await tasks.waitForAll()
        }
        let served = borrower.served.withLock { $0 }
        #expect(served)
        #expect(pool.statistics.open == 0)
        let refused = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(refused?.kind == .poolClosed)
    }

    @Test("a cancelled group closes the pool too")
    func closesOnCancellation() async throws {
        let pool = try TestDatabase.makePool(maxConnections: 1)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [pool], logger: TestDatabase.logger))
        let running = Task { try await group.run() }
        _ = try await pool.query("SELECT 1")
        running.cancel()
        _ = await running.result
        let refused = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(refused?.kind == .poolClosed)
    }
}
