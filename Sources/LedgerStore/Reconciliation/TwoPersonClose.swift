public import Foundation
public import LedgerCore
public import LedgerReports
public import Logging
public import Postgres

/// How a month is closed (business rule 9), stored in the database (`ledger.close_policy`).
public enum ClosePolicy: String, Sendable, CaseIterable {
    /// A clerk prepares the close, another login approves it; `reconcile` prepares.
    case twoPerson = "two-person"
    /// `reconcile` closes at once, as the ledger's owner.
    case single
}

/// A stored dry run of a period's close, waiting for an approver: its report (a draft) and the digest that names it.
public struct CloseProposal: Sendable {
    public let report: SubsidyReport
    /// SHA-256 of the report's stored JSON, hex; `close approve --proposal` names the proposal by it.
    public let digest: String
    /// The login that prepared it, who may not approve it.
    public let preparedBy: String
}

/// Where a period's close stands, with the latest proposal made for it.
public struct CloseState: Sendable, Equatable, PostgresRowDecodable {
    public enum Stage: String, Sendable {
        /// Not closed and no proposal pending (none made yet, or the last one rejected).
        case open
        /// A proposal waits for an approver.
        case prepared
        case closed
    }

    /// The latest proposal for the period: pending, approved or rejected.
    public struct Proposal: Sendable, Equatable {
        public let digest: String
        public let preparedBy: String
        public let preparedAt: Date
        /// pending, approved or rejected.
        public let state: String
        public let decidedBy: String?
        public let decidedAt: Date?
        public let reason: String?
    }

    public let period: String
    public let stage: Stage
    public let closedAt: Date?
    public let latest: Proposal?

    /// From the columns period, status, closed_at and, of the latest proposal (all null when none), digest,
    /// prepared_by, prepared_at, state, decided_by, decided_at and reason.
    public init(_ row: PostgresRow) throws {
        period = try row.decode("period")
        closedAt = try row.decode("closed_at", as: Date?.self)
        if let digest = try row.decode("digest", as: String?.self) {
            latest = Proposal(
                digest: digest, preparedBy: try row.decode("prepared_by"), preparedAt: try row.decode("prepared_at"),
                state: try row.decode("state"), decidedBy: try row.decode("decided_by", as: String?.self),
                decidedAt: try row.decode("decided_at", as: Date?.self), reason: try row.decode("reason", as: String?.self))
        } else {
            latest = nil
        }
        if try row.decode("status", as: String?.self) == "closed" {
            stage = .closed
        } else {
            stage = latest?.state == "pending" ? .prepared : .open
        }
    }
}

/// Business rule 9: a clerk prepares a month's close (a dry run stored as its proposal), another login approves it,
/// and the approval closes the period only if the ledger has not changed since. The database holds the rule
/// (sql/0017, sql/0018); these functions are the way through it.
extension Reconciliations {
    private struct PolicyRow: PostgresRowDecodable {
        let policy: String
        init(_ row: PostgresRow) throws { policy = try row.decode("policy") }
    }

    private struct PreparedRow: PostgresRowDecodable {
        let digest: String
        let preparedBy: String
        init(_ row: PostgresRow) throws {
            digest = try row.decode("digest")
            preparedBy = try row.decode("prepared_by")
        }
    }

    /// The approved proposal, as `ledger.approve_close` returns it.
    private struct ApprovedRow: PostgresRowDecodable {
        let report: String
        let statements: String?
        init(_ row: PostgresRow) throws {
            report = try row.decode("report")
            statements = try row.decode("statements", as: String?.self)
        }
    }

    /// The close policy in force.
    public static func policy(on db: PostgresConnection) throws -> ClosePolicy {
        let stored = try db.query("SELECT policy FROM ledger.close_policy").single(PolicyRow.self).policy
        guard let policy = ClosePolicy(rawValue: stored) else {
            throw PostgresError(kind: .decoding, message: "ledger.close_policy holds an unknown policy: \(stored)")
        }
        return policy
    }

    /// Sets the close policy; only the ledger's owner may.
    public static func setPolicy(_ policy: ClosePolicy, on db: PostgresConnection) throws {
        do {
            _ = try db.query("""
                UPDATE ledger.close_policy SET policy = \(policy.rawValue), changed_at = now(), changed_by = session_user
                """)
        } catch let error as PostgresError where error.sqlState == "42501" {
            throw LedgerRefusal.refusedByRule("only the ledger's owner sets the close policy: run this as the owner (DATABASE_URL)")
        }
    }

    /// Prepares the close of `period`: reconciles it as a dry run and stores the report, the statements it was matched
    /// against and the ledger's fingerprint as the period's proposal, all from one snapshot. Refused (before the month
    /// is computed) unless the session is a clerk or the owner, the period is open and no proposal is pending.
    public static func prepare(
        period: Period, statements: [String: [StatementLine]]?, settings: LedgerSettings, on db: PostgresConnection,
        helpers: [PostgresConnection] = [], logger: Logger? = nil
    ) throws -> CloseProposal {
        try LedgerRefusal.translatingRules {
            // Repeatable read: the report and the fingerprint that prepare_close stores beside it see the same ledger.
            try db.transaction(isolation: .repeatableRead) { db in
                try begin(on: db)
                _ = try db.query("SELECT ledger.check_may_prepare_close(\(period.description))")
                let report = try reconcile(period: period, statements: statements, sealing: false, settings: settings, on: db,
                                           helpers: helpers, logger: logger).computed.report
                let prepared = try db.query("""
                    SELECT ledger.prepare_close(\(period.description), \(report.json()), \(try statementsJSON(statements))::jsonb) AS digest,
                           session_user::text AS prepared_by
                    """).single(PreparedRow.self)
                return CloseProposal(report: report, digest: prepared.digest, preparedBy: prepared.preparedBy)
            }
        }
    }

    /// Approves the pending proposal of `period` (the one named by `digest`, when given) and closes the period as
    /// `run` does: sealed, stored, closed. Refused for the preparer's login, without a pending proposal, for another
    /// digest, and when the ledger changed since the proposal: new entries or deliveries (the database's fingerprint),
    /// or any other difference the recomputed report shows (the registry, terms, an earlier month closed meanwhile).
    public static func approve(
        period: Period, digest: String?, settings: LedgerSettings, on db: PostgresConnection,
        helpers: [PostgresConnection] = [], logger: Logger? = nil
    ) throws -> SubsidyReport {
        try LedgerRefusal.translatingRules {
            try db.transaction { db in
                try begin(on: db)
                let proposal = try db.query("""
                    SELECT report, statements::text AS statements FROM ledger.approve_close(\(period.description), \(digest))
                    """).single(ApprovedRow.self)
                let statements = try proposal.statements.map { try JSONDecoder().decode([String: [StatementLine]].self, from: Data($0.utf8)) }
                let pass = try reconcile(period: period, statements: statements, sealing: true, settings: settings, on: db,
                                         helpers: helpers, logger: logger)
                guard pass.computed.report.json() == proposal.report else {
                    let proposed = try SubsidyReport.decode(json: proposal.report)
                    throw LedgerRefusal.refusedByRule("""
                        the ledger changed since the proposal was prepared: \
                        \(changes(from: proposed, to: pass.computed.report).joined(separator: ", ")) differ; reject it and prepare again
                        """)
                }
                guard let seal = pass.seal else { throw PostgresError(kind: .decoding, message: "the close computed no seal") }
                return try store(pass.computed, period: period, digest: seal, closedAt: pass.now, settings: settings, on: db)
            }
        }
    }

    /// Rejects the pending proposal of `period` with a reason: the period is open again and a clerk may prepare anew.
    public static func reject(period: Period, reason: String, on db: PostgresConnection) throws {
        try LedgerRefusal.translatingRules {
            _ = try db.query("SELECT ledger.reject_close(\(period.description), \(reason))")
        }
    }

    /// Where the close of each period stands, oldest first; of `period` alone when given (open when the ledger has
    /// no row for it yet).
    public static func closeStates(period: Period? = nil, on db: PostgresConnection) throws -> [CloseState] {
        let wanted = period?.description
        return try db.query("""
            SELECT w.period, p.status, p.closed_at, c.digest, c.prepared_by::text AS prepared_by, c.prepared_at, c.state,
                   c.decided_by::text AS decided_by, c.decided_at, c.reason
            FROM (SELECT period FROM ledger.periods UNION SELECT \(wanted)::text) w
            LEFT JOIN ledger.periods p ON p.period = w.period
            LEFT JOIN LATERAL (SELECT * FROM ledger.close_proposals c WHERE c.period = w.period ORDER BY c.id DESC LIMIT 1) c ON true
            WHERE w.period IS NOT NULL AND (\(wanted)::text IS NULL OR w.period = \(wanted))
            ORDER BY w.period
            """).decode(CloseState.self)
    }

    private struct SignaturesRow: PostgresRowDecodable {
        let preparedBy: String
        let preparedByName: String?
        let preparedAt: Date
        let approvedBy: String?
        let approvedByName: String?
        let approvedAt: Date?

        init(_ row: PostgresRow) throws {
            preparedBy = try row.decode("prepared_by")
            preparedByName = try row.decode("prepared_by_name", as: String?.self)
            preparedAt = try row.decode("prepared_at")
            approvedBy = try row.decode("approved_by", as: String?.self)
            approvedByName = try row.decode("approved_by_name", as: String?.self)
            approvedAt = try row.decode("approved_at", as: Date?.self)
        }
    }

    /// Who prepared and who approved the close that `report` shows, for its signature block: of a closed period the
    /// approved proposal, of an open one the pending proposal (no approver yet); nil when there is none (a month closed
    /// under `single`, a dry run of a month not prepared). Times in `timeZone`.
    public static func signatures(of report: SubsidyReport, timeZone: TimeZone, on db: PostgresConnection) throws -> CloseSignatures? {
        try db.query("""
            SELECT c.prepared_by::text AS prepared_by, preparer.full_name AS prepared_by_name, c.prepared_at,
                   CASE WHEN c.state = 'approved' THEN c.decided_by::text END AS approved_by,
                   approver.full_name AS approved_by_name, CASE WHEN c.state = 'approved' THEN c.decided_at END AS approved_at
            FROM ledger.close_proposals c
            LEFT JOIN ledger.staff preparer ON preparer.login = c.prepared_by
            LEFT JOIN ledger.staff approver ON approver.login = c.decided_by AND c.state = 'approved'
            WHERE c.period = \(report.period) AND c.state = \(report.closed ? "approved" : "pending")
            """).first(SignaturesRow.self).map { row in
                CloseSignatures(
                    preparedBy: row.preparedBy, preparedByName: row.preparedByName,
                    preparedAt: RFC3339.format(row.preparedAt, in: timeZone),
                    approvedBy: row.approvedBy, approvedByName: row.approvedByName,
                    approvedAt: row.approvedAt.map { RFC3339.format($0, in: timeZone) })
            }
    }

    /// The statements as the proposal stores them (JSON), or nil when none were given.
    private static func statementsJSON(_ statements: [String: [StatementLine]]?) throws -> String? {
        guard let statements else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(statements), as: UTF8.self)
    }

    /// The parts of a report that differ between the proposal and the approval's own dry run, in words.
    static func changes(from proposed: SubsidyReport, to now: SubsidyReport) -> [String] {
        var parts: [String] = []
        let before = Dictionary(proposed.restaurants.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(now.restaurants.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        let restaurants = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
        if !restaurants.isEmpty { parts.append("the figures of \(restaurants.joined(separator: ", "))") }
        if proposed.breaks != now.breaks { parts.append("the statement breaks") }
        if proposed.anomalies != now.anomalies { parts.append("the anomalies") }
        if proposed.history != now.history { parts.append("the earlier months compared") }
        if proposed.certifications != now.certifications { parts.append("the survival certification figures") }
        if parts.isEmpty { parts.append("the report") }
        return parts
    }
}
