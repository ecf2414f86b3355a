import Foundation
import Postgres
import Synchronization
import Testing

/// `SharedSnapshotWork`: independent reads shared out over connections that all import one exported snapshot.
@Suite struct SharedSnapshotWorkTests {
    /// A shared table of `rows` rows (a temporary table would be invisible to the other connections); dropped after
    /// `body`, however it ends.
    func withTable(rows: Int, _ body: (String) throws -> Void) throws {
        let setup = try TestDatabase.connect()
        defer { setup.close() }
        let table = TestDatabase.uniqueName("snapshot_work")
        try setup.execute(script: "CREATE TABLE \(table) (id int8); INSERT INTO \(table) SELECT generate_series(1, \(rows))")
        defer { try? setup.execute(script: "DROP TABLE \(table)") }
        try body(table)
    }

    /// A flag one piece raises for another.
    final class Flag: Sendable {
        private let raised = Atomic(false)
        func raise() { raised.store(true, ordering: .releasing) }
        var isRaised: Bool { raised.load(ordering: .acquiring) }
    }

    /// How many pieces ran.
    final class Counter: Sendable {
        private let count = Atomic(0)
        func increment() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }

    /// Waits until `flag` is raised, for 10 s at most (a test never hangs).
    static func waitFor(_ flag: Flag, _ what: String) throws {
        let end = ContinuousClock.now + .seconds(10)
        while !flag.isRaised {
            guard ContinuousClock.now < end else { throw PostgresError(kind: .protocolViolation, message: "gave up waiting for \(what)") }
            Thread.sleep(forTimeInterval: 0.002)
        }
    }

    struct Seen: Sendable, Equatable {
        let rows: Int
        let backend: Int32
    }

    @Test("every worker reads the exported snapshot: a row committed after the export is invisible to all of them")
    func oneSnapshot() throws {
        try withTable(rows: 3) { table in
            let lead = try TestDatabase.connect(), writer = try TestDatabase.connect()
            let workers = try (0..<2).map { _ in try TestDatabase.connect() }
            defer { ([lead, writer] + workers).forEach { $0.close() } }
            let count = PostgresQuery(unsafeSQL: "SELECT count(*)::int AS rows, pg_backend_pid() AS backend FROM \(table)")
            let firstStarted = Flag(), secondStarted = Flag(), inserted = Flag()
            let work = SharedSnapshotWork()
            // The first two pieces run at the same time, so on both workers; the first commits a row from outside.
            let first = work.add { db in
                firstStarted.raise()
                try Self.waitFor(secondStarted, "the second piece")
                _ = try writer.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (4)"))
                inserted.raise()
                let row = try db.query(count).single()
                return Seen(rows: try row.decode("rows"), backend: try row.decode("backend"))
            }
            let second = work.add { db in
                secondStarted.raise()
                try Self.waitFor(firstStarted, "the first piece")
                try Self.waitFor(inserted, "the insert")
                let row = try db.query(count).single()
                return Seen(rows: try row.decode("rows"), backend: try row.decode("backend"))
            }
            let rest = (0..<4).map { _ in work.add { db in try db.query(count).single().decode("rows", as: Int.self) } }
            try lead.transaction { lead in
                _ = try lead.query("SELECT 1")
                try work.run(exportedBy: lead, on: workers)
            }
            let seen = [try first.get(), try second.get()]
            #expect(seen.map(\.rows) == [3, 3])
            let restSeen = try rest.map { try $0.get() }
            #expect(restSeen == [3, 3, 3, 3])
            #expect(Set(seen.map(\.backend)) == Set(workers.map(\.backendPID)))
            #expect(try lead.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)")).single().decode(0, as: Int.self) == 4)
        }
    }

    @Test("the first failure stops the rest: no worker takes another piece, and run throws it")
    func firstFailureStops() throws {
        let lead = try TestDatabase.connect()
        let workers = try (0..<2).map { _ in try TestDatabase.connect() }
        defer { ([lead] + workers).forEach { $0.close() } }
        let later = Counter()
        let work = SharedSnapshotWork()
        _ = work.add { db in try db.query("SELECT 1 / 0") }
        _ = work.add { db in try db.query("SELECT pg_sleep(0.3)") }
        let skipped = (0..<4).map { _ in
            work.add { db in
                later.increment()
                return try db.query("SELECT 1").count
            }
        }
        do {
            try lead.transaction { lead in
                _ = try lead.query("SELECT 1")
                try work.run(exportedBy: lead, on: workers)
            }
            Issue.record("run returned although a piece failed")
        } catch let error as PostgresError {
            #expect(error.sqlState == "22012")
        }
        #expect(later.value == 0)
        #expect(throws: PostgresError.self) { try skipped[0].get() }
        let unusable = workers.filter { !$0.isUsable }
        #expect(unusable.isEmpty)
    }

    @Test("a worker that cannot join the snapshot fails the whole, and the others stop")
    func workerCannotJoin() throws {
        let lead = try TestDatabase.connect(), lost = try TestDatabase.connect(), healthy = try TestDatabase.connect()
        defer { [lead, lost, healthy].forEach { $0.close() } }
        _ = try lead.query("SELECT pg_terminate_backend(\(lost.backendPID)), pg_sleep(0.2)")
        let ran = Counter()
        let work = SharedSnapshotWork()
        let pieces = (0..<3).map { _ in
            work.add { db in
                ran.increment()
                // Slow enough that the lost worker has failed before the healthy one could take every piece.
                return try db.query("SELECT pg_sleep(0.3)").count
            }
        }
        #expect(throws: PostgresError.self) {
            try lead.transaction { lead in
                _ = try lead.query("SELECT 1")
                try work.run(exportedBy: lead, on: [lost, healthy])
            }
        }
        #expect(ran.value <= 1)
        #expect(throws: PostgresError.self) { try pieces[2].get() }
    }

    @Test("a snapshot exported outside a transaction cannot be joined: run fails")
    func leadOutsideATransaction() throws {
        let lead = try TestDatabase.connect(), worker = try TestDatabase.connect()
        defer { [lead, worker].forEach { $0.close() } }
        let work = SharedSnapshotWork()
        let piece = work.add { db in try db.query("SELECT 1").count }
        #expect(throws: PostgresError.self) { try work.run(exportedBy: lead, on: [worker]) }
        #expect(throws: PostgresError.self) { try piece.get() }
    }

    @Test("with no workers the lead runs every piece itself, in order")
    func noWorkers() throws {
        let lead = try TestDatabase.connect()
        defer { lead.close() }
        let work = SharedSnapshotWork()
        let pieces = (1...3).map { n in work.add { db in try db.query("SELECT \(n)::int AS n, pg_backend_pid() AS backend").single() } }
        try lead.transaction { try work.run(exportedBy: $0, on: []) }
        let rows = try pieces.map { try $0.get() }
        let numbers = try rows.map { try $0.decode("n", as: Int.self) }
        let backends = try rows.map { try $0.decode("backend", as: Int32.self) }
        #expect(numbers == [1, 2, 3])
        #expect(backends == Array(repeating: lead.backendPID, count: 3))
    }
}
