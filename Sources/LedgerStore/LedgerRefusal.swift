public import Foundation
public import LedgerCore
import Postgres

/// A request the ledger refused, by what is wrong with it. The layers above decide how to answer it (the terminal
/// API maps each case to a status, an error code and a field); `message` is for the cashier or the operator: it says
/// what went wrong and what to do. Internal detail (SQL, SQLSTATE) never goes here; it goes to the log.
public enum LedgerRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The terminal's token is unknown, or its terminal was revoked.
    case unauthorized
    /// One part of the request is not acceptable as sent; `reason` says why and what to send instead.
    case invalid(Input, reason: String)
    /// The database refused a value that passed every check of the ledger; sending it again would not help.
    case refusedByDatabase
    /// The request's id was already used for a request with other content.
    case idReused(UUID)
    /// The request's id belongs to another restaurant's entry. A terminal sees nothing of another restaurant
    /// (docs/interfaces.md), so it is not told that the id exists: to it the id is simply not one it can use.
    case idTakenElsewhere(UUID)
    /// A time more than `maxSkew` ahead of the server's clock.
    case clockSkew(RequestTime, maxSkew: Duration)
    /// A time before the programme's first day.
    case beforeProgrammeStart(RequestTime, start: LocalDate)
    /// The meal's period closed (at `closedAt`, RFC 3339 in the programme's time zone) longer ago than entries are
    /// accepted late.
    case tooLate(closedAt: String)
    /// A card number the district's registry does not hold (meals and deliveries).
    case unknownCard(CardNumber)
    /// The card may not have a discounted meal now.
    case cardNotValid(MealIneligibility)
    /// The card check: the card already has `mealsToday` discounted meals today, `limit` or more.
    case cardAtDailyLimit(mealsToday: Int, limit: Int)
    /// A meal over the daily limit of the card on its local day.
    case dailyLimitReached(CardNumber, on: LocalDate, limit: Int)
    /// The payable amount the terminal sent is not the one the ledger computes.
    case payableMismatch(DomainError)
    /// A void of a meal the restaurant does not have.
    case unknownMeal(UUID)
    /// A void of a meal already voided.
    case alreadyVoided(UUID)
    /// A delivery for a card that may not have a free delivery on that day.
    case noFreeDelivery(DeliveryIneligibility, on: LocalDate)
    /// A delivery linked to a meal the restaurant does not have.
    case unknownMealOfDelivery(UUID)
    /// An event of a delivery the restaurant does not have.
    case unknownDelivery(UUID)
    /// An event that would move a delivery against its life cycle.
    case invalidTransition(delivery: UUID, from: DeliveryStatus, to: DeliveryStatus)
    /// A restaurant code no restaurant has.
    case unknownRestaurant(code: String)
    /// A new restaurant with the code of a registered one.
    case restaurantExists(code: String)
    /// New terms of a restaurant that start on the day its current terms start.
    case termsExist(restaurant: String, from: LocalDate)
    /// A new terminal with the name of a live one of the same restaurant.
    case terminalExists(restaurant: String, name: String)
    /// A terminal name the restaurant has no live terminal for.
    case unknownTerminal(restaurant: String, name: String)
    /// A standing order for a card the registry does not hold.
    case unregisteredCard(CardNumber)
    /// A standing order for a card that can never have free deliveries.
    case noStandingOrder(CardNumber, DeliveryIneligibility)
    /// A standing order that would deliver the same meal on a day of another of the card.
    case overlappingStandingOrder(CardNumber, StandingOrder)
    /// A standing order id that does not exist.
    case unknownStandingOrder(Int64)
    /// A welfare alert id that does not exist.
    case unknownAlert(Int64)
    /// A second acknowledgement of a welfare alert; `at` is RFC 3339 in the programme's time zone.
    case alertAcknowledged(Int64, at: String, by: String, note: String)
    /// A closed period whose reconciliation run is missing.
    case missingReconciliationRun(Period)
    /// A restaurant statement named after a code no restaurant has.
    case unknownStatementRestaurant(code: String)
    /// An act on staff or on a month's close that a rule the database holds refused (sql/0017, SQLSTATE LD003).
    /// The rule's own message says what went wrong and what to do.
    case refusedByRule(String)
    /// A home-visit certification with an event that did not see the holder in person (`failed`, or `not_home`).
    case noHomeVisit(status: DeliveryStatus, wellness: Wellness?)
    /// A certification notice id that does not exist.
    case unknownNotice(Int64)
    /// A second acknowledgement of a certification notice; `at` is RFC 3339 in the programme's time zone.
    case noticeAcknowledged(Int64, at: String, by: String, note: String)
    /// A first due date for a card that already has a certification (its due date follows from that).
    case alreadyCertified(CardNumber)
    /// A first due date for a revoked card, which is not asked to certify.
    case revokedCard(CardNumber)
    /// A first due date before today.
    case dueBeforeToday(LocalDate, today: LocalDate)
    /// An acknowledgement of a notice that a certification closed; `at` is RFC 3339 in the programme's time zone.
    case noticeClosedByCertification(Int64, at: String)

    /// The part of a request a refusal is about, by what it means rather than how a request spells it.
    public enum Input: Sendable, Equatable, CaseIterable {
        /// The day a delivery is for.
        case scheduledFor
        /// What the deliverer observed of the holder's wellness.
        case wellness
        case terminalName
        case restaurantCode
        case restaurantName
        case community
        /// The note of a welfare alert's acknowledgement.
        case alertNote
        /// The ISO weekdays of a standing order.
        case weekdays
        /// The last day of a standing order or of its pause.
        case lastDay
        /// The day a standing order is ended on.
        case endDay
        /// A survival certification: its method, day, proxy or reference.
        case certification
        /// The note of a certification notice's acknowledgement.
        case noticeNote
    }

    /// A time a terminal's request claims, checked against the server's clock and the programme's start.
    public enum RequestTime: Sendable, Equatable, CaseIterable {
        /// When a meal happened.
        case occurredAt
        /// When a delivery event happened.
        case eventTime

        /// How messages name it: as the cashier's terminal sends it.
        var spelling: String {
            switch self {
            case .occurredAt: "occurred_at"
            case .eventTime: "at"
            }
        }
    }

    public var description: String { message }

    /// What went wrong and what to do, for the cashier or the operator.
    public var message: String {
        switch self {
        case .unauthorized:
            "a valid terminal token is required: send 'Authorization: Bearer <token>' with the token printed by 'ledgerctl terminal add'"
        case .invalid(_, let reason):
            reason
        case .refusedByDatabase:
            "the ledger cannot store this request as sent (the database refused one of its values): correct it rather than sending it again"
        case .idReused(let id):
            "id \(id.uuidString.lowercased()) was already used for a different request: send a new id for a new request, or the original content for a retry"
        case .idTakenElsewhere(let id):
            "id \(id.uuidString.lowercased()) is not available to this restaurant: send the request again with a new id"
        case .clockSkew(let input, let maxSkew):
            "\(input.spelling) is more than \(maxSkew) ahead of the server's clock: set the terminal's clock right and send again"
        case .beforeProgrammeStart(let input, let start):
            "\(input.spelling) is before the programme started on \(start): check the terminal's date and clock"
        case .tooLate(let closedAt):
            "the period of occurred_at closed on \(closedAt), longer ago than entries are accepted late: report it to the bureau"
        case .unknownCard(let number):
            "card \(number.masked) is not in the district's registry: check the number, or ask the holder to register at the veterans-affairs bureau"
        case .cardNotValid(let reason):
            reason.message
        case .cardAtDailyLimit(let mealsToday, let limit):
            "the card already has \(mealsToday) discounted meals today: the limit is \(limit) a day"
        case .dailyLimitReached(let number, let day, let limit):
            "card \(number.masked) already has \(limit) discounted meals on \(day): the limit is \(limit) a day"
        case .payableMismatch(let error):
            error.description
        case .unknownMeal(let id):
            "this restaurant has no meal \(id.uuidString.lowercased()): check the meal's id"
        case .alreadyVoided(let id):
            "meal \(id.uuidString.lowercased()) is already voided; nothing was changed"
        case .noFreeDelivery(let reason, let day):
            "no free delivery on \(day): \(reason.message)"
        case .unknownMealOfDelivery(let id):
            "this restaurant has no meal \(id.uuidString.lowercased()): give the id of a meal this restaurant recorded, or leave meal_id out"
        case .unknownDelivery(let id):
            "this restaurant has no delivery \(id.uuidString.lowercased()): check the delivery's id (GET /v1/deliveries?date= lists them)"
        case .invalidTransition(let id, let from, let to):
            "delivery \(id.uuidString.lowercased()) is \(from.rawValue) and cannot become \(to.rawValue): it goes requested, dispatched, then delivered or failed, or is cancelled before dispatch"
        case .unknownRestaurant(let code):
            "no restaurant has code '\(code)': 'ledgerctl restaurant list' shows the registered ones"
        case .restaurantExists(let code):
            "a restaurant with code '\(code)' is already registered: choose another code"
        case .termsExist(let code, let from):
            "restaurant '\(code)' already has terms from \(from): give a later --from date"
        case .terminalExists(let code, let name):
            "restaurant '\(code)' already has a live terminal named '\(name)': choose another name or revoke that one first"
        case .unknownTerminal(let code, let name):
            "restaurant '\(code)' has no live terminal named '\(name)': 'ledgerctl terminal list' shows them"
        case .unregisteredCard(let number):
            "card \(number.value) is not in the registry: import it with 'ledgerctl cards import' first"
        case .noStandingOrder(let number, let reason):
            "card \(number.value) cannot have free deliveries: \(reason.message)"
        case .overlappingStandingOrder(let number, let order):
            "card \(number.value) already has standing order \(order.id) for \(order.meal.rawValue) on weekdays \(order.weekdays.map(String.init).joined(separator: ",")) from \(order.startsOn)\(order.endsOn.map { " until \($0)" } ?? ""): end that one first ('ledgerctl standing-orders end \(order.id) --on DATE') or choose other days"
        case .unknownStandingOrder(let id):
            "there is no standing order \(id): 'ledgerctl standing-orders list' shows them"
        case .unknownAlert(let id):
            "there is no welfare alert \(id): 'ledgerctl alerts list' shows the open ones"
        case .alertAcknowledged(let id, let at, let who, let note):
            "welfare alert \(id) was already acknowledged at \(at) by \(who) (note: \(note)); nothing was changed"
        case .missingReconciliationRun(let period):
            "period \(period) is closed but has no stored reconciliation run"
        case .unknownStatementRestaurant(let code):
            "statement \(code).csv: no restaurant has the code \(code)"
        case .refusedByRule(let message):
            message
        case .noHomeVisit(let status, let wellness):
            "a home visit certifies only a delivery that saw the holder in person: this event is \(status.rawValue)\(wellness.map { " with wellness \($0.rawValue)" } ?? ""); send it without certification"
        case .unknownNotice(let id):
            "there is no certification notice \(id): 'ledgerctl certifications notices' shows the open ones"
        case .noticeAcknowledged(let id, let at, let who, let note):
            "certification notice \(id) was already acknowledged at \(at) by \(who) (note: \(note)); nothing was changed"
        case .alreadyCertified(let number):
            "card \(number.value) already has a certification: its due date follows from it, so no first due date is set ('ledgerctl certifications due --within DAYS' shows it)"
        case .revokedCard(let number):
            "card \(number.value) is revoked: a revoked card is not asked to certify"
        case .dueBeforeToday(let due, let today):
            "the first due date \(due) is before today (\(today)): give today or a later day"
        case .noticeClosedByCertification(let id, let at):
            "certification notice \(id) was closed at \(at) because the person certified; nothing was changed"
        }
    }

    /// SQLSTATE of the refusals of the rules the database holds for staff and the close (sql/0017).
    static let ruleRefusalState = "LD003"

    /// Runs `body`; a refusal by one of those rules becomes `.refusedByRule` with the rule's message.
    static func translatingRules<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError where error.sqlState == ruleRefusalState {
            throw LedgerRefusal.refusedByRule(error.message)
        }
    }
}
