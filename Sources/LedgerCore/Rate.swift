/// A restaurant's price rate in basis points of the list price: 8500 means the guest pays 85%.
///
/// The programme promises at least 15% off, so only 1...8500 is accepted.
public struct Rate: Sendable, Hashable, Codable {
    /// The share of the list price the guest pays, in basis points (1...8500).
    public let basisPoints: Int32

    private static let allowedRange: ClosedRange<Int32> = 1...8500

    /// The highest rate allowed: the guest pays 85% of the list price.
    public static let maximum = Rate(unchecked: 8500)

    /// A rate, refused with `DomainError.rateOutOfRange` outside 1...8500.
    public init(basisPoints: Int32) throws {
        guard Self.allowedRange.contains(basisPoints) else {
            throw DomainError.rateOutOfRange(basisPoints: basisPoints)
        }
        self.basisPoints = basisPoints
    }

    private init(unchecked basisPoints: Int32) {
        self.basisPoints = basisPoints
    }

    /// Decodes from a bare number of basis points, validated.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let basisPoints = try container.decode(Int32.self)
        do {
            try self.init(basisPoints: basisPoints)
        } catch let error as DomainError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as a bare number of basis points.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(basisPoints)
    }
}
