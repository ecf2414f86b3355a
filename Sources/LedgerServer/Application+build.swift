public import Hummingbird
public import LedgerStore
public import Logging
import HummingbirdCore
import NIOCore

/// Where the API listens, from `LEDGER_LISTEN` (`host:port`, default `127.0.0.1:8080`).
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// A slow client that sends nothing for this long is disconnected.
    public var idleTimeoutSeconds: Int64 = 30

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[v6]:port`.
    public init(listen: String) throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw ConfigurationError(key: "LEDGER_LISTEN", message: "'\(listen)' is not host:port, for example 127.0.0.1:8080")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.init(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }
}

/// The terminal API's routes over a ledger: `/healthz` open, everything under `/v1` behind a terminal token.
/// `metrics`, when given, serves `/metrics` on the API's address.
/// `authLimits` bounds failed token attempts per client address.
public func buildRouter(ledger: Ledger, metrics: MetricsEndpoint? = nil, authLimits: AuthLimits = AuthLimits()) -> Router<LedgerRequestContext> {
    let router = Router(context: LedgerRequestContext.self)
    let routeMethods = RouteMethods()
    router.add(middleware: RequestMetrics())
    router.add(middleware: RequestLog())
    router.add(middleware: MethodCheck(routes: routeMethods))
    HealthController(ledger: ledger).addRoutes(to: router)
    metrics?.addRoutes(to: router)
    let v1 = router.group("v1")
    let limiter = FailedTokenLimiter(limits: authLimits)
    let lookedUp = v1.group().add(middleware: TerminalAuthenticator(ledger: ledger, check: .everyRequest, limiter: limiter))
    let checkedByTheWrite = v1.group().add(middleware: TerminalAuthenticator(ledger: ledger, check: .byTheWrite, limiter: limiter))
    MealController(ledger: ledger).addRoutes(to: lookedUp, mealWrites: checkedByTheWrite)
    DeliveryController(ledger: ledger).addRoutes(to: lookedUp)
    routeMethods.load(from: router)
    return router
}

/// The daemon's HTTP application, HTTPS when `certificates` are given.
public func buildApplication(
    configuration: ServerConfiguration, ledger: Ledger, logger: Logger,
    metrics: MetricsEndpoint? = nil, authLimits: AuthLimits = AuthLimits(),
    limits: ConnectionLimits = .init(), certificates: TLSCertificates? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(ledger: ledger, metrics: metrics, authLimits: authLimits),
        server: .guarded(limits: limits, certificates: certificates, idleTimeout: .seconds(configuration.idleTimeoutSeconds)),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ledgerd"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}
