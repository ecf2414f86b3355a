import Foundation
import Testing

/// The HTTPS and slow-client tests, one at a time: each runs a ledgerd and many client processes or sockets, and
/// together they would crowd the tests that measure time.
@Suite(.serialized) enum ListenerSuites {}

/// Runs Debian's command-line tools (openssl, curl) under coreutils' `timeout`, so that no test waits forever.
enum Tool {
    typealias Outcome = Executables.Outcome

    /// Runs `arguments` (the program first, found on PATH), killed after `seconds`. The wait happens on a thread of
    /// its own, so that tests running tools in parallel do not hold up the threads of Swift's concurrency pool.
    @discardableResult
    static func run(_ arguments: [String], seconds: Int = 10) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    try Executables.runToCompletion(URL(fileURLWithPath: "/usr/bin/timeout"), ["-k", "2", "\(seconds)"] + arguments,
                                                   environment: ProcessInfo.processInfo.environment)
                })
            }.start()
        }
    }

    /// Runs `arguments` and records an issue (and throws) unless it exits 0.
    @discardableResult
    static func require(_ arguments: [String]) async throws -> Outcome {
        let outcome = try await run(arguments)
        guard outcome.status == 0 else {
            Issue.record("\(arguments.joined(separator: " ")) exited \(outcome.status): \(outcome.stderr)")
            throw CancellationError()
        }
        return outcome
    }

    /// Polls `condition` every 50 ms until it holds or `seconds` pass; returns whether it held.
    static func wait(seconds: Double, until condition: () throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try condition()
    }
}
