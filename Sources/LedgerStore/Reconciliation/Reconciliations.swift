import Foundation
public import LedgerCore
public import LedgerReports
public import Logging
public import Postgres

/// Business rule 8: the monthly reconciliation, its seal and the period's close, in one transaction.
///
/// This file runs it (transaction, locks, the shared snapshot, planner settings); its steps are in the files beside
/// it: the totals, the anomalies, the statements and the report, the seal, storing the run, and verifying a seal.
public enum Reconciliations {
    /// The advisory lock key that keeps two reconciliations apart, whatever their periods.
    static let advisoryLock: Int64 = 0x4C44_5245_434F  // "LDRECO"
    /// The seal recipe new closes use (sql/0026_seal_v3.sql, the line hashes of sql/0012_seal_lines.sql hashed in
    /// parts of 4,096 entries in id order); each period and run records the version it was sealed with.
    public static let sealVersion: Int16 = 3

    /// Reconciles `period`. `statements` maps restaurant codes to their parsed statements; nil means none were given.
    ///
    /// A closed period is not reconciled again: its stored report is returned and nothing changes. Otherwise the
    /// period row is locked `FOR UPDATE` (the entry-insert trigger takes `FOR SHARE` on it, so postings in flight
    /// commit first and later ones find the period closed and are booked late into the next one), every figure is
    /// recomputed from the entries, and unless `dryRun` the run is stored, the period sealed and closed.
    ///
    /// Closing here is one person's act: the `single` close policy, and only the ledger's owner may do it (the database
    /// refuses anyone else). Under `two-person`, a clerk `prepare`s the close and another login `approve`s it.
    ///
    /// `helpers`, idle connections to the same database, run the month-wide queries (totals, anomalies, seal), all
    /// reading the snapshot `db`'s transaction exports once the period is locked (`SharedSnapshotWork`); without
    /// helpers `db` runs them itself. `logger` hears of a seal that had to be computed from the entries because the
    /// stored line hashes did not cover them.
    public static func run(
        period: Period, statements: [String: [StatementLine]]?, dryRun: Bool, settings: LedgerSettings, on db: PostgresConnection,
        helpers: [PostgresConnection] = [], logger: Logger? = nil
    ) throws -> SubsidyReport {
        try db.transaction { db in
            try begin(on: db)
            if !dryRun {
                _ = try db.query("INSERT INTO ledger.periods (period) VALUES (\(period.description)) ON CONFLICT DO NOTHING")
            }
            let lockClause = dryRun ? "" : "FOR UPDATE"
            let status = try db.query("SELECT status FROM ledger.periods WHERE period = \(period.description) \(unsafeSQL: lockClause)")
                .first.map { try PeriodStatusRow($0).status }
            if status == "closed" {
                guard let report = try stored(period: period, on: db) else {
                    throw LedgerRefusal.missingReconciliationRun(period)
                }
                return report
            }
            let pass = try reconcile(period: period, statements: statements, sealing: !dryRun, settings: settings, on: db,
                                     helpers: helpers, logger: logger)
            guard let seal = pass.seal else { return pass.computed.report }
            return try store(pass.computed, period: period, digest: seal, closedAt: pass.now, settings: settings, on: db)
        }
    }

    /// What one pass over the month found: the report, and the seal when it was asked for.
    struct Pass {
        let computed: Computed
        let seal: String?
        /// The transaction's time: the close's closed_at, which the report shows.
        let now: Date
    }

    /// The advisory lock that keeps reconciliations apart, and the planner settings for a month, at the start of the
    /// caller's transaction.
    static func begin(on db: PostgresConnection) throws {
        _ = try db.query("SELECT pg_advisory_xact_lock(\(advisoryLock))")
        try tuneForMonth(db)
    }

    /// Recomputes every figure of `period` from the entries, in the caller's transaction, and seals it when `sealing`.
    static func reconcile(
        period: Period, statements: [String: [StatementLine]]?, sealing: Bool, settings: LedgerSettings, on db: PostgresConnection,
        helpers: [PostgresConnection], logger: Logger?
    ) throws -> Pass {
        if let statements {
            let known = Set(try Restaurants.list(on: db).map(\.code))
            for code in statements.keys.sorted() where !known.contains(code) {
                throw LedgerRefusal.unknownStatementRestaurant(code: code)
            }
        }
        let now = try TransactionTimeRow(db.query("SELECT now() AS now").single()).now
        // The month-wide queries are independent reads of one snapshot, shared out between the helpers, longest first.
        let work = SharedSnapshotWork()
        let anomalies = work.add { try cardAnomalies(period: period, settings: settings, on: $0) }
        let totals = work.add { try Self.totals(period: period, on: $0) }
        let seal = sealing ? work.add { try Self.seal(period: period, on: $0, logger: logger) } : nil
        try work.run(exportedBy: db, on: helpers, prepare: { try tuneForMonth($0) })
        let findings = try withFacts(try anomalies.get(), settings: settings, on: db)
        let computed = try compute(period: period, statements: statements, settings: settings, totals: totals.get(),
                                   findings: findings, on: db)
        return Pass(computed: computed, seal: try seal?.get(), now: now)
    }

    /// Settings for queries over a whole month, for the current transaction.
    private static func tuneForMonth(_ db: PostgresConnection) throws {
        // Sorts and hash aggregates over a month of entries stay in memory rather than spill to disk.
        _ = try db.query("SET LOCAL work_mem = '256MB'")
        // Compiling these month-wide queries with JIT took longer than it saved (2 of the anomaly pass's 4.8 s).
        _ = try db.query("SET LOCAL jit = off")
        // The planner reserves 8 kB for each group of an array_agg, so for a district's 50,000 cards it would rather
        // sort every meal (1.1 s on bench/reconcile's month) than hash the small arrays (0.3 s, in tens of MB): hash
        // tables may grow to 2 × work_mem (512 MB, which holds 50,000 such estimates) before they spill to disk, and
        // still use only what they need. With a province's two million cards the planner sorts, or the hash spills,
        // rather than let one hash node take gigabytes (docs/scale.md: the 20M month).
        _ = try db.query("SET LOCAL hash_mem_multiplier = 2")
    }

    private struct PeriodStatusRow {
        let status: String
        init(_ row: PostgresRow) throws { status = try row.decode("status") }
    }

    private struct TransactionTimeRow {
        let now: Date
        init(_ row: PostgresRow) throws { now = try row.decode("now") }
    }
}
