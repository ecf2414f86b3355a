import Foundation
import Postgres
import TestSupport
import Testing

@Suite struct PoolTests {
    @Test("two hundred concurrent queries share four connections")
    func twoHundredConcurrentQueriesOverFourConnections() async throws {
        // The last of 200 borrowers waits for 196 before it: on a loaded CI machine that took longer than 10 s.
        let pool = try TestDatabase.makePool(maxConnections: 4, acquireTimeout: .seconds(60))
        let maxOpen = Shared(0)
        let done = Shared(false)

        // Sample the statistics while the queries run.
        let sampler = Task {
            while !done.current {
                let open = pool.statistics.open
                maxOpen.update { $0 = max($0, open) }
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        let results = try await withThrowingTaskGroup(of: (Int64, Int64).self) { group in
            for index in Int64(0)..<200 {
                group.addTask {
                    let row = try await pool.query("SELECT pg_sleep(0.01), \(index)::int8 AS v").single()
                    let open = pool.statistics.open
                    maxOpen.update { $0 = max($0, open) }
                    return (index, try row.decode("v", as: Int64.self))
                }
            }
            var collected: [(Int64, Int64)] = []
            for try await result in group { collected.append(result) }
            return collected
        }
        done.update { $0 = true }
        await sampler.value

        #expect(results.count == 200)
        let mismatched = results.filter { $0.0 != $0.1 }
        #expect(mismatched.isEmpty)
        #expect(maxOpen.current <= 4)
        let statistics = pool.statistics
        #expect(statistics.open <= 4)
        #expect(statistics.inUse == 0)
        #expect(statistics.waiting == 0)
        #expect(statistics.totalWaits > 0)
        #expect(statistics.totalOpened <= 4)
        await pool.close()
        #expect(pool.statistics.open == 0)
    }

    @Test("a terminated idle backend is replaced")
    func aTerminatedIdleBackendIsReplaced() async throws {
        let pool = try TestDatabase.makePool(maxConnections: 1)
        let firstPID = try await pool.query("SELECT pg_backend_pid()").single().decode(0, as: Int32.self)
        #expect(pool.statistics.idle == 1)

        let admin = try TestDatabase.connect()
        let terminated = try admin.query("SELECT pg_terminate_backend(\(firstPID)::int4, 5000)").single()
        #expect(try terminated.decode(0, as: Bool.self))

        // The very next request succeeds, on a new backend.
        let secondPID = try await pool.query("SELECT pg_backend_pid()").single().decode(0, as: Int32.self)
        #expect(secondPID != firstPID)
        #expect(pool.statistics.open == 1)
        #expect(pool.statistics.totalDiscarded >= 1)
        await pool.close()
    }

    @Test("a backend killed during use is discarded and the next request succeeds")
    func aBackendKilledDuringUseIsDiscardedAndTheNextRequestSucceeds() async throws {
        let pool = try TestDatabase.makePool(maxConnections: 1)
        let firstPID = try await pool.query("SELECT pg_backend_pid()").single().decode(0, as: Int32.self)
        let error = await #expect(throws: PostgresError.self) {
            try await pool.query("SELECT pg_terminate_backend(pg_backend_pid())")
        }
        #expect(error?.isConnectionProblem == true)
        #expect(pool.statistics.open == 0)

        let secondPID = try await pool.query("SELECT pg_backend_pid()").single().decode(0, as: Int32.self)
        #expect(secondPID != firstPID)
        await pool.close()
    }

    @Test("a connection left in a transaction is not reused")
    func aConnectionLeftInATransactionIsNotReused() async throws {
        let pool = try TestDatabase.makePool(maxConnections: 1)
        let firstPID = try await pool.withConnection { connection in
            try connection.execute(script: "BEGIN")
            return connection.backendPID
        }
        #expect(pool.statistics.open == 0)
        let secondPID = try await pool.query("SELECT pg_backend_pid()").single().decode(0, as: Int32.self)
        #expect(secondPID != firstPID)
        // A clean connection is reused.
        let thirdPID = try await pool.query("SELECT pg_backend_pid()").single().decode(0, as: Int32.self)
        #expect(thirdPID == secondPID)
        await pool.close()
    }

    @Test("acquiring a connection times out")
    func acquireTimesOut() async throws {
        let pool = try TestDatabase.makePool(maxConnections: 1, acquireTimeout: .milliseconds(200))
        // The holder keeps the only connection until the gate opens, so an answer before that is the timeout.
        let gate = try Gate()
        let holder = Task { try await pool.query(gate.waitQuery) }
        try await TestDatabase.waitUntil("the holder to borrow the connection") { pool.statistics.inUse > 0 }

        let start = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        let waited = ContinuousClock.now - start
        #expect(error?.kind == .poolTimeout)
        #expect(waited >= .milliseconds(150))
        // The holder cannot finish before the gate opens, so .poolTimeout alone proves the timeout; the bound only
        // says it came back at all (on a loaded machine the timer fires seconds late).
        #expect(waited < .seconds(60))
        #expect(pool.statistics.waiting == 0)
        #expect(pool.statistics.totalTimeouts == 1)

        try gate.open()
        _ = try await holder.value
        #expect(try await pool.query("SELECT 2").single().decode(0, as: Int.self) == 2)
        await pool.close()
    }

    @Test("cancelling a waiter removes it")
    func cancellingAWaiterRemovesIt() async throws {
        let pool = try TestDatabase.makePool(maxConnections: 1)
        let gate = try Gate()
        let holder = Task { try await pool.query(gate.waitQuery) }
        try await TestDatabase.waitUntil("the holder to borrow the connection") { pool.statistics.inUse > 0 }

        let waiter = Task { try await pool.query("SELECT 1") }
        try await TestDatabase.waitUntil("the second borrower to wait") { pool.statistics.waiting > 0 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(pool.statistics.waiting == 0)

        try gate.open()
        _ = try await holder.value
        #expect(try await pool.query("SELECT 3").single().decode(0, as: Int.self) == 3)
        #expect(pool.statistics.open == 1)
        await pool.close()
    }

    @Test("a closed pool refuses borrowers and wakes its waiters")
    func closedPoolRefusesAndWakesWaiters() async throws {
        let pool = try TestDatabase.makePool(maxConnections: 1)
        let gate = try Gate()
        let holder = Task { try await pool.query(gate.waitQuery) }
        try await TestDatabase.waitUntil("the holder to borrow the connection") { pool.statistics.inUse > 0 }
        let waiter = Task { try await pool.query("SELECT 1") }
        try await TestDatabase.waitUntil("the second borrower to wait") { pool.statistics.waiting > 0 }

        // close() wakes the waiter at once, and returns once the busy connection came back and was closed.
        let closing = Task { await pool.close() }
        let waiterError = await #expect(throws: PostgresError.self) { try await waiter.value }
        #expect(waiterError?.kind == .poolClosed)
        try gate.open()
        await closing.value

        // The borrower that was running finished normally.
        #expect(try await holder.value.single().decode(1, as: Int.self) == 7)
        #expect(pool.statistics.open == 0)

        let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(error?.kind == .poolClosed)
        await pool.close()  // idempotent
    }

    @Test("a failed connect reports libpq's message and frees the slot")
    func aFailedConnectReportsLibpqsMessageAndFreesTheSlot() async throws {
        let configuration = PostgresPool.Configuration(conninfo: "postgresql://postgres@127.0.0.1:1/x", maxConnections: 2)
        let pool = PostgresPool(configuration: configuration, logger: TestDatabase.logger)
        for _ in 0..<5 {
            let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
            #expect(error?.kind == .connectionFailed)
            #expect(error?.message.contains("refused") == true)
        }
        #expect(pool.statistics.open == 0)
        await pool.close()
    }

    @Test("connections are opened lazily")
    func connectionsAreOpenedLazily() async throws {
        let pool = try TestDatabase.makePool(maxConnections: 3)
        #expect(pool.statistics.open == 0)
        try await pool.query("SELECT 1")
        #expect(pool.statistics.open == 1)
        #expect(pool.statistics.idle == 1)
        await pool.close()
    }
}

/// A session advisory lock that a connection of the test's own holds: a pooled `waitQuery` blocks on it until the
/// test calls `open()`, so that a borrower holds its connection exactly as long as the test needs, however slow the
/// machine. (PGOPTIONS' lock_timeout from scripts/test bounds the wait.)
final class Gate: @unchecked Sendable {
    private let connection: PostgresConnection
    private let key = Int64.random(in: 1...Int64.max)

    init() throws {
        connection = try TestDatabase.connect()
        _ = try connection.query("SELECT pg_advisory_lock(\(key))")
    }

    deinit { connection.close() }

    /// Waits for the gate, then answers 7 in its second column.
    var waitQuery: PostgresQuery { "SELECT pg_advisory_xact_lock(\(key)), 7" }

    func open() throws {
        _ = try connection.query("SELECT pg_advisory_unlock(\(key))")
    }
}
