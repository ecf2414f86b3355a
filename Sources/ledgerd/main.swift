import Foundation
import Hummingbird
import LedgerConsole
import LedgerServer
import LedgerStore
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

/// ledgerd: reads its configuration (environment, over the optional `LEDGER_CONFIG` file), serves the terminal API
/// until SIGTERM or SIGINT, finishes the requests in flight (at most 10 s), then closes the database pool (the last
/// service of the group to stop) and exits 0.
/// A configuration or database problem at start is one line on standard error and exit status 1.
@main
struct LedgerDaemon {
    static func main() async {
        DaemonCommandLine.handle(Array(CommandLine.arguments.dropFirst()))
        let environment: [String: String]
        do {
            environment = try EnvironmentReader.withConfigurationFile(ProcessInfo.processInfo.environment)
        } catch {
            fail("\(error)")
        }
        bootstrapLogging(environment)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(DescribedMetricsFactory(registry: registry))
        do {
            try await run(environment: environment, registry: registry, logger: Logger(label: "ledgerd"))
        } catch {
            fail("\(error)")
        }
    }

    static func run(environment: [String: String], registry: PrometheusCollectorRegistry, logger: Logger) async throws {
        let reader = EnvironmentReader(environment: environment)
        let configuration = try LedgerConfiguration.fromEnvironment(environment)
        let api = try ServerConfiguration(listen: reader.string("LEDGER_LISTEN") ?? "127.0.0.1:8080")
        let authLimits = try AuthLimits(reader)
        let metricsAddress = try reader.string("LEDGER_METRICS_LISTEN").map { try ServerConfiguration(listen: $0) }
        let consoleAddress = try consoleListen(reader)
        let limits = try ConnectionLimits.fromEnvironment(reader)
        let certificates = try TLSFiles.fromEnvironment(reader).map { try TLSCertificates(files: $0) }
        let descriptors = DescriptorLimit.raiseToHard()
        logger.info("open files limit", metadata: ["limit.before": "\(descriptors.before)", "limit.now": "\(descriptors.after)"])
        try limits.check(descriptorLimit: descriptors.after, reserved: configuration.poolSize + 64)
        try await api.checkCanListen(key: "LEDGER_LISTEN")
        try await metricsAddress?.checkCanListen(key: "LEDGER_METRICS_LISTEN")
        try await consoleAddress?.checkCanListen(key: "LEDGER_CONSOLE_LISTEN")

        let ledger = Ledger(configuration: configuration, logger: logger)
        do {
            let version = try await ledger.schemaVersion()
            logger.debug("database schema", metadata: ["schema.version": "\(version.map(String.init) ?? "none")"])
        } catch let error as LedgerUnavailable {
            await ledger.close()
            if error.couldNotConnect {
                throw StartupError("cannot connect to the database: \(error.databaseMessage.replacingOccurrences(of: "\n", with: " ")) (check DATABASE_URL)")
            }
            throw StartupError("the database is not ready (\(error.databaseMessage)): run 'ledgerctl migrate' first")
        }

        let metrics = MetricsEndpoint {
            LedgerMetrics.record(ledger.poolFigures)
            return registry.emitToBuffer()
        }
        let notifier = SystemdNotifier(environment: environment)
        let app = buildApplication(
            configuration: api, ledger: ledger, logger: logger, metrics: metricsAddress == nil ? metrics : nil,
            authLimits: authLimits, limits: limits, certificates: certificates,
            onServerRunning: { port in
                logger.notice("ledgerd is serving", metadata: [
                    "http.port": "\(port)", "http.scheme": certificates == nil ? "http" : "https",
                ].merging(certificates?.summary ?? [:]) { $1 })
                notifier.ready()
            })
        // The pool first: the group stops its services in reverse order, so it closes after the requests in flight.
        var services: [any Service] = [ledger.service, SystemdService(notifier: notifier)]
        if let metricsAddress { services.append(metrics.application(configuration: metricsAddress)) }
        services.append(DeliveryScheduler(ledger: ledger, logger: logger))
        services.append(await HangupReloader(certificates: certificates, logger: logger))
        services.append(app)
        if let consoleAddress {
            // The sessions before the console's listener: at shutdown the listener stops first, then every staff
            // member's database connection is closed.
            let settings = try ConsoleSettings.fromEnvironment(reader, secure: certificates != nil)
            let sessions = ConsoleSessions(idleTimeout: settings.idleTimeout, logger: logger)
            services.append(sessions)
            services.append(Application(
                router: buildConsoleRouter(configuration: configuration, settings: settings, sessions: sessions, logger: logger),
                server: .guarded(limits: limits, certificates: certificates, idleTimeout: .seconds(consoleAddress.idleTimeoutSeconds)),
                configuration: .init(address: .hostname(consoleAddress.host, port: consoleAddress.port), serverName: "ledgerd"),
                onServerRunning: { channel in
                    logger.notice("ledgerd console is serving", metadata: [
                        "http.port": "\(channel.localAddress?.port ?? consoleAddress.port)",
                        "http.scheme": certificates == nil ? "http" : "https",
                    ])
                },
                logger: logger))
        }

        var group = ServiceGroupConfiguration(services: services, logger: logger)
        group.gracefulShutdownSignals = [.sigterm, .sigint]
        group.maximumGracefulShutdownDuration = .seconds(10)
        try await ServiceGroup(configuration: group).run()
        logger.info("ledgerd stopped")
    }

    /// The staff console's address: `LEDGER_CONSOLE_LISTEN` (default 127.0.0.1:8081), nil when it is `off`.
    static func consoleListen(_ reader: EnvironmentReader) throws -> ServerConfiguration? {
        let listen = reader.string("LEDGER_CONSOLE_LISTEN") ?? "127.0.0.1:8081"
        guard listen != "off" else { return nil }
        do {
            return try ServerConfiguration(listen: listen)
        } catch {
            throw ConfigurationError(
                key: "LEDGER_CONSOLE_LISTEN", message: "'\(listen)' is not host:port (for example 127.0.0.1:8081) or off")
        }
    }

    /// Text lines for journald by default; `LEDGER_LOG_FORMAT=json` for one JSON object per line.
    static func bootstrapLogging(_ environment: [String: String]) {
        let level = environment["LEDGER_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let json = environment["LEDGER_LOG_FORMAT"] == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("ledgerd: \(message)\n".utf8))
        exit(1)
    }
}

struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
