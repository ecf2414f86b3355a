public import LedgerStore
import Synchronization

/// How many failed token attempts an address may make in a window before it is refused 429 for the rest of it:
/// `LEDGER_AUTH_FAILURES` (default 20) and `LEDGER_AUTH_WINDOW_SECONDS` (default 60).
public struct AuthLimits: Sendable {
    public var failures: Int
    public var windowSeconds: Int

    public init(failures: Int = 20, windowSeconds: Int = 60) {
        self.failures = failures
        self.windowSeconds = windowSeconds
    }

    public init(_ reader: EnvironmentReader) throws {
        self.init(failures: try reader.integer("LEDGER_AUTH_FAILURES", default: 20, range: 1...1_000_000),
                  windowSeconds: try reader.integer("LEDGER_AUTH_WINDOW_SECONDS", default: 60, range: 1...86_400))
    }
}

/// Counts failed token attempts (401) per client address. Once an address has `failures` of them within a window
/// that began at its first, its requests are refused before any token lookup until the window ends. Memory is
/// bounded: at most `maxAddresses` are tracked; when full, ended windows are dropped, else the oldest one.
final class FailedTokenLimiter: Sendable {
    private struct Window {
        let started: ContinuousClock.Instant
        var failures: Int
    }

    let limits: AuthLimits
    let maxAddresses: Int
    private let windows = Mutex<[String: Window]>([:])

    init(limits: AuthLimits, maxAddresses: Int = 10_000) {
        self.limits = limits
        self.maxAddresses = maxAddresses
    }

    private var window: Duration { .seconds(limits.windowSeconds) }

    /// Seconds until `address` may try again, or nil when it may try now.
    func retryAfter(_ address: String, now: ContinuousClock.Instant = .now) -> Int? {
        windows.withLock { windows in
            guard let entry = windows[address], entry.failures >= limits.failures else { return nil }
            let remaining = entry.started + window - now
            guard remaining > .zero else {
                windows[address] = nil
                return nil
            }
            let (seconds, attoseconds) = remaining.components
            return Int(seconds) + (attoseconds > 0 ? 1 : 0)
        }
    }

    /// Counts a failed attempt from `address`.
    func recordFailure(_ address: String, now: ContinuousClock.Instant = .now) {
        windows.withLock { windows in
            if let entry = windows[address], now - entry.started < window {
                windows[address]?.failures += 1
                return
            }
            if windows[address] == nil && windows.count >= maxAddresses {
                windows = windows.filter { now - $0.value.started < window }
                if windows.count >= maxAddresses, let oldest = windows.min(by: { $0.value.started < $1.value.started }) {
                    windows[oldest.key] = nil
                }
            }
            windows[address] = Window(started: now, failures: 1)
        }
    }

    /// Addresses tracked now.
    var trackedAddresses: Int { windows.withLock { $0.count } }
}
