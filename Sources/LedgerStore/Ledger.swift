public import Foundation
public import LedgerCore
import Logging
public import Postgres

/// The daemon's view of the ledger: each call is one transaction on a pooled connection, run off the async threads.
public struct Ledger: Sendable {
    public let pool: PostgresPool
    public let settings: LedgerSettings
    /// The server's clock; tests replace it.
    public let clock: @Sendable () -> Date

    public init(pool: PostgresPool, settings: LedgerSettings, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.pool = pool
        self.settings = settings
        self.clock = clock
    }

    /// The live terminal holding this token, or nil.
    public func authenticate(token: String) async throws -> TerminalIdentity? {
        try await pool.withConnection { db in try Terminals.authenticate(token: token, on: db) }
    }

    /// What a terminal may know of a card today.
    public func checkCard(_ number: CardNumber, by terminal: TerminalIdentity) async throws -> CardCheck {
        let (settings, now) = (self.settings, clock())
        return try await pool.withConnection { db in
            try Meals.checkCard(number, by: terminal, settings: settings, now: now, on: db)
        }
    }

    /// Records a meal, or answers a replay with the original meal.
    public func recordMeal(_ request: MealRequest, by terminal: TerminalIdentity) async throws -> Recorded<Meal> {
        let settings = self.settings
        return try await judgedAgainOnRace { now in
            try await pool.transaction { db in
                try Meals.record(request, by: terminal, settings: settings, now: now, on: db)
            }
        }
    }

    /// Voids a meal of the terminal's restaurant, or answers a replay with the original void.
    public func voidMeal(_ request: VoidRequest, by terminal: TerminalIdentity) async throws -> Recorded<VoidEntry> {
        let settings = self.settings
        return try await judgedAgainOnRace { now in
            try await pool.transaction { db in
                try Meals.void(request, by: terminal, settings: settings, now: now, on: db)
            }
        }
    }

    /// Records a free delivery a terminal requests, or answers a replay with the delivery as it was created.
    public func requestDelivery(_ request: DeliveryRequest, by terminal: TerminalIdentity) async throws -> Recorded<Delivery> {
        let settings = self.settings
        return try await judgedAgainOnRace { _ in
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
        return try await judgedAgainOnRace { now in
            try await pool.transaction { db in
                try Deliveries.recordEvent(request, by: terminal, settings: settings, now: now, on: db)
            }
        }
    }

    /// The terminal's restaurant's deliveries of `day`, after generating that day's deliveries from its standing orders.
    public func deliveries(on day: LocalDate, by terminal: TerminalIdentity) async throws -> [Delivery] {
        let minimumAge = settings.deliveryMinimumAge
        return try await pool.transaction { db in
            _ = try StandingOrders.generate(on: day, minimumAge: minimumAge, restaurantID: terminal.restaurantID, on: db)
            return try Deliveries.list(restaurantID: terminal.restaurantID, on: day, on: db)
        }
    }

    /// Generates every restaurant's deliveries of `day` from the standing orders; returns how many were created.
    public func generateDeliveries(on day: LocalDate) async throws -> Int {
        let minimumAge = settings.deliveryMinimumAge
        return try await pool.transaction { db in
            try StandingOrders.generate(on: day, minimumAge: minimumAge, on: db)
        }
    }

    /// How many welfare alerts wait for acknowledgement.
    public func openWelfareAlertCount() async throws -> Int {
        try await pool.withConnection { db in try WelfareAlerts.openCount(on: db) }
    }

    /// Runs a write again when another transaction wrote the same id or closed the period first; the second
    /// attempt sees what the first could not and answers as a replay, a conflict or a late booking.
    private func judgedAgainOnRace<T: Sendable>(_ attempt: (Date) async throws -> T) async throws -> T {
        var attempts = 0
        while true {
            attempts += 1
            do {
                return try await attempt(clock())
            } catch is RaceLost where attempts < 3 {
                continue
            } catch let error as PostgresError where error.sqlState == "LD001" && attempts < 3 {
                continue
            }
        }
    }
}
