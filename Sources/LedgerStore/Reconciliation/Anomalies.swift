import Foundation
import LedgerCore
import Postgres

extension Reconciliations {
    /// The anomalies of a period and the full card number of each.
    struct Findings: Sendable {
        var anomalies: [Anomaly] = []
        var cardNumbers: [String] = []

        init(_ rows: [AnomalyRow]) {
            anomalies = rows.map(\.anomaly)
            cardNumbers = rows.map(\.cardNumber)
        }

        /// The findings of each kind together, in the report's order: by kind, card number, then first entry id (as
        /// a uuid, which orders like its hex text).
        init(merging parts: [Findings]) {
            let all = parts.flatMap { zip($0.anomalies, $0.cardNumbers) }.sorted { a, b in
                (a.0.kind.rawValue, a.1, a.0.entryIDs.first?.uuidString ?? "") < (b.0.kind.rawValue, b.1, b.0.entryIDs.first?.uuidString ?? "")
            }
            anomalies = all.map(\.0)
            cardNumbers = all.map(\.1)
        }
    }

    /// A row of an anomaly function of sql/0016: kind, card number, the entries concerned and a sentence.
    struct AnomalyRow {
        let anomaly: Anomaly
        let cardNumber: String

        init(_ row: PostgresRow) throws {
            let kind = try row.decode("kind", as: String.self)
            guard let known = AnomalyKind(rawValue: kind) else {
                throw PostgresError(kind: .decoding, message: "an anomaly function returned an unknown kind \(kind)")
            }
            cardNumber = try row.decode("card_no")
            anomaly = Anomaly(kind: known, card: "****" + cardNumber.suffix(4), entryIDs: try row.decode("entry_ids"),
                              detail: try row.decode("detail"))
        }
    }

    /// Step 4, the rules on one card's meals (`over_daily_limit`, `repeated_amount`, `two_restaurants_30min`), in one
    /// pass over the period's live meals: `ledger.anomalies_card_patterns`.
    static func cardPatternAnomalies(period: Period, settings: LedgerSettings, on db: PostgresConnection) throws -> Findings {
        Findings(try db.query("""
            SELECT kind, card_no, entry_ids, detail
            FROM ledger.anomalies_card_patterns(\(period.description), \(settings.dailyLimit.maxMeals)::int,
                                                \(AnomalyKind.repeatedAmountThreshold)::int,
                                                \(AnomalyKind.twoRestaurantsWindowSeconds)::int, \(settings.timeZone.identifier))
            """).map(AnomalyRow.init))
    }

    /// Step 4, `card_not_valid`: the period's live meals against the card registry, `ledger.anomalies_card_not_valid`.
    static func cardNotValidAnomalies(period: Period, on db: PostgresConnection) throws -> Findings {
        Findings(try db.query("""
            SELECT kind, card_no, entry_ids, detail FROM ledger.anomalies_card_not_valid(\(period.description))
            """).map(AnomalyRow.init))
    }
}
