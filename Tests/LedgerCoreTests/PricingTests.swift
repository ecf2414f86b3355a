import Foundation
import LedgerCore
import Testing

@Suite struct RateTests {
    @Test("rates from 1 up to 8500 bp are accepted", arguments: [Int32(1), 7500, 8000, 8499, 8500])
    func acceptsRatesUpTo8500(basisPoints: Int32) throws {
        #expect(try Rate(basisPoints: basisPoints).basisPoints == basisPoints)
    }

    @Test("rates outside 1 to 8500 bp are refused", arguments: [Int32(8501), 10_000, 0, -1, Int32.min, Int32.max])
    func refusesRatesOutside1To8500(basisPoints: Int32) {
        #expect(throws: DomainError.rateOutOfRange(basisPoints: basisPoints)) {
            try Rate(basisPoints: basisPoints)
        }
    }

    @Test("the highest rate is 8500 bp")
    func maximumIs8500() {
        #expect(Rate.maximum.basisPoints == 8500)
    }

    @Test("a rate codes as a bare number and is validated on decoding")
    func codesAsABareNumberAndValidatesOnDecoding() throws {
        let encoded = try JSONEncoder().encode([try Rate(basisPoints: 8000)])
        #expect(String(decoding: encoded, as: UTF8.self) == "[8000]")
        #expect(try JSONDecoder().decode([Rate].self, from: Data("[7500]".utf8)) == [try Rate(basisPoints: 7500)])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Rate].self, from: Data("[8501]".utf8))
        }
    }
}

@Suite struct PricingTests {
    /// (rate, gross, payable, discount), worked out by hand.
    static let cases: [(Int32, Int64, Int64, Int64)] = [
        (8500, 1, 1, 0),  // 0.85 → 1
        (8500, 3, 3, 0),  // 2.55 → 3
        (8500, 10, 9, 1),  // 8.5 → 9, half up
        (8500, 30, 26, 4),  // 25.5 → 26, half up
        (8500, 99, 84, 15),  // 84.15 → 84
        (8500, 1_000_000, 850_000, 150_000),
        (8000, 1, 1, 0),  // 0.8 → 1
        (8000, 3, 2, 1),  // 2.4 → 2
        (8000, 10, 8, 2),
        (8000, 99, 79, 20),  // 79.2 → 79
        (8000, 1_000_000, 800_000, 200_000),
        (7500, 1, 1, 0),  // 0.75 → 1
        (7500, 2, 2, 0),  // 1.5 → 2, half up
        (7500, 3, 2, 1),  // 2.25 → 2
        (7500, 6, 5, 1),  // 4.5 → 5, half up
        (7500, 10, 8, 2),  // 7.5 → 8, half up
        (7500, 99, 74, 25),  // 74.25 → 74
        (7500, 1_000_000, 750_000, 250_000),
        (1, 4999, 0, 4999),  // 0.4999 → 0
        (1, 5000, 1, 4999),  // 0.5 → 1, half up
        (8499, 10_000, 8499, 1501),
    ]

    @Test("the payable rounds half up", arguments: cases)
    func payableRoundsHalfUp(rate: Int32, gross: Int64, payable: Int64, discount: Int64) throws {
        let price = try Pricing.price(gross: gross, rate: Rate(basisPoints: rate))
        #expect(price.gross == gross)
        #expect(price.payable == payable)
        #expect(price.discount == discount)
    }

    @Test("a gross outside 1 to 1,000,000 fen is refused", arguments: [Int64(0), -1, 1_000_001, Int64.max])
    func refusesGrossOutside1To1000000(gross: Int64) {
        #expect(throws: DomainError.grossOutOfRange(gross: gross)) {
            try Pricing.price(gross: gross, rate: Rate.maximum)
        }
    }

    @Test("a payable the terminal sends must match the server's")
    func terminalPayableMustMatchWhenSent() throws {
        let price = try Pricing.price(gross: 10, rate: Rate.maximum)
        try price.checkPayable(nil)
        try price.checkPayable(9)
        #expect(throws: DomainError.payableMismatch(expected: 9, claimed: 8)) { try price.checkPayable(8) }
        #expect(throws: DomainError.payableMismatch(expected: 9, claimed: 10)) { try price.checkPayable(10) }
    }
}
