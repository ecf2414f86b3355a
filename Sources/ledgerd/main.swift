import Foundation
import Hummingbird
import LedgerServer
import LedgerStore
import Logging
import Metrics
import Postgres
import Prometheus
import ServiceLifecycle
import UnixSignals

/// ledgerd: reads its configuration from the environment, serves the terminal API until SIGTERM or SIGINT,
/// then closes the database pool and exits 0. A configuration or database problem at start is one line on
/// standard error and exit status 1.
@main
struct LedgerDaemon {
    static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = Logger.Level(rawValue: ProcessInfo.processInfo.environment["LEDGER_LOG_LEVEL"] ?? "") ?? .info
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "ledgerd")
        do {
            try await run(logger: logger, registry: registry)
        } catch {
            FileHandle.standardError.write(Data("ledgerd: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(logger: Logger, registry: PrometheusCollectorRegistry) async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = try LedgerConfiguration.fromEnvironment(environment)
        let server = try ServerConfiguration(listen: EnvironmentReader(environment: environment).string("LEDGER_LISTEN") ?? "127.0.0.1:8080")
        let pool = PostgresPool(
            configuration: .init(conninfo: configuration.databaseURL, maxConnections: configuration.poolSize), logger: logger)
        do {
            _ = try await pool.query("SELECT 1 FROM ledger.schema_migrations LIMIT 1")
        } catch let error as PostgresError {
            await pool.close()
            if error.kind == .connectionFailed {
                throw StartupError("cannot connect to the database: \(error.message.replacingOccurrences(of: "\n", with: " ")) (check DATABASE_URL)")
            }
            throw StartupError("the database is not ready (\(error.message)): run 'ledgerctl migrate' first")
        }
        let ledger = Ledger(pool: pool, settings: configuration.settings)
        let app = buildApplication(
            configuration: server, ledger: ledger, logger: logger, metrics: { registry.emitToBuffer() },
            onServerRunning: { port in logger.info("ledgerd is serving", metadata: ["http.port": "\(port)"]) })
        let services = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
        await pool.close()
        logger.info("ledgerd stopped")
    }
}

struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
