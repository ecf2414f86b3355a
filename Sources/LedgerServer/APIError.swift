public import Hummingbird
public import LedgerStore
import NIOCore
import Foundation

/// An error answer of the terminal API: `{"error": code, "message": text, "field"?: name}` with its HTTP status.
public struct APIError: HTTPResponseError, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let field: String?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    /// The answer for a ledger refusal: 400, 401, 404, 409, 422 or 503 by code.
    public init(_ error: LedgerError) {
        let status: HTTPResponse.Status = switch error.code {
        case .validationFailed: .badRequest
        case .notFound, .unknownCard: .notFound
        case .idempotencyConflict, .alreadyVoided, .invalidTransition, .alreadyExists: .conflict
        case .cardInactive, .cardExpired, .dailyLimitReached, .payableMismatch, .tooLate, .clockSkew, .notEligible:
            .unprocessableContent
        case .unavailable: .serviceUnavailable
        case .unauthorized: .unauthorized
        }
        self.init(status, error.code.rawValue, error.message, field: error.field)
    }

    static let unauthorized = APIError(LedgerError.unauthorized)
    static let unavailable = APIError(.serviceUnavailable, "unavailable", "the ledger database is unavailable: nothing was recorded; send the same request again in a few seconds")
    static let notFound = APIError(.notFound, "not_found", "no such resource")

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
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if status == .serviceUnavailable { headers[.retryAfter] = "5" }
        let data = try JSONEncoder.api.encode(body)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
