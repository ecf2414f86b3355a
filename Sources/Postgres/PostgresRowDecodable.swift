/// A named row type: one query's columns read by NAME into typed fields, so that a reordered SELECT list still
/// decodes each field from its own column, and a column missing from the result is a decoding error that names it.
///
/// ```swift
/// struct TerminalRow: PostgresRowDecodable {
///     let name: String
///     let revokedAt: Date?
///     init(_ row: PostgresRow) throws {
///         name = try row.decode("name")
///         revokedAt = try row.decode("revoked_at", as: Date?.self)
///     }
/// }
/// let terminals = try db.query("SELECT name, revoked_at FROM terminals").decode(TerminalRow.self)
/// ```
public protocol PostgresRowDecodable {
    /// Reads the fields from `row` with `row.decode("column", as: T.self)`.
    init(_ row: PostgresRow) throws
}

extension PostgresResult {
    /// Every row, in order, as `Row`.
    public func decode<Row: PostgresRowDecodable>(_ type: Row.Type) throws -> [Row] {
        try rows.map { try Row($0) }
    }

    /// The only row as `Row`; no rows or more than one is a decoding error.
    public func single<Row: PostgresRowDecodable>(_ type: Row.Type) throws -> Row {
        try Row(single())
    }

    /// The first row as `Row`, or nil when there are none.
    public func first<Row: PostgresRowDecodable>(_ type: Row.Type) throws -> Row? {
        try rows.first.map { try Row($0) }
    }
}
