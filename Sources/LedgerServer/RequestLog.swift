import Hummingbird
import HummingbirdCore
import Logging

/// The outermost middleware: answers every error in the API's JSON form and logs one line per request with its id,
/// terminal, route, status and duration. It never logs a token, a body or a card number.
struct RequestLog: RouterMiddleware {
    func handle(
        _ request: Request, context: LedgerRequestContext,
        next: (Request, LedgerRequestContext) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try ErrorMapper.apiError(for: error, logger: context.logger).response(from: request, context: context)
        }
        // A HEAD answer has the headers of the GET answer, or of the error, and never a body.
        if request.method == .head { response = response.createHeadResponse() }
        guard context.logger.logLevel <= .info else { return response }
        let elapsed = ContinuousClock.now - started
        let microseconds = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        var metadata: Logger.Metadata = [
            "http.method": .string(request.method.rawValue),
            "http.route": .string(context.endpointPath ?? "unmatched"),
            "http.status": .stringConvertible(response.status.code),
            "http.duration_us": .stringConvertible(microseconds),
        ]
        if let terminal = context.facts.terminalLabel { metadata["ledger.terminal"] = .string(terminal) }
        context.logger.info("request", metadata: metadata)
        return response
    }
}
