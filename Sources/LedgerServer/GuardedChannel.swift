public import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// Sets up each accepted connection of a listener: the connection gate first (a connection past the cap is closed
/// unread), then TLS with the context current at that moment when the listener speaks HTTPS, then the HTTP channel.
struct GuardedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let gate: ConnectionGate
    let certificates: TLSCertificates?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard gate.admit(channel) else {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.inputClosed)
        }
        return channel.eventLoop.makeCompletedFuture {
            if let certificates {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: certificates.context))
            }
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 behind the connection cap and the read deadlines of `limits`, over TLS when `certificates` are given.
    /// A second listener (the staff console) takes its own `limits` and the same `certificates`.
    public static func guarded(
        limits: ConnectionLimits, certificates: TLSCertificates?, idleTimeout: Duration
    ) -> HTTPServerBuilder {
        let gate = ConnectionGate(capacity: limits.maxConnections)
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestDeadlineHandler(limits: limits, gate: gate)],
            idleTimeout: TimeAmount(idleTimeout))
        return HTTPServerBuilder { responder in
            GuardedChannel(base: HTTP1Channel(responder: responder, configuration: http), gate: gate, certificates: certificates)
        }
    }
}
