public import Foundation
public import LedgerCore
public import Logging
import Synchronization
public import Postgres

/// How `ledgerctl verify` found a period.
public enum SealCheck: Sendable, Equatable {
    /// The period has no row or is still open: there is no seal to check.
    case notClosed
    case intact(digest: String)
    case broken(stored: String, recomputed: String)
}

/// An entry of a broken period whose line is not the one stored when it was written (sql/0012_seal_lines.sql).
public struct SealLineDifference: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The entry is not as it was written.
        case changed
        /// No line was stored for the entry: it was written with triggers off.
        case unsealed
        /// A line is stored for an entry that is gone.
        case removed
    }

    public let entryID: UUID
    public let kind: Kind
}

/// Business rule 8: the monthly reconciliation, its seal and the period's close, in one transaction.
public enum Reconciliations {
    /// The advisory lock key that keeps two reconciliations apart, whatever their periods.
    static let advisoryLock: Int64 = 0x4C44_5245_434F  // "LDRECO"
    /// The seal recipe new closes use (sql/0011_seal_v2.sql, computed from the line hashes of sql/0012_seal_lines.sql);
    /// each period and run records the version it was sealed with.
    public static let sealVersion: Int16 = 2

    /// Reconciles `period`. `statements` maps restaurant codes to their parsed statements; nil means none were given.
    ///
    /// A closed period is not reconciled again: its stored report is returned and nothing changes. Otherwise the
    /// period row is locked `FOR UPDATE` (the entry-insert trigger takes `FOR SHARE` on it, so postings in flight
    /// commit first and later ones find the period closed and are booked late into the next one), every figure is
    /// recomputed from the entries, and unless `dryRun` the run is stored, the period sealed and closed.
    ///
    /// `helper`, an idle connection to the same database, shares the month-wide queries (totals, anomalies, seal)
    /// with `db`, both reading the snapshot `db`'s transaction exports once the period is locked. `logger` hears of a
    /// seal that had to be computed from the entries because the stored line hashes did not cover them.
    public static func run(
        period: Period, statements: [String: [StatementLine]]?, dryRun: Bool, settings: LedgerSettings, on db: PostgresConnection,
        helper: PostgresConnection? = nil, logger: Logger? = nil
    ) throws -> SubsidyReport {
        try db.transaction { db in
            _ = try db.query("SELECT pg_advisory_xact_lock(\(advisoryLock))")
            try tuneForMonth(db)
            if !dryRun {
                _ = try db.query("INSERT INTO ledger.periods (period) VALUES (\(period.description)) ON CONFLICT DO NOTHING")
            }
            let lockClause = dryRun ? "" : "FOR UPDATE"
            let status = try db.query("SELECT status FROM ledger.periods WHERE period = \(period.description) \(unsafeSQL: lockClause)")
                .first.map { try $0.decode(0, as: String.self) }
            if status == "closed" {
                guard let report = try stored(period: period, on: db) else {
                    throw LedgerError(.notFound, "period \(period) is closed but has no stored reconciliation run")
                }
                return report
            }
            if let statements {
                let known = Set(try Restaurants.list(on: db).map(\.code))
                for code in statements.keys.sorted() where !known.contains(code) {
                    throw LedgerError(.notFound, "statement \(code).csv: no restaurant has the code \(code)", field: "statements")
                }
            }
            // The transaction's time: the close's closed_at, which the report shows.
            let now = try db.query("SELECT now()").single().decode(0, as: Date.self)
            let snapshot = try helper.map { _ in try db.query("SELECT pg_export_snapshot()").single().decode(0, as: String.self) }
            // The month-wide queries are independent reads of one snapshot, shared out between db and the helper,
            // longest first.
            let queries = SnapshotQueries()
            let patterns = queries.add { try anomalies(.cardPatterns, period: period, settings: settings, on: $0) }
            let totals = queries.add { try Self.totals(period: period, on: $0) }
            let seal = dryRun ? nil : queries.add { try Self.seal(period: period, on: $0, logger: logger) }
            let registry = queries.add { try anomalies(.registry, period: period, settings: settings, on: $0) }
            if let helper, let snapshot {
                _ = try concurrently({
                    // A helper that cannot join the snapshot leaves the rest to db, which then stops too.
                    do { try onSnapshot(snapshot, on: helper) { try queries.work(on: $0) } } catch { queries.stop(); throw error }
                }, { try queries.work(on: db) })
            } else {
                try queries.work(on: db)
            }
            let findings = Findings(merging: [try patterns.get(), try registry.get()])
            var report = try compute(period: period, statements: statements, settings: settings, totals: totals.get(),
                                     findings: findings, on: db)
            guard let seal else { return report.report }
            let digest = try seal.get()
            let entries = report.report.entries
            report.report = report.report.sealed(closedAt: RFC3339.format(now, in: settings.timeZone), digest: digest)
            let runID = try db.query("""
                INSERT INTO ledger.reconciliation_runs (period, started_at, finished_at, entries, digest, seal_version)
                VALUES (\(period.description), now(), clock_timestamp(), \(entries), \(digest), \(sealVersion)) RETURNING id
                """).single().decode(0, as: Int64.self)
            let ids = try restaurantIDs(on: db)
            try db.copyIn("COPY ledger.reconciliation_breaks (run_id, restaurant_id, kind, entry_id, detail) FROM STDIN",
                          rows: report.report.breaks.map { b in
                              [String(runID), ids[b.restaurant].map(String.init), b.kind.rawValue, b.entryID?.uuidString.lowercased(), b.detail]
                          })
            try db.copyIn("COPY ledger.anomalies (run_id, kind, card_no, entry_ids, detail) FROM STDIN",
                          rows: zip(report.report.anomalies, report.cardNumbers).map { a, card in
                              [String(runID), a.kind.rawValue, card, a.entryIDs.postgresText, a.detail]
                          })
            try db.copyIn("""
                COPY ledger.subsidy_lines (run_id, restaurant_id, meals, voided_meals, cardholders, gross_fen, discount_fen, payable_fen,
                    deliveries_delivered, discount_subsidy_fen, delivery_subsidy_fen, subsidy_fen) FROM STDIN
                """, rows: report.report.restaurants.map { r in
                    [String(runID), ids[r.code].map(String.init)] + [r.meals, r.voidedMeals, r.cardholders, r.grossFen, r.discountFen,
                        r.payableFen, r.deliveriesDelivered, r.discountSubsidyFen, r.deliverySubsidyFen, r.subsidyFen].map { String($0) }
                })
            _ = try db.query("INSERT INTO ledger.reconciliation_reports (run_id, report) VALUES (\(runID), \(report.report.json()))")
            _ = try db.query("""
                UPDATE ledger.periods
                SET status = 'closed', closed_at = now(), entries = \(entries), digest = \(digest), seal_version = \(sealVersion)
                WHERE period = \(period.description)
                """)
            return report.report
        }
    }

    /// The report stored with a closed period's run, or nil.
    public static func stored(period: Period, on db: PostgresConnection) throws -> SubsidyReport? {
        guard let row = try db.query("""
            SELECT rr.report FROM ledger.reconciliation_runs r JOIN ledger.reconciliation_reports rr ON rr.run_id = r.id
            WHERE r.period = \(period.description)
            """).first else { return nil }
        return try SubsidyReport.decode(json: row.decode(0, as: String.self))
    }

    /// Recomputes the seal of a closed period, by the recipe of the version it was sealed with, and compares it with
    /// the stored digest.
    public static func verify(period: Period, on db: PostgresConnection) throws -> SealCheck {
        guard let row = try db.query("""
            SELECT digest, ledger.seal_digest(period, seal_version) FROM ledger.periods WHERE period = \(period.description) AND status = 'closed'
            """).first else { return .notClosed }
        let stored = try row.decode(0, as: String.self), now = try row.decode(1, as: String.self)
        return stored == now ? .intact(digest: stored) : .broken(stored: stored, recomputed: now)
    }

    /// The entries of `period` whose line differs from the one stored when they were written, in id order: what
    /// changed, when a seal no longer matches. Empty when every entry is as it was written.
    public static func sealLineDifferences(period: Period, on db: PostgresConnection) throws -> [SealLineDifference] {
        try db.query("SELECT entry_id, difference FROM ledger.seal_line_differences(\(period.description))").map { row in
            let kind = try row.decode(1, as: String.self)
            guard let known = SealLineDifference.Kind(rawValue: kind) else {
                throw PostgresError(kind: .decoding, message: "ledger.seal_line_differences returned an unknown difference \(kind)")
            }
            return SealLineDifference(entryID: try row.decode(0), kind: known)
        }
    }

    /// Settings for queries over a whole month, for the current transaction.
    private static func tuneForMonth(_ db: PostgresConnection) throws {
        // Sorts and hash aggregates over a month of entries stay in memory rather than spill to disk.
        _ = try db.query("SET LOCAL work_mem = '256MB'")
        // Compiling these month-wide queries with JIT took longer than it saved (2 of the anomaly pass's 4.8 s).
        _ = try db.query("SET LOCAL jit = off")
        // The planner reserves 8 kB for each group of an array_agg, so for a month of cards it would rather sort every
        // meal (1.1 s on the bench month) than hash 50,000 small arrays (0.3 s, in tens of MB). Hash tables may grow
        // to 8 × work_mem before they spill to disk; they still use only what they need.
        _ = try db.query("SET LOCAL hash_mem_multiplier = 8")
    }

    /// The period's digest by the current seal recipe: from the line hashes stored as the entries were written
    /// (sql/0012_seal_lines.sql), or, when they are not one per entry of the period, from the entries themselves.
    private static func seal(period: Period, on db: PostgresConnection, logger: Logger?) throws -> String {
        let p = period.description
        if let digest = try db.query("SELECT ledger.period_digest_v2_stored(\(p))").single().decode(0, as: String?.self) {
            return digest
        }
        logger?.warning("""
            the stored seal lines are not one per entry of the period (an entry was written with triggers off, or removed), \
            so the seal is computed from the entries as they are; SELECT * FROM ledger.seal_line_differences('\(p)') lists them
            """, metadata: ["period": "\(p)"])
        return try db.query("SELECT ledger.seal_digest(\(p), \(sealVersion))").single().decode(0)
    }

    /// Runs `work` on `db`, a second connection, in a transaction of its own that reads the snapshot the reconciliation
    /// exported.
    private static func onSnapshot<T>(_ snapshot: String, on db: PostgresConnection, _ work: (PostgresConnection) throws -> T) throws -> T {
        // SET TRANSACTION SNAPSHOT takes no parameter; the id comes from pg_export_snapshot (hex digits and dashes).
        guard snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw PostgresError(kind: .protocolViolation, message: "pg_export_snapshot returned an unexpected id: \(snapshot)")
        }
        return try db.transaction(isolation: .repeatableRead) { db in
            _ = try db.query(PostgresQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(snapshot)'"))
            try tuneForMonth(db)
            return try work(db)
        }
    }

    /// Runs `side` on a thread of its own while `main` runs on this one; returns both results once both are done.
    private static func concurrently<Side: Sendable, Main>(
        _ side: @escaping @Sendable () throws -> Side, _ main: () throws -> Main
    ) throws -> (Side, Main) {
        let sideResult = ResultSlot<Side>()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            sideResult.set(Result(catching: side))
            done.signal()
        }
        let mainResult = Result(catching: main)
        done.wait()
        return (try sideResult.get(), try mainResult.get())
    }

    private static func restaurantIDs(on db: PostgresConnection) throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        for row in try db.query("SELECT code, id FROM ledger.restaurants") {
            ids[try row.decode(0, as: String.self)] = try row.decode(1, as: Int64.self)
        }
        return ids
    }

    /// The result of work done on another thread, handed over under a lock.
    private final class ResultSlot<Value: Sendable>: Sendable {
        private let result = Mutex<Result<Value, any Error>?>(nil)
        func set(_ value: Result<Value, any Error>) { result.withLock { $0 = value } }
        func get() throws -> Value {
            guard let result = result.withLock({ $0 }) else { preconditionFailure("a snapshot query's result was read before it ran") }
            return try result.get()
        }
    }

    /// Queries that read the reconciliation's snapshot, shared out between its connections: each connection that
    /// `work`s takes the next query nobody has taken, so the longest should be added first. Once one fails, or `stop`
    /// is called, no connection takes another.
    private final class SnapshotQueries: Sendable {
        private struct State {
            var queries: [@Sendable (PostgresConnection) throws -> Void] = []
            var next = 0
        }
        private let state = Mutex(State())

        /// Adds a query; its result is in the slot once every `work` has returned without error.
        func add<Value: Sendable>(_ query: @escaping @Sendable (PostgresConnection) throws -> Value) -> ResultSlot<Value> {
            let slot = ResultSlot<Value>()
            state.withLock { $0.queries.append { db in slot.set(.success(try query(db))) } }
            return slot
        }

        /// Runs queries on `db` until none is left, or until one has failed on any connection; rethrows its error.
        func work(on db: PostgresConnection) throws {
            while let query = take() {
                do {
                    try query(db)
                } catch {
                    stop()
                    throw error
                }
            }
        }

        /// No connection takes another query.
        func stop() {
            state.withLock { $0.next = $0.queries.count }
        }

        private func take() -> (@Sendable (PostgresConnection) throws -> Void)? {
            state.withLock { state in
                guard state.next < state.queries.count else { return nil }
                defer { state.next += 1 }
                return state.queries[state.next]
            }
        }
    }

    /// A report and the full card numbers of its anomalies (the report itself shows only their last 4 characters).
    struct Computed {
        var report: SubsidyReport
        var cardNumbers: [String]
    }

    /// The meal figures of a period per restaurant code: in all, and split by credential and category.
    struct Totals: Sendable {
        struct Figures { var meals: Int64 = 0, voided: Int64 = 0, late: Int64 = 0, cardholders: Int64 = 0, gross: Int64 = 0, discount: Int64 = 0, payable: Int64 = 0 }
        var figures: [String: Figures] = [:]
        var splits: [String: [MealSplit]] = [:]
    }

    /// The anomalies of a period and the full card number of each.
    struct Findings: Sendable {
        var anomalies: [Anomaly] = []
        var cardNumbers: [String] = []

        init() {}

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

    /// Rule 8, step 2: totals per restaurant, and per restaurant, credential and category.
    private static func totals(period: Period, on db: PostgresConnection) throws -> Totals {
        let p = period.description
        var totals = Totals()
        let rows = try db.query("""
            -- The meals undone by this period's voids (few: found through the voids' index), whatever their period.
            WITH voided AS (
                SELECT m.restaurant_id, m.credential, coalesce(m.category, '-') AS category, m.gross_fen, m.discount_fen, m.payable_fen
                FROM ledger.entries v JOIN ledger.entries m ON m.id = v.voided_entry_id
                WHERE v.kind = 'void' AND v.period = \(p)
            ),
            -- The period's meals per restaurant, credential and category, less the meals its voids undid.
            sums AS (
                SELECT restaurant_id, credential, coalesce(category, '-') AS category, count(*) AS meals, 0 AS voided,
                       count(*) FILTER (WHERE late) AS late, sum(gross_fen) AS gross, sum(discount_fen) AS discount,
                       sum(payable_fen) AS payable
                FROM ledger.entries WHERE kind = 'meal' AND period = \(p)
                GROUP BY 1, 2, 3
                UNION ALL
                SELECT restaurant_id, credential, category, 0, count(*), 0, -sum(gross_fen), -sum(discount_fen), -sum(payable_fen)
                FROM voided GROUP BY 1, 2, 3
            ),
            -- The cardholders of a restaurant: the cards with a meal of the period there that no void of the period undid.
            holders AS (
                SELECT restaurant_id, count(*) AS cardholders
                FROM (SELECT DISTINCT restaurant_id, card_no FROM ledger.live_meals(\(p))) c
                GROUP BY restaurant_id
            ),
            grouped AS (
                SELECT restaurant_id, credential, category, grouping(credential, category) AS whole,
                       sum(meals)::bigint AS meals, sum(voided)::bigint AS voided, sum(late)::bigint AS late,
                       coalesce(sum(gross), 0)::bigint AS gross, coalesce(sum(discount), 0)::bigint AS discount,
                       coalesce(sum(payable), 0)::bigint AS payable, coalesce(sum(meals - voided), 0)::bigint AS kept
                FROM sums
                GROUP BY GROUPING SETS ((restaurant_id), (restaurant_id, credential, category))
            )
            SELECT r.code, g.credential, g.category, g.whole, g.meals, g.voided, g.late, coalesce(h.cardholders, 0),
                   g.gross, g.discount, g.payable, g.kept
            FROM grouped g
            JOIN ledger.restaurants r ON r.id = g.restaurant_id
            LEFT JOIN holders h ON h.restaurant_id = g.restaurant_id AND g.whole <> 0
            ORDER BY r.code, g.whole DESC, g.credential, g.category
            """)
        for row in rows {
            let code = try row.decode(0, as: String.self)
            if try row.decode(3, as: Int.self) != 0 {
                totals.figures[code] = Totals.Figures(
                    meals: try row.decode(4), voided: try row.decode(5), late: try row.decode(6), cardholders: try row.decode(7),
                    gross: try row.decode(8), discount: try row.decode(9), payable: try row.decode(10))
            } else {
                totals.splits[code, default: []].append(MealSplit(
                    credential: try row.decode(1), category: try row.decode(2), meals: try row.decode(11),
                    grossFen: try row.decode(8), discountFen: try row.decode(9)))
            }
        }
        return totals
    }

    /// The report from the totals and anomalies: the statements matched against the ledger (step 3), deliveries,
    /// subsidies (step 5) and the months compared.
    private static func compute(
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
        var breaks: [ReconciliationBreak] = []
        for code in codes {
            guard let statement = statements?[code] else {
                breaks.append(StatementMatch.noStatement(restaurant: code, meals: figures[code]?.meals ?? 0))
                continue
            }
            let ledger = try db.query("""
                SELECT e.id, e.gross_fen, e.payable_fen,
                       EXISTS (SELECT 1 FROM ledger.entries v WHERE v.voided_entry_id = e.id AND v.period = \(p))
                FROM ledger.entries e JOIN ledger.restaurants r ON r.id = e.restaurant_id
                WHERE e.kind = 'meal' AND e.period = \(p) AND r.code = \(code)
                """).map { row in
                LedgerMealLine(id: try row.decode(0), grossFen: try row.decode(1), payableFen: try row.decode(2), voided: try row.decode(3))
            }
            breaks += StatementMatch.breaks(restaurant: code, ledger: ledger, statement: statement)
        }

        // The earlier closed months, for the comparison.
        let history = try db.query("""
            SELECT r.period, coalesce(sum(s.discount_fen), 0), coalesce(sum(s.subsidy_fen), 0)
            FROM ledger.reconciliation_runs r LEFT JOIN ledger.subsidy_lines s ON s.run_id = r.id
            WHERE r.period < \(p)
            GROUP BY r.period ORDER BY r.period DESC LIMIT 6
            """).map { row in
            PeriodTotals(period: try row.decode(0), discountFen: try row.decode(1), subsidyFen: try row.decode(2))
        }.reversed()
        let entries = try db.query("SELECT count(*) FROM ledger.entries WHERE period = \(p)").single().decode(0, as: Int64.self)

        return Computed(report: SubsidyReport(
            period: p, closed: false, closedAt: nil, digest: nil, entries: entries, timeZone: settings.timeZone.identifier,
            dailyLimit: settings.dailyLimit.maxMeals,
            restaurants: lines, breaks: breaks, anomalies: findings.anomalies, history: Array(history)), cardNumbers: findings.cardNumbers)
    }

    /// Step 4, the anomalies, in two queries that can run on different connections, over the period's meals that no
    /// void of the period undid (`ledger.live_meals`).
    private enum AnomalyPass {
        /// `over_daily_limit`, `repeated_amount` and `two_restaurants_30min`: patterns in one card's meals.
        case cardPatterns
        /// `card_not_valid`: meals against the card registry.
        case registry
    }

    private static func anomalies(_ pass: AnomalyPass, period: Period, settings: LedgerSettings, on db: PostgresConnection) throws -> Findings {
        let p = period.description
        let limit = settings.dailyLimit.maxMeals
        let tz = settings.timeZone.identifier
        let query: PostgresQuery = switch pass {
        case .cardPatterns: """
            -- One row per card with its meals' days, amounts, and (for a card seen at two restaurants or more) times and
            -- restaurants. A hash aggregate of a row per card is far cheaper than one of a row per card and day (or
            -- amount), or than sorting the month by card; each card's few meals are then looked at card by card.
            WITH per_card AS MATERIALIZED (
                SELECT card_no, array_agg(local_date) AS days, array_agg(gross_fen) AS amounts,
                       CASE WHEN min(restaurant_id) <> max(restaurant_id) THEN array_agg(occurred_at) END AS times,
                       CASE WHEN min(restaurant_id) <> max(restaurant_id) THEN array_agg(restaurant_id) END AS places
                FROM ledger.live_meals(\(p)) GROUP BY card_no
            ),
            flagged AS (
                SELECT 'over_daily_limit' AS kind, c.card_no, d.day, NULL::bigint AS amount
                FROM per_card c CROSS JOIN LATERAL (SELECT day FROM unnest(c.days) AS day GROUP BY day HAVING count(*) > \(limit)::int) d
                UNION ALL
                SELECT 'repeated_amount', c.card_no, NULL, a.amount
                FROM per_card c CROSS JOIN LATERAL (
                    SELECT amount FROM unnest(c.amounts) AS amount GROUP BY amount HAVING count(*) >= \(AnomalyKind.repeatedAmountThreshold)::int) a
            ),
            -- Cards with two meals in a row, in time, at different restaurants and close enough. Which meals those are
            -- (ties in time broken by id) is read below for these cards only.
            paired_cards AS (
                SELECT c.card_no FROM per_card c
                WHERE c.times IS NOT NULL AND EXISTS (
                    SELECT 1 FROM (SELECT m.at, m.place, lag(m.at) OVER w AS prev_at, lag(m.place) OVER w AS prev_place
                                   FROM unnest(c.times, c.places) AS m(at, place) WINDOW w AS (ORDER BY m.at)) x
                    WHERE x.prev_place <> x.place AND x.at - x.prev_at <= make_interval(secs => \(AnomalyKind.twoRestaurantsWindowSeconds)))
            )
            -- The meals of each flagged day or amount, and the pairs of each flagged card, read through the card's index:
            -- the aggregate and the window keep each subquery one per flagged group or card.
            SELECT f.kind, f.card_no, m.ids,
                   CASE f.kind WHEN 'over_daily_limit' THEN format('%s meals on %s, limit %s', m.meals, f.day, \(limit)::int)
                               ELSE format('%s meals of %s fen', m.meals, f.amount) END
            FROM flagged f CROSS JOIN LATERAL (
                SELECT array_agg(l.id ORDER BY l.occurred_at, l.id) AS ids, count(*) AS meals
                FROM ledger.live_meals(\(p)) l WHERE l.card_no = f.card_no AND (l.local_date = f.day OR l.gross_fen = f.amount)) m
            UNION ALL
            SELECT 'two_restaurants_30min', p.card_no, ARRAY[x.prev_id, x.id],
                   format('%s at %s, then %s at %s (%s min apart)', (SELECT code FROM ledger.restaurants WHERE id = x.prev_restaurant),
                          to_char(x.prev_at AT TIME ZONE \(tz), 'YYYY-MM-DD HH24:MI'), (SELECT code FROM ledger.restaurants WHERE id = x.restaurant_id),
                          to_char(x.occurred_at AT TIME ZONE \(tz), 'YYYY-MM-DD HH24:MI'),
                          (extract(epoch FROM x.occurred_at - x.prev_at)::bigint / 60))
            FROM paired_cards p CROSS JOIN LATERAL (
                SELECT l.id, l.restaurant_id, l.occurred_at,
                       lag(l.id) OVER w AS prev_id, lag(l.restaurant_id) OVER w AS prev_restaurant, lag(l.occurred_at) OVER w AS prev_at
                FROM ledger.live_meals(\(p)) l WHERE l.card_no = p.card_no
                WINDOW w AS (ORDER BY l.occurred_at, l.id)) x
            WHERE x.prev_restaurant <> x.restaurant_id
              AND x.occurred_at - x.prev_at <= make_interval(secs => \(AnomalyKind.twoRestaurantsWindowSeconds))
            """
        case .registry: """
            SELECT 'card_not_valid', l.card_no, array_agg(l.id ORDER BY l.occurred_at, l.id),
                   format('%s meal(s) %s to %s; registry now: %s', count(*), min(l.local_date), max(l.local_date),
                          coalesce(min(c.status || ', valid ' || coalesce(c.valid_from::text, '-') || ' to ' || coalesce(c.valid_until::text, '-')),
                                   'not in the registry'))
            FROM ledger.live_meals(\(p)) l LEFT JOIN ledger.cards c ON c.card_no = l.card_no
            WHERE l.credential = 'preferential_card'
              AND (c.card_no IS NULL OR c.status <> 'active' OR l.local_date < c.valid_from OR l.local_date > c.valid_until)
            GROUP BY l.card_no
            """
        }
        var findings = Findings()
        for row in try db.query(query) {
            let kind = try row.decode(0, as: String.self), card = try row.decode(1, as: String.self)
            guard let kind = AnomalyKind(rawValue: kind) else {
                throw PostgresError(kind: .decoding, message: "the anomaly query returned an unknown kind \(kind)")
            }
            findings.anomalies.append(Anomaly(kind: kind, card: "****" + card.suffix(4), entryIDs: try row.decode(2, as: [UUID].self),
                                              detail: try row.decode(3)))
            findings.cardNumbers.append(card)
        }
        return findings
    }
}
