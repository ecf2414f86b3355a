import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

@Suite("ledgerd")
struct LedgerdTests {
    @Test("with a database that is not there, ledgerd exits non-zero with one clear line")
    func unreachable() throws {
        let outcome = try Executables.run("ledgerd", [], environment: [
            "DATABASE_URL": LedgerctlTests.nowhere, "LEDGER_LISTEN": "127.0.0.1:0",
        ])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(outcome.stderr.hasPrefix("ledgerd: cannot connect to the database"))
    }

    @Test("a malformed setting is refused at start, naming the key")
    func badSetting() throws {
        let outcome = try Executables.run("ledgerd", [], environment: [
            "DATABASE_URL": try Executables.databaseURL(), "LEDGER_TZ": "Mars/Olympus",
        ])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("LEDGER_TZ"))
    }

    @Test("ledgerd serves /healthz and stops with exit status 0 on SIGTERM")
    func serveAndStop() async throws {
        _ = try Executables.ledgerctl("migrate")
        let port = Int.random(in: 20000...40000)
        let process = Process()
        process.executableURL = Executables.binDir.appendingPathComponent("ledgerd")
        process.environment = ProcessInfo.processInfo.environment.merging([
            "DATABASE_URL": try Executables.databaseURL(), "LEDGER_LISTEN": "127.0.0.1:\(port)",
        ]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        var status: Int?
        for _ in 0..<100 where status == nil {
            try await Task.sleep(for: .milliseconds(100))
            status = try? await healthStatus(port: port)
        }
        #expect(status == 200)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    func healthStatus(port: Int) async throws -> Int {
        let (_, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}
