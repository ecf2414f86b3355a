import Postgres

extension PostgresRow {
    /// The value of a row of exactly one column, whatever the column's name (`SELECT count(*) …`); a row of more
    /// columns is a decoding error, so that no test reads a column by its position.
    public func onlyValue<T: PostgresDecodable>(as type: T.Type = T.self) throws -> T {
        try decode(onlyColumn(), as: T.self)
    }

    /// `onlyValue`, with `nil` for NULL.
    public func onlyValue<T: PostgresDecodable>(as type: Optional<T>.Type) throws -> T? {
        try decode(onlyColumn(), as: Optional<T>.self)
    }

    private func onlyColumn() throws -> String {
        guard columns.count == 1 else {
            throw PostgresError(kind: .decoding, message: "expected one column, got \(columns.count): decode them by name")
        }
        return columns[0]
    }
}
