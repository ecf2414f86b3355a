import Hummingbird
import Logging
import Postgres

/// `GET /healthz`: 200 when the database answers, 503 when it does not. No token needed.
struct HealthController {
    let pool: PostgresPool

    func addRoutes(to router: Router<LedgerRequestContext>) {
        router.get("healthz", use: health)
    }

    @Sendable func health(_ request: Request, context: LedgerRequestContext) async throws -> Response {
        do {
            _ = try await pool.query("SELECT 1")
            return try JSONBody.response(["status": "ok"])
        } catch {
            context.logger.warning("health check failed", metadata: ["error": "\(String(reflecting: error))"])
            var response = try JSONBody.response(
                ["status": "unavailable", "message": "the ledger database does not answer"], status: .serviceUnavailable)
            response.headers[.retryAfter] = "5"
            return response
        }
    }
}
