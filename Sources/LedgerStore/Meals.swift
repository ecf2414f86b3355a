public import Foundation
public import LedgerCore
public import Postgres

/// A terminal's request to record a discounted meal, checked for shape but not yet against the ledger.
public struct MealRequest: Sendable, Equatable {
    public let id: UUID
    public let cardNumber: CardNumber
    public let credential: Credential
    public let occurredAt: Date
    public let gross: Int64
    /// The payable the terminal computed, if it sent one; it must equal the server's.
    public let claimedPayable: Int64?

    public init(id: UUID, cardNumber: CardNumber, credential: Credential, occurredAt: Date, gross: Int64, claimedPayable: Int64?) {
        self.id = id
        self.cardNumber = cardNumber
        self.credential = credential
        self.occurredAt = occurredAt
        self.gross = gross
        self.claimedPayable = claimedPayable
    }

    /// What makes two requests with one id the same request: everything the terminal sent, and its restaurant.
    func fingerprint(restaurantID: Int64) -> String {
        ["meal", String(restaurantID), cardNumber.value, credential.rawValue, String(occurredAt.microsecondsSince1970),
         String(gross), claimedPayable.map(String.init) ?? "-"].joined(separator: "\n")
    }
}

/// A discounted meal as the ledger holds it.
public struct Meal: Sendable, Equatable {
    public let id: UUID
    public let restaurantCode: String
    public let cardNumber: String
    public let credential: Credential
    public let occurredAt: Date
    public let gross: Int64
    public let rateBasisPoints: Int32
    public let payable: Int64
    public let discount: Int64
    public let period: Period
    public let late: Bool
}

/// A terminal's request to void one of its restaurant's meals.
public struct VoidRequest: Sendable, Equatable {
    public let id: UUID
    public let mealID: UUID
    public let reason: String

    public init(id: UUID, mealID: UUID, reason: String) {
        self.id = id
        self.mealID = mealID
        self.reason = reason
    }

    func fingerprint(restaurantID: Int64) -> String {
        ["void", String(restaurantID), mealID.uuidString.lowercased(), reason].joined(separator: "\n")
    }
}

/// A void entry: it undoes one meal and is itself an entry of the ledger.
public struct VoidEntry: Sendable, Equatable {
    public let id: UUID
    public let mealID: UUID
    public let restaurantCode: String
    public let reason: String
    public let recordedAt: Date
    public let period: Period
    public let late: Bool
}

/// What a terminal learns about a card before it records a meal.
public struct CardCheck: Sendable, Equatable {
    public let card: Card
    /// Why the card may not be used now, when it may not.
    public let refusal: LedgerRefusal?
    public let deliveryEligible: Bool
    public let mealsToday: Int
    public let dailyLimit: Int
    /// The holder's next survival certification due date, for a delivery-eligible card with a certification
    /// history; nil otherwise.
    public let certificationDue: LocalDate?
}

/// Recording meals and voids: business rules 1 to 5 of docs/rules.md, applied inside one transaction each.
enum Meals {
    static func void(
        _ request: VoidRequest, by terminal: TerminalIdentity, settings: LedgerSettings, now: Date, on db: PostgresConnection
    ) throws -> Recorded<VoidEntry> {
        let fingerprint = request.fingerprint(restaurantID: terminal.restaurantID)
        let context = try db.query("""
            SELECT e.restaurant_id AS existing_restaurant_id, e.kind AS existing_kind,
                   e.request_sha256 = \(sha256: fingerprint) AS existing_matches,
                   m.id IS NOT NULL AS meal_found, m.period AS meal_period, v.id AS void_id,
                   coalesce((SELECT array_agg(p.period ORDER BY p.period) FROM ledger.closed_periods_from(m.period) p), '{}') AS closed_periods,
                   coalesce((SELECT array_agg(p.closed_at ORDER BY p.period) FROM ledger.closed_periods_from(m.period) p), '{}') AS closed_ats
            FROM (SELECT 1) AS one
            LEFT JOIN ledger.entries e ON e.id = \(request.id)
            LEFT JOIN ledger.entries m ON m.id = \(request.mealID) AND m.kind = 'meal' AND m.restaurant_id = \(terminal.restaurantID)
            LEFT JOIN ledger.entries v ON v.voided_entry_id = m.id
            """).single(VoidContext.self)
        if let existing = context.existing {
            guard existing.restaurantID == terminal.restaurantID else { throw LedgerRefusal.idTakenElsewhere(request.id) }
            guard existing.kind == "void", existing.matches else {
                throw LedgerRefusal.idReused(request.id)
            }
            return .replayed(try fetchVoid(request.id, on: db))
        }
        guard let mealPeriod = context.mealPeriod else {
            throw LedgerRefusal.unknownMeal(request.mealID)
        }
        if context.voidID != nil {
            throw LedgerRefusal.alreadyVoided(request.mealID)
        }
        // A void follows its meal: into the meal's period while it is open, else late into the next open one.
        let (period, late) = try book(closed: context.closedPeriods, settings: settings) { policy, status in
            policy.book(into: mealPeriod, now: now, periodStatus: status)
        }
        do {
            let inserted = try db.query("""
                SELECT ledger.post_void(\(request.id), \(terminal.terminalID), \(request.mealID), \(period.description), \(late),
                                        \(now), \(fingerprint), \(request.reason))
                """).single().decode("post_void", as: Bool.self)
            guard inserted else { throw RaceLost() }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw RaceLost()
        }
        return .created(try fetchVoid(request.id, on: db))
    }

    static func checkCard(
        _ number: CardNumber, by terminal: TerminalIdentity, settings: LedgerSettings, now: Date, on db: PostgresConnection
    ) throws -> CardCheck {
        let today = LocalDate.containing(now, in: settings.timeZone)
        // The card's meals of the day are counted as ledger.meal_contexts counts them (sql/0016).
        guard let row = try db.query("""
            SELECT c.card_no, c.category, c.status, c.birth_date::text, c.valid_from::text, c.valid_until::text,
                   ledger.card_meals_on_day(c.card_no, \(today.description)::date) AS count,
                   (SELECT s.next_due FROM ledger.certification_status s WHERE s.card_no = c.card_no) AS certification_due
            FROM ledger.cards c WHERE c.card_no = \(number.value)
            """).first
        else {
            throw LedgerRefusal.unknownCard(number)
        }
        let card = try CardColumns(row).card(number)
        let mealsToday = try row.decode("count", as: Int.self)
        var refusal: LedgerRefusal?
        if case .ineligible(let reason) = Eligibility.meal(card: card, on: today) {
            refusal = .cardNotValid(reason)
        } else if !settings.dailyLimit.allows(mealsSoFar: mealsToday) {
            refusal = .cardAtDailyLimit(mealsToday: mealsToday, limit: settings.dailyLimit.maxMeals)
        }
        let deliveryEligible = Eligibility.delivery(card: card, on: today, minimumAge: settings.deliveryMinimumAge).isEligible
        return CardCheck(
            card: card, refusal: refusal, deliveryEligible: deliveryEligible,
            mealsToday: mealsToday, dailyLimit: settings.dailyLimit.maxMeals,
            certificationDue: deliveryEligible ? try row.decode("certification_due", as: LocalDate?.self) : nil)
    }

    /// Applies a booking decision made with the `closed` periods.
    /// Throws `clock_skew`, `validation_failed` (before the programme's start) or `too_late`; a late entry's period may not exist yet (the posting functions create it).
    static func book(
        closed: ClosedPeriods, settings: LedgerSettings,
        decide: (BookingPolicy, (Period) -> PeriodState) -> BookingDecision
    ) throws -> (Period, Bool) {
        switch decide(settings.booking, { closed.closedAt[$0].map { .closed(at: $0) } ?? .open }) {
        case .clockSkew:
            throw LedgerRefusal.clockSkew(.occurredAt, maxSkew: settings.booking.maxClockSkew)
        case .beforeProgrammeStart:
            throw LedgerRefusal.beforeProgrammeStart(.occurredAt, start: settings.booking.programmeStart)
        case .tooLate(let closedAt):
            throw LedgerRefusal.tooLate(closedAt: RFC3339.format(closedAt, in: settings.timeZone))
        case .book(let period, let late):
            return (period, late)
        }
    }

    static func fetchMeal(_ id: UUID, on db: PostgresConnection) throws -> Meal {
        try db.query("""
            SELECT e.id, r.code, e.card_no, e.credential, e.occurred_at, e.gross_fen, e.rate_bp, e.payable_fen,
                   e.discount_fen, e.period, e.late
            FROM ledger.entries e JOIN ledger.restaurants r ON r.id = e.restaurant_id
            WHERE e.id = \(id) AND e.kind = 'meal'
            """).single(Meal.self)
    }

    static func fetchVoid(_ id: UUID, on db: PostgresConnection) throws -> VoidEntry {
        try db.query("""
            SELECT e.id, e.voided_entry_id, r.code, e.reason, e.recorded_at, e.period, e.late
            FROM ledger.entries e JOIN ledger.restaurants r ON r.id = e.restaurant_id
            WHERE e.id = \(id) AND e.kind = 'void'
            """).single(VoidEntry.self)
    }
}

/// What a void is judged on: the entry already stored under its id, the meal it voids (found for this restaurant,
/// or not), that meal's void, and the closed periods from the meal's period on.
private struct VoidContext: PostgresRowDecodable {
    let existing: ExistingEntry?
    /// The meal's period, nil when this restaurant has no such meal.
    let mealPeriod: Period?
    let voidID: UUID?
    let closedPeriods: ClosedPeriods

    init(_ row: PostgresRow) throws {
        existing = try ExistingEntry(row)
        mealPeriod = try row.decode("meal_found", as: Bool.self)
            ? try Period(parsing: row.decode("meal_period", as: String.self)) : nil
        voidID = try row.decode("void_id", as: UUID?.self)
        closedPeriods = try ClosedPeriods(row)
    }
}

/// The entry already stored under a request's id, from the columns existing_restaurant_id, existing_kind and
/// existing_matches (whether it was recorded from the same request); nil when there is none.
struct ExistingEntry {
    let restaurantID: Int64
    let kind: String
    let matches: Bool

    init?(_ row: PostgresRow) throws {
        guard let restaurantID = try row.decode("existing_restaurant_id", as: Int64?.self) else { return nil }
        self.restaurantID = restaurantID
        kind = try row.decode("existing_kind", as: String.self)
        matches = try row.decode("existing_matches", as: Bool.self)
    }
}

/// The closed periods and when each closed, from the parallel array columns closed_periods and closed_ats.
struct ClosedPeriods: PostgresRowDecodable {
    let closedAt: [Period: Date]

    init(_ row: PostgresRow) throws {
        let names = try row.decode("closed_periods", as: [String].self)
        let times = try row.decode("closed_ats", as: [Date].self)
        var closedAt: [Period: Date] = [:]
        for (name, time) in zip(names, times) { closedAt[try Period(parsing: name)] = time }
        self.closedAt = closedAt
    }
}

extension Meal: PostgresRowDecodable {
    /// From the columns id, code (the restaurant's), card_no, credential, occurred_at, gross_fen, rate_bp,
    /// payable_fen, discount_fen, period and late.
    public init(_ row: PostgresRow) throws {
        self.init(
            id: try row.decode("id", as: UUID.self), restaurantCode: try row.decode("code", as: String.self),
            cardNumber: try row.decode("card_no", as: String.self),
            credential: try decodeEnum(Credential.self, row, "credential"),
            occurredAt: try row.decode("occurred_at", as: Date.self), gross: try row.decode("gross_fen", as: Int64.self),
            rateBasisPoints: try row.decode("rate_bp", as: Int32.self), payable: try row.decode("payable_fen", as: Int64.self),
            discount: try row.decode("discount_fen", as: Int64.self),
            period: try Period(parsing: row.decode("period", as: String.self)), late: try row.decode("late", as: Bool.self))
    }
}

extension VoidEntry: PostgresRowDecodable {
    /// From the columns id, voided_entry_id, code (the restaurant's), reason, recorded_at, period and late.
    public init(_ row: PostgresRow) throws {
        self.init(
            id: try row.decode("id", as: UUID.self), mealID: try row.decode("voided_entry_id", as: UUID.self),
            restaurantCode: try row.decode("code", as: String.self), reason: try row.decode("reason", as: String.self),
            recordedAt: try row.decode("recorded_at", as: Date.self),
            period: try Period(parsing: row.decode("period", as: String.self)), late: try row.decode("late", as: Bool.self))
    }
}
