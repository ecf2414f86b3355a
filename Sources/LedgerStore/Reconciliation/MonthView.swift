public import LedgerCore
public import LedgerReports
public import Postgres

/// A month as the staff console shows it: where its close stands, and its report with who signed it. The report is
/// the stored final one of a closed month, the pending proposal's draft of a prepared one, and of an open month a dry
/// run computed now: the same computation as `ledgerctl reconcile --dry-run`, so the page has no formula of its own.
public struct MonthView: Sendable {
    public let state: CloseState
    public let report: SubsidyReport
    public let signatures: CloseSignatures?
}

extension Reconciliations {
    /// The month's close state and report (see `MonthView`), read as the session's login. Times in `settings`' zone.
    public static func monthView(_ period: Period, settings: LedgerSettings, on db: PostgresConnection) throws -> MonthView {
        try LedgerRefusal.translatingRules {
            guard let state = try closeStates(period: period, on: db).first else {
                throw PostgresError(kind: .decoding, message: "no close state for \(period)")
            }
            let report: SubsidyReport
            switch state.stage {
            case .closed:
                guard let stored = try stored(period: period, on: db) else { throw LedgerRefusal.missingReconciliationRun(period) }
                report = stored
            case .prepared:
                let row = try db.query("""
                    SELECT report FROM ledger.close_proposals WHERE period = \(period.description) AND state = 'pending'
                    """).single()
                report = try SubsidyReport.decode(json: StoredReportRow(row).json)
            case .open:
                report = try run(period: period, statements: nil, dryRun: true, settings: settings, on: db)
            }
            return MonthView(state: state, report: report,
                             signatures: try signatures(of: report, timeZone: settings.timeZone, on: db))
        }
    }
}
