public import Hummingbird
import NIOCore

/// Per-request state of the console: the client's address, the language, and once signed in the session and the
/// fields of a posted form (whose CSRF token has been checked).
public struct ConsoleRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address (no port), or `unknown`: what the sign-in limiter counts by.
    let clientAddress: String
    var session: ConsoleSession?
    var form: [String: String] = [:]
    var language: Language = .chinese

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The session of a route behind `SessionGuard`.
    func requireSession() throws -> ConsoleSession {
        guard let session else { throw HTTPError(.unauthorized) }
        return session
    }
}
