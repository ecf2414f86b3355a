import Foundation
import Hummingbird
import LedgerStore
import Logging

/// Finds the terminal from `Authorization: Bearer <token>`; refuses the request with 401 otherwise, and with 429
/// `too_many_requests` (no token lookup) while its address has too many failed attempts.
/// A revoked token is refused from the next request on, whichever way it is checked.
struct TerminalAuthenticator: RouterMiddleware {
    /// How a request's token is checked.
    enum Check: Sendable {
        /// Looked up in the database for every request.
        case everyRequest
        /// Its terminal remembered after the first lookup; the route's own transaction checks that the terminal is
        /// still live (`POST /v1/meals`). A request that fails otherwise has its token looked up before the error is
        /// answered, so that a revoked terminal never learns more than 401.
        case byTheWrite
    }

    let ledger: Ledger
    let check: Check
    /// Shared by every authenticator of a router: refuses an address with too many failed attempts (429).
    let limiter: FailedTokenLimiter

    /// The token of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110, 11.1).
    static func bearerToken(_ header: String) -> String? {
        guard let space = header.firstIndex(where: { $0 == " " || $0 == "\t" }),
              header[..<space].lowercased() == "bearer"
        else { return nil }
        let token = header[space...].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    func handle(
        _ request: Request, context: LedgerRequestContext,
        next: (Request, LedgerRequestContext) async throws -> Response
    ) async throws -> Response {
        if let seconds = limiter.retryAfter(context.clientAddress) {
            LedgerMetrics.authThrottledRequest()
            throw APIError.tooManyRequests(retryAfterSeconds: seconds)
        }
        guard let token = request.headers[.authorization].flatMap(Self.bearerToken) else {
            limiter.recordFailure(context.clientAddress)
            throw APIError.unauthorized
        }
        let terminal: TerminalIdentity?
        var fromMemory = false
        do {
            switch check {
            case .everyRequest:
                terminal = try await ledger.authenticate(token: token)
            case .byTheWrite:
                let found = try await ledger.rememberedTerminal(token: token)
                (terminal, fromMemory) = (found?.terminal, found?.fromMemory ?? false)
            }
        } catch {
            throw ErrorMapper.apiError(for: error, logger: context.logger)
        }
        guard let terminal else {
            limiter.recordFailure(context.clientAddress)
            throw APIError.unauthorized
        }
        var context = context
        context.terminal = terminal
        let label = "\(terminal.restaurantCode)/\(terminal.terminalName)"
        context.facts.terminalLabel = label
        context.logger[metadataKey: "ledger.terminal"] = .string(label)
        guard fromMemory else { return try await next(request, context) }
        do {
            return try await next(request, context)
        } catch LedgerRefusal.unauthorized {
            throw LedgerRefusal.unauthorized
        } catch {
            guard try await ledger.authenticate(token: token) != nil else {
                ledger.forgetTerminal(terminal)
                limiter.recordFailure(context.clientAddress)
                throw APIError.unauthorized
            }
            throw error
        }
    }
}
