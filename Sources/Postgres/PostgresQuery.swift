/// SQL whose interpolated values all become bound parameters (`$1`, `$2`, …); the literal segments are SQL.
///
/// ```swift
/// let rows = try connection.query("SELECT name FROM terminal WHERE id = \(id) AND active = \(true)")
/// ```
///
/// Nothing interpolated is ever pasted into the SQL text, so a value cannot change the statement. SQL text
/// built at run time needs `init(unsafeSQL:binds:)`, whose name says what the caller takes on.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var sql: String
    /// Text-format parameter values, in `$n` order; `nil` is SQL NULL.
    public var binds: [String?]

    /// For SQL that is static text (or built only from trusted identifiers). Values go in `binds`.
    public init(unsafeSQL sql: String, binds: [String?] = []) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.sql = value
        self.binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.binds = stringInterpolation.binds
    }

    /// The SQL and the number of parameters; never the values.
    public var description: String {
        "\(sql) [\(binds.count) bind\(binds.count == 1 ? "" : "s")]"
    }

    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        public typealias StringLiteralType = String

        var sql: String
        var binds: [String?]

        public init(literalCapacity: Int, interpolationCount: Int) {
            self.sql = ""
            self.sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            self.binds = []
            self.binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql.append(literal)
        }

        /// Appends `$n` to the SQL and the value to the parameters.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresText)
            sql.append("$\(binds.count)")
        }

        /// Appends `$n`; `nil` is sent as SQL NULL.
        public mutating func appendInterpolation(_ value: (some PostgresEncodable)?) {
            binds.append(value?.postgresText)
            sql.append("$\(binds.count)")
        }

        /// Appends trusted SQL text as it is, such as a column list kept in a constant. Never pass a value here:
        /// the label is there so that this stands out in review.
        public mutating func appendInterpolation(unsafeSQL fragment: String) {
            sql.append(fragment)
        }
    }
}
