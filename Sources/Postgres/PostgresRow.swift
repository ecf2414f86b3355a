/// One row of a result. Its values are copies (never pointers into libpq's result), so rows are plain values
/// that can outlive the query and cross threads.
public struct PostgresRow: Sendable {
    /// Column names, shared by all rows of a result.
    public let columns: [String]
    /// Text values in column order; `nil` is SQL NULL.
    public let values: [String?]

    public init(columns: [String], values: [String?]) {
        precondition(columns.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// The value at `index`; NULL is a decoding error naming the column.
    public func decode<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
        guard let value = try decode(index, as: Optional<T>.self) else {
            throw PostgresError(
                kind: .decoding,
                message: "column \(columnLabel(index)): is NULL; decode it as \(T.self)? to accept NULL",
                column: columns[index]
            )
        }
        return value
    }

    /// The value at `index`, or `nil` for NULL.
    public func decode<T: PostgresDecodable>(_ index: Int, as type: Optional<T>.Type) throws -> T? {
        guard columns.indices.contains(index) else {
            throw PostgresError(
                kind: .decoding,
                message: "column index \(index) is out of range: the row has \(columns.count) columns"
            )
        }
        guard let text = values[index] else { return nil }
        do {
            return try T(postgresText: text)
        } catch var error as PostgresError {
            error.message = "column \(columnLabel(index)): \(error.message)"
            error.column = columns[index]
            throw error
        } catch {
            throw PostgresError(
                kind: .decoding,
                message: "column \(columnLabel(index)): cannot read the value as \(T.self): \(error)",
                column: columns[index]
            )
        }
    }

    /// The value of the column called `name`; an unknown name, a name two columns share, or NULL is a decoding error.
    public func decode<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try decode(index(of: name), as: T.self)
    }

    /// The value of the column called `name`, or `nil` for NULL; an unknown name or a name two columns share is a
    /// decoding error.
    public func decode<T: PostgresDecodable>(_ name: String, as type: Optional<T>.Type) throws -> T? {
        try decode(index(of: name), as: Optional<T>.self)
    }

    private func index(of name: String) throws -> Int {
        guard let index = columns.firstIndex(of: name) else {
            throw PostgresError(
                kind: .decoding,
                message: "no column named \"\(name)\"; the result has \(columns.map { "\"\($0)\"" }.joined(separator: ", "))",
                column: name
            )
        }
        guard !columns[(index + 1)...].contains(name) else {
            throw PostgresError(
                kind: .decoding,
                message: "more than one column is named \"\(name)\": give each its own name with AS",
                column: name
            )
        }
        return index
    }

    private func columnLabel(_ index: Int) -> String {
        "\"\(columns[index])\" (#\(index))"
    }
}

/// The result of one statement: its rows (in order), column names and the affected row count.
public struct PostgresResult: Sendable, RandomAccessCollection {
    public let columns: [String]
    public let rows: [PostgresRow]
    /// Rows inserted, updated, deleted, selected or copied (`PQcmdTuples`); 0 when the command reports none.
    public let affectedRows: Int
    /// The command tag, such as `INSERT 0 1` or `SELECT 3` (`PQcmdStatus`).
    public let commandTag: String

    public init(columns: [String], rows: [PostgresRow], affectedRows: Int, commandTag: String = "") {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
        self.commandTag = commandTag
    }

    public var startIndex: Int { rows.startIndex }
    public var endIndex: Int { rows.endIndex }
    public subscript(position: Int) -> PostgresRow { rows[position] }

    /// The only row; no rows or more than one is a decoding error.
    public func single() throws -> PostgresRow {
        guard rows.count == 1 else {
            throw PostgresError(kind: .decoding, message: "expected exactly one row, got \(rows.count)")
        }
        return rows[0]
    }
}
