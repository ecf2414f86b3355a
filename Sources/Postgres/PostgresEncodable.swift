public import Foundation

/// A value that can be sent as a bound parameter, in text format.
///
/// The text is what the server's input function for the parameter's type accepts. Parameters are sent with
/// type OID 0, so the server infers the type from the context; write a cast (`$1::int8`, `$1::text[]`)
/// where the context does not say.
public protocol PostgresEncodable: Sendable {
    var postgresText: String { get }
}

/// A value that can be an element of an array parameter (`[String]`, `[Int64]`, `[UUID]`, …).
///
/// Arrays themselves are not elements, so a nested array cannot be written by accident.
public protocol PostgresArrayElement: PostgresEncodable {}

extension String: PostgresArrayElement {
    public var postgresText: String { self }
}

extension Int: PostgresArrayElement {
    public var postgresText: String { String(self) }
}

extension Int16: PostgresArrayElement {
    public var postgresText: String { String(self) }
}

extension Int32: PostgresArrayElement {
    public var postgresText: String { String(self) }
}

extension Int64: PostgresArrayElement {
    public var postgresText: String { String(self) }
}

extension Bool: PostgresArrayElement {
    public var postgresText: String { self ? "t" : "f" }
}

extension UUID: PostgresArrayElement {
    public var postgresText: String { uuidString.lowercased() }
}

extension Date: PostgresArrayElement {
    /// ISO 8601 in UTC with microseconds, e.g. `2024-03-31 15:30:00.123456+00`; the instant is rounded to the
    /// nearest microsecond, PostgreSQL's resolution.
    public var postgresText: String { TimestampText.format(self) }
}

extension Data: PostgresArrayElement {
    /// bytea hex format: `\x` followed by two lowercase hex digits per byte.
    public var postgresText: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        bytes.reserveCapacity(2 + count * 2)
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    /// A one-dimensional PostgreSQL array literal with every element double-quoted, backslash and double quote
    /// escaped: `{"a","b \"c\"","d\\e"}`. Use it with a cast: `= ANY($1::int8[])`, `unnest($1::text[])`.
    public var postgresText: String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (index, element) in enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            for byte in element.postgresText.utf8 {
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
