import Foundation
import LedgerCore
import LedgerReports
import Postgres

extension Reconciliations {
    /// A report and the full card numbers of its anomalies (the report itself shows only their last 4 characters).
    struct Computed {
        var report: SubsidyReport
        var cardNumbers: [String]
    }

    /// An earlier closed month's totals, for the comparison.
    private struct HistoryRow {
        let totals: PeriodTotals

        init(_ row: PostgresRow) throws {
            totals = PeriodTotals(period: try row.decode("period"), discountFen: try row.decode("discount_fen"),
                                  subsidyFen: try row.decode("subsidy_fen"))
        }
    }

    private struct EntryCountRow {
        let entries: Int64
        init(_ row: PostgresRow) throws { entries = try row.decode("entries") }
    }

    /// The month's survival certification for the report: home visits per restaurant, the people overdue at its end.
    private static func certificationSummary(period: Period, settings: LedgerSettings, on db: PostgresConnection) throws -> CertificationSummary {
        let figures = try Certifications.figures(period: period, policy: settings.certification, on: db)
        return CertificationSummary(
            homeVisits: figures.homeVisitsByRestaurant.map { .init(restaurant: $0.restaurantCode, count: Int64($0.count)) },
            overdueAtMonthEnd: Int64(figures.overdueAtMonthEnd))
    }

    /// The report from the totals and anomalies: the statements matched against the ledger (step 3), deliveries,
    /// subsidies (step 5) and the months compared.
    static func compute(
        period: Period, statements: [String: [StatementLine]]?, settings: LedgerSettings, totals: Totals, findings: Findings,
        on db: PostgresConnection
    ) throws -> Computed {
        let p = period.description
        let figures = totals.figures
        var deliveries: [String: DeliveryFigures] = [:]
        for line in try Deliveries.figures(period: period, on: db) {
            if let code = line.restaurantCode { deliveries[code] = line }
        }
        var names: [String: String] = [:]
        for restaurant in try Restaurants.list(on: db) { names[restaurant.code] = restaurant.name }
        var allTerms: [String: [SubsidyTerms]] = [:]
        for stored in try Restaurants.terms(on: db) { allTerms[stored.restaurantCode, default: []].append(stored.terms) }

        let codes = Set(figures.keys).union(deliveries.keys).union(statements?.keys ?? [:].keys).sorted()

        // 5. Subsidy per restaurant.
        let lines = codes.map { code in
            let f = figures[code] ?? Totals.Figures(), d = deliveries[code]
            return RestaurantLine(
                code: code, name: names[code] ?? code, meals: f.meals, voidedMeals: f.voided, lateEntries: f.late,
                cardholders: f.cardholders, grossFen: f.gross, discountFen: f.discount, payableFen: f.payable,
                deliveriesRequested: d?.requested ?? 0, deliveriesDelivered: d?.delivered ?? 0, deliveriesFailed: d?.failed ?? 0,
                deliveriesCancelled: d?.cancelled ?? 0, terms: Subsidy.termsInForce(allTerms[code] ?? [], for: period),
                splits: totals.splits[code] ?? [])
        }

        // 3. Statements against the ledger.
        let breaks = try statementBreaks(period: period, codes: codes, statements: statements, figures: figures, on: db)

        // The earlier closed months, for the comparison.
        let history = try db.query("""
            SELECT r.period, coalesce(sum(s.discount_fen), 0) AS discount_fen, coalesce(sum(s.subsidy_fen), 0) AS subsidy_fen
            FROM ledger.reconciliation_runs r LEFT JOIN ledger.subsidy_lines s ON s.run_id = r.id
            WHERE r.period < \(p)
            GROUP BY r.period ORDER BY r.period DESC LIMIT 6
            """).map { try HistoryRow($0).totals }.reversed()
        let entries = try EntryCountRow(db.query("SELECT count(*) AS entries FROM ledger.entries WHERE period = \(p)").single()).entries

        return Computed(report: SubsidyReport(
            period: p, closed: false, closedAt: nil, digest: nil, entries: entries, timeZone: settings.timeZone.identifier,
            dailyLimit: settings.dailyLimit.maxMeals,
            restaurants: lines, breaks: breaks, anomalies: findings.anomalies, history: Array(history),
            distinctCardholders: totals.distinctCardholders, certifications: try certificationSummary(period: period, settings: settings, on: db)),
            cardNumbers: findings.cardNumbers)
    }
}
