import Logging
import Synchronization

/// Database failures, logged without flooding: the first failure of an outage is one warning with its detail, then
/// one warning line per interval with how many answers were 503 meanwhile, until an interval passes without any.
/// A 10-second outage under load is a handful of lines, not one per request.
final class OutageLog: Sendable {
    /// The log of the daemon's database failures.
    static let shared = OutageLog()

    private struct State {
        /// An outage is being summarised: a summary is due at the end of the current interval.
        var open = false
        var count = 0
        var lastError = ""
    }

    let interval: Duration
    private let logger: Logger
    private let state = Mutex(State())

    init(interval: Duration = .seconds(5), logger: Logger = Logger(label: "ledgerd")) {
        self.interval = interval
        self.logger = logger
    }

    /// Notes one answer of 503 because of `error`.
    func record(_ error: any Error) {
        let detail = String(reflecting: error)
        let first = state.withLock { state in
            state.lastError = detail
            if state.open {
                state.count += 1
                return false
            }
            state.open = true
            return true
        }
        guard first else { return }
        logger.warning("database unavailable: answering 503 unavailable; further failures are counted and logged every \(seconds) s",
                       metadata: ["error": .string(detail)])
        scheduleSummary()
    }

    private var seconds: Int64 { interval.components.seconds }

    private func scheduleSummary() {
        Task {
            try? await Task.sleep(for: interval)
            summarise()
        }
    }

    /// Logs how many failures the last interval had, or ends the outage when it had none.
    func summarise() {
        let (count, detail) = state.withLock { state in
            defer { state.count = 0 }
            if state.count == 0 { state.open = false }
            return (state.count, state.lastError)
        }
        guard count > 0 else { return }
        logger.warning("database unavailable: \(count) more 503 answer\(count == 1 ? "" : "s") in the last \(seconds) s",
                       metadata: ["error": .string(detail)])
        scheduleSummary()
    }
}
