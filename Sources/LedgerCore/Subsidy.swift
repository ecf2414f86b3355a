/// What the bureau pays one restaurant, set per restaurant and in force from a date (business rule 7).
public struct SubsidyTerms: Sendable, Hashable {
    /// The first day these terms apply.
    public let effectiveFrom: LocalDate
    /// The share of the discounts given that the bureau refunds, in basis points (0...10000).
    public let discountShareBP: Int32
    /// The fee per delivered delivery, in fen (0 or more).
    public let deliveryFeeFen: Int64
    /// The most the restaurant gets in one month, in fen (0 or more); nil for no cap.
    public let monthlyCapFen: Int64?

    /// Terms, refused with `DomainError.discountShareOutOfRange`, `negativeDeliveryFee` or `negativeMonthlyCap`.
    public init(effectiveFrom: LocalDate, discountShareBP: Int32, deliveryFeeFen: Int64, monthlyCapFen: Int64? = nil) throws {
        guard (0...10_000).contains(discountShareBP) else {
            throw DomainError.discountShareOutOfRange(basisPoints: discountShareBP)
        }
        guard deliveryFeeFen >= 0 else {
            throw DomainError.negativeDeliveryFee(fen: deliveryFeeFen)
        }
        if let monthlyCapFen, monthlyCapFen < 0 {
            throw DomainError.negativeMonthlyCap(fen: monthlyCapFen)
        }
        self.effectiveFrom = effectiveFrom
        self.discountShareBP = discountShareBP
        self.deliveryFeeFen = deliveryFeeFen
        self.monthlyCapFen = monthlyCapFen
    }
}

/// One restaurant's subsidy for one period, in fen. The parts always add up to `total`.
public struct SubsidyAmount: Sendable, Hashable {
    /// The refund of discounts given.
    public let discountSubsidy: Int64
    /// The fees for delivered deliveries.
    public let deliverySubsidy: Int64
    /// What the bureau pays.
    public let total: Int64
    /// Whether the monthly cap cut the total.
    public let capped: Bool
}

/// Business rule 7: the subsidy of a restaurant for a period.
public enum Subsidy {
    /// The subsidy for a month with `discountFen` of discounts (net of voids) and `deliveriesDelivered`
    /// delivered deliveries.
    ///
    /// Rounding happens once, on the monthly total of discounts: discount part =
    /// round-half-up(discountFen × share / 10000); delivery part = fee × deliveries. With a cap below their
    /// sum, the total is the cap and the excess comes off the delivery part first, then off the discount
    /// part, so the parts still add up to the total. Both counts must be 0 or more.
    public static func compute(discountFen: Int64, deliveriesDelivered: Int64, terms: SubsidyTerms) -> SubsidyAmount {
        precondition(discountFen >= 0 && deliveriesDelivered >= 0, "subsidy inputs are totals and cannot be negative")
        // discountFen = q × 10000 + r, so (discountFen × share + 5000) / 10000 = q × share + (r × share + 5000) / 10000,
        // which cannot overflow for any Int64 total.
        let share = Int64(terms.discountShareBP)
        var discountPart = discountFen / 10_000 * share + (discountFen % 10_000 * share + 5_000) / 10_000
        var deliveryPart = terms.deliveryFeeFen * deliveriesDelivered
        let sum = discountPart + deliveryPart
        guard let cap = terms.monthlyCapFen, sum > cap else {
            return SubsidyAmount(discountSubsidy: discountPart, deliverySubsidy: deliveryPart, total: sum, capped: false)
        }
        let excess = sum - cap
        let offDelivery = min(excess, deliveryPart)
        deliveryPart -= offDelivery
        discountPart -= excess - offDelivery
        return SubsidyAmount(discountSubsidy: discountPart, deliverySubsidy: deliveryPart, total: cap, capped: true)
    }

    /// The terms that govern `period`: those in force on its first day, that is the terms with the latest
    /// `effectiveFrom` on or before that day. Terms that start later in the month govern from the next
    /// period on. Nil when no terms had started by the first day. Among terms with the same
    /// `effectiveFrom`, the last in `all` wins.
    public static func termsInForce(_ all: [SubsidyTerms], for period: Period) -> SubsidyTerms? {
        let firstDay = period.firstDay
        var best: SubsidyTerms?
        for terms in all where terms.effectiveFrom <= firstDay {
            if best.map({ terms.effectiveFrom >= $0.effectiveFrom }) ?? true {
                best = terms
            }
        }
        return best
    }
}
