/// The number of a card: an opaque string of 6 to 32 ASCII letters and digits, kept exactly as given.
///
/// Card numbers are personal data: log `masked`, never `value`.
public struct CardNumber: Sendable, Hashable, Codable {
    /// The number as given.
    public let value: String

    /// A card number, refused with `DomainError.invalidCardNumber` unless it is 6 to 32 ASCII letters and
    /// digits. Nothing is trimmed and case is kept.
    public init(_ value: String) throws {
        let scalars = value.unicodeScalars
        guard (6...32).contains(scalars.count),
            scalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) })
        else { throw DomainError.invalidCardNumber }
        self.value = value
    }

    /// The last four characters.
    public var last4: String { String(value.suffix(4)) }

    /// Four stars and the last four characters, for logs: `****1234`.
    public var masked: String { "****" + last4 }

    /// Decodes from a string, validated.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch let error as DomainError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as the bare string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
