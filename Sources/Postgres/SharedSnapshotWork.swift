import Foundation
import Synchronization

/// Independent read-only statements shared out over several connections that all read one snapshot: the one of the
/// transaction a lead connection has open, exported once (`pg_export_snapshot`) and imported by each worker in a
/// read-only repeatable-read transaction of its own.
///
/// Add the work with `add`, longest first (each worker takes the next piece nobody has taken), then `run`. Each
/// worker runs on a thread of its own, so the blocking libpq calls stay off the Swift concurrency threads; the
/// caller's thread waits for all of them. The first failure, including a worker that cannot join the snapshot, stops
/// the rest (no worker takes another piece) and is what `run` throws.
public final class SharedSnapshotWork: Sendable {
    private struct State {
        var pieces: [@Sendable (PostgresConnection) throws -> Void] = []
        var next = 0
        var failure: (any Error)?
        var started = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Adds a piece of work; its value can be read from the result once `run` has returned.
    public func add<Value: Sendable>(_ work: @escaping @Sendable (PostgresConnection) throws -> Value) -> SharedSnapshotResult<Value> {
        let result = SharedSnapshotResult<Value>()
        state.withLock { state in
            precondition(!state.started, "work added to a SharedSnapshotWork that has already run")
            state.pieces.append { db in result.set(try work(db)) }
        }
        return result
    }

    /// Runs every piece on `workers`, each in a transaction that imports the snapshot of `lead`'s open transaction
    /// and is then passed to `prepare` (e.g. for `SET LOCAL` settings). With no workers, runs every piece on `lead`
    /// itself, in its own transaction.
    ///
    /// `lead` must be inside a transaction, which must stay open until `run` returns (the snapshot lives as long).
    public func run(
        exportedBy lead: PostgresConnection, on workers: [PostgresConnection],
        prepare: @escaping @Sendable (PostgresConnection) throws -> Void = { _ in }
    ) throws {
        state.withLock { $0.started = true }
        guard !workers.isEmpty else {
            work(on: lead)
            return try rethrowFailure()
        }
        let snapshot = try lead.query("SELECT pg_export_snapshot()").single().decode(0, as: String.self)
        // SET TRANSACTION SNAPSHOT takes no parameter; the id from pg_export_snapshot is hex digits and dashes.
        guard !snapshot.isEmpty, snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw PostgresError(kind: .protocolViolation, message: "pg_export_snapshot returned an unexpected id: \(snapshot)")
        }
        let finished = DispatchSemaphore(value: 0)
        for worker in workers {
            Thread.detachNewThread { [self] in
                defer { finished.signal() }
                do {
                    try worker.transaction(isolation: .repeatableRead) { db in
                        _ = try db.query(PostgresQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(snapshot)'"))
                        _ = try db.query("SET TRANSACTION READ ONLY")
                        try prepare(db)
                        work(on: db)
                        try rethrowFailure()
                    }
                } catch {
                    fail(error)
                }
            }
        }
        for _ in workers { finished.wait() }
        try rethrowFailure()
    }

    /// Runs pieces on `db` until none is left or one has failed anywhere; a failure here is recorded.
    private func work(on db: PostgresConnection) {
        while let piece = take() {
            do {
                try piece(db)
            } catch {
                fail(error)
            }
        }
    }

    private func take() -> (@Sendable (PostgresConnection) throws -> Void)? {
        state.withLock { state in
            guard state.failure == nil, state.next < state.pieces.count else { return nil }
            defer { state.next += 1 }
            return state.pieces[state.next]
        }
    }

    /// Records the first failure; no piece is taken after it.
    private func fail(_ error: any Error) {
        state.withLock { state in
            if state.failure == nil { state.failure = error }
        }
    }

    private func rethrowFailure() throws {
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }
}

/// The value of one piece of `SharedSnapshotWork`, readable once the work has run without failure.
public final class SharedSnapshotResult<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)

    fileprivate init() {}

    fileprivate func set(_ newValue: Value) { value.withLock { $0 = newValue } }

    /// The piece's value; throws if the piece did not run (the work failed before it, or has not run yet).
    public func get() throws -> Value {
        guard let value = value.withLock({ $0 }) else {
            throw PostgresError(kind: .protocolViolation, message: "a piece of shared snapshot work was read before it ran")
        }
        return value
    }
}
