import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A `ledgerd` started for one test on a port the system picks (read back from its log), with a restaurant, a
/// terminal token and a card made by `ledgerctl`. `stop()` sends SIGTERM and returns the exit status.
final class Daemon {
    let process = Process()
    /// The API's port, known once `waitUntilServing()` returns.
    private(set) var port = 0
    let token: String
    let card: String

    /// Uses `databaseURL`, by default the test database.
    /// ledgerd's standard output, the log.
    let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("ledgerd-\(UUID().uuidString.prefix(8)).log")

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// `launcher`, when given, runs ledgerd (e.g. `prlimit --nofile=…`); it must exec ledgerd in its own process.
    init(environment: [String: String] = [:], databaseURL: String? = nil, launcher: [String] = []) throws {
        let databaseURL = try databaseURL ?? Executables.databaseURL()
        func ledgerctl(_ arguments: String...) throws -> Executables.Outcome {
            try Executables.run("ledgerctl", arguments, environment: ["DATABASE_URL": databaseURL])
        }
        _ = try ledgerctl("migrate")
        let code = "D" + UUID().uuidString.prefix(7)
        _ = try ledgerctl("restaurant", "add", "--code", code, "--name", "Daemon test", "--community", "C", "--rate", "8500")
        token = try ledgerctl("terminal", "add", "--restaurant", code, "--name", "till").lastLine
        card = "DC" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12)
        let csv = FileManager.default.temporaryDirectory.appendingPathComponent("\(card).csv")
        try "\(card),Test,veteran,1940-01-01,,,,active,,\n".write(to: csv, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: csv) }
        _ = try ledgerctl("cards", "import", csv.path)

        let ledgerd = Executables.binDir.appendingPathComponent("ledgerd")
        process.executableURL = launcher.first.map { URL(fileURLWithPath: $0) } ?? ledgerd
        process.arguments = launcher.isEmpty ? [] : launcher.dropFirst() + [ledgerd.path]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "DATABASE_URL": databaseURL, "LEDGER_LISTEN": "127.0.0.1:0", "LEDGER_CONSOLE_LISTEN": "127.0.0.1:0",
            "LEDGER_DAILY_LIMIT": "10000", "LEDGER_LOG_LEVEL": "notice",
        ].merging(environment) { $1 }) { $1 }
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: logFile)
        try process.run()
    }

    deinit {
        if process.isRunning {
            process.terminate()
            Deadlines.waitForExit(process, within: Deadlines.shutdown, what: "ledgerd (left running by its test) after SIGTERM")
        }
        try? FileManager.default.removeItem(at: logFile)
    }

    /// Waits until ledgerd logs its port and `/healthz` answers 200, or `isHealthy(port)` for a listener that plain
    /// HTTP cannot ask (HTTPS), at most 120 s (a loaded CI machine with several daemons starting at once is slow; a
    /// hang is not).
    func waitUntilServing(isHealthy: ((Int) async -> Bool)? = nil) async throws {
        let end = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < end {
            // The API's line, not the console's (which logs its own port).
            if port == 0, let line = log.split(separator: "\n").first(where: { $0.contains("ledgerd is serving") }),
                let match = line.firstMatch(of: /http\.port"?[=:]"?(\d+)/) {
                port = Int(match.1) ?? 0
            }
            if port != 0, let isHealthy {
                if await isHealthy(port) { return }
            } else if port != 0, (try? await request("GET", "/healthz", timeout: 10).status) == 200 { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("ledgerd did not serve /healthz within 120 s; its log: \(log)")
        throw CancellationError()
    }

    /// Sends SIGTERM and waits for the exit, at most `Deadlines.shutdown` (then it is killed: -1).
    func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        return waitForExit()
    }

    /// Waits for ledgerd to exit by itself, at most `Deadlines.shutdown`; its exit status, or -1 when it was
    /// killed or died of a signal.
    func waitForExit(sourceLocation: SourceLocation = #_sourceLocation) -> Int32 {
        guard Deadlines.waitForExit(process, within: Deadlines.shutdown, what: "ledgerd's exit after SIGTERM",
                                    sourceLocation: sourceLocation)
        else { return -1 }
        return process.terminationReason == .exit ? process.terminationStatus : -1
    }

    /// Sends a request with this daemon's terminal token, or another one.
    func request(
        _ method: String, _ path: String, token: String? = nil, body: String? = nil, port: Int? = nil,
        timeout: TimeInterval = 30
    ) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port ?? self.port)\(path)")!)
        request.httpMethod = method
        request.setValue("Bearer \(token ?? self.token)", forHTTPHeaderField: "Authorization")
        request.httpBody = body.map { Data($0.utf8) }
        // Foundation would send a body as a form otherwise, which ledgerd refuses (415).
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        request.timeoutInterval = timeout
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// A GET without a token, for a closure that must not hold the daemon itself.
    static func get(_ path: String, port: Int) async throws -> String {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.timeoutInterval = 10
        return String(decoding: try await URLSession.shared.data(for: request).0, as: UTF8.self)
    }

    func mealJSON(id: String = UUID().uuidString) -> String {
        let now = ISO8601DateFormatter().string(from: Date())
        return #"{"id":"\#(id)","card_no":"\#(card)","occurred_at":"\#(now)","gross_fen":2000}"#
    }
}
