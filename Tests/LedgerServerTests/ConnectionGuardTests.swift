import HTTPTypes
@testable import LedgerServer
import LedgerStore
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@Suite("connection cap and read deadlines")
struct ConnectionGuardTests {
    private func connection(_ gate: ConnectionGate) throws -> (EmbeddedChannel, Bool) {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, gate.admit(channel))
    }

    @Test("past the cap, a new connection takes the place of the one waiting longest; none waiting: it is refused")
    func cap() throws {
        let gate = ConnectionGate(capacity: 2)
        let (first, firstAdmitted) = try connection(gate)
        let (second, secondAdmitted) = try connection(gate)
        #expect(firstAdmitted && secondAdmitted)
        gate.enter(.handling, second)

        let (third, thirdAdmitted) = try connection(gate)
        #expect(thirdAdmitted)
        #expect(!first.isActive, "the waiting connection should have made room")
        #expect(second.isActive, "a connection whose request is being handled is never closed to make room")

        gate.enter(.handling, third)
        let (_, fourthAdmitted) = try connection(gate)
        #expect(!fourthAdmitted, "every connection has a request being handled: the new one is refused")
        #expect(second.isActive && third.isActive)

        _ = try second.finish()
        let (_, fifthAdmitted) = try connection(gate)
        #expect(fifthAdmitted, "a closed connection frees its place")
    }

    private func deadlineChannel() throws -> EmbeddedChannel {
        let limits = ConnectionLimits(maxConnections: 10, readHeaderTimeout: .seconds(10), readBodyTimeout: .seconds(30))
        let gate = ConnectionGate(capacity: 10)
        let channel = EmbeddedChannel()
        #expect(gate.admit(channel))
        try channel.pipeline.syncOperations.addHandler(RequestDeadlineHandler(limits: limits, gate: gate))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    private static let head = HTTPRequestPart.head(HTTPRequest(method: .post, scheme: nil, authority: "x", path: "/v1/meals"))

    @Test("the head must come within the head deadline of the connection being ready, the body within the body deadline")
    func deadlines() throws {
        let idle = try deadlineChannel()
        idle.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(idle.isActive)
        idle.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!idle.isActive, "no head within 10 s")

        let slowBody = try deadlineChannel()
        slowBody.embeddedEventLoop.advanceTime(by: .seconds(9))
        try slowBody.writeInbound(Self.head)
        slowBody.embeddedEventLoop.advanceTime(by: .seconds(29))
        try slowBody.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "{")))
        #expect(slowBody.isActive)
        slowBody.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!slowBody.isActive, "no end of body within 30 s of the head")
    }

    @Test("a request being handled is never cut; after its response the head deadline starts again")
    func handling() throws {
        let channel = try deadlineChannel()
        try channel.writeInbound(Self.head)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: .seconds(120))
        #expect(channel.isActive)
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test("ConnectionLimits: settings with their defaults; a cap the descriptor limit cannot hold is refused")
    func settings() throws {
        #expect(try ConnectionLimits.fromEnvironment(EnvironmentReader(environment: [:])) == ConnectionLimits())
        let read = try ConnectionLimits.fromEnvironment(EnvironmentReader(environment: [
            "LEDGER_MAX_CONNECTIONS": "20", "LEDGER_READ_HEADER_TIMEOUT_SECONDS": "3", "LEDGER_READ_BODY_TIMEOUT_SECONDS": "4",
        ]))
        #expect(read == ConnectionLimits(maxConnections: 20, readHeaderTimeout: .seconds(3), readBodyTimeout: .seconds(4)))
        #expect(throws: ConfigurationError.self) {
            try ConnectionLimits.fromEnvironment(EnvironmentReader(environment: ["LEDGER_READ_BODY_TIMEOUT_SECONDS": "0"]))
        }
        try ConnectionLimits(maxConnections: 512).check(descriptorLimit: 1024, reserved: 72)
        let error = #expect(throws: ConfigurationError.self) {
            try ConnectionLimits(maxConnections: 1000).check(descriptorLimit: 1024, reserved: 72)
        }
        #expect(error?.key == "LEDGER_MAX_CONNECTIONS")
        #expect(error?.message.contains("LimitNOFILE") == true)
    }
}
