public import Foundation

/// One line of a restaurant's statement: the export of its terminal journal for a month.
public struct StatementLine: Sendable, Hashable, Codable {
    /// The line of the file it was read from (1-based; the header is line 1).
    public let line: Int
    public let id: UUID
    public let occurredAt: String
    public let cardNumber: String
    public let grossFen: Int64
    public let payableFen: Int64
    public let voided: Bool

    public init(line: Int, id: UUID, occurredAt: String, cardNumber: String, grossFen: Int64, payableFen: Int64, voided: Bool) {
        self.line = line
        self.id = id
        self.occurredAt = occurredAt
        self.cardNumber = cardNumber
        self.grossFen = grossFen
        self.payableFen = payableFen
        self.voided = voided
    }
}

/// A restaurant's statement, read all or nothing.
public enum Statement {
    public static let columns = ["id", "occurred_at", "card_no", "gross_fen", "payable_fen", "voided"]

    /// Parses a statement CSV: the header `id,occurred_at,card_no,gross_fen,payable_fen,voided`, then one meal a
    /// line. Every bad line is reported (`CSVError`, `line N: reason`), in file order; nothing is returned then.
    public static func parse(_ text: String) throws(StatementErrors) -> [StatementLine] {
        let records: [CSVRecord]
        do {
            records = try CSVReader.records(text)
        } catch {
            throw StatementErrors(errors: [error as? CSVError ?? CSVError(line: 1, reason: "\(error)")])
        }
        guard let header = records.first else {
            throw StatementErrors(errors: [CSVError(line: 1, reason: "empty file: expected the header \(columns.joined(separator: ","))")])
        }
        guard header.fields.map({ $0.trimmingCharacters(in: .whitespaces) }) == columns else {
            throw StatementErrors(errors: [CSVError(line: header.line, reason: "the header must be \(columns.joined(separator: ","))")])
        }
        var lines: [StatementLine] = []
        var errors: [CSVError] = []
        for record in records.dropFirst() {
            let f = record.fields
            func fail(_ reason: String) { errors.append(CSVError(line: record.line, reason: reason)) }
            guard f.count == columns.count else {
                fail("expected \(columns.count) fields, found \(f.count)")
                continue
            }
            guard let id = UUID(uuidString: f[0]) else { fail("id: not a UUID: \(f[0])"); continue }
            guard (try? RFC3339.parse(f[1])) != nil else { fail("occurred_at: not an RFC 3339 time with an offset: \(f[1])"); continue }
            guard (try? CardNumber(f[2])) != nil else { fail("card_no: 6 to 32 letters and digits expected: \(f[2])"); continue }
            guard let gross = Int64(f[3]), gross >= 1 else { fail("gross_fen: a whole number of fen from 1 expected: \(f[3])"); continue }
            guard let payable = Int64(f[4]), payable >= 0 else { fail("payable_fen: a whole number of fen expected: \(f[4])"); continue }
            let voided: Bool
            switch f[5] {
            case "true": voided = true
            case "false": voided = false
            default: fail("voided: true or false expected: \(f[5])"); continue
            }
            lines.append(StatementLine(line: record.line, id: id, occurredAt: f[1], cardNumber: f[2], grossFen: gross,
                                       payableFen: payable, voided: voided))
        }
        guard errors.isEmpty else { throw StatementErrors(errors: errors) }
        return lines
    }
}

/// Every bad line of a statement.
public struct StatementErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [CSVError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// The kinds of reconciliation breaks (`ledger.reconciliation_breaks.kind`).
public enum BreakKind: String, Sendable, Hashable, Codable, CaseIterable {
    case missingInLedger = "missing_in_ledger"
    case missingInStatement = "missing_in_statement"
    case amountMismatch = "amount_mismatch"
    case duplicate
    case noStatement = "no_statement"
}

/// A difference between the ledger and a restaurant's statement.
public struct ReconciliationBreak: Sendable, Hashable, Codable {
    public let restaurant: String
    public let kind: BreakKind
    public let entryID: UUID?
    /// The difference in an English sentence (the breaks CSV and the database keep it).
    public let detail: String
    /// The same difference as facts, for a report to word in its own language; nil in reports stored before they were kept.
    public let facts: BreakFacts?

    public init(restaurant: String, kind: BreakKind, entryID: UUID?, detail: String, facts: BreakFacts? = nil) {
        self.restaurant = restaurant
        self.kind = kind
        self.entryID = entryID
        self.detail = detail
        self.facts = facts
    }
}

/// What a break is about, by kind: the facts its `detail` sentence states.
public enum BreakFacts: Sendable, Hashable, Codable {
    /// The restaurant sent no statement; `meals` of its meals are unmatched.
    case noStatement(meals: Int64)
    /// Statement line `line` repeats the id of line `repeats`.
    case duplicate(line: Int, repeats: Int)
    /// Statement line `line` names a meal the ledger does not hold.
    case missingInLedger(line: Int, grossFen: Int64)
    /// A meal of the ledger that no statement line names.
    case missingInStatement(grossFen: Int64)
    /// Statement line `line` differs from the ledger's meal.
    case amountMismatch(line: Int, ledger: MealAmounts, statement: MealAmounts)
}

/// A meal's amounts as one side (ledger or statement) holds them.
public struct MealAmounts: Sendable, Hashable, Codable {
    public let grossFen: Int64
    public let payableFen: Int64
    public let voided: Bool

    public init(grossFen: Int64, payableFen: Int64, voided: Bool) {
        self.grossFen = grossFen
        self.payableFen = payableFen
        self.voided = voided
    }
}

/// A meal as the ledger holds it, for matching against a statement.
public struct LedgerMealLine: Sendable, Hashable {
    public let id: UUID
    public let grossFen: Int64
    public let payableFen: Int64
    public let voided: Bool

    public init(id: UUID, grossFen: Int64, payableFen: Int64, voided: Bool) {
        self.id = id
        self.grossFen = grossFen
        self.payableFen = payableFen
        self.voided = voided
    }
}

/// Matching a statement against the ledger by entry id.
public enum StatementMatch {
    /// The break of a restaurant that sent no statement for a period in which it has `meals` meals.
    public static func noStatement(restaurant: String, meals: Int64) -> ReconciliationBreak {
        ReconciliationBreak(restaurant: restaurant, kind: .noStatement, entryID: nil,
                            detail: "no statement \(restaurant).csv; \(meals) meals unmatched", facts: .noStatement(meals: meals))
    }

    /// The breaks of one restaurant, in a fixed order: statement lines in file order (duplicates, missing in the
    /// ledger, mismatches), then the ledger's meals missing from the statement in id order. `statement` nil means
    /// the restaurant sent none: one `no_statement` break.
    public static func breaks(restaurant: String, ledger: [LedgerMealLine], statement: [StatementLine]?) -> [ReconciliationBreak] {
        guard let statement else { return [noStatement(restaurant: restaurant, meals: Int64(ledger.count))] }
        var byID: [UUID: LedgerMealLine] = [:]
        for meal in ledger { byID[meal.id] = meal }
        var seen: [UUID: Int] = [:]
        var breaks: [ReconciliationBreak] = []
        for line in statement {
            if let first = seen[line.id] {
                breaks.append(ReconciliationBreak(restaurant: restaurant, kind: .duplicate, entryID: line.id,
                                                  detail: "statement line \(line.line) repeats line \(first)",
                                                  facts: .duplicate(line: line.line, repeats: first)))
                continue
            }
            seen[line.id] = line.line
            guard let meal = byID[line.id] else {
                breaks.append(ReconciliationBreak(restaurant: restaurant, kind: .missingInLedger, entryID: line.id,
                                                  detail: "statement line \(line.line): gross \(line.grossFen) fen, not in the ledger",
                                                  facts: .missingInLedger(line: line.line, grossFen: line.grossFen)))
                continue
            }
            var differences: [String] = []
            if meal.grossFen != line.grossFen { differences.append("gross ledger \(meal.grossFen) statement \(line.grossFen)") }
            if meal.payableFen != line.payableFen { differences.append("payable ledger \(meal.payableFen) statement \(line.payableFen)") }
            if meal.voided != line.voided { differences.append("voided ledger \(meal.voided) statement \(line.voided)") }
            if !differences.isEmpty {
                breaks.append(ReconciliationBreak(restaurant: restaurant, kind: .amountMismatch, entryID: line.id,
                                                  detail: "statement line \(line.line): " + differences.joined(separator: "; "),
                                                  facts: .amountMismatch(
                                                    line: line.line,
                                                    ledger: MealAmounts(grossFen: meal.grossFen, payableFen: meal.payableFen, voided: meal.voided),
                                                    statement: MealAmounts(grossFen: line.grossFen, payableFen: line.payableFen, voided: line.voided))))
            }
        }
        for meal in ledger.sorted(by: { $0.id.uuidString < $1.id.uuidString }) where seen[meal.id] == nil {
            breaks.append(ReconciliationBreak(restaurant: restaurant, kind: .missingInStatement, entryID: meal.id,
                                              detail: "ledger meal of \(meal.grossFen) fen not in the statement",
                                              facts: .missingInStatement(grossFen: meal.grossFen)))
        }
        return breaks
    }
}

/// The kinds of anomalies (`ledger.anomalies.kind`).
///
/// - `two_restaurants_30min`: two meals (not voided) of one card at different restaurants at most 30 minutes apart.
/// - `over_daily_limit`: more meals (not voided) of one card on one local day than the daily limit.
/// - `card_not_valid`: a `preferential_card` meal whose card, in the registry as it stands at reconciliation, is
///   unknown, not active, or not valid on the meal's local date. The registry keeps no history: a card suspended
///   after the meal is flagged too; the detail says what the registry holds, for staff to judge.
/// - `repeated_amount`: one card with the same gross amount 5 times or more in the period (meals not voided).
public enum AnomalyKind: String, Sendable, Hashable, Codable, CaseIterable {
    case twoRestaurants = "two_restaurants_30min"
    case overDailyLimit = "over_daily_limit"
    case cardNotValid = "card_not_valid"
    case repeatedAmount = "repeated_amount"

    /// Meals of one card with the same gross amount in one period from which `repeated_amount` is raised.
    public static let repeatedAmountThreshold = 5
    /// The window of `two_restaurants_30min`, in seconds.
    public static let twoRestaurantsWindowSeconds = 1800
}

public struct Anomaly: Sendable, Hashable, Codable {
    public let kind: AnomalyKind
    /// The masked card number (last 4 characters) as reports show it.
    public let card: String
    public let entryIDs: [UUID]
    /// The finding in an English sentence (as the database's anomaly functions word it).
    public let detail: String
    /// The same finding as facts, for a report to word in its own language; nil in reports stored before they were kept.
    public let facts: AnomalyFacts?

    public init(kind: AnomalyKind, card: String, entryIDs: [UUID], detail: String, facts: AnomalyFacts? = nil) {
        self.kind = kind
        self.card = card
        self.entryIDs = entryIDs
        self.detail = detail
        self.facts = facts
    }

    /// The same anomaly with its facts.
    public func with(facts: AnomalyFacts?) -> Anomaly {
        Anomaly(kind: kind, card: card, entryIDs: entryIDs, detail: detail, facts: facts)
    }
}

/// What an anomaly is about, by kind. Days are `YYYY-MM-DD` and times `YYYY-MM-DD HH:MM`, local to the programme.
public enum AnomalyFacts: Sendable, Hashable, Codable {
    /// `meals` meals on local day `day`, more than `limit`.
    case overDailyLimit(day: String, meals: Int64, limit: Int)
    /// `meals` meals of the same gross amount.
    case repeatedAmount(meals: Int64, grossFen: Int64)
    /// A meal at restaurant `first` at `firstAt`, then one at `second` at `secondAt`, `minutes` apart.
    case twoRestaurants(first: String, firstAt: String, second: String, secondAt: String, minutes: Int64)
    /// `meals` meals from `firstDay` to `lastDay` on a card the registry does not hold (`registry` nil) or does not
    /// hold as valid then.
    case cardNotValid(meals: Int64, firstDay: String, lastDay: String, registry: RegisteredCard?)
}

/// A card as the registry holds it at reconciliation: its status and validity (`YYYY-MM-DD`, nil when open).
public struct RegisteredCard: Sendable, Hashable, Codable {
    public let status: String
    public let validFrom: String?
    public let validUntil: String?

    public init(status: String, validFrom: String?, validUntil: String?) {
        self.status = status
        self.validFrom = validFrom
        self.validUntil = validUntil
    }
}

/// Fen as yuan with two decimals, thousands separated, by integer arithmetic only: 123456 → "1,234.56".
public enum Yuan {
    public static func format(_ fen: Int64) -> String {
        let negative = fen < 0
        let magnitude = fen.magnitude
        let yuan = magnitude / 100, cents = magnitude % 100
        var digits = String(yuan)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        grouped = digits + grouped
        return (negative ? "-" : "") + grouped + "." + (cents < 10 ? "0" : "") + String(cents)
    }
}
