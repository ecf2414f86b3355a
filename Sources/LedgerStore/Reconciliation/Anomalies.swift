import Foundation
import LedgerCore
import Postgres

extension Reconciliations {
    /// The anomalies of a period and the full card number of each.
    struct Findings: Sendable {
        var anomalies: [Anomaly] = []
        var cardNumbers: [String] = []

        /// The rows in the report's order: by kind, card number, then first entry id (as a uuid, which orders like
        /// its hex text).
        init(_ rows: [AnomalyRow]) {
            let sorted = rows.sorted { a, b in
                (a.anomaly.kind.rawValue, a.cardNumber, a.anomaly.entryIDs.first?.uuidString ?? "")
                    < (b.anomaly.kind.rawValue, b.cardNumber, b.anomaly.entryIDs.first?.uuidString ?? "")
            }
            anomalies = sorted.map(\.anomaly)
            cardNumbers = sorted.map(\.cardNumber)
        }
    }

    /// A row of `ledger.anomalies_cards`: kind, card number, the entries concerned and a sentence.
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

    /// Step 4, every rule judged card by card (`over_daily_limit`, `repeated_amount`, `two_restaurants_30min`,
    /// `card_not_valid`), from one pass over the period's live meals: `ledger.anomalies_cards` (sql/0027).
    static func cardAnomalies(period: Period, settings: LedgerSettings, on db: PostgresConnection) throws -> Findings {
        Findings(try db.query("""
            SELECT kind, card_no, entry_ids, detail
            FROM ledger.anomalies_cards(\(period.description), \(settings.dailyLimit.maxMeals)::int,
                                        \(AnomalyKind.repeatedAmountThreshold)::int,
                                        \(AnomalyKind.twoRestaurantsWindowSeconds)::int, \(settings.timeZone.identifier))
            """).map(AnomalyRow.init))
    }
}
