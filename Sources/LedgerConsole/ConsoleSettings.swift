public import LedgerStore

/// The console's own settings, besides the ledger's (`LedgerConfiguration`) and the listener's.
///
/// | key | default |
/// |---|---|
/// | `LEDGER_CONSOLE_IDLE_MINUTES` | 15: a session unused this long is ended and its database connection closed |
/// | `LEDGER_CONSOLE_APPROVAL_TOTP` | `off`; `required`: approving a close asks for the approver's one-time code |
/// | `LEDGER_CONSOLE_PDF_SCRIPT` | unset (no PDF download); the path of `scripts/lib/print-pdf.py`, run with Chromium |
public struct ConsoleSettings: Sendable {
    /// A session unused this long is ended.
    public var idleTimeout: Duration
    /// Whether the console is served over HTTPS: its cookies are then `Secure`.
    public var secure: Bool
    /// How many failed sign-ins are allowed per login, and per client address, within `signInWindow`.
    public var signInLimits: SignInLimits
    /// Whether approving a close asks for the approver's one-time code (TOTP), checked against the secret the owner
    /// enrolled for their login (`ledgerctl staff totp enroll`).
    public var approvalTOTP: Bool
    /// How a month's report is printed to PDF.
    public var pdf: PDFSettings

    public init(
        idleTimeout: Duration = .seconds(15 * 60), secure: Bool = false, signInLimits: SignInLimits = .init(),
        approvalTOTP: Bool = false, pdf: PDFSettings = .init()
    ) {
        self.idleTimeout = idleTimeout
        self.secure = secure
        self.signInLimits = signInLimits
        self.approvalTOTP = approvalTOTP
        self.pdf = pdf
    }

    /// Reads `LEDGER_CONSOLE_IDLE_MINUTES` (1 to 480), `LEDGER_CONSOLE_APPROVAL_TOTP` (required or off) and
    /// `LEDGER_CONSOLE_PDF_SCRIPT`.
    public static func fromEnvironment(_ reader: EnvironmentReader, secure: Bool) throws -> ConsoleSettings {
        let minutes = try reader.integer("LEDGER_CONSOLE_IDLE_MINUTES", default: 15, range: 1...480)
        let totp: Bool
        switch reader.string("LEDGER_CONSOLE_APPROVAL_TOTP") ?? "off" {
        case "required": totp = true
        case "off": totp = false
        case let other:
            throw ConfigurationError(key: "LEDGER_CONSOLE_APPROVAL_TOTP", message: "'\(other)' is neither required nor off")
        }
        return ConsoleSettings(idleTimeout: .seconds(minutes * 60), secure: secure, approvalTOTP: totp,
                               pdf: PDFSettings(script: reader.string("LEDGER_CONSOLE_PDF_SCRIPT")))
    }
}

/// How the console prints a month's report to PDF: `scripts/lib/print-pdf.py` (the printer of `scripts/report-pdf`)
/// with Python and Chromium, within a deadline.
public struct PDFSettings: Sendable {
    /// The path of print-pdf.py; nil: PDF downloads answer 503 saying how to set it.
    public var script: String?
    /// Chromium's command, looked up on PATH unless it holds a slash.
    public var browser: String
    /// Chromium is killed after this long.
    public var timeoutSeconds: Int

    public init(script: String? = nil, browser: String = "chromium", timeoutSeconds: Int = 60) {
        self.script = script
        self.browser = browser
        self.timeoutSeconds = timeoutSeconds
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
