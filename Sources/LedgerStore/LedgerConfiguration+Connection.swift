public import Logging
public import Postgres

/// A connection to the ledger's database, as the store's functions take it (`on db:`). Above `LedgerStore` it is
/// only passed on: those modules do not import `Postgres`, so they cannot run SQL on it.
public typealias LedgerConnection = PostgresConnection

extension LedgerConfiguration {
    /// Opens a connection to the configured database (giving up after 10 s), runs `body` with it and closes it on
    /// every path. The database's errors reach the caller as `LedgerUnavailable`; refusals as they are.
    public func withConnection<T>(logger: Logger, _ body: (LedgerConnection) throws -> T) throws -> T {
        do {
            let db = try PostgresConnection.connect(databaseURL, logger: logger, connectTimeoutSeconds: 10)
            defer { db.close() }
            return try body(db)
        } catch {
            throw LedgerUnavailable.translating(error)
        }
    }
}
