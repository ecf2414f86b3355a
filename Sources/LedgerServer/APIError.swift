public import Hummingbird
import LedgerCore
public import LedgerStore
import NIOCore
import Foundation

/// An error answer of the terminal API: `{"error": code, "message": text, "field"?: name}` with its HTTP status.
public struct APIError: HTTPResponseError, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let field: String?
    /// Headers of the answer beside Content-Type: `Allow` for 405, `Retry-After` for 429.
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    /// The answer for a ledger refusal: its status, code and field from `answer(to:)`, its message from the ledger.
    public init(_ refusal: LedgerRefusal) {
        let answer = Self.answer(to: refusal)
        self.init(answer.status, answer.code, refusal.message, field: answer.field)
    }

    /// The API's answer to each refusal of the ledger (docs/interfaces.md): the HTTP status, the `error` code and the
    /// request's `field` at fault. The one place where refusals meet the API's spelling.
    static func answer(to refusal: LedgerRefusal) -> (status: HTTPResponse.Status, code: String, field: String?) {
        switch refusal {
        case .unauthorized: (.unauthorized, "unauthorized", nil)
        case .invalid(.scheduledFor, _): (.badRequest, "validation_failed", "scheduled_for")
        case .invalid(.wellness, _): (.badRequest, "validation_failed", "wellness")
        case .invalid(.terminalName, _), .invalid(.restaurantName, _): (.badRequest, "validation_failed", "name")
        case .invalid(.restaurantCode, _): (.badRequest, "validation_failed", "code")
        case .invalid(.community, _): (.badRequest, "validation_failed", "community")
        case .invalid(.alertNote, _): (.badRequest, "validation_failed", "note")
        case .invalid(.weekdays, _): (.badRequest, "validation_failed", "weekdays")
        case .invalid(.lastDay, _): (.badRequest, "validation_failed", "until")
        case .invalid(.endDay, _): (.badRequest, "validation_failed", "on")
        case .refusedByDatabase: (.badRequest, "validation_failed", nil)
        case .idReused: (.conflict, "idempotency_conflict", "id")
        case .idTakenElsewhere: (.notFound, "not_found", "id")
        case .clockSkew(.occurredAt, _): (.unprocessableContent, "clock_skew", "occurred_at")
        case .clockSkew(.eventTime, _): (.unprocessableContent, "clock_skew", "at")
        case .beforeProgrammeStart(.occurredAt, _): (.badRequest, "validation_failed", "occurred_at")
        case .beforeProgrammeStart(.eventTime, _): (.badRequest, "validation_failed", "at")
        case .tooLate: (.unprocessableContent, "too_late", "occurred_at")
        case .unknownCard: (.notFound, "unknown_card", "card_no")
        case .cardNotValid(.expired): (.unprocessableContent, "card_expired", "card_no")
        case .cardNotValid(.cardSuspended), .cardNotValid(.cardRevoked), .cardNotValid(.notYetValid):
            (.unprocessableContent, "card_inactive", "card_no")
        case .cardAtDailyLimit: (.unprocessableContent, "daily_limit_reached", nil)
        case .dailyLimitReached: (.unprocessableContent, "daily_limit_reached", "card_no")
        case .payableMismatch: (.unprocessableContent, "payable_mismatch", "payable_fen")
        case .unknownMeal: (.notFound, "not_found", "meal_id")
        case .alreadyVoided: (.conflict, "already_voided", nil)
        case .noFreeDelivery: (.unprocessableContent, "not_eligible", "card_no")
        case .unknownMealOfDelivery: (.notFound, "not_found", "meal_id")
        case .unknownDelivery: (.notFound, "not_found", nil)
        case .invalidTransition: (.conflict, "invalid_transition", nil)
        case .unknownRestaurant: (.notFound, "not_found", "restaurant")
        case .restaurantExists: (.conflict, "already_exists", "code")
        case .termsExist: (.conflict, "already_exists", "from")
        case .terminalExists: (.conflict, "already_exists", "name")
        case .unknownTerminal: (.notFound, "not_found", "name")
        case .unregisteredCard: (.notFound, "not_found", "card")
        case .noStandingOrder: (.unprocessableContent, "not_eligible", "card")
        case .overlappingStandingOrder: (.conflict, "already_exists", "card")
        case .unknownStandingOrder: (.notFound, "not_found", "id")
        case .unknownAlert: (.notFound, "not_found", "id")
        case .alertAcknowledged: (.conflict, "already_exists", nil)
        case .missingReconciliationRun: (.notFound, "not_found", nil)
        case .unknownStatementRestaurant: (.notFound, "not_found", "statements")
        // Staff and close acts are not on the terminal API; were one to reach it, it is not the terminal's to do.
        case .refusedByRule: (.unprocessableContent, "not_eligible", nil)
        case .invalid(.certification, _): (.badRequest, "validation_failed", "certification")
        case .invalid(.noticeNote, _): (.badRequest, "validation_failed", "note")
        case .noHomeVisit: (.unprocessableContent, "not_eligible", "certification")
        case .unknownNotice: (.notFound, "not_found", "id")
        case .noticeAcknowledged: (.conflict, "already_exists", nil)
        case .alreadyCertified: (.conflict, "already_exists", "card")
        case .revokedCard: (.unprocessableContent, "card_inactive", "card")
        case .dueBeforeToday: (.badRequest, "validation_failed", "due")
        case .noticeClosedByCertification: (.conflict, "already_exists", nil)
        }
    }

    static let unauthorized = APIError(LedgerRefusal.unauthorized)
    static let unavailable = APIError(.serviceUnavailable, "unavailable", "the ledger database is unavailable: nothing was recorded; send the same request again in a few seconds")
    static let notFound = APIError(.notFound, "not_found", "no such resource")

    /// The client closed the connection before its request was read: counted as 499 (nginx's code), never sent.
    static let clientClosedRequest = APIError(
        .init(code: 499, reasonPhrase: "Client Closed Request"), "client_closed_request", "the connection closed before the request was read")

    static func methodNotAllowed(allowed: [HTTPRequest.Method]) -> APIError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        var error = APIError(.methodNotAllowed, "method_not_allowed", "this route takes \(list) only: see openapi.yaml")
        error.headers[.allow] = list
        return error
    }

    static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(.unsupportedMediaType, "unsupported_media_type",
                 "the body is \(contentType), not JSON: send it with Content-Type: application/json")
    }

    static func tooManyRequests(retryAfterSeconds: Int) -> APIError {
        var error = APIError(.tooManyRequests, "too_many_requests",
                             "too many requests with a wrong token from this address: check the terminal's token, then try again in \(retryAfterSeconds) s")
        error.headers[.retryAfter] = String(retryAfterSeconds)
        return error
    }

    static func invalidJSON(_ detail: String) -> APIError {
        APIError(.badRequest, "invalid_json", "the body is not valid JSON (\(detail)): send one JSON object in UTF-8")
    }

    static func payloadTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, "payload_too_large", "the body is larger than \(limit) bytes: send fewer items at a time")
    }

    static func validation(_ message: String, field: String?) -> APIError {
        APIError(.badRequest, "validation_failed", message, field: field)
    }

    /// The JSON body of this error.
    var body: [String: String] {
        var body = ["error": code, "message": message]
        if let field { body["field"] = field }
        return body
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        if status == .serviceUnavailable { headers[.retryAfter] = "5" }
        let data = try JSONEncoder.api.encode(body)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
