public import Hummingbird
import NIOCore

/// `GET /metrics` in Prometheus text format; `render` produces the exposition bytes at each scrape.
public struct MetricsEndpoint: Sendable {
    let render: @Sendable () -> [UInt8]

    public init(render: @escaping @Sendable () -> [UInt8]) {
        self.render = render
    }

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: render())))
        }
    }

    /// A separate listener for `/metrics` alone, for `LEDGER_METRICS_LISTEN`.
    public func application(configuration: ServerConfiguration) -> some ApplicationProtocol {
        let router = Router()
        addRoutes(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ledgerd-metrics"))
    }
}
