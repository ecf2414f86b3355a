import Hummingbird
import LedgerStore

/// `GET /healthz` (and `HEAD`, whose body the request log drops): 200 when the database answers, 503 when it does not. No token needed.
struct HealthController {
    let ledger: Ledger

    func addRoutes(to router: Router<LedgerRequestContext>) {
        router.get("healthz", use: health)
        router.head("healthz", use: health)
    }

    @Sendable func health(_ request: Request, context: LedgerRequestContext) async throws -> Response {
        do {
            try await ledger.ping()
            return try JSONBody.response(["status": "ok"])
        } catch {
            OutageLog.shared.record(error)
            var response = try JSONBody.response(
                ["status": "unavailable", "message": "the ledger database does not answer"], status: .serviceUnavailable)
            response.headers[.retryAfter] = "5"
            return response
        }
    }
}
