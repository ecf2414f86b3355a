public import LedgerStore
import Metrics

/// The daemon's metrics. They are created on first use, after `ledgerd` has bootstrapped the metrics system; each
/// name's HELP text is in `descriptions`, which `ledgerd`'s metrics factory reads.
public enum LedgerMetrics {
    /// HELP text by metric name: every metric the daemon exposes has one (README.md, *Metrics*, lists them too).
    public static let descriptions: [String: String] = [
        "ledger_http_requests_total":
            "HTTP requests answered, by method, route and the status actually sent (499: the client closed the connection first)",
        "ledger_http_request_duration_seconds": "Time from a request's arrival to its answer, by method and route",
        "ledger_auth_throttled_total":
            "Requests refused 429 without a token lookup because their address had too many failed token attempts",
        "ledger_meals_recorded_total": "Meals recorded, by outcome: created (201) or replayed (200)",
        "ledger_voids_recorded_total": "Voids recorded (replays not counted)",
        "ledger_db_pool_connections": "Database connections of the pool, by state: open, idle, in_use",
        "ledger_db_pool_waiting": "Requests waiting for a database connection now",
        "ledger_db_pool_waits": "Times a request had to wait for a database connection since start",
        "ledger_db_pool_timeouts": "Times a request gave up waiting for a database connection since start",
        "ledger_db_pool_discarded_connections": "Database connections discarded as broken since start",
        "ledger_welfare_alerts_open": "Open welfare alerts, as of the delivery scheduler's last round",
        "ledger_certifications_overdue":
            "People overdue for their survival certification (past due plus LEDGER_CERT_GRACE_DAYS), as of the scheduler's last round",
        "ledger_partitions_ahead_months":
            "Months after the current one whose partitions of ledger.entries exist, as of the scheduler's last round (it keeps 3)",
        "ledger_http_connections_open": "Connections to the API open now",
        "ledger_http_connections_refused_total":
            "Connections closed on arrival because LEDGER_MAX_CONNECTIONS were open and none could make room",
        "ledger_http_connections_closed_total":
            "Open connections the daemon closed, by reason (made_room: the longest-waiting one, to admit a new connection)",
    ]

    private static let mealsCreated = Counter(label: "ledger_meals_recorded_total", dimensions: [("outcome", "created")])
    private static let mealsReplayed = Counter(label: "ledger_meals_recorded_total", dimensions: [("outcome", "replayed")])
    private static let voidsCreated = Counter(label: "ledger_voids_recorded_total")
    private static let authThrottled = Counter(label: "ledger_auth_throttled_total")

    /// Counts a meal answered 201 or, for a replay, 200.
    static func mealRecorded(replay: Bool) {
        (replay ? mealsReplayed : mealsCreated).increment()
    }

    /// Counts a new void.
    static func voidRecorded() {
        voidsCreated.increment()
    }

    /// Counts a request refused 429 by the failed-token limiter.
    static func authThrottledRequest() {
        authThrottled.increment()
    }

    /// Counts one answered request and its duration. `method` and `route` come from a bounded set (`RequestMetrics`).
    static func requestAnswered(method: String, route: String, status: Int, duration: Duration) {
        Counter(label: "ledger_http_requests_total",
                dimensions: [("method", method), ("route", route), ("status", String(status))]).increment()
        Timer(label: "ledger_http_request_duration_seconds", dimensions: [("method", method), ("route", route)])
            .record(duration: duration)
    }

    private static let poolOpen = Gauge(label: "ledger_db_pool_connections", dimensions: [("state", "open")])
    private static let poolIdle = Gauge(label: "ledger_db_pool_connections", dimensions: [("state", "idle")])
    private static let poolInUse = Gauge(label: "ledger_db_pool_connections", dimensions: [("state", "in_use")])
    private static let poolWaiting = Gauge(label: "ledger_db_pool_waiting")
    private static let poolWaits = Gauge(label: "ledger_db_pool_waits")
    private static let poolTimeouts = Gauge(label: "ledger_db_pool_timeouts")
    private static let poolDiscarded = Gauge(label: "ledger_db_pool_discarded_connections")

    /// Copies the pool's figures into gauges; called just before each scrape.
    public static func record(_ figures: PoolFigures) {
        poolOpen.record(figures.open)
        poolIdle.record(figures.idle)
        poolInUse.record(figures.inUse)
        poolWaiting.record(figures.waiting)
        poolWaits.record(figures.totalWaits)
        poolTimeouts.record(figures.totalTimeouts)
        poolDiscarded.record(figures.totalDiscarded)
    }
}
