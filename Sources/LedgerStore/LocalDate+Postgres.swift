public import LedgerCore
public import Postgres

/// A `date` parameter or column. Bind it with a cast where the context does not say (`\(day)::date`); the server
/// prints dates as `YYYY-MM-DD` (ISO `DateStyle`, the default), which is what is read back.
extension LocalDate: PostgresArrayElement, PostgresDecodable {
    public var postgresText: String { description }

    public init(postgresText: String) throws {
        do {
            try self.init(parsing: postgresText)
        } catch {
            throw PostgresError.cannotRead(postgresText, as: LocalDate.self)
        }
    }
}
