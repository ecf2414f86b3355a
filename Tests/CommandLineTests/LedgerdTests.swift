import Foundation
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
        let daemon = try Daemon()
        try await daemon.waitUntilServing()
        let health = try await daemon.request("GET", "/healthz")
        #expect(health.status == 200)
        #expect(health.body == #"{"status":"ok"}"#)
        #expect(daemon.stop() == 0)
    }
}
