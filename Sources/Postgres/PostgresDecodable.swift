public import Foundation

/// A value that can be read from one column's text value.
///
/// Throw `PostgresError(kind: .decoding, message: …)` when the text is not a valid value; the row adds the
/// column name. NULL never reaches `init(postgresText:)`: decode as an optional to accept it.
public protocol PostgresDecodable: Sendable {
    init(postgresText: String) throws
}

extension PostgresError {
    /// The error a `PostgresDecodable` throws for text it cannot read. The value is shortened and kept out of
    /// `description`.
    public static func cannotRead(_ text: String, as type: Any.Type) -> PostgresError {
        let shown = text.count > 64 ? String(text.prefix(64)) + "…" : text
        return PostgresError(kind: .decoding, message: "cannot read '\(shown)' as \(type)")
    }
}

extension String: PostgresDecodable {
    public init(postgresText: String) { self = postgresText }
}

extension PostgresDecodable where Self: FixedWidthInteger {
    /// Integers print as plain decimal digits; anything else, or a value out of range, is a decoding error.
    public init(postgresText: String) throws {
        guard let value = Self(postgresText, radix: 10) else { throw PostgresError.cannotRead(postgresText, as: Self.self) }
        self = value
    }
}

extension Int: PostgresDecodable {}
extension Int16: PostgresDecodable {}
extension Int32: PostgresDecodable {}
extension Int64: PostgresDecodable {}

extension Bool: PostgresDecodable {
    /// The server prints booleans as `t` and `f`.
    public init(postgresText: String) throws {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresError.cannotRead(postgresText, as: Bool.self)
        }
    }
}

extension UUID: PostgresDecodable {
    public init(postgresText: String) throws {
        guard let value = UUID(uuidString: postgresText) else {
            throw PostgresError.cannotRead(postgresText, as: UUID.self)
        }
        self = value
    }
}

extension Date: PostgresDecodable {
    /// `timestamptz` as the server prints it with `DateStyle = ISO` (set on every connection), e.g.
    /// `2024-03-31 15:30:00+00` or `2024-03-31 15:30:00.123456+05:30`. A `timestamp` without a zone is read as
    /// UTC and a `date` as midnight UTC. `infinity` and `-infinity` are refused.
    public init(postgresText: String) throws {
        guard let value = TimestampText.parse(postgresText) else {
            throw PostgresError.cannotRead(postgresText, as: Date.self)
        }
        self = value
    }
}

extension Data: PostgresDecodable {
    /// bytea in hex output format (`\x…`, set on every connection).
    public init(postgresText: String) throws {
        let text = Array(postgresText.utf8)
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0
        else { throw PostgresError.cannotRead(postgresText, as: Data.self) }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity((text.count - 2) / 2)
        var index = 2
        while index < text.count {
            guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else {
                throw PostgresError.cannotRead(postgresText, as: Data.self)
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self = Data(bytes)
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable & PostgresArrayElement {
    /// A one-dimensional array as the server prints it: `{a,"b c","d\"e"}`, `{}`; each element is read
    /// with `Element`'s decoder. A NULL element or a multi-dimensional array is a decoding error.
    public init(postgresText: String) throws {
        guard let elements = ArrayText.parse(postgresText) else {
            throw PostgresError.cannotRead(postgresText, as: [Element].self)
        }
        self = try elements.map { element in
            guard let element else {
                throw PostgresError(kind: .decoding, message: "the array has a NULL element; \(Element.self) cannot be NULL")
            }
            return try Element(postgresText: element)
        }
    }
}

/// The server's array output format, one dimension.
enum ArrayText {
    static func parse(_ text: String) -> [String?]? {
        var bytes = Substring(text).utf8[...]
        // Arrays whose lower bound is not 1 start with their dimensions: `[0:2]={…}`.
        if bytes.first == UInt8(ascii: "[") {
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            bytes = bytes[bytes.index(after: equals)...]
        }
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        let body = Array(bytes.dropFirst().dropLast())
        if body.isEmpty { return [] }

        var elements: [String?] = []
        var index = 0
        while true {
            guard index < body.count else { return nil }  // an element was expected
            if body[index] == UInt8(ascii: "\"") {
                var element: [UInt8] = []
                index += 1
                while true {
                    guard index < body.count else { return nil }
                    let byte = body[index]
                    if byte == UInt8(ascii: "\\") {
                        guard index + 1 < body.count else { return nil }
                        element.append(body[index + 1])
                        index += 2
                    } else if byte == UInt8(ascii: "\"") {
                        index += 1
                        break
                    } else {
                        element.append(byte)
                        index += 1
                    }
                }
                elements.append(String(decoding: element, as: UTF8.self))
            } else {
                let start = index
                while index < body.count, body[index] != UInt8(ascii: ",") {
                    // Nested braces mean more than one dimension.
                    if body[index] == UInt8(ascii: "{") || body[index] == UInt8(ascii: "}") { return nil }
                    index += 1
                }
                let element = String(decoding: body[start..<index], as: UTF8.self)
                guard !element.isEmpty else { return nil }
                elements.append(element == "NULL" ? nil : element)
            }
            if index == body.count { return elements }
            guard body[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }
}
