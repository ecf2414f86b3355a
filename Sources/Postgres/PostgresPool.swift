public import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A bounded pool of `PostgresConnection`s for async code.
///
/// Each borrowed connection is used inside a synchronous closure that runs on the pool's own `NIOThreadPool`
/// (one thread per connection), never on Swift's cooperative threads. Connecting happens there too.
///
/// - At most `maxConnections` connections are open (or being opened).
/// - A borrower that finds none free waits, first come first served, up to `acquireTimeout`
///   (`.poolTimeout`); cancelling its task while it waits throws `CancellationError`.
/// - A connection goes back to the pool only if it is usable (open, no transaction left open) and its
///   closure did not throw a connection problem; otherwise it is closed and the next borrower opens a new one.
///   Before lending an idle connection the pool reads what the server sent meanwhile, so connections whose
///   backend was terminated or whose server restarted are replaced instead of failing the next request.
/// - Once a closure runs, cancelling the borrowing task does not interrupt it.
public final class PostgresPool: Sendable {
    public struct Configuration: Sendable {
        /// libpq keyword/value string or `postgresql://` URI; `""` uses the `PG*` environment variables.
        public var conninfo: String
        public var maxConnections: Int
        /// How long a borrower waits for a free connection before `.poolTimeout`.
        public var acquireTimeout: Duration = .seconds(10)
        /// libpq's `connect_timeout` for new connections, unless `conninfo` sets one.
        public var connectTimeoutSeconds: Int = 10

        public init(conninfo: String, maxConnections: Int = 8) {
            self.conninfo = conninfo
            self.maxConnections = maxConnections
        }
    }

    /// A snapshot of the pool, for metrics.
    public struct Statistics: Sendable, Equatable {
        /// Connections open or being opened.
        public var open: Int
        /// Open connections waiting in the pool.
        public var idle: Int
        /// Connections lent to borrowers (including ones being opened for a borrower).
        public var inUse: Int
        /// Borrowers waiting for a connection.
        public var waiting: Int
        /// Borrowers that had to wait, since the pool was created.
        public var totalWaits: Int
        /// Borrowers that gave up after `acquireTimeout`, since the pool was created.
        public var totalTimeouts: Int
        /// Connections opened, since the pool was created.
        public var totalOpened: Int
        /// Connections closed because they were broken or not usable, since the pool was created.
        public var totalDiscarded: Int
    }

    private enum Lease: Sendable {
        /// An idle connection.
        case connection(PostgresConnection)
        /// Permission to open a new connection; the slot is already counted in `open`.
        case newSlot
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Lease, any Error>
        let timeout: Task<Void, Never>
    }

    private struct State {
        var idle: [PostgresConnection] = []
        /// Slots taken: idle connections plus lent ones plus ones being opened.
        var open = 0
        var waiters: [Waiter] = []
        var closed = false
        /// `close()` waiting for the lent connections to come back.
        var drained: CheckedContinuation<Void, Never>?
        var nextWaiterID = 0
        var totalWaits = 0
        var totalTimeouts = 0
        var totalOpened = 0
        var totalDiscarded = 0
    }

    private enum Acquisition {
        case lease(Lease)
        case closed
        case wait
    }

    public let configuration: Configuration
    private let logger: Logger
    private let threadPool: NIOThreadPool
    private let state = Mutex(State())

    /// Creates the pool and starts its threads; connections are opened when first needed.
    public init(configuration: Configuration, logger: Logger) {
        precondition(configuration.maxConnections >= 1, "a pool needs at least one connection")
        self.configuration = configuration
        self.logger = logger
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.maxConnections)
        self.threadPool.start()
    }

    deinit {
        // Only reached without close(): no borrower is left (each holds the pool), so stop the threads.
        // Idle connections are finished by their own deinit.
        let closed = state.withLock { $0.closed }
        if !closed {
            threadPool.shutdownGracefully { _ in }
        }
    }

    public var statistics: Statistics {
        state.withLock { state in
            Statistics(
                open: state.open,
                idle: state.idle.count,
                inUse: state.open - state.idle.count,
                waiting: state.waiters.count,
                totalWaits: state.totalWaits,
                totalTimeouts: state.totalTimeouts,
                totalOpened: state.totalOpened,
                totalDiscarded: state.totalDiscarded
            )
        }
    }

    /// Borrows a connection, runs `body` with it on the pool's thread pool, and returns the connection.
    ///
    /// - Throws: what `body` throws; `.connectionFailed` if a new connection could not be opened;
    ///   `.poolTimeout`, `.poolClosed`, or `CancellationError` while waiting for a connection.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let lease = try await acquire()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            threadPool.submit { workState in
                switch workState {
                case .active:
                    continuation.resume(with: self.run(lease, body))
                case .cancelled:
                    // The thread pool is gone. close() waits for every lease, so this should not happen.
                    if case .connection(let connection) = lease {
                        self.release(connection, keep: false)
                    } else {
                        self.releaseSlot()
                    }
                    continuation.resume(throwing: PostgresError(kind: .poolClosed, message: "the pool is closed"))
                }
            }
        }
    }

    /// Runs `body` in a transaction on a borrowed connection, retrying the whole transaction (a fresh `BEGIN`)
    /// after a serialization failure (40001) or deadlock (40P01), with a short jittered backoff, up to
    /// `maxAttempts` attempts in all. `body` must therefore be safe to run more than once.
    public func transaction<T: Sendable>(
        isolation: PostgresConnection.IsolationLevel = .readCommitted,
        maxAttempts: Int = 5,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await withConnection { connection in
                    try connection.transaction(isolation: isolation, body)
                }
            } catch let error as PostgresError where error.isRetryableTransactionFailure && attempt < maxAttempts {
                let backoff = min(5 << min(attempt - 1, 6), 200)  // milliseconds: 5, 10, 20, … 200
                let delay = Double(backoff) * Double.random(in: 0.5...1.5)
                logger.debug(
                    "postgres transaction retried",
                    metadata: [
                        "postgres.attempt": "\(attempt)",
                        "postgres.sqlstate": "\(error.sqlState ?? "")",
                    ]
                )
                try await Task.sleep(for: .microseconds(Int(delay * 1000)))
                attempt += 1
            }
        }
    }

    /// Runs one statement on a borrowed connection.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresResult {
        try await withConnection { try $0.query(query) }
    }

    /// Closes the pool: new borrowers and waiting ones get `.poolClosed`, idle connections are closed now and
    /// lent ones when they come back; returns when all are closed and the threads have stopped.
    /// A second call returns at once.
    public func close() async {
        let (waiters, idle, alreadyClosed) = state.withLock { state in
            if state.closed { return ([Waiter](), [PostgresConnection](), true) }
            state.closed = true
            let waiters = state.waiters
            let idle = state.idle
            state.waiters.removeAll()
            state.idle.removeAll()
            state.open -= idle.count
            return (waiters, idle, false)
        }
        if alreadyClosed { return }
        for waiter in waiters {
            waiter.timeout.cancel()
            waiter.continuation.resume(throwing: PostgresError(kind: .poolClosed, message: "the pool is closed"))
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            threadPool.submit { _ in
                for connection in idle { connection.close() }
                continuation.resume()
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if state.open == 0 { return true }
                state.drained = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        try? await threadPool.shutdownGracefully()
        logger.debug("postgres pool closed")
    }

    // MARK: - Acquiring

    private func acquire() async throws -> Lease {
        switch state.withLock({ tryAcquire(&$0) }) {
        case .lease(let lease): return lease
        case .closed: throw PostgresError(kind: .poolClosed, message: "the pool is closed")
        case .wait: break
        }

        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let timeout = configuration.acquireTimeout
        let timeoutTask = Task { [weak self] in
            do {
                try await Task.sleep(for: timeout)
            } catch {
                return  // cancelled: the waiter was served
            }
            self?.timeOut(waiter: id)
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Lease, any Error>) in
                let outcome = state.withLock { state -> Result<Lease, any Error>? in
                    switch tryAcquire(&state) {
                    case .lease(let lease): return .success(lease)
                    case .closed: return .failure(PostgresError(kind: .poolClosed, message: "the pool is closed"))
                    case .wait:
                        // Checked under the lock, so a cancellation either is seen here or finds the waiter.
                        if Task.isCancelled { return .failure(CancellationError()) }
                        state.waiters.append(Waiter(id: id, continuation: continuation, timeout: timeoutTask))
                        state.totalWaits += 1
                        return nil
                    }
                }
                if let outcome {
                    timeoutTask.cancel()
                    continuation.resume(with: outcome)
                }
            }
        } onCancel: {
            self.removeWaiter(id, error: CancellationError())
        }
    }

    /// Takes an idle connection or a free slot, unless someone is already waiting (first come first served).
    private func tryAcquire(_ state: inout State) -> Acquisition {
        if state.closed { return .closed }
        guard state.waiters.isEmpty else { return .wait }
        if let connection = state.idle.popLast() { return .lease(.connection(connection)) }
        if state.open < configuration.maxConnections {
            state.open += 1
            return .lease(.newSlot)
        }
        return .wait
    }

    private func timeOut(waiter id: Int) {
        let message = "no connection became free within \(configuration.acquireTimeout)"
        if removeWaiter(id, error: PostgresError(kind: .poolTimeout, message: message)) {
            state.withLock { $0.totalTimeouts += 1 }
        }
    }

    @discardableResult
    private func removeWaiter(_ id: Int, error: any Error) -> Bool {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        guard let waiter else { return false }
        waiter.timeout.cancel()
        waiter.continuation.resume(throwing: error)
        return true
    }

    // MARK: - On the thread pool

    /// Turns the lease into an open connection, runs `body`, and gives the connection back.
    private func run<T>(_ lease: Lease, _ body: (PostgresConnection) throws -> T) -> Result<T, any Error> {
        let connection: PostgresConnection
        switch lease {
        case .connection(let idle) where idle.isAliveForReuse:
            connection = idle
        case .connection(let broken):
            logger.debug(
                "postgres connection discarded: broken while idle",
                metadata: ["postgres.backend_pid": "\(broken.backendPID)"]
            )
            broken.close()
            state.withLock { $0.totalDiscarded += 1 }
            fallthrough
        case .newSlot:
            do {
                connection = try PostgresConnection.connect(
                    configuration.conninfo,
                    logger: logger,
                    connectTimeoutSeconds: configuration.connectTimeoutSeconds
                )
                state.withLock { $0.totalOpened += 1 }
            } catch {
                // libpq's message names host, port and user, never the password or any query value.
                let message = (error as? PostgresError)?.message ?? "\(error)"
                logger.debug("postgres connection failed", metadata: ["error.message": "\(message)"])
                releaseSlot()
                return .failure(error)
            }
        }

        let result = Result { try body(connection) }
        var keep = connection.isUsable
        if case .failure(let error as PostgresError) = result, error.isConnectionProblem {
            keep = false
        }
        if !keep {
            logger.debug(
                "postgres connection discarded",
                metadata: ["postgres.backend_pid": "\(connection.backendPID)"]
            )
        }
        release(connection, keep: keep)
        return result
    }

    /// Gives a connection back: to the first waiter, to the idle list, or closed (not usable, or pool closed).
    private func release(_ connection: PostgresConnection, keep: Bool) {
        enum Next {
            case handOver(Waiter, Lease)
            case idle
            case close
        }
        let next = state.withLock { state -> Next in
            if keep && !state.closed {
                if state.waiters.isEmpty {
                    state.idle.append(connection)
                    return .idle
                }
                return .handOver(state.waiters.removeFirst(), .connection(connection))
            }
            if !keep { state.totalDiscarded += 1 }
            return .close
        }
        switch next {
        case .idle:
            return
        case .handOver(let waiter, let lease):
            waiter.timeout.cancel()
            waiter.continuation.resume(returning: lease)
        case .close:
            connection.close()
            releaseSlot()
        }
    }

    /// Frees a slot whose connection is gone (closed or never opened); a waiter gets it to open a new one.
    private func releaseSlot() {
        let (waiter, drained) = state.withLock { state -> (Waiter?, CheckedContinuation<Void, Never>?) in
            if !state.closed, !state.waiters.isEmpty {
                return (state.waiters.removeFirst(), nil)  // the slot passes on; `open` is unchanged
            }
            state.open -= 1
            if state.closed, state.open == 0, let drained = state.drained {
                state.drained = nil
                return (nil, drained)
            }
            return (nil, nil)
        }
        if let waiter {
            waiter.timeout.cancel()
            waiter.continuation.resume(returning: .newSlot)
        }
        drained?.resume()
    }
}
