import Foundation
import Hummingbird
import LedgerStore
import Logging
import NIOCore
import NIOHTTP1

/// Turns whatever a handler threw into the API's error answer. Database trouble becomes 503 `unavailable`; its
/// detail goes to the log, never to the terminal: an outage (connection or pool trouble) summarised by `outages`,
/// any other failure of the database as an unexpected error.
enum ErrorMapper {
    static func apiError(for error: any Error, logger: Logger, outages: OutageLog = .shared) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let refusal as LedgerRefusal:
            return APIError(refusal)
        case let error as LedgerUnavailable where error.isOutage:
            outages.record(error)
            return .unavailable
        case let error as HTTPError where error.status == .notFound:
            return APIError(.notFound, "not_found", "no such route: see openapi.yaml for the terminal API")
        case let error as HTTPError where error.status == .methodNotAllowed:
            return APIError(.methodNotAllowed, "method_not_allowed", "this route does not take that method: see openapi.yaml")
        case let error as any HTTPResponseError where error.status.code < 500:
            return APIError(error.status, "bad_request", "the request could not be handled (\(error.status.reasonPhrase))")
        case is HTTPParserError, is ChannelError, is IOError:
            // The connection ended before the body was read: nobody is left to answer, and nothing was done.
            logger.debug("the client closed the connection before its request was read", metadata: ["error": "\(String(reflecting: error))"])
            return .clientClosedRequest
        default:
            logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return .unavailable
        }
    }
}
