public import Foundation
public import LedgerCore
public import Logging
public import Postgres
public import ServiceLifecycle

/// The daemon's view of the ledger: each call is one transaction on a pooled connection, run off the async threads.
/// A call is refused with `LedgerRefusal`, or fails with `LedgerUnavailable` when the database is the trouble.
public struct Ledger: Sendable {
    public let pool: PostgresPool
    public let settings: LedgerSettings
    /// The server's clock; tests replace it.
    public let clock: @Sendable () -> Date
    /// Where refusals by the database are told in detail; the terminal only learns that its request cannot be stored.
    private let logger: Logger

    /// Meals waiting to be committed together.
    private let mealGroups: BatchingQueue<MealSubmission, Recorded<Meal>>
    /// Bearer tokens waiting to be looked up together.
    private let tokenLookups: BatchingQueue<String, TerminalIdentity?>
    private let terminalMemory = TerminalMemory()

    /// - Parameter mealGroupsInFlight: how many transactions of meals may run at once; meals that arrive while
    ///   they all run wait and are committed together in the next (group commit). Token lookups are grouped alike.
    public init(
        pool: PostgresPool, settings: LedgerSettings, mealGroupsInFlight: Int = 1,
        clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "ledger")
    ) {
        self.pool = pool
        self.settings = settings
        self.clock = clock
        self.logger = logger
        mealGroups = BatchingQueue(maxInFlight: mealGroupsInFlight, maxItems: Self.mealGroupSize) { group in
            await Self.record(group, pool: pool, settings: settings, clock: clock, logger: logger)
        }
        tokenLookups = BatchingQueue(maxInFlight: mealGroupsInFlight, maxItems: Self.mealGroupSize) { tokens in
            await Self.outcomes(of: tokens) {
                try await pool.withConnection { db in try Terminals.authenticate(tokens: tokens, on: db).map { .success($0) } }
            }
        }
    }

    /// A ledger over a new pool of `configuration.poolSize` connections to the configured database. The pool is
    /// closed by `service`, run in the daemon's service group.
    public init(configuration: LedgerConfiguration, logger: Logger) {
        let pool = PostgresPool(
            configuration: .init(conninfo: configuration.databaseURL, maxConnections: configuration.poolSize), logger: logger)
        self.init(pool: pool, settings: configuration.settings, mealGroupsInFlight: configuration.mealGroupsInFlight,
                  logger: logger)
    }

    /// The pool as a service of the daemon's `ServiceGroup`: at graceful shutdown it closes the pool. Put it first in
    /// the group, which stops its services in reverse order, so that the requests in flight finish before it closes.
    public var service: any Service { pool }

    /// Closes the pool of a ledger that never ran as a service (a daemon that stops before it serves).
    public func close() async {
        await pool.close()
    }

    /// Whether the database answers: returns when it does.
    public func ping() async throws {
        try await translatingErrors { _ = try await pool.query("SELECT 1") }
    }

    /// The newest migration applied to the database, nil when none is; throws when the migrations have never run.
    public func schemaVersion() async throws -> Int? {
        try await translatingErrors {
            try await pool.query("SELECT max(version) AS version FROM ledger.schema_migrations").single().decode("version", as: Int?.self)
        }
    }

    /// How the pool's connections are used now, and its counters since start.
    public var poolFigures: PoolFigures { PoolFigures(pool.statistics) }

    /// Runs `body`; a database error it throws reaches the caller as `LedgerUnavailable`.
    private func translatingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw LedgerUnavailable.translating(error)
        }
    }

    /// A group's outcomes, or the error that stopped the whole group as the outcome of each item.
    private static func outcomes<Item, Outcome>(
        of group: [Item], _ run: () async throws -> [Result<Outcome, any Error>]
    ) async -> [Result<Outcome, any Error>] {
        do {
            return try await run()
        } catch {
            return group.map { _ in .failure(error) }
        }
    }

    /// Records a group of meals in one transaction. When the database refuses a value of one of them (which the
    /// daemon's own checks should have caught), the group is split in two and each half recorded in turn, in the
    /// group's order, until the refused meal stands alone: it is answered `validation_failed`, and the others are
    /// committed as if it had never come.
    private static func record(
        _ group: [MealSubmission], pool: PostgresPool, settings: LedgerSettings, clock: @Sendable () -> Date, logger: Logger
    ) async -> [Result<Recorded<Meal>, any Error>] {
        do {
            let now = clock()
            return try await pool.transaction { db in try Meals.record(group, settings: settings, now: now, on: db) }
        } catch let error as PostgresError where error.refusesTheRequest {
            guard group.count > 1 else {
                logRefusal(error, of: group[0].request.id, logger: logger)
                return [.failure(LedgerRefusal.refusedByDatabase)]
            }
            let middle = group.count / 2
            let first = await record(Array(group[..<middle]), pool: pool, settings: settings, clock: clock, logger: logger)
            return first + (await record(Array(group[middle...]), pool: pool, settings: settings, clock: clock, logger: logger))
        } catch {
            return group.map { _ in .failure(error) }
        }
    }

    private static func logRefusal(_ error: PostgresError, of id: UUID, logger: Logger) {
        logger.warning("the database refused a request that passed the daemon's checks", metadata: [
            "ledger.request_id": "\(id.uuidString.lowercased())", "error": "\(String(reflecting: error))",
        ])
    }

    /// The most meals of several requests committed together; a single batch request may hold more.
    static let mealGroupSize = 256

    /// The live terminal holding this token, or nil.
    /// Tokens of requests that arrive together are looked up with one query.
    public func authenticate(token: String) async throws -> TerminalIdentity? {
        try await tokenLookups.submit([token])[0].mapError(LedgerUnavailable.translating).get()
    }

    /// The terminal a token belongs to, looked up once and then remembered (`fromMemory`), or nil for a token
    /// unknown or revoked at its lookup. Only for `recordMeal`, whose transaction checks that the terminal is still
    /// live: a remembered terminal may have been revoked since.
    public func rememberedTerminal(token: String) async throws -> (terminal: TerminalIdentity, fromMemory: Bool)? {
        if let terminal = terminalMemory.terminal(for: token) { return (terminal, true) }
        guard let terminal = try await authenticate(token: token) else { return nil }
        terminalMemory.remember(terminal, for: token)
        return (terminal, false)
    }

    /// Stops remembering the tokens of a terminal found revoked.
    public func forgetTerminal(_ terminal: TerminalIdentity) {
        terminalMemory.forget(terminalID: terminal.terminalID)
    }

    /// What a terminal may know of a card today.
    public func checkCard(_ number: CardNumber, by terminal: TerminalIdentity) async throws -> CardCheck {
        let (settings, now) = (self.settings, clock())
        return try await translatingErrors {
            try await pool.withConnection { db in try Meals.checkCard(number, by: terminal, settings: settings, now: now, on: db) }
        }
    }

    /// Records a meal, or answers a replay with the original meal.
    public func recordMeal(_ request: MealRequest, by terminal: TerminalIdentity) async throws -> Recorded<Meal> {
        try await recordMeals([request], by: terminal)[0].get()
    }

    /// Records meals judged one after the other in this order, each exactly as `recordMeal` would; one outcome each.
    /// Each is refused as `unauthorized` if the terminal has been revoked.
    /// A time outside the window of `BookingPolicy.refusal(of:now:)` is refused before the meal joins a group.
    public func recordMeals(_ requests: [MealRequest], by terminal: TerminalIdentity) async -> [Result<Recorded<Meal>, any Error>] {
        var outcomes = [Result<Recorded<Meal>, any Error>?](repeating: nil, count: requests.count)
        let now = clock()
        var pending = requests.indices.filter { index in
            do {
                try settings.checkTime(requests[index].occurredAt, .occurredAt, now: now)
                return true
            } catch {
                outcomes[index] = .failure(error)
                return false
            }
        }
        var attempts = 0
        while !pending.isEmpty {
            attempts += 1
            let results = await mealGroups.submit(pending.map { MealSubmission(request: requests[$0], terminal: terminal) })
            var again: [Int] = []
            for (index, result) in zip(pending, results) {
                if case .failure(let error) = result, Self.isLostRace(error), attempts < Self.raceAttempts {
                    again.append(index)
                } else {
                    outcomes[index] = result
                }
            }
            pending = again
        }
        if outcomes.contains(where: { $0?.refusal == .unauthorized }) { forgetTerminal(terminal) }
        return outcomes.map { $0!.mapError(LedgerUnavailable.translating) }
    }

    /// Voids a meal of the terminal's restaurant, or answers a replay with the original void.
    public func voidMeal(_ request: VoidRequest, by terminal: TerminalIdentity) async throws -> Recorded<VoidEntry> {
        let settings = self.settings
        return try await judgedAgainOnRace(request.id) { now in
            try await pool.transaction { db in
                try Meals.void(request, by: terminal, settings: settings, now: now, on: db)
            }
        }
    }

    /// Records a free delivery a terminal requests, or answers a replay with the delivery as it was created.
    public func requestDelivery(_ request: DeliveryRequest, by terminal: TerminalIdentity) async throws -> Recorded<Delivery> {
        let settings = self.settings
        return try await judgedAgainOnRace(request.id) { _ in
            try await pool.transaction { db in
                try Deliveries.request(request, by: terminal, settings: settings, on: db)
            }
        }
    }

    /// Moves one of the terminal's restaurant's deliveries on, raising a welfare alert when the observation calls
    /// for one; a replay answers the delivery as it stood after that event.
    public func recordDeliveryEvent(
        _ request: DeliveryEventRequest, by terminal: TerminalIdentity
    ) async throws -> Recorded<DeliveryEventOutcome> {
        let settings = self.settings
        return try await judgedAgainOnRace(request.id) { now in
            try await pool.transaction { db in
                try Deliveries.recordEvent(request, by: terminal, settings: settings, now: now, on: db)
            }
        }
    }

    /// The terminal's restaurant's deliveries of `day`, after generating that day's deliveries from its standing orders.
    public func deliveries(on day: LocalDate, by terminal: TerminalIdentity) async throws -> [Delivery] {
        let minimumAge = settings.deliveryMinimumAge
        return try await translatingErrors {
            try await pool.transaction { db in
                _ = try StandingOrders.generate(on: day, minimumAge: minimumAge, restaurantID: terminal.restaurantID, on: db)
                return try Deliveries.list(restaurantID: terminal.restaurantID, on: day, on: db)
            }
        }
    }

    /// Generates every restaurant's deliveries of `day` from the standing orders; returns how many were created.
    public func generateDeliveries(on day: LocalDate) async throws -> Int {
        let minimumAge = settings.deliveryMinimumAge
        return try await translatingErrors {
            try await pool.transaction { db in try StandingOrders.generate(on: day, minimumAge: minimumAge, on: db) }
        }
    }

    /// How many welfare alerts wait for acknowledgement.
    public func openWelfareAlertCount() async throws -> Int {
        try await translatingErrors { try await pool.withConnection { db in try WelfareAlerts.openCount(on: db) } }
    }

    /// Makes the monthly partitions missing from this month to `Partitions.monthsAhead` months ahead (in the ledger's
    /// time zone) and returns how many months ahead have them (sql/0023).
    public func ensurePartitions() async throws -> Int {
        let timeZone = settings.timeZone
        return try await translatingErrors {
            try await pool.withConnection { db in try Partitions.ensure(timeZone: timeZone, on: db) }
        }
    }

    /// Of these cards, those asked to certify on `day` (their window is open), with their due dates.
    public func certificationsDue(cards: [String], on day: LocalDate) async throws -> [String: LocalDate] {
        let policy = settings.certification
        return try await translatingErrors {
            try await pool.withConnection { db in try Certifications.dueAmong(cards: cards, on: day, policy: policy, on: db) }
        }
    }

    /// Raises a notice for each person overdue on `day` who has none yet (once per person and due date); returns how
    /// many were raised and how many people are overdue.
    public func raiseCertificationNotices(on day: LocalDate) async throws -> (raised: Int, overdue: Int) {
        let policy = settings.certification
        return try await translatingErrors {
            try await pool.transaction { db in
                (try Certifications.raiseOverdueNotices(on: day, policy: policy, on: db),
                 try Certifications.overdueCount(on: day, policy: policy, on: db))
            }
        }
    }

    /// Runs a write again when another transaction wrote the same id or closed the period first; the second
    /// attempt sees what the first could not and answers as a replay, a conflict or a late booking. A value the
    /// database refuses is answered `validation_failed`: sending it again would not help.
    private func judgedAgainOnRace<T: Sendable>(_ id: UUID, _ attempt: (Date) async throws -> T) async throws -> T {
        var attempts = 0
        while true {
            attempts += 1
            do {
                return try await attempt(clock())
            } catch where Self.isLostRace(error) && attempts < Self.raceAttempts {
                continue
            } catch let error as PostgresError where error.refusesTheRequest {
                Self.logRefusal(error, of: id, logger: logger)
                throw LedgerRefusal.refusedByDatabase
            } catch {
                throw LedgerUnavailable.translating(error)
            }
        }
    }

    /// How many times a write is judged at most.
    private static let raceAttempts = 3

    /// Whether the write failed only because another transaction got there first.
    private static func isLostRace(_ error: any Error) -> Bool {
        if error is RaceLost { return true }
        return (error as? PostgresError)?.sqlState == "LD001"
    }
}

extension PostgresError {
    /// The database refused a value of the request itself: a data exception (class 22, such as a NUL character), a
    /// broken constraint (class 23, but for a unique violation, which is a race), or a posting rule of
    /// `ledger.post_meals` or `ledger.post_void` (LD002). The same request would be refused again.
    var refusesTheRequest: Bool {
        guard kind == .server, let sqlState else { return false }
        return sqlState.hasPrefix("22") || (sqlState.hasPrefix("23") && !isUniqueViolation) || sqlState == "LD002"
    }
}
