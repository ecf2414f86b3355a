import Foundation
import LedgerCore
import Postgres

extension Reconciliations {
    /// A meal named by an anomaly, with what a report says of it.
    private struct AnomalyMealRow: PostgresRowDecodable {
        let id: UUID
        let restaurant: String
        let localDate: String
        /// `YYYY-MM-DD HH:MM` in the programme's time zone.
        let localTime: String
        let occurredAt: Date
        let grossFen: Int64

        init(_ row: PostgresRow) throws {
            id = try row.decode("id")
            restaurant = try row.decode("restaurant")
            localDate = try row.decode("local_date")
            localTime = try row.decode("local_time")
            occurredAt = try row.decode("occurred_at")
            grossFen = try row.decode("gross_fen")
        }
    }

    /// A card of the registry, as a `card_not_valid` anomaly reports it.
    private struct RegisteredCardRow: PostgresRowDecodable {
        let cardNumber: String
        let card: RegisteredCard

        init(_ row: PostgresRow) throws {
            cardNumber = try row.decode("card_no")
            card = RegisteredCard(status: try row.decode("status"), validFrom: try row.decode("valid_from", as: String?.self),
                                  validUntil: try row.decode("valid_until", as: String?.self))
        }
    }

    /// The findings with the facts of each anomaly (the database's anomaly functions word them as English sentences
    /// only), read in two queries: the meals they name and the registry's cards of `card_not_valid`.
    static func withFacts(_ findings: Findings, settings: LedgerSettings, on db: PostgresConnection) throws -> Findings {
        guard !findings.anomalies.isEmpty else { return findings }
        let ids = Array(Set(findings.anomalies.flatMap(\.entryIDs)))
        var meals: [UUID: AnomalyMealRow] = [:]
        for meal in try db.query("""
            SELECT e.id, r.code AS restaurant, e.local_date::text AS local_date, e.occurred_at, e.gross_fen,
                   to_char(e.occurred_at AT TIME ZONE \(settings.timeZone.identifier), 'YYYY-MM-DD HH24:MI') AS local_time
            FROM ledger.entries e JOIN ledger.restaurants r ON r.id = e.restaurant_id
            WHERE e.id = ANY(\(ids)::uuid[])
            """).decode(AnomalyMealRow.self) {
            meals[meal.id] = meal
        }
        let unregistered = zip(findings.anomalies, findings.cardNumbers).filter { $0.0.kind == .cardNotValid }.map(\.1)
        var cards: [String: RegisteredCard] = [:]
        if !unregistered.isEmpty {
            for row in try db.query("""
                SELECT card_no, status, valid_from::text AS valid_from, valid_until::text AS valid_until
                FROM ledger.cards WHERE card_no = ANY(\(unregistered)::text[])
                """).decode(RegisteredCardRow.self) {
                cards[row.cardNumber] = row.card
            }
        }
        var result = findings
        result.anomalies = zip(findings.anomalies, findings.cardNumbers).map { anomaly, cardNumber in
            let named = anomaly.entryIDs.compactMap { meals[$0] }
            guard named.count == anomaly.entryIDs.count, let first = named.first else { return anomaly }
            let count = Int64(named.count)
            switch anomaly.kind {
            case .overDailyLimit:
                return anomaly.with(facts: .overDailyLimit(day: first.localDate, meals: count, limit: settings.dailyLimit.maxMeals))
            case .repeatedAmount:
                return anomaly.with(facts: .repeatedAmount(meals: count, grossFen: first.grossFen))
            case .twoRestaurants:
                let last = named[named.count - 1]
                let minutes = Int64(last.occurredAt.timeIntervalSince(first.occurredAt)) / 60
                return anomaly.with(facts: .twoRestaurants(first: first.restaurant, firstAt: first.localTime, second: last.restaurant,
                                                           secondAt: last.localTime, minutes: minutes))
            case .cardNotValid:
                let days = named.map(\.localDate)
                return anomaly.with(facts: .cardNotValid(meals: count, firstDay: days.min() ?? first.localDate,
                                                         lastDay: days.max() ?? first.localDate, registry: cards[cardNumber]))
            }
        }
        return result
    }
}
