import Metrics
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client is too slow: the head of a request must be complete within `readHeader` of the
/// moment the connection is ready for it (accepted, TLS handshake included, or its previous response sent), and the
/// body within `readBody` of the head. Tells the connection gate where the connection stands.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let gate: ConnectionGate
    private var readingRequest = false
    private var responsesPending = 0
    private var deadline: Scheduled<Void>?

    init(limits: ConnectionLimits, gate: ConnectionGate) {
        self.limits = limits
        self.gate = gate
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { awaitRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if deadline == nil { awaitRequest(context: context) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingRequest = true
            responsesPending += 1
            gate.enter(.readingRequest, context.channel)
            schedule(in: limits.readBodyTimeout, context: context, counter: ConnectionMetrics.bodyTimeout)
        case .body:
            break
        case .end:
            readingRequest = false
            if responsesPending > 0 {
                deadline?.cancel()
                deadline = nil
                gate.enter(.handling, context.channel)
            } else {
                awaitRequest(context: context)
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            responsesPending -= 1
            if responsesPending == 0, !readingRequest { awaitRequest(context: context) }
        }
        context.write(data, promise: promise)
    }

    private func awaitRequest(context: ChannelHandlerContext) {
        gate.enter(.awaitingRequest, context.channel)
        schedule(in: limits.readHeaderTimeout, context: context, counter: ConnectionMetrics.headTimeout)
    }

    private func schedule(in delay: Duration, context: ChannelHandlerContext, counter: Counter) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: TimeAmount(delay)) {
            counter.increment()
            channel.close(promise: nil)
        }
    }
}
