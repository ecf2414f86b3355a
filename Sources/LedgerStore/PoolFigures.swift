import Postgres

/// How the ledger's database connections are used: for the daemon's metrics.
public struct PoolFigures: Sendable, Equatable {
    /// Connections open or being opened.
    public let open: Int
    /// Open connections waiting for a request.
    public let idle: Int
    /// Connections lent to requests.
    public let inUse: Int
    /// Requests waiting for a connection now.
    public let waiting: Int
    /// Requests that had to wait for a connection, since start.
    public let totalWaits: Int
    /// Requests that gave up waiting for a connection, since start.
    public let totalTimeouts: Int
    /// Connections discarded as broken, since start.
    public let totalDiscarded: Int

    init(_ statistics: PostgresPool.Statistics) {
        open = statistics.open
        idle = statistics.idle
        inUse = statistics.inUse
        waiting = statistics.waiting
        totalWaits = statistics.totalWaits
        totalTimeouts = statistics.totalTimeouts
        totalDiscarded = statistics.totalDiscarded
    }
}
