import Foundation
import Hummingbird
import LedgerCore
@testable import LedgerServer
@testable import LedgerStore
import Logging
import Postgres
import Testing

/// The terminal API's answer to each refusal of the ledger, and what becomes of database trouble.
@Suite("refusals and database trouble as API answers")
struct RefusalAnswerTests {
    typealias Answer = (status: HTTPResponse.Status, code: String, field: String?)

    /// Every case of `LedgerRefusal` once (the cases that carry an input or a reason once per answer they get), with
    /// the status, code and field docs/interfaces.md gives it.
    static func cases() throws -> [(LedgerRefusal, Answer)] {
        let id = UUID()
        let card = try CardNumber("CARD0001")
        let day = try LocalDate(parsing: "2031-05-04")
        let order = StandingOrder(id: 7, cardNumber: card.value, restaurantCode: "R1", weekdays: [1, 3], meal: .lunch,
                                  startsOn: day, endsOn: nil, pausedFrom: nil, pausedUntil: nil)
        return [
            (.unauthorized, (.unauthorized, "unauthorized", nil)),
            (.invalid(.scheduledFor, reason: "r"), (.badRequest, "validation_failed", "scheduled_for")),
            (.invalid(.wellness, reason: "r"), (.badRequest, "validation_failed", "wellness")),
            (.invalid(.terminalName, reason: "r"), (.badRequest, "validation_failed", "name")),
            (.invalid(.restaurantName, reason: "r"), (.badRequest, "validation_failed", "name")),
            (.invalid(.restaurantCode, reason: "r"), (.badRequest, "validation_failed", "code")),
            (.invalid(.community, reason: "r"), (.badRequest, "validation_failed", "community")),
            (.invalid(.alertNote, reason: "r"), (.badRequest, "validation_failed", "note")),
            (.invalid(.weekdays, reason: "r"), (.badRequest, "validation_failed", "weekdays")),
            (.invalid(.lastDay, reason: "r"), (.badRequest, "validation_failed", "until")),
            (.invalid(.endDay, reason: "r"), (.badRequest, "validation_failed", "on")),
            (.refusedByDatabase, (.badRequest, "validation_failed", nil)),
            (.idReused(id), (.conflict, "idempotency_conflict", "id")),
            (.idTakenElsewhere(id), (.notFound, "not_found", "id")),
            (.clockSkew(.occurredAt, maxSkew: .seconds(300)), (.unprocessableContent, "clock_skew", "occurred_at")),
            (.clockSkew(.eventTime, maxSkew: .seconds(300)), (.unprocessableContent, "clock_skew", "at")),
            (.beforeProgrammeStart(.occurredAt, start: day), (.badRequest, "validation_failed", "occurred_at")),
            (.beforeProgrammeStart(.eventTime, start: day), (.badRequest, "validation_failed", "at")),
            (.tooLate(closedAt: "2031-06-01T00:00:00+08:00"), (.unprocessableContent, "too_late", "occurred_at")),
            (.unknownCard(card), (.notFound, "unknown_card", "card_no")),
            (.cardNotValid(.cardSuspended), (.unprocessableContent, "card_inactive", "card_no")),
            (.cardNotValid(.cardRevoked), (.unprocessableContent, "card_inactive", "card_no")),
            (.cardNotValid(.notYetValid(validFrom: day)), (.unprocessableContent, "card_inactive", "card_no")),
            (.cardNotValid(.expired(validUntil: day)), (.unprocessableContent, "card_expired", "card_no")),
            (.cardAtDailyLimit(mealsToday: 3, limit: 3), (.unprocessableContent, "daily_limit_reached", nil)),
            (.dailyLimitReached(card, on: day, limit: 3), (.unprocessableContent, "daily_limit_reached", "card_no")),
            (.payableMismatch(.payableMismatch(expected: 1200, claimed: 1300)), (.unprocessableContent, "payable_mismatch", "payable_fen")),
            (.unknownMeal(id), (.notFound, "not_found", "meal_id")),
            (.alreadyVoided(id), (.conflict, "already_voided", nil)),
            (.noFreeDelivery(.noBirthDate, on: day), (.unprocessableContent, "not_eligible", "card_no")),
            (.noFreeDelivery(.cardNotValid(.expired(validUntil: day)), on: day), (.unprocessableContent, "not_eligible", "card_no")),
            (.unknownMealOfDelivery(id), (.notFound, "not_found", "meal_id")),
            (.unknownDelivery(id), (.notFound, "not_found", nil)),
            (.invalidTransition(delivery: id, from: .delivered, to: .dispatched), (.conflict, "invalid_transition", nil)),
            (.unknownRestaurant(code: "R9"), (.notFound, "not_found", "restaurant")),
            (.restaurantExists(code: "R1"), (.conflict, "already_exists", "code")),
            (.termsExist(restaurant: "R1", from: day), (.conflict, "already_exists", "from")),
            (.terminalExists(restaurant: "R1", name: "till"), (.conflict, "already_exists", "name")),
            (.unknownTerminal(restaurant: "R1", name: "till"), (.notFound, "not_found", "name")),
            (.unregisteredCard(card), (.notFound, "not_found", "card")),
            (.noStandingOrder(card, .notVeteran(.specialCare)), (.unprocessableContent, "not_eligible", "card")),
            (.overlappingStandingOrder(card, order), (.conflict, "already_exists", "card")),
            (.unknownStandingOrder(7), (.notFound, "not_found", "id")),
            (.unknownAlert(9), (.notFound, "not_found", "id")),
            (.alertAcknowledged(9, at: "2031-05-04T10:00:00+08:00", by: "bureau", note: "visited"), (.conflict, "already_exists", nil)),
            (.missingReconciliationRun(try Period(parsing: "2031-05")), (.notFound, "not_found", nil)),
            (.unknownStatementRestaurant(code: "R9"), (.notFound, "not_found", "statements")),
            (.refusedByRule("r"), (.unprocessableContent, "not_eligible", nil)),
            (.invalid(.certification, reason: "r"), (.badRequest, "validation_failed", "certification")),
            (.invalid(.noticeNote, reason: "r"), (.badRequest, "validation_failed", "note")),
            (.noHomeVisit(status: .failed, wellness: .notHome), (.unprocessableContent, "not_eligible", "certification")),
            (.unknownNotice(4), (.notFound, "not_found", "id")),
            (.noticeAcknowledged(4, at: "2031-05-04T10:00:00+08:00", by: "clerk", note: "called"), (.conflict, "already_exists", nil)),
            (.alreadyCertified(card), (.conflict, "already_exists", "card")),
            (.revokedCard(card), (.unprocessableContent, "card_inactive", "card")),
            (.dueBeforeToday(day, today: day.adding(days: 1)), (.badRequest, "validation_failed", "due")),
            (.noticeClosedByCertification(4, at: "2031-05-04T10:00:00+08:00"), (.conflict, "already_exists", nil)),
        ]
    }

    @Test("each refusal has its status, error code and field; its message is the ledger's")
    func table() throws {
        for (refusal, expected) in try Self.cases() {
            let answer = APIError(refusal)
            #expect(answer.status == expected.status, "\(refusal)")
            #expect(answer.code == expected.code, "\(refusal)")
            #expect(answer.field == expected.field, "\(refusal)")
            #expect(answer.message == refusal.message)
        }
    }

    /// The answer to `failure` from the database, and the lines of the outage log and of the request's log.
    static func answer(to failure: PostgresError) -> (answer: APIError, outageLines: [String], otherLines: [(Logger.Level, String)]) {
        let outageLines = CapturedLog(), otherLines = CapturedLog()
        let outages = OutageLog(interval: .seconds(3600), logger: Logger(label: "test") { _ in outageLines })
        let answer = ErrorMapper.apiError(
            for: LedgerUnavailable(failure), logger: Logger(label: "test") { _ in otherLines }, outages: outages)
        return (answer, outageLines.messages.map(\.1), otherLines.messages)
    }

    @Test("connection and pool trouble is an outage: summarised by the outage log, answered 503")
    func outages() {
        let failures = [
            PostgresError(kind: .connectionFailed, message: "connection refused"),
            PostgresError(kind: .connectionLost, message: "server closed the connection"),
            PostgresError(kind: .server, message: "terminating connection", sqlState: "57P01"),
            PostgresError(kind: .poolTimeout, message: "no connection came free"),
            PostgresError(kind: .poolClosed, message: "the pool is closed"),
        ]
        for failure in failures {
            let seen = Self.answer(to: failure)
            #expect(seen.answer == .unavailable, "\(failure)")
            let warned = seen.outageLines.contains { $0.hasPrefix("database unavailable") }
            #expect(warned, "\(failure)")
            #expect(seen.otherLines.isEmpty, "\(failure)")
        }
    }

    @Test("any other database failure is logged as an unexpected error, not counted as an outage, and answered 503")
    func otherFailures() {
        let failures = [
            PostgresError(kind: .server, message: "could not read block", sqlState: "XX001"),
            PostgresError(kind: .server, message: "permission denied for table entries", sqlState: "42501"),
            PostgresError(kind: .decoding, message: "unexpected column type"),
        ]
        for failure in failures {
            let seen = Self.answer(to: failure)
            #expect(seen.answer == .unavailable, "\(failure)")
            #expect(seen.outageLines.isEmpty, "\(failure)")
            #expect(seen.otherLines.map(\.0) == [.error], "\(failure)")
            #expect(seen.otherLines.first?.1 == "unexpected error", "\(failure)")
        }
    }
}
