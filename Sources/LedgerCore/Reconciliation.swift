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
    public let detail: String

    public init(restaurant: String, kind: BreakKind, entryID: UUID?, detail: String) {
        self.restaurant = restaurant
        self.kind = kind
        self.entryID = entryID
        self.detail = detail
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
    /// The breaks of one restaurant, in a fixed order: statement lines in file order (duplicates, missing in the
    /// ledger, mismatches), then the ledger's meals missing from the statement in id order. `statement` nil means
    /// the restaurant sent none: one `no_statement` break.
    /// The break of a restaurant that sent no statement for a period in which it has `meals` meals.
    public static func noStatement(restaurant: String, meals: Int64) -> ReconciliationBreak {
        ReconciliationBreak(restaurant: restaurant, kind: .noStatement, entryID: nil,
                            detail: "no statement \(restaurant).csv; \(meals) meals unmatched")
    }

    public static func breaks(restaurant: String, ledger: [LedgerMealLine], statement: [StatementLine]?) -> [ReconciliationBreak] {
        guard let statement else { return [noStatement(restaurant: restaurant, meals: Int64(ledger.count))] }
        var byID: [UUID: LedgerMealLine] = [:]
        for meal in ledger { byID[meal.id] = meal }
        var seen: [UUID: Int] = [:]
        var breaks: [ReconciliationBreak] = []
        for line in statement {
            if let first = seen[line.id] {
                breaks.append(ReconciliationBreak(restaurant: restaurant, kind: .duplicate, entryID: line.id,
                                                  detail: "statement line \(line.line) repeats line \(first)"))
                continue
            }
            seen[line.id] = line.line
            guard let meal = byID[line.id] else {
                breaks.append(ReconciliationBreak(restaurant: restaurant, kind: .missingInLedger, entryID: line.id,
                                                  detail: "statement line \(line.line): gross \(line.grossFen) fen, not in the ledger"))
                continue
            }
            var differences: [String] = []
            if meal.grossFen != line.grossFen { differences.append("gross ledger \(meal.grossFen) statement \(line.grossFen)") }
            if meal.payableFen != line.payableFen { differences.append("payable ledger \(meal.payableFen) statement \(line.payableFen)") }
            if meal.voided != line.voided { differences.append("voided ledger \(meal.voided) statement \(line.voided)") }
            if !differences.isEmpty {
                breaks.append(ReconciliationBreak(restaurant: restaurant, kind: .amountMismatch, entryID: line.id,
                                                  detail: "statement line \(line.line): " + differences.joined(separator: "; ")))
            }
        }
        for meal in ledger.sorted(by: { $0.id.uuidString < $1.id.uuidString }) where seen[meal.id] == nil {
            breaks.append(ReconciliationBreak(restaurant: restaurant, kind: .missingInStatement, entryID: meal.id,
                                              detail: "ledger meal of \(meal.grossFen) fen not in the statement"))
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
    public let detail: String

    public init(kind: AnomalyKind, card: String, entryIDs: [UUID], detail: String) {
        self.kind = kind
        self.card = card
        self.entryIDs = entryIDs
        self.detail = detail
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
