public import Logging
import CLibPQ
import Foundation
import Synchronization

/// One libpq connection (`PGconn`).
///
/// Every call blocks the calling thread until the server answers: call it from a thread that may block (the
/// pool's `NIOThreadPool` does), never from Swift's cooperative threads or an event loop. Use a connection for
/// one caller at a time; `PostgresPool` guarantees that by lending each connection to one borrower.
///
/// ## Why `@unchecked Sendable` is safe
///
/// - The mutable state is the `PGconn` pointer, kept in a `Mutex`. Every libpq call on it, and `PQfinish`,
///   happens while that lock is held, so two threads can never be inside libpq with the same `PGconn` at once
///   (libpq allows one thread per `PGconn`), even if a caller breaks the one-caller rule. Misuse from two
///   callers interleaves whole statements; it cannot corrupt memory.
/// - The other mutable state, the `NoticeSink`'s flag, is written by libpq's notice callback, which runs only
///   inside libpq calls on this `PGconn` (so under the lock), and read under the lock.
/// - `close()` sets the pointer to `nil` under the same lock, so no call can use a finished `PGconn`; later
///   calls throw `.connectionLost` instead.
/// - No libpq pointer leaves the lock: results are copied into `PostgresResult` values and `PQclear`ed before
///   the lock is released, and parameter buffers live only for the duration of the libpq call.
/// - libpq is built thread-safe (`PQisthreadsafe() == 1`), so different connections may be used on different
///   threads at the same time.
/// - `logger` and the immutable properties are `Sendable` values.
public final class PostgresConnection: @unchecked Sendable {
    public enum IsolationLevel: Sendable {
        case readCommitted, repeatableRead, serializable

        var sql: String {
            switch self {
            case .readCommitted: "READ COMMITTED"
            case .repeatableRead: "REPEATABLE READ"
            case .serializable: "SERIALIZABLE"
            }
        }
    }

    /// The `PGconn`; `nil` once closed. Every libpq call on it happens while this lock is held.
    private let handle: Mutex<OpaquePointer?>
    /// SQL text → name of the statement prepared for it on this `PGconn`, and how many names were ever given out
    /// (names are never reused). Used only while `handle`'s lock is held.
    private let preparedStatements = Mutex<(names: [String: String], issued: Int)>(([:], 0))
    /// The `BEGIN` of a `transaction` not sent yet: it goes with the transaction's first statement.
    private let pendingBegin = Mutex<String?>(nil)
    /// Receives the connection's notices; outlives the `PGconn` (finished in `deinit` before it is released).
    private let notices: NoticeSink
    let logger: Logger
    /// `PQserverVersion`, e.g. 150018 for 15.18.
    public let serverVersion: Int
    /// `PQbackendPID`: the server process serving this connection (for `pg_terminate_backend` and logs).
    public let backendPID: Int32

    /// Session settings every connection gets, so that values print the way the decoders read them.
    static let sessionSetup =
        "SET datestyle = 'ISO, YMD'; SET timezone = 'UTC'; SET intervalstyle = 'iso_8601'; "
        + "SET client_encoding = 'UTF8'; SET bytea_output = 'hex'"

    private init(handle: sending OpaquePointer, notices: NoticeSink, logger: Logger) {
        self.notices = notices
        self.serverVersion = Int(PQserverVersion(handle))
        self.backendPID = PQbackendPID(handle)
        self.logger = logger
        self.handle = Mutex(handle)
    }

    deinit {
        handle.withLock { conn in
            if let pointer = conn {
                PQfinish(pointer)
                conn = nil
            }
        }
    }

    /// Opens a connection. Blocks until connected or failed.
    ///
    /// - Parameters:
    ///   - conninfo: a libpq keyword/value string (`host=… dbname=…`) or a `postgresql://` URI; `""` uses the
    ///     `PG*` environment variables.
    ///   - connectTimeoutSeconds: libpq's `connect_timeout`, unless `conninfo` sets its own; `nil` leaves libpq's
    ///     default (wait indefinitely, or `PGCONNECT_TIMEOUT`).
    ///   - credentials: a login and its password that replace whatever user and password `conninfo` names.
    /// - Throws: `.connectionFailed` with libpq's message.
    public static func connect(
        _ conninfo: String,
        logger: Logger,
        connectTimeoutSeconds: Int? = nil,
        credentials: (user: String, password: String)? = nil
    ) throws -> PostgresConnection {
        guard !conninfo.utf8.contains(0), !(credentials.map { $0.user.utf8.contains(0) || $0.password.utf8.contains(0) } ?? false) else {
            throw PostgresError(kind: .connectionFailed, message: "the connection string or the credentials contain a NUL byte")
        }
        // Keywords are processed in order and later ones win; `dbname` (expanded as a connection string) comes
        // last so that whatever the caller wrote takes precedence over our defaults.
        var keywords = ["fallback_application_name"]
        var values = ["swift-postgres"]
        if let connectTimeoutSeconds {
            keywords.append("connect_timeout")
            values.append(String(connectTimeoutSeconds))
        }
        keywords.append("dbname")
        values.append(conninfo)
        if let credentials {
            keywords += ["user", "password"]
            values += [credentials.user, credentials.password]
        }

        let pointer: OpaquePointer? = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let pointer else {
            throw PostgresError(kind: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(pointer) == CONNECTION_OK else {
            let message = errorMessage(pointer) ?? "could not connect"
            PQfinish(pointer)
            throw PostgresError(kind: .connectionFailed, message: message)
        }
        // Notices go to the logger rather than libpq's default of printing to stderr.
        let notices = NoticeSink(logger: logger)
        PQsetNoticeReceiver(pointer, receiveNotice, Unmanaged.passUnretained(notices).toOpaque())
        let connection = PostgresConnection(handle: pointer, notices: notices, logger: logger)
        do {
            try connection.execute(script: sessionSetup)
        } catch let error as PostgresError {
            connection.close()
            var failure = error
            failure.kind = .connectionFailed
            throw failure
        }
        logger.debug(
            "postgres connection opened",
            metadata: [
                "postgres.backend_pid": "\(connection.backendPID)",
                "postgres.server_version": "\(connection.serverVersion)",
            ]
        )
        return connection
    }

    /// Runs one statement with its parameters (text format, parameter types inferred by the server) and returns
    /// its rows.
    ///
    /// Each distinct SQL text is prepared once per connection (`PQprepare`, then `PQexecPrepared`), so the server
    /// parses it once rather than on every call; past `preparedStatementLimit` texts, `PQexecParams` runs the
    /// statement unnamed. A prepared statement that the server no longer accepts (SQLSTATE 26000, or 0A000 after
    /// a schema change) is forgotten, so the next call prepares it again.
    ///
    /// - Throws: `.server` for errors the server reports (with SQLSTATE and the diagnostic fields),
    ///   `.connectionLost` when the connection broke.
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> PostgresResult {
        try run(query, thenCommit: false)
    }

    /// Runs the last statement of a `transaction` body and commits, in one round trip (libpq pipeline mode); the
    /// transaction then finds nothing left to commit. If the statement fails, nothing is committed: the error is
    /// thrown and the transaction rolls back. Outside `transaction`, it is `query` followed by a `COMMIT` that the
    /// server answers with a warning.
    @discardableResult
    public func queryAndCommit(_ query: PostgresQuery) throws -> PostgresResult {
        try run(query, thenCommit: true)
    }

    /// Runs `query`, after a pending `BEGIN` and before a `COMMIT` when asked, all in one round trip.
    private func run(_ query: PostgresQuery, thenCommit: Bool) throws -> PostgresResult {
        try checkNoNUL(query.sql)
        for bind in query.binds {
            if let bind { try checkNoNUL(bind) }
        }
        return try withHandle { conn in
            let count = Int32(query.binds.count)
            let name = try preparedStatement(for: query.sql, parameterCount: count, conn)
            let begin = pendingBegin.withLock { $0.take() }
            guard begin != nil || thenCommit else {
                return try forgettingStaleStatement(query.sql) { try Self.consume(Self.execute(query, prepared: name, conn), conn) }
            }
            var steps: [(OpaquePointer) -> Int32] = []
            if let begin { steps.append { conn in begin.withCString { PQsendQueryParams(conn, $0, 0, nil, nil, nil, nil, 0) } } }
            steps.append { conn in Self.send(query, prepared: name, conn) }
            if thenCommit { steps.append { conn in PQsendQueryParams(conn, "COMMIT", 0, nil, nil, nil, nil, 0) } }
            let results = try forgettingStaleStatement(query.sql) { try Self.pipeline(steps, conn) }
            return results[begin == nil ? 0 : 1]
        }
    }

    /// Runs `body`; a prepared statement that the server no longer accepts (26000, or 0A000 after a schema change)
    /// is forgotten, so that the next call prepares it again.
    private func forgettingStaleStatement<T>(_ sql: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError where error.sqlState == "26000" || error.sqlState == "0A000" {
            _ = preparedStatements.withLock { $0.names.removeValue(forKey: sql) }
            throw error
        }
    }

    /// Runs `query` and waits for its result: the prepared statement `prepared`, or unnamed when nil.
    private static func execute(_ query: PostgresQuery, prepared: String?, _ conn: OpaquePointer) -> OpaquePointer? {
        let count = Int32(query.binds.count)
        return withCStringArray(query.binds) { parameters in
            if let prepared {
                return prepared.withCString { PQexecPrepared(conn, $0, count, parameters, nil, nil, 0) }
            }
            return query.sql.withCString { PQexecParams(conn, $0, count, nil, parameters, nil, nil, 0) }
        }
    }

    /// Sends `query` without waiting (pipeline mode); 1 when it was queued.
    private static func send(_ query: PostgresQuery, prepared: String?, _ conn: OpaquePointer) -> Int32 {
        let count = Int32(query.binds.count)
        return withCStringArray(query.binds) { parameters in
            if let prepared {
                return prepared.withCString { PQsendQueryPrepared(conn, $0, count, parameters, nil, nil, 0) }
            }
            return query.sql.withCString { PQsendQueryParams(conn, $0, count, nil, parameters, nil, nil, 0) }
        }
    }

    /// Sends every step in pipeline mode, one sync point at the end, and reads one result per step in order. The
    /// server skips the steps after a failing one; the first error is thrown once every result is read, so the
    /// connection is left out of pipeline mode and ready.
    private static func pipeline(_ steps: [(OpaquePointer) -> Int32], _ conn: OpaquePointer) throws -> [PostgresResult] {
        guard PQenterPipelineMode(conn) == 1 else {
            throw connectionError(conn, fallback: "libpq could not enter pipeline mode")
        }
        for send in steps where send(conn) != 1 {
            let error = connectionError(conn, fallback: "libpq could not send a statement")
            drainResults(conn)
            PQexitPipelineMode(conn)
            throw error
        }
        guard PQpipelineSync(conn) == 1 else {
            throw connectionError(conn, fallback: "libpq could not send the pipeline's sync")
        }
        var results: [PostgresResult] = []
        var failure: PostgresError?
        for _ in steps {
            guard let result = PQgetResult(conn) else {
                throw connectionError(conn, fallback: "no result from libpq")
            }
            if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                PQclear(result)
            } else {
                do {
                    results.append(try consume(result, conn))
                } catch let error as PostgresError {
                    failure = failure ?? error
                }
            }
            // Each step's results end with a null result.
            while let extra = PQgetResult(conn) { PQclear(extra) }
        }
        if let sync = PQgetResult(conn) { PQclear(sync) }
        PQexitPipelineMode(conn)
        if let failure { throw failure }
        return results
    }

    /// How many distinct SQL texts a connection keeps prepared.
    static let preparedStatementLimit = 200

    /// The name of the statement prepared for `sql` on this connection, preparing it first if needed; nil when the
    /// cache is full. Called with the handle's lock held.
    private func preparedStatement(for sql: String, parameterCount: Int32, _ conn: OpaquePointer) throws -> String? {
        let (known, issued) = preparedStatements.withLock { ($0.names[sql], $0.issued) }
        if let known { return known }
        guard issued < Self.preparedStatementLimit else { return nil }
        let name = "ledger_s\(issued + 1)"
        let result: OpaquePointer? = name.withCString { statement in
            sql.withCString { text in PQprepare(conn, statement, text, parameterCount, nil) }
        }
        preparedStatements.withLock { $0.issued += 1 }
        _ = try Self.consume(result, conn)
        preparedStatements.withLock { $0.names[sql] = name }
        return name
    }

    /// Runs trusted, static SQL that may hold several statements (a migration file) with `PQexec`.
    /// No parameters: never build `script` from values.
    public func execute(script: String) throws {
        try checkNoNUL(script)
        try withHandle { conn in
            try sendPendingBegin(conn)
            let result = script.withCString { PQexec(conn, $0) }
            _ = try Self.consume(result, conn)
        }
    }

    /// Sends a pending `BEGIN` on its own, for what cannot carry it in a pipeline (scripts, COPY).
    func sendPendingBegin(_ conn: OpaquePointer) throws {
        guard let begin = pendingBegin.withLock({ $0.take() }) else { return }
        _ = try Self.consume(begin.withCString { PQexec(conn, $0) }, conn)
    }

    /// Runs `body` in a transaction: `BEGIN ISOLATION LEVEL …`, then `COMMIT` if `body` returns, or `ROLLBACK`
    /// if it throws (the error is rethrown; a failing `ROLLBACK` on a broken connection is ignored).
    ///
    /// `BEGIN` travels with the body's first statement (in one round trip when that is a `query`), and a body that
    /// ends with `queryAndCommit` commits with its last statement; a body that runs no statement sends nothing.
    /// If `body` catches a statement error itself, the transaction is still aborted on the server: it is then
    /// rolled back and SQLSTATE 25P02 is thrown rather than reporting a `COMMIT` that did not happen.
    /// If `COMMIT` fails with `.connectionLost`, whether the transaction committed is unknown.
    public func transaction<T>(
        isolation: IsolationLevel = .readCommitted,
        _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        guard try transactionStatus() == PQTRANS_IDLE, pendingBegin.withLock({ $0 == nil }) else {
            throw PostgresError(
                kind: .protocolViolation,
                message: "transaction() needs an idle connection; a transaction is already open"
            )
        }
        pendingBegin.withLock { $0 = "BEGIN ISOLATION LEVEL \(isolation.sql)" }
        let value: T
        do {
            value = try body(self)
        } catch {
            if pendingBegin.withLock({ $0.take() }) == nil {
                try? execute(script: "ROLLBACK")
            }
            throw error
        }
        if pendingBegin.withLock({ $0.take() }) != nil {
            return value  // no statement ran
        }
        switch try transactionStatus() {
        case PQTRANS_INERROR:
            try? execute(script: "ROLLBACK")
            throw PostgresError(
                kind: .server,
                message: "the transaction was aborted by an error the transaction body caught; rolled back",
                sqlState: "25P02"
            )
        case PQTRANS_IDLE:
            return value  // committed by queryAndCommit
        default:
            try execute(script: "COMMIT")
            return value
        }
    }

    /// Open, and idle outside any transaction: safe to hand to the next user.
    public var isUsable: Bool {
        handle.withLock { conn in
            guard let conn else { return false }
            return PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) == PQTRANS_IDLE
        }
    }

    /// Whether the connection still looks alive, without blocking: reads whatever the server sent while the
    /// connection was idle (`PQconsumeInput` on libpq's non-blocking socket). A terminated backend or a server
    /// shutting down sends a FATAL message before closing the socket, so such a connection shows up here
    /// instead of failing the next query. Stray notifications are discarded. Used by the pool before lending
    /// out an idle connection.
    var isAliveForReuse: Bool {
        handle.withLock { conn in
            guard let conn else { return false }
            _ = PQconsumeInput(conn)
            while let notification = PQnotifies(conn) {
                PQfreemem(notification)
            }
            return !notices.serverClosing && PQstatus(conn) == CONNECTION_OK
                && PQtransactionStatus(conn) == PQTRANS_IDLE
        }
    }

    /// Closes the connection (`PQfinish`). Idempotent; also done on deinit.
    public func close() {
        let closed = handle.withLock { conn -> Bool in
            guard let pointer = conn else { return false }
            PQfinish(pointer)
            conn = nil
            return true
        }
        if closed {
            logger.debug("postgres connection closed", metadata: ["postgres.backend_pid": "\(backendPID)"])
        }
    }

    // MARK: - Internals

    /// Runs `body` with the open `PGconn` while holding the lock.
    func withHandle<R: Sendable>(_ body: (OpaquePointer) throws -> R) throws -> R {
        try handle.withLock { conn throws -> R in
            guard let pointer = conn else {
                throw PostgresError(kind: .connectionLost, message: "the connection is closed")
            }
            return try body(pointer)
        }
    }

    private func transactionStatus() throws -> PGTransactionStatusType {
        try withHandle { PQtransactionStatus($0) }
    }

    /// A NUL byte would silently cut a C string short; refuse it as the server refuses NUL in text.
    func checkNoNUL(_ text: String) throws {
        if text.utf8.contains(0) {
            throw PostgresError(
                kind: .server,
                message: "invalid byte sequence for encoding \"UTF8\": 0x00 (refused by the client)",
                sqlState: "22021"
            )
        }
    }

    /// Reads a result into a value and clears it; throws for error statuses.
    static func consume(_ result: OpaquePointer?, _ conn: OpaquePointer) throws -> PostgresResult {
        guard let result else {
            // Out of memory, or the command could not even be sent.
            throw connectionError(conn, fallback: "no result from libpq")
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            return read(result)
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR:
            throw serverError(result, conn)
        case PGRES_COPY_IN, PGRES_COPY_OUT:
            abandonCopy(conn, status: status)
            throw PostgresError(
                kind: .protocolViolation,
                message: "COPY is not supported here; use copyIn for COPY … FROM STDIN"
            )
        default:
            throw PostgresError(
                kind: .protocolViolation,
                message: "unexpected result status \(string(PQresStatus(status)) ?? "\(status.rawValue)")"
            )
        }
    }

    private static func read(_ result: OpaquePointer) -> PostgresResult {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let columns = (0..<columnCount).map { string(PQfname(result, Int32($0))) ?? "?column?" }
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) != 0 {
                    values.append(nil)
                } else if let bytes = PQgetvalue(result, row, column) {
                    let length = Int(PQgetlength(result, row, column))
                    let buffer = UnsafeRawBufferPointer(start: bytes, count: length)
                    values.append(String(decoding: buffer, as: UTF8.self))
                } else {
                    values.append("")
                }
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        let tag = string(PQcmdStatus(result)) ?? ""
        let affected = string(PQcmdTuples(result)).flatMap { Int($0) } ?? 0
        return PostgresResult(columns: columns, rows: rows, affectedRows: affected, commandTag: tag)
    }

    /// `PG_DIAG_*` field codes: char-literal macros in `postgres_ext.h`, which Swift cannot import.
    enum DiagnosticField: UInt8 {
        case severity = 0x53  // 'S'
        case severityNonLocalized = 0x56  // 'V'
        case sqlState = 0x43  // 'C'
        case messagePrimary = 0x4D  // 'M'
        case messageDetail = 0x44  // 'D'
        case messageHint = 0x48  // 'H'
        case context = 0x57  // 'W'
        case tableName = 0x74  // 't'
        case columnName = 0x63  // 'c'
        case constraintName = 0x6E  // 'n'
    }

    static func serverError(_ result: OpaquePointer, _ conn: OpaquePointer) -> PostgresError {
        func field(_ code: DiagnosticField) -> String? { string(PQresultErrorField(result, Int32(code.rawValue))) }
        var message = field(.messagePrimary)
        if message == nil, let whole = string(PQresultErrorMessage(result))?.trimmingTrailingNewlines(), !whole.isEmpty {
            message = whole
        }
        let kind: PostgresError.Kind = PQstatus(conn) == CONNECTION_BAD ? .connectionLost : .server
        return PostgresError(
            kind: kind,
            message: message ?? errorMessage(conn) ?? "unknown error",
            sqlState: field(.sqlState),
            detail: field(.messageDetail),
            hint: field(.messageHint),
            constraint: field(.constraintName),
            table: field(.tableName),
            column: field(.columnName),
            severity: field(.severityNonLocalized) ?? field(.severity),
            context: field(.context)
        )
    }

    static func connectionError(_ conn: OpaquePointer, fallback: String) -> PostgresError {
        let lost = PQstatus(conn) == CONNECTION_BAD
        return PostgresError(
            kind: lost ? .connectionLost : .protocolViolation,
            message: errorMessage(conn) ?? fallback
        )
    }

    /// Leaves COPY mode after a COPY arrived where it was not expected, so the connection can continue.
    static func abandonCopy(_ conn: OpaquePointer, status: ExecStatusType) {
        if status == PGRES_COPY_IN {
            _ = PQputCopyEnd(conn, "COPY FROM STDIN is only supported through copyIn")
        } else if status == PGRES_COPY_OUT {
            var buffer: UnsafeMutablePointer<CChar>? = nil
            while PQgetCopyData(conn, &buffer, 0) > 0 {
                PQfreemem(buffer)
                buffer = nil
            }
        }
        drainResults(conn)
    }

    /// Reads and clears results until libpq has none left (bounded, in case the connection is stuck).
    static func drainResults(_ conn: OpaquePointer) {
        for _ in 0..<1000 {
            guard let result = PQgetResult(conn) else { return }
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
                // Still in COPY: nothing sensible left to do; the caller sees a non-idle connection.
                return
            }
        }
    }

    static func errorMessage(_ conn: OpaquePointer) -> String? {
        guard let text = string(PQerrorMessage(conn))?.trimmingTrailingNewlines(), !text.isEmpty else { return nil }
        return text
    }

    static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(validatingCString: pointer) ?? String(cString: pointer)
    }
}

/// Where libpq delivers a connection's notices, warnings, and errors that arrive while it is idle.
///
/// `@unchecked Sendable`: libpq calls the receiver only from inside calls on its `PGconn`, which all happen under
/// the connection's lock, and `serverClosing` is read under that lock too.
final class NoticeSink: @unchecked Sendable {
    let logger: Logger
    /// The server sent a FATAL or PANIC message: it is closing this connection.
    var serverClosing = false

    init(logger: Logger) { self.logger = logger }
}

/// libpq's notice receiver (`PQnoticeReceiver`). Logs severity and SQLSTATE at debug level; the message text
/// (which can quote values) only at trace level.
private func receiveNotice(_ context: UnsafeMutableRawPointer?, _ result: OpaquePointer?) {
    guard let context, let result else { return }
    let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
    func field(_ code: PostgresConnection.DiagnosticField) -> String {
        PostgresConnection.string(PQresultErrorField(result, Int32(code.rawValue))) ?? ""
    }
    let severity = field(.severityNonLocalized)
    if severity == "FATAL" || severity == "PANIC" {
        sink.serverClosing = true
    }
    sink.logger.debug("postgres notice", metadata: ["postgres.severity": "\(severity)", "postgres.sqlstate": "\(field(.sqlState))"])
    sink.logger.trace("postgres notice text", metadata: ["postgres.message": "\(field(.messagePrimary))"])
}

/// Calls `body` with a C array of C strings (`nil` entries stay NULL) followed by a terminating NULL, valid
/// only inside `body`. The copies are made with `strdup` and freed on return.
func withCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { string in
        guard let string else { return nil }
        guard let copy = strdup(string) else { fatalError("out of memory copying a query parameter") }
        return copy
    }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}

func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    withCStringArray(strings.map { Optional($0) }, body)
}
