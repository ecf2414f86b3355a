public import Postgres

/// The database could not do what was asked: not a refusal of the request, but trouble the operator must look at.
///
/// An outage (`isOutage`) is connection or pool trouble: the database cannot be reached, a connection broke, or no
/// connection came free in time; the same request may succeed a little later. Anything else is a failure inside the
/// database that waiting will not fix. The database's own words (`databaseMessage`, `sqlState`) are for the
/// operator's log or terminal, never for a cashier's terminal.
public struct LedgerUnavailable: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Connection or pool trouble rather than a failure of a statement.
    public let isOutage: Bool
    /// No connection to the database could be opened at all (a wrong address, a server that is down).
    public let couldNotConnect: Bool
    /// The database's primary message, without a trailing newline.
    public var databaseMessage: String { error.message }
    /// The SQLSTATE of a failure the server reported.
    public var sqlState: String? { error.sqlState }
    private let error: PostgresError

    public init(_ error: PostgresError) {
        self.error = error
        couldNotConnect = error.kind == .connectionFailed
        isOutage = error.isConnectionProblem || error.kind == .poolClosed || error.kind == .poolTimeout
    }

    /// The database's error in full (for logs); `description` stays as generic as `PostgresError`'s.
    public var debugDescription: String { String(reflecting: error) }
    public var description: String { error.description }

    /// `error` as the layers above `LedgerStore` see it: a `PostgresError` becomes `LedgerUnavailable`.
    static func translating(_ error: any Error) -> any Error {
        (error as? PostgresError).map(LedgerUnavailable.init) ?? error
    }
}
