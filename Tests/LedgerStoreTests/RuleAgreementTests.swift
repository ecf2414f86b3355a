import Foundation
import LedgerCore
@testable import LedgerStore
import Postgres
import Testing

/// The rules that exist both in LedgerCore and in SQL give the same answers to the same cases: card validity on a
/// day (Eligibility.meal, ledger.card_valid_on), the payable's rounding (Pricing.price, ledger.payable_fen) and the
/// rate cap (Rate, the CHECK of ledger.restaurants).
@Suite("Swift and SQL agree")
struct RuleAgreementTests {
    struct Rollback: Error {}

    @Test("the same cases, fed to the Swift rule and to the SQL rule, get the same answers")
    func sameAnswers() throws {
        try ScratchDatabase.withRestaurants([]) { db in
            // Card validity: status, valid from, valid until, the day, and whether a meal is allowed.
            let validity: [(CardStatus, String?, String?, String, Bool)] = [
                (.active, nil, nil, "2031-03-10", true),
                (.active, "2031-03-10", "2031-03-10", "2031-03-10", true),
                (.active, nil, "2031-03-10", "2031-03-10", true),
                (.active, nil, "2031-03-10", "2031-03-11", false),
                (.active, "2031-03-11", nil, "2031-03-10", false),
                (.active, "2031-03-11", nil, "2031-03-11", true),
                (.active, "2031-03-01", "2031-03-31", "2031-04-01", false),
                (.suspended, nil, nil, "2031-03-10", false),
                (.revoked, "2031-03-01", "2031-03-31", "2031-03-10", false),
                (.suspended, nil, "2031-03-09", "2031-03-10", false),
            ]
            for (status, from, until, day, expected) in validity {
                let card = Card(number: try CardNumber("CARD0001"), category: .veteran, status: status,
                                validFrom: try from.map(LocalDate.init(parsing:)), validUntil: try until.map(LocalDate.init(parsing:)))
                let swift = Eligibility.meal(card: card, on: try LocalDate(parsing: day)).isEligible
                let sql = try db.query("""
                    SELECT ledger.card_valid_on(\(status.rawValue), \(from)::date, \(until)::date, \(day)::date) AS valid
                    """).single().decode("valid", as: Bool.self)
                #expect(swift == expected && sql == expected, "\(status) \(from ?? "-") to \(until ?? "-") on \(day): Swift \(swift), SQL \(sql)")
            }

            // The payable: gross, rate and what the guest pays (halves round up).
            let payables: [(Int64, Int32, Int64)] = [
                (1, 1, 0), (1, 5000, 1), (1, 4999, 0), (3, 8500, 3), (1000, 8500, 850), (3333, 8500, 2833), (2500, 8000, 2000),
                (1001, 8000, 801), (10001, 5, 5), (9999, 5, 5), (1_000_000, 8500, 850_000), (1_000_000, 1, 100), (15, 8333, 12),
            ]
            for (gross, rate, expected) in payables {
                let swift = try Pricing.price(gross: gross, rate: Rate(basisPoints: rate)).payable
                let sql = try db.query("SELECT ledger.payable_fen(\(gross), \(rate)) AS payable").single().decode("payable", as: Int64.self)
                #expect(swift == expected && sql == expected, "\(gross) fen at \(rate) bp: Swift \(swift), SQL \(sql)")
            }

            // The rate cap: a rate and whether it is allowed.
            let rates: [(Int32, Bool)] = [(-1, false), (0, false), (1, true), (5000, true), (8499, true), (8500, true), (8501, false), (10000, false)]
            for (rate, expected) in rates {
                let swift = (try? Rate(basisPoints: rate)) != nil
                var sql = true
                do {
                    try db.transaction { db in
                        _ = try db.query("INSERT INTO ledger.restaurants (code, name, community, rate_bp) VALUES ('R', 'R', 'C', \(rate))")
                        throw Rollback()
                    }
                } catch is Rollback {
                } catch let error as PostgresError where error.sqlState == "23514" {
                    sql = false
                }
                #expect(swift == expected && sql == expected, "rate \(rate) bp: Swift \(swift), SQL \(sql)")
            }
        }
    }
}
