/// The amounts of one discounted meal, in fen.
public struct PriceBreakdown: Sendable, Hashable {
    /// The list price.
    public let gross: Int64
    /// What the guest pays: gross × rate / 10000, rounded half up.
    public let payable: Int64
    /// What the restaurant gives up: gross − payable.
    public let discount: Int64

    /// Accepts a payable sent by the terminal when it is absent or equal to ours;
    /// throws `DomainError.payableMismatch` otherwise.
    public func checkPayable(_ claimed: Int64?) throws {
        if let claimed, claimed != payable {
            throw DomainError.payableMismatch(expected: payable, claimed: claimed)
        }
    }
}

/// Business rule 1: the price of a discounted meal, in integer arithmetic.
public enum Pricing {
    /// The gross amounts a meal may have, in fen.
    public static let grossRange: ClosedRange<Int64> = 1...1_000_000

    /// Payable = (gross × rate + 5000) / 10000 (round half up), discount = gross − payable.
    /// Throws `DomainError.grossOutOfRange` when gross is outside `grossRange`.
    public static func price(gross: Int64, rate: Rate) throws -> PriceBreakdown {
        guard grossRange.contains(gross) else {
            throw DomainError.grossOutOfRange(gross: gross)
        }
        // At most 1_000_000 × 8500: no overflow.
        let payable = (gross * Int64(rate.basisPoints) + 5000) / 10000
        return PriceBreakdown(gross: gross, payable: payable, discount: gross - payable)
    }
}
