import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Deadlines for the waits of these tests: a test that waits for a process or a condition gives up after a bounded
/// time, says what it waited for, and stops what it started, so that a run never hangs.
enum Deadlines {
    /// How long a `ledgerctl` command, `psql` or another short program may take.
    static let command: Duration = .seconds(120)
    /// How long `ledgerd` may take to stop after SIGTERM (its graceful shutdown is at most 10 s).
    static let shutdown: Duration = .seconds(60)

    /// Waits until `process` has exited, at most `limit`. Past it, records an issue naming `what`, kills the
    /// process (SIGTERM, then SIGKILL after 2 s) and returns false.
    @discardableResult
    static func waitForExit(
        _ process: Process, within limit: Duration, what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) -> Bool {
        let end = ContinuousClock.now + limit
        while process.isRunning && ContinuousClock.now < end { Thread.sleep(forTimeInterval: 0.02) }
        if !process.isRunning { return true }
        Issue.record("\(what) did not finish within \(limit); killed it", sourceLocation: sourceLocation)
        kill(process.processIdentifier, SIGTERM)
        let killAt = ContinuousClock.now + .seconds(2)
        while process.isRunning && ContinuousClock.now < killAt { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        return false
    }

    /// Polls `condition` every 50 ms until it holds, at most `limit`; past it, records an issue naming `what` and
    /// throws.
    static func waitUntil(
        _ what: String, within limit: Duration, sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: () async throws -> Bool
    ) async throws {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("gave up after \(limit) waiting for \(what)", sourceLocation: sourceLocation)
        throw CancellationError()
    }
}
