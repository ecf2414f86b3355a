import Metrics
public import Postgres

/// The daemon's own metrics, beside Hummingbird's request counters and latency histogram.
/// They are created on first use, after `ledgerd` has bootstrapped the metrics system.
public enum LedgerMetrics {
    private static let mealsCreated = Counter(label: "ledger_meals_recorded_total", dimensions: [("outcome", "created")])
    private static let mealsReplayed = Counter(label: "ledger_meals_recorded_total", dimensions: [("outcome", "replayed")])
    private static let voidsCreated = Counter(label: "ledger_voids_recorded_total")

    /// Counts a meal answered 201 or, for a replay, 200.
    static func mealRecorded(replay: Bool) {
        (replay ? mealsReplayed : mealsCreated).increment()
    }

    /// Counts a new void.
    static func voidRecorded() {
        voidsCreated.increment()
    }

    private static let poolOpen = Gauge(label: "ledger_db_pool_connections", dimensions: [("state", "open")])
    private static let poolIdle = Gauge(label: "ledger_db_pool_connections", dimensions: [("state", "idle")])
    private static let poolInUse = Gauge(label: "ledger_db_pool_connections", dimensions: [("state", "in_use")])
    private static let poolWaiting = Gauge(label: "ledger_db_pool_waiting")
    private static let poolWaits = Gauge(label: "ledger_db_pool_waits")
    private static let poolTimeouts = Gauge(label: "ledger_db_pool_timeouts")
    private static let poolDiscarded = Gauge(label: "ledger_db_pool_discarded_connections")

    /// Copies the pool's statistics into gauges; called just before each scrape.
    public static func record(_ statistics: PostgresPool.Statistics) {
        poolOpen.record(statistics.open)
        poolIdle.record(statistics.idle)
        poolInUse.record(statistics.inUse)
        poolWaiting.record(statistics.waiting)
        poolWaits.record(statistics.totalWaits)
        poolTimeouts.record(statistics.totalTimeouts)
        poolDiscarded.record(statistics.totalDiscarded)
    }
}
