import Foundation
public import LedgerCore
public import LedgerReports
public import Postgres

extension Reconciliations {
    private struct RunIDRow {
        let id: Int64
        init(_ row: PostgresRow) throws { id = try row.decode("id") }
    }

    private struct RestaurantIDRow {
        let code: String
        let id: Int64
        init(_ row: PostgresRow) throws {
            code = try row.decode("code")
            id = try row.decode("id")
        }
    }

    struct StoredReportRow {
        let json: String
        init(_ row: PostgresRow) throws { json = try row.decode("report") }
    }

    /// Seals the computed report with `digest`, stores the run (its breaks, anomalies and subsidy lines by `COPY`, and
    /// the report itself) and closes the period, in the caller's transaction. Returns the sealed report.
    static func store(
        _ computed: Computed, period: Period, digest: String, closedAt: Date, settings: LedgerSettings, on db: PostgresConnection
    ) throws -> SubsidyReport {
        let entries = computed.report.entries
        let report = computed.report.sealed(closedAt: RFC3339.format(closedAt, in: settings.timeZone), digest: digest)
        let runID = try RunIDRow(db.query("""
            INSERT INTO ledger.reconciliation_runs (period, started_at, finished_at, entries, digest, seal_version)
            VALUES (\(period.description), now(), clock_timestamp(), \(entries), \(digest), \(sealVersion)) RETURNING id
            """).single()).id
        var ids: [String: Int64] = [:]
        for row in try db.query("SELECT code, id FROM ledger.restaurants").map(RestaurantIDRow.init) { ids[row.code] = row.id }
        try db.copyIn("COPY ledger.reconciliation_breaks (run_id, restaurant_id, kind, entry_id, detail) FROM STDIN",
                      rows: report.breaks.map { b in
                          [String(runID), ids[b.restaurant].map(String.init), b.kind.rawValue, b.entryID?.uuidString.lowercased(), b.detail]
                      })
        try db.copyIn("COPY ledger.anomalies (run_id, kind, card_no, entry_ids, detail) FROM STDIN",
                      rows: zip(report.anomalies, computed.cardNumbers).map { a, card in
                          [String(runID), a.kind.rawValue, card, a.entryIDs.postgresText, a.detail]
                      })
        try db.copyIn("""
            COPY ledger.subsidy_lines (run_id, restaurant_id, meals, voided_meals, cardholders, gross_fen, discount_fen, payable_fen,
                deliveries_delivered, discount_subsidy_fen, delivery_subsidy_fen, subsidy_fen) FROM STDIN
            """, rows: report.restaurants.map { r in
                [String(runID), ids[r.code].map(String.init)] + [r.meals, r.voidedMeals, r.cardholders, r.grossFen, r.discountFen,
                    r.payableFen, r.deliveriesDelivered, r.discountSubsidyFen, r.deliverySubsidyFen, r.subsidyFen].map { String($0) }
            })
        _ = try db.query("INSERT INTO ledger.reconciliation_reports (run_id, report) VALUES (\(runID), \(report.json()))")
        _ = try db.query("""
            UPDATE ledger.periods
            SET status = 'closed', closed_at = now(), entries = \(entries), digest = \(digest), seal_version = \(sealVersion)
            WHERE period = \(period.description)
            """)
        return report
    }

    /// The report stored with a closed period's run, or nil.
    public static func stored(period: Period, on db: PostgresConnection) throws -> SubsidyReport? {
        guard let row = try db.query("""
            SELECT rr.report FROM ledger.reconciliation_runs r JOIN ledger.reconciliation_reports rr ON rr.run_id = r.id
            WHERE r.period = \(period.description)
            """).first else { return nil }
        return try SubsidyReport.decode(json: StoredReportRow(row).json)
    }
}
