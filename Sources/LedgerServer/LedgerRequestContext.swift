public import Hummingbird
public import LedgerStore
import Logging
import NIOCore

/// Per-request state: Hummingbird's core storage and, once authenticated, the calling terminal.
public struct LedgerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `TerminalAuthenticator` on every `/v1` route.
    public var terminal: TerminalIdentity?
    /// Shared with the request log, which runs outside the authenticator.
    let facts = RequestFacts()
    /// The peer's IP address (no port), or `unknown`: what the failed-token limiter counts by.
    let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.terminal = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The authenticated terminal; only `/v1` routes ask, and those sit behind the authenticator.
    func requireTerminal() throws -> TerminalIdentity {
        guard let terminal else { throw APIError.unauthorized }
        return terminal
    }
}
