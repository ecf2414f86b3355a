public import Foundation
public import LedgerCore
import Postgres

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
    public let refusal: LedgerError?
    public let deliveryEligible: Bool
    public let mealsToday: Int
    public let dailyLimit: Int
}

/// Recording meals and voids: business rules 1 to 5 of docs/rules.md, applied inside one transaction each.
enum Meals {
    static func void(
        _ request: VoidRequest, by terminal: TerminalIdentity, settings: LedgerSettings, now: Date, on db: PostgresConnection
    ) throws -> Recorded<VoidEntry> {
        let fingerprint = request.fingerprint(restaurantID: terminal.restaurantID)
        let context = try db.query("""
            SELECT e.restaurant_id, e.kind, e.request_sha256 = \(sha256: fingerprint),
                   m.id IS NOT NULL, m.period, v.id,
                   coalesce((SELECT array_agg(p.period ORDER BY p.period) FROM ledger.closed_periods_from(m.period) p), '{}'),
                   coalesce((SELECT array_agg(p.closed_at ORDER BY p.period) FROM ledger.closed_periods_from(m.period) p), '{}')
            FROM (SELECT 1) AS one
            LEFT JOIN ledger.entries e ON e.id = \(request.id)
            LEFT JOIN ledger.entries m ON m.id = \(request.mealID) AND m.kind = 'meal' AND m.restaurant_id = \(terminal.restaurantID)
            LEFT JOIN ledger.entries v ON v.voided_entry_id = m.id
            """).single()
        if let existing = try context.decode(0, as: Int64?.self) {
            guard existing == terminal.restaurantID else { throw LedgerError.takenElsewhere(request.id) }
            guard try context.decode(1, as: String.self) == "void", try context.decode(2, as: Bool.self) else {
                throw LedgerError.conflict(reusing: request.id)
            }
            return .replayed(try fetchVoid(request.id, on: db))
        }
        guard try context.decode(3, as: Bool.self) else {
            throw LedgerError(.notFound, "this restaurant has no meal \(request.mealID.uuidString.lowercased()): check the meal's id", field: "meal_id")
        }
        if try context.decode(5, as: UUID?.self) != nil {
            throw LedgerError(.alreadyVoided, "meal \(request.mealID.uuidString.lowercased()) is already voided; nothing was changed")
        }
        // A void follows its meal: into the meal's period while it is open, else late into the next open one.
        let mealPeriod = try Period(parsing: context.decode(4, as: String.self))
        let (period, late) = try book(closed: context, columns: (6, 7), settings: settings) { policy, status in
            policy.book(into: mealPeriod, now: now, periodStatus: status)
        }
        do {
            let inserted = try db.query("""
                SELECT ledger.post_void(\(request.id), \(terminal.terminalID), \(request.mealID), \(period.description), \(late),
                                        \(now), \(fingerprint), \(request.reason))
                """).single().decode(0, as: Bool.self)
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
                   ledger.card_meals_on_day(c.card_no, \(today.description)::date)
            FROM ledger.cards c WHERE c.card_no = \(number.value)
            """).first
        else {
            throw LedgerError.unknownCard(number)
        }
        let card = try Cards.card(from: row, number: number, offset: 1)
        let mealsToday = try row.decode(6, as: Int.self)
        var refusal: LedgerError?
        if case .ineligible(let reason) = Eligibility.meal(card: card, on: today) {
            refusal = LedgerError(reason.ledgerCode, reason.message)
        } else if !settings.dailyLimit.allows(mealsSoFar: mealsToday) {
            refusal = LedgerError(.dailyLimitReached, "the card already has \(mealsToday) discounted meals today: the limit is \(settings.dailyLimit.maxMeals) a day")
        }
        return CardCheck(
            card: card, refusal: refusal,
            deliveryEligible: Eligibility.delivery(card: card, on: today, minimumAge: settings.deliveryMinimumAge).isEligible,
            mealsToday: mealsToday, dailyLimit: settings.dailyLimit.maxMeals)
    }

    /// Applies a booking decision made with the closed periods listed in two array columns of `row`.
    /// Throws `clock_skew`, `validation_failed` (before the programme's start) or `too_late`; a late entry's period may not exist yet (the posting functions create it).
    static func book(
        closed row: PostgresRow, columns: (Int, Int), settings: LedgerSettings,
        decide: (BookingPolicy, (Period) -> PeriodState) -> BookingDecision
    ) throws -> (Period, Bool) {
        let names = try row.decode(columns.0, as: [String].self)
        let times = try row.decode(columns.1, as: [Date].self)
        var closedAt: [Period: Date] = [:]
        for (name, time) in zip(names, times) { closedAt[try Period(parsing: name)] = time }
        switch decide(settings.booking, { closedAt[$0].map { .closed(at: $0) } ?? .open }) {
        case .clockSkew:
            throw LedgerError.clockSkew(field: "occurred_at", maxSkew: settings.booking.maxClockSkew)
        case .beforeProgrammeStart:
            throw LedgerError.beforeProgrammeStart(field: "occurred_at", start: settings.booking.programmeStart)
        case .tooLate(let closedAt):
            throw LedgerError(.tooLate, "the period of occurred_at closed on \(RFC3339.format(closedAt, in: settings.timeZone)), longer ago than entries are accepted late: report it to the bureau", field: "occurred_at")
        case .book(let period, let late):
            return (period, late)
        }
    }

    static func fetchMeal(_ id: UUID, on db: PostgresConnection) throws -> Meal {
        let row = try db.query("""
            SELECT e.id, r.code, e.card_no, e.credential, e.occurred_at, e.gross_fen, e.rate_bp, e.payable_fen,
                   e.discount_fen, e.period, e.late
            FROM ledger.entries e JOIN ledger.restaurants r ON r.id = e.restaurant_id
            WHERE e.id = \(id) AND e.kind = 'meal'
            """).single()
        guard let credential = Credential(rawValue: try row.decode(3, as: String.self)) else {
            throw PostgresError(kind: .decoding, message: "unexpected credential in entry \(id)")
        }
        return Meal(
            id: try row.decode(0, as: UUID.self), restaurantCode: try row.decode(1, as: String.self),
            cardNumber: try row.decode(2, as: String.self), credential: credential,
            occurredAt: try row.decode(4, as: Date.self), gross: try row.decode(5, as: Int64.self),
            rateBasisPoints: try row.decode(6, as: Int32.self), payable: try row.decode(7, as: Int64.self),
            discount: try row.decode(8, as: Int64.self), period: try Period(parsing: row.decode(9, as: String.self)),
            late: try row.decode(10, as: Bool.self))
    }

    static func fetchVoid(_ id: UUID, on db: PostgresConnection) throws -> VoidEntry {
        let row = try db.query("""
            SELECT e.id, e.voided_entry_id, r.code, e.reason, e.recorded_at, e.period, e.late
            FROM ledger.entries e JOIN ledger.restaurants r ON r.id = e.restaurant_id
            WHERE e.id = \(id) AND e.kind = 'void'
            """).single()
        return VoidEntry(
            id: try row.decode(0, as: UUID.self), mealID: try row.decode(1, as: UUID.self),
            restaurantCode: try row.decode(2, as: String.self), reason: try row.decode(3, as: String.self),
            recordedAt: try row.decode(4, as: Date.self), period: try Period(parsing: row.decode(5, as: String.self)),
            late: try row.decode(6, as: Bool.self))
    }
}

extension MealIneligibility {
    var ledgerCode: LedgerError.Code { LedgerError.Code(rawValue: apiCode) ?? .cardInactive }
}
