import LedgerCore
import Testing

@Suite struct SubsidyTests {
    func terms(share: Int32 = 5000, fee: Int64 = 500, cap: Int64? = nil, from: String = "2024-01-01") -> SubsidyTerms {
        try! SubsidyTerms(effectiveFrom: day(from), discountShareBP: share, deliveryFeeFen: fee, monthlyCapFen: cap)
    }

    func expectAmount(_ amount: SubsidyAmount, discount: Int64, delivery: Int64, total: Int64, capped: Bool) {
        #expect(amount.discountSubsidy == discount)
        #expect(amount.deliverySubsidy == delivery)
        #expect(amount.total == total)
        #expect(amount.capped == capped)
    }

    @Test("uncapped, the subsidy is the share of the discounts plus the delivery fees")
    func uncappedIsShareOfDiscountsPlusFees() {
        // 12345 × 50% = 6172.5 → 6173; 10 × 500 = 5000.
        expectAmount(
            Subsidy.compute(discountFen: 12_345, deliveriesDelivered: 10, terms: terms()),
            discount: 6173, delivery: 5000, total: 11_173, capped: false)
    }

    @Test("the subsidy rounds half up once, on the monthly total")
    func roundsHalfUpOnceOnTheMonthlyTotal() {
        // 1 × 33.33% = 0.3333 → 0; 2 × 33.33% = 0.6666 → 1; 15 × 33.33% = 4.9995 → 5.
        expectAmount(Subsidy.compute(discountFen: 1, deliveriesDelivered: 0, terms: terms(share: 3333)), discount: 0, delivery: 0, total: 0, capped: false)
        expectAmount(Subsidy.compute(discountFen: 2, deliveriesDelivered: 0, terms: terms(share: 3333)), discount: 1, delivery: 0, total: 1, capped: false)
        expectAmount(Subsidy.compute(discountFen: 15, deliveriesDelivered: 0, terms: terms(share: 3333)), discount: 5, delivery: 0, total: 5, capped: false)
        expectAmount(Subsidy.compute(discountFen: 10_001, deliveriesDelivered: 0, terms: terms(share: 10_000)), discount: 10_001, delivery: 0, total: 10_001, capped: false)
        expectAmount(Subsidy.compute(discountFen: 10_001, deliveriesDelivered: 3, terms: terms(share: 0, fee: 0)), discount: 0, delivery: 0, total: 0, capped: false)
    }

    @Test("huge totals do not overflow")
    func hugeTotalsDoNotOverflow() {
        // 9e18 × 5000 would overflow Int64; the subsidy itself does not.
        expectAmount(
            Subsidy.compute(discountFen: 9_000_000_000_000_000_001, deliveriesDelivered: 0, terms: terms(share: 5000)),
            discount: 4_500_000_000_000_000_001, delivery: 0, total: 4_500_000_000_000_000_001, capped: false)
    }

    @Test("the monthly cap comes off the deliveries first")
    func capComesOffDeliveriesFirst() {
        expectAmount(
            Subsidy.compute(discountFen: 12_345, deliveriesDelivered: 10, terms: terms(cap: 10_000)),
            discount: 6173, delivery: 3827, total: 10_000, capped: true)
    }

    @Test("a cap below the discount part takes all deliveries, then discounts")
    func capBelowTheDiscountPartTakesAllDeliveriesThenDiscounts() {
        expectAmount(
            Subsidy.compute(discountFen: 12_345, deliveriesDelivered: 10, terms: terms(cap: 3000)),
            discount: 3000, delivery: 0, total: 3000, capped: true)
        expectAmount(
            Subsidy.compute(discountFen: 12_345, deliveriesDelivered: 10, terms: terms(cap: 0)),
            discount: 0, delivery: 0, total: 0, capped: true)
    }

    @Test("a cap equal to the sum caps nothing")
    func capEqualToTheSumIsNotCapping() {
        expectAmount(
            Subsidy.compute(discountFen: 12_345, deliveriesDelivered: 10, terms: terms(cap: 11_173)),
            discount: 6173, delivery: 5000, total: 11_173, capped: false)
        expectAmount(
            Subsidy.compute(discountFen: 12_345, deliveriesDelivered: 10, terms: terms(cap: 11_172)),
            discount: 6173, delivery: 4999, total: 11_172, capped: true)
    }

    @Test("subsidy terms are validated")
    func termsAreValidated() throws {
        let from = day("2024-01-01")
        #expect(throws: DomainError.discountShareOutOfRange(basisPoints: -1)) {
            try SubsidyTerms(effectiveFrom: from, discountShareBP: -1, deliveryFeeFen: 0)
        }
        #expect(throws: DomainError.discountShareOutOfRange(basisPoints: 10_001)) {
            try SubsidyTerms(effectiveFrom: from, discountShareBP: 10_001, deliveryFeeFen: 0)
        }
        #expect(throws: DomainError.negativeDeliveryFee(fen: -1)) {
            try SubsidyTerms(effectiveFrom: from, discountShareBP: 0, deliveryFeeFen: -1)
        }
        #expect(throws: DomainError.negativeMonthlyCap(fen: -1)) {
            try SubsidyTerms(effectiveFrom: from, discountShareBP: 0, deliveryFeeFen: 0, monthlyCapFen: -1)
        }
        #expect(try SubsidyTerms(effectiveFrom: from, discountShareBP: 0, deliveryFeeFen: 0, monthlyCapFen: 0).monthlyCapFen == 0)
        #expect(try SubsidyTerms(effectiveFrom: from, discountShareBP: 10_000, deliveryFeeFen: 0).discountShareBP == 10_000)
    }

    @Test("the terms in force on the period's first day govern it")
    func termsInForceOnThePeriodsFirstDayGovern() {
        let january = terms(share: 1000, from: "2024-01-01")
        let march = terms(share: 2000, from: "2024-03-01")
        let midMarch = terms(share: 3000, from: "2024-03-15")
        let all = [midMarch, january, march]  // in no particular order
        #expect(Subsidy.termsInForce(all, for: period("2023-12")) == nil)
        #expect(Subsidy.termsInForce(all, for: period("2024-01")) == january)
        #expect(Subsidy.termsInForce(all, for: period("2024-02")) == january)
        #expect(Subsidy.termsInForce(all, for: period("2024-03")) == march)
        #expect(Subsidy.termsInForce(all, for: period("2024-04")) == midMarch)
        #expect(Subsidy.termsInForce([midMarch], for: period("2024-03")) == nil)
        #expect(Subsidy.termsInForce([], for: period("2024-03")) == nil)
    }

    @Test("of terms with the same start, the later recorded wins")
    func laterTermsWithTheSameStartWin() {
        let first = terms(share: 1000, from: "2024-03-01")
        let second = terms(share: 2000, from: "2024-03-01")
        #expect(Subsidy.termsInForce([first, second], for: period("2024-03")) == second)
        #expect(Subsidy.termsInForce([second, first], for: period("2024-03")) == first)
    }
}
