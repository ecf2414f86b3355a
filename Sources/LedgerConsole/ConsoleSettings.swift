public import LedgerStore

/// The console's own settings, besides the ledger's (`LedgerConfiguration`) and the listener's.
///
/// | key | default |
/// |---|---|
/// | `LEDGER_CONSOLE_IDLE_MINUTES` | 15: a session unused this long is ended and its database connection closed |
public struct ConsoleSettings: Sendable {
    /// A session unused this long is ended.
    public var idleTimeout: Duration
    /// Whether the console is served over HTTPS: its cookies are then `Secure`.
    public var secure: Bool
    /// How many failed sign-ins are allowed per login, and per client address, within `signInWindow`.
    public var signInLimits: SignInLimits

    public init(idleTimeout: Duration = .seconds(15 * 60), secure: Bool = false, signInLimits: SignInLimits = .init()) {
        self.idleTimeout = idleTimeout
        self.secure = secure
        self.signInLimits = signInLimits
    }

    /// Reads `LEDGER_CONSOLE_IDLE_MINUTES` (1 to 480).
    public static func fromEnvironment(_ reader: EnvironmentReader, secure: Bool) throws -> ConsoleSettings {
        let minutes = try reader.integer("LEDGER_CONSOLE_IDLE_MINUTES", default: 15, range: 1...480)
        return ConsoleSettings(idleTimeout: .seconds(minutes * 60), secure: secure)
    }
}

/// Failed sign-ins allowed before further attempts are refused until the window has passed.
public struct SignInLimits: Sendable {
    /// Per login: 5 failures within the window, whichever address they come from.
    public var perLogin: Int
    /// Per client address: 20 failures within the window, whichever logins they try.
    public var perAddress: Int
    /// 15 minutes.
    public var window: Duration

    public init(perLogin: Int = 5, perAddress: Int = 20, window: Duration = .seconds(15 * 60)) {
        self.perLogin = perLogin
        self.perAddress = perAddress
        self.window = window
    }
}
