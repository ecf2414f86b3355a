/// An error from the client or the server.
///
/// `description` is generic and safe to show to anyone (a log line visible to operators, an HTTP 500 body):
/// it names the kind and the SQLSTATE only. Server messages and details can contain row values (for
/// example `Key (email)=(…) already exists`), so they are kept for `debugDescription`.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A connection could not be opened.
        case connectionFailed
        /// An open connection broke (server restart, backend terminated, network failure).
        case connectionLost
        /// The server reported an error; see `sqlState`.
        case server
        /// A column value could not be read as the requested Swift type, or a result had an unexpected shape.
        case decoding
        /// The pool has been closed.
        case poolClosed
        /// No connection became free within the pool's acquire timeout.
        case poolTimeout
        /// libpq returned a result status this client did not expect.
        case protocolViolation
    }

    public var kind: Kind
    /// The five-character SQLSTATE (`PG_DIAG_SQLSTATE`), when the server sent one.
    public var sqlState: String?
    /// The primary message, without a trailing newline.
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The constraint name (`PG_DIAG_CONSTRAINT_NAME`), for integrity violations.
    public var constraint: String?
    /// The table name (`PG_DIAG_TABLE_NAME`), when the server sent one.
    public var table: String?
    /// The column name: `PG_DIAG_COLUMN_NAME` for server errors, the result column for decoding errors.
    public var column: String?
    /// Severity as the server sent it (`ERROR`, `FATAL`, `PANIC`).
    public var severity: String?
    /// Where the error happened (`PG_DIAG_CONTEXT`), for errors raised inside functions.
    public var context: String?

    public init(
        kind: Kind,
        message: String,
        sqlState: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        constraint: String? = nil,
        table: String? = nil,
        column: String? = nil,
        severity: String? = nil,
        context: String? = nil
    ) {
        self.kind = kind
        self.message = message.trimmingTrailingNewlines()
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
        self.column = column
        self.severity = severity
        self.context = context
    }

    /// SQLSTATE 23505.
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// SQLSTATE 40001.
    public var isSerializationFailure: Bool { sqlState == "40001" }

    /// SQLSTATE 40P01.
    public var isDeadlock: Bool { sqlState == "40P01" }

    /// The connection is gone or could not be made: kinds `connectionFailed` and `connectionLost`, SQLSTATE
    /// class 08, and 57P01/57P02/57P03 (admin shutdown, crash shutdown, cannot connect now).
    /// A connection that reported such an error must not be reused.
    public var isConnectionProblem: Bool {
        if kind == .connectionFailed || kind == .connectionLost { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }

    /// Serialization failure or deadlock: the whole transaction may be retried from its BEGIN.
    public var isRetryableTransactionFailure: Bool { isSerializationFailure || isDeadlock }

    public var description: String {
        var text = "PostgresError.\(kind)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        return text
    }

    public var debugDescription: String {
        var parts = ["kind: \(kind)"]
        if let severity { parts.append("severity: \(severity)") }
        if let sqlState { parts.append("sqlState: \(sqlState)") }
        parts.append("message: \(String(reflecting: message))")
        if let detail { parts.append("detail: \(String(reflecting: detail))") }
        if let hint { parts.append("hint: \(String(reflecting: hint))") }
        if let table { parts.append("table: \(table)") }
        if let column { parts.append("column: \(column)") }
        if let constraint { parts.append("constraint: \(constraint)") }
        if let context { parts.append("context: \(String(reflecting: context))") }
        return "PostgresError(\(parts.joined(separator: ", ")))"
    }
}

extension String {
    /// libpq's messages end with a newline (sometimes several lines, each ending with one).
    func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while let last = text.last, last == "\n" || last == "\r" || last == " " {
            text.removeLast()
        }
        return String(text)
    }
}
