public import Foundation
public import LedgerCore

/// Meals and money of one slice of a restaurant's month (a credential type and category).
public struct MealSplit: Sendable, Hashable, Codable {
    public let credential: String
    /// The card category; "-" when the entry has none.
    public let category: String
    /// Meals not voided.
    public let meals: Int64
    public let grossFen: Int64
    public let discountFen: Int64

    public init(credential: String, category: String, meals: Int64, grossFen: Int64, discountFen: Int64) {
        self.credential = credential
        self.category = category
        self.meals = meals
        self.grossFen = grossFen
        self.discountFen = discountFen
    }
}

/// One restaurant's line of a reconciliation: recomputed totals and the subsidy.
///
/// `meals` counts the meals booked into the period, voided or not; `voidedMeals` the voids booked into it (a late
/// void of an earlier period's meal counts here). Money is net of those voids: gross, discount and payable of the
/// meals booked into the period, less those of the meals voided by voids booked into it.
public struct RestaurantLine: Sendable, Hashable, Codable {
    public let code: String
    public let name: String
    public let meals: Int64
    public let voidedMeals: Int64
    public let lateEntries: Int64
    public let cardholders: Int64
    public let grossFen: Int64
    public let discountFen: Int64
    public let payableFen: Int64
    public let deliveriesRequested: Int64
    public let deliveriesDelivered: Int64
    public let deliveriesFailed: Int64
    public let deliveriesCancelled: Int64
    /// The terms in force on the period's first day; nil when none had started (no subsidy then).
    public let termsFrom: String?
    public let discountShareBP: Int32?
    public let deliveryFeeFen: Int64?
    public let monthlyCapFen: Int64?
    public let discountSubsidyFen: Int64
    public let deliverySubsidyFen: Int64
    public let subsidyFen: Int64
    public let capped: Bool
    public let splits: [MealSplit]

    public init(
        code: String, name: String, meals: Int64, voidedMeals: Int64, lateEntries: Int64, cardholders: Int64,
        grossFen: Int64, discountFen: Int64, payableFen: Int64, deliveriesRequested: Int64, deliveriesDelivered: Int64,
        deliveriesFailed: Int64, deliveriesCancelled: Int64, terms: SubsidyTerms?, splits: [MealSplit]
    ) {
        self.code = code
        self.name = name
        self.meals = meals
        self.voidedMeals = voidedMeals
        self.lateEntries = lateEntries
        self.cardholders = cardholders
        self.grossFen = grossFen
        self.discountFen = discountFen
        self.payableFen = payableFen
        self.deliveriesRequested = deliveriesRequested
        self.deliveriesDelivered = deliveriesDelivered
        self.deliveriesFailed = deliveriesFailed
        self.deliveriesCancelled = deliveriesCancelled
        self.termsFrom = terms?.effectiveFrom.description
        self.discountShareBP = terms?.discountShareBP
        self.deliveryFeeFen = terms?.deliveryFeeFen
        self.monthlyCapFen = terms?.monthlyCapFen
        if let terms {
            // A month whose late voids outweigh its meals has no discount to refund, not a negative one.
            let amount = Subsidy.compute(discountFen: max(0, discountFen), deliveriesDelivered: deliveriesDelivered, terms: terms)
            discountSubsidyFen = amount.discountSubsidy
            deliverySubsidyFen = amount.deliverySubsidy
            subsidyFen = amount.total
            capped = amount.capped
        } else {
            discountSubsidyFen = 0
            deliverySubsidyFen = 0
            subsidyFen = 0
            capped = false
        }
        self.splits = splits
    }
}

/// An earlier closed period's totals, for the comparison.
public struct PeriodTotals: Sendable, Hashable, Codable {
    public let period: String
    public let discountFen: Int64
    public let subsidyFen: Int64

    public init(period: String, discountFen: Int64, subsidyFen: Int64) {
        self.period = period
        self.discountFen = discountFen
        self.subsidyFen = subsidyFen
    }
}

/// Survival certification in the month (business rule 10), for the report's short section.
public struct CertificationSummary: Sendable, Hashable, Codable {
    /// Home-visit certifications made in the month, per restaurant code (restaurants without any left out).
    public let homeVisits: [RestaurantCount]
    /// People overdue on the month's last day.
    public let overdueAtMonthEnd: Int64

    /// A count for one restaurant.
    public struct RestaurantCount: Sendable, Hashable, Codable {
        public let restaurant: String
        public let count: Int64

        public init(restaurant: String, count: Int64) {
            self.restaurant = restaurant
            self.count = count
        }
    }

    public init(homeVisits: [RestaurantCount], overdueAtMonthEnd: Int64) {
        self.homeVisits = homeVisits
        self.overdueAtMonthEnd = overdueAtMonthEnd
    }
}

/// Everything a reconciliation found: what is stored with the run and what every report is rendered from, so that
/// a closed period's reports are the same bytes whenever they are written.
public struct SubsidyReport: Sendable, Hashable, Codable {
    public let period: String
    /// False for a dry run: nothing was sealed or closed.
    public let closed: Bool
    /// When the period closed, RFC 3339 in the programme's time zone; nil on a dry run.
    public let closedAt: String?
    /// The seal (`ledger.seal_digest` of the period, by its seal version); nil on a dry run.
    public let digest: String?
    /// Entries (meals and voids) booked into the period.
    public let entries: Int64
    public let timeZone: String
    public let dailyLimit: Int
    public let restaurants: [RestaurantLine]
    public let breaks: [ReconciliationBreak]
    public let anomalies: [Anomaly]
    /// Up to six earlier closed periods, oldest first.
    public let history: [PeriodTotals]
    /// The people who ate in the period, each counted once however many restaurants they ate at (the restaurants'
    /// `cardholders` summed count a person at each); nil in reports stored before it was kept.
    public let distinctCardholders: Int64?
    /// Survival certification in the month; nil in reports stored before it was kept.
    public let certifications: CertificationSummary?

    public init(
        period: String, closed: Bool, closedAt: String?, digest: String?, entries: Int64, timeZone: String, dailyLimit: Int,
        restaurants: [RestaurantLine], breaks: [ReconciliationBreak], anomalies: [Anomaly], history: [PeriodTotals],
        distinctCardholders: Int64? = nil, certifications: CertificationSummary? = nil
    ) {
        self.period = period
        self.closed = closed
        self.closedAt = closedAt
        self.digest = digest
        self.entries = entries
        self.timeZone = timeZone
        self.dailyLimit = dailyLimit
        self.restaurants = restaurants
        self.breaks = breaks
        self.anomalies = anomalies
        self.history = history
        self.distinctCardholders = distinctCardholders
        self.certifications = certifications
    }

    /// The same findings, as the report of a closed period with its seal.
    public func sealed(closedAt: String, digest: String) -> SubsidyReport {
        SubsidyReport(period: period, closed: true, closedAt: closedAt, digest: digest, entries: entries, timeZone: timeZone,
                      dailyLimit: dailyLimit, restaurants: restaurants, breaks: breaks, anomalies: anomalies, history: history,
                      distinctCardholders: distinctCardholders, certifications: certifications)
    }

    /// The sum of every restaurant's line.
    public var total: (meals: Int64, voidedMeals: Int64, cardholders: Int64, gross: Int64, discount: Int64, payable: Int64,
                       delivered: Int64, discountSubsidy: Int64, deliverySubsidy: Int64, subsidy: Int64) {
        restaurants.reduce((0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) { t, r in
            (t.0 + r.meals, t.1 + r.voidedMeals, t.2 + r.cardholders, t.3 + r.grossFen, t.4 + r.discountFen, t.5 + r.payableFen,
             t.6 + r.deliveriesDelivered, t.7 + r.discountSubsidyFen, t.8 + r.deliverySubsidyFen, t.9 + r.subsidyFen)
        }
    }

    /// The stored form: JSON with sorted keys, the same bytes for the same report.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding plain strings, integers and booleans cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self) + "\n"
    }

    public static func decode(json: String) throws -> SubsidyReport {
        try JSONDecoder().decode(SubsidyReport.self, from: Data(json.utf8))
    }

    /// `subsidy-YYYY-MM.csv`: docs/interfaces.md's columns, one row a restaurant, then `TOTAL`. The TOTAL's cardholders is the
    /// sum of the restaurants' (a person eating at two restaurants counts at each).
    public func subsidyCSV() -> String {
        var out = "period,restaurant,meals,voided_meals,cardholders,gross_fen,discount_fen,payable_fen,deliveries_delivered,discount_subsidy_fen,delivery_subsidy_fen,subsidy_fen\n"
        for r in restaurants {
            out += [period, CSVWriter.field(r.code), String(r.meals), String(r.voidedMeals), String(r.cardholders), String(r.grossFen),
                    String(r.discountFen), String(r.payableFen), String(r.deliveriesDelivered), String(r.discountSubsidyFen),
                    String(r.deliverySubsidyFen), String(r.subsidyFen)].joined(separator: ",") + "\n"
        }
        let t = total
        out += [period, "TOTAL", String(t.meals), String(t.voidedMeals), String(t.cardholders), String(t.gross), String(t.discount),
                String(t.payable), String(t.delivered), String(t.discountSubsidy), String(t.deliverySubsidy), String(t.subsidy)]
            .joined(separator: ",") + "\n"
        return out
    }

    /// `breaks-YYYY-MM.csv`: `period,restaurant,kind,entry_id,detail`.
    public func breaksCSV() -> String {
        var out = "period,restaurant,kind,entry_id,detail\n"
        for b in breaks {
            out += [period, CSVWriter.field(b.restaurant), b.kind.rawValue, b.entryID.map { $0.uuidString.lowercased() } ?? "",
                    CSVWriter.field(b.detail)].joined(separator: ",") + "\n"
        }
        return out
    }
}

/// Writes RFC 4180 fields.
public enum CSVWriter {
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
