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

    init(environment: [String: String] = [:], databaseURL: String? = nil) throws {
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

        process.executableURL = Executables.binDir.appendingPathComponent("ledgerd")
        process.environment = ProcessInfo.processInfo.environment.merging([
            "DATABASE_URL": databaseURL, "LEDGER_LISTEN": "127.0.0.1:0",
            "LEDGER_DAILY_LIMIT": "10000", "LEDGER_LOG_LEVEL": "notice",
        ].merging(environment) { $1 }) { $1 }
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: logFile)
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: logFile)
    }

    /// Waits until ledgerd logs its port and `/healthz` answers 200 (at most 30 s).
    func waitUntilServing() async throws {
        for _ in 0..<300 {
            if port == 0, let match = log.firstMatch(of: /http\.port"?[=:]"?(\d+)/) { port = Int(match.1) ?? 0 }
            if port != 0, (try? await request("GET", "/healthz").status) == 200 { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("ledgerd did not serve /healthz within 30 s; its log: \(log)")
        throw CancellationError()
    }

    func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : -1
    }

    /// Sends a request with this daemon's terminal token, or another one.
    func request(
        _ method: String, _ path: String, token: String? = nil, body: String? = nil, port: Int? = nil
    ) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port ?? self.port)\(path)")!)
        request.httpMethod = method
        request.setValue("Bearer \(token ?? self.token)", forHTTPHeaderField: "Authorization")
        request.httpBody = body.map { Data($0.utf8) }
        // Foundation would send a body as a form otherwise, which ledgerd refuses (415).
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        request.timeoutInterval = 60
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    func mealJSON(id: String = UUID().uuidString) -> String {
        let now = ISO8601DateFormatter().string(from: Date())
        return #"{"id":"\#(id)","card_no":"\#(card)","occurred_at":"\#(now)","gross_fen":2000}"#
    }
}
