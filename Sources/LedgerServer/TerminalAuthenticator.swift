import Foundation
import Hummingbird
import LedgerStore
import Logging

/// Finds the terminal from `Authorization: Bearer <token>`; refuses the request with 401 otherwise.
/// A revoked token is refused from the next request on: tokens are looked up, not cached.
struct TerminalAuthenticator: RouterMiddleware {
    let ledger: Ledger

    func handle(
        _ request: Request, context: LedgerRequestContext,
        next: (Request, LedgerRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError.unauthorized
        }
        var token = header.dropFirst("Bearer ".count)
        while token.first?.isWhitespace == true { token.removeFirst() }
        while token.last?.isWhitespace == true { token.removeLast() }
        let terminal: TerminalIdentity?
        do {
            terminal = try await ledger.authenticate(token: String(token))
        } catch {
            throw ErrorMapper.apiError(for: error, logger: context.logger)
        }
        guard let terminal else { throw APIError.unauthorized }
        var context = context
        context.terminal = terminal
        let label = "\(terminal.restaurantCode)/\(terminal.terminalName)"
        context.facts.terminalLabel = label
        context.logger[metadataKey: "ledger.terminal"] = .string(label)
        return try await next(request, context)
    }
}
