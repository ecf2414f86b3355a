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
    /// Headers of the answer beside Content-Type: `Allow` for 405, `Retry-After` for 429.
    public var headers: HTTPFields = [:]

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
