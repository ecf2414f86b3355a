import Hummingbird

/// The outermost middleware: counts every request under the status the client was actually sent, after the request
/// log has turned errors into answers, so that a `404 unknown_card` counts as 404 and a client that went away as 499.
/// Labels come from bounded sets (a route pattern, not the path; an unknown method as `other`), so a scanner cannot
/// grow the exposition.
struct RequestMetrics: RouterMiddleware {
    private static let knownMethods: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .patch, .delete, .options]

    func handle(
        _ request: Request, context: LedgerRequestContext,
        next: (Request, LedgerRequestContext) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let method = Self.knownMethods.contains(request.method) ? request.method.rawValue : "other"
        do {
            let response = try await next(request, context)
            record(method: method, context: context, status: response.status.code, since: started)
            return response
        } catch {
            // The request log answers every error itself; should one still escape, Hummingbird answers 500.
            record(method: method, context: context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started)
            throw error
        }
    }

    private func record(method: String, context: LedgerRequestContext, status: Int, since started: ContinuousClock.Instant) {
        LedgerMetrics.requestAnswered(method: method, route: context.endpointPath ?? "NotFound", status: status,
                                      duration: ContinuousClock.now - started)
    }
}
