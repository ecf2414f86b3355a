import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// scripts/lib/watch-tests, the overall deadline of scripts/test: a run past it names the tests still running, stops
/// every process of the run and exits 124.
@Suite("the deadline of a test run")
struct TestRunDeadlineTests {
    static let watcher = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/lib/watch-tests")

    @Test("past the deadline: the tests still running are named, the run and its children are stopped, exit 124")
    func pastTheDeadline() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let childPID = scratch.appendingPathComponent("child.pid").path
        // A fake `swift test`: three tests start, one passes, one parameterised one passes, one hangs with a child.
        let fake = """
            echo '◇ Test run started.'
            echo '◇ Test quick() started.'
            echo '◇ Test "hangs forever" started.'
            echo '◇ Test cases(value:) started.'
            echo '◇ Test case passing 1 argument value → 1 to cases(value:) started.'
            echo '✔ Test quick() passed after 0.001 seconds.'
            echo '✔ Test cases(value:) with 1 test case passed after 0.002 seconds.'
            sleep 300 & echo $! > \(childPID)
            wait
            """
        let started = ContinuousClock.now
        let outcome = try Executables.runToCompletion(
            Self.watcher, ["2", scratch.appendingPathComponent("log").path, "--", "/bin/bash", "-c", fake],
            environment: ProcessInfo.processInfo.environment)
        #expect(outcome.status == 124)
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(outcome.stdout.contains("◇ Test quick() started."), "the output is streamed: \(outcome.stdout)")
        let report = outcome.stderr
        #expect(report.contains("LEDGER_TEST_TIMEOUT_SECONDS") && report.contains("- \"hangs forever\""), "\(report)")
        #expect(!report.contains("quick()") && !report.contains("cases(value:)") && !report.contains("- run"), "\(report)")
        let pid = try #require(Int32(try String(contentsOfFile: childPID, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // Gone, or a zombie waiting to be collected by whoever adopted it.
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: ")").last?
            .split(separator: " ").first
        #expect(state == nil || state == "Z", "the hanging test's child \(pid) is still running (state \(state ?? ""))")
    }

    @Test("within the deadline: the command's own exit status")
    func withinTheDeadline() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString.prefix(8)).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let outcome = try Executables.runToCompletion(Self.watcher, ["60", log.path, "--", "/bin/sh", "-c", "echo done; exit 3"],
                                                      environment: ProcessInfo.processInfo.environment)
        #expect(outcome.status == 3)
        #expect(outcome.stdout == "done\n")
    }
}
