import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// What a new operator tries first: `--version` and `--help` of both executables, and what ledgerd says when it
/// cannot listen.
@Suite("--version, --help and start-up messages")
struct CommandLineHelpTests {
    @Test("ledgerd and ledgerctl print the same version; ledgerd --version starts nothing")
    func versions() throws {
        // A database that does not exist: --version must not get as far as connecting.
        let nowhere = ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "LEDGER_LISTEN": "127.0.0.1:1"]
        let daemon = try Executables.run("ledgerd", ["--version"], environment: nowhere)
        let control = try Executables.run("ledgerctl", ["--version"], environment: nowhere)
        #expect(daemon.status == 0 && control.status == 0, "\(daemon.stderr) \(control.stderr)")
        let daemonVersion = try #require(daemon.stdout.firstMatch(of: /^ledgerd (\d+\.\d+\.\d+\S*)\n$/)?.1)
        let controlVersion = try #require(control.stdout.firstMatch(of: /^ledgerctl (\d+\.\d+\.\d+\S*)\n$/)?.1)
        #expect(daemonVersion == controlVersion)
    }

    @Test("ledgerd --help names its settings and starts nothing; an unknown argument exits 2; ledgerctl --help lists its commands")
    func help() throws {
        let nowhere = ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"]
        let help = try Executables.run("ledgerd", ["--help"], environment: nowhere)
        #expect(help.status == 0)
        for setting in ["DATABASE_URL", "LEDGER_LISTEN", "LEDGER_METRICS_LISTEN", "LEDGER_TZ", "LEDGER_CONFIG", "LEDGER_LOG_LEVEL"] {
            #expect(help.stdout.contains(setting), "ledgerd --help does not mention \(setting)")
        }
        #expect(!help.stdout.contains("ledgerd is serving") && help.stderr.isEmpty)

        let unknown = try Executables.run("ledgerd", ["--port", "80"], environment: nowhere)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("'--port'") && unknown.stderr.contains("--help"), "\(unknown.stderr)")

        let control = try Executables.run("ledgerctl", ["--help"], environment: nowhere)
        #expect(control.status == 0)
        for command in ["migrate", "restaurant", "terminal", "cards", "reconcile", "--version"] {
            #expect(control.stdout.contains(command), "ledgerctl --help does not mention \(command)")
        }
    }

    @Test("an address that another program holds: ledgerd exits 1 naming the address and the setting that changes it", arguments: [
        "LEDGER_LISTEN", "LEDGER_METRICS_LISTEN",
    ])
    func addressInUse(setting: String) throws {
        let holder = try ListeningSocket()
        let address = "127.0.0.1:\(holder.port)"
        var environment = ["DATABASE_URL": try Executables.databaseURL(), "LEDGER_LISTEN": "127.0.0.1:0"]
        environment[setting] = address
        let outcome = try Executables.run("ledgerd", [], environment: environment)
        #expect(outcome.status == 1)
        let message = outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(message.contains(address) && message.contains(setting) && message.contains("already in use"), "\(message)")
        #expect(!message.contains("errno"), "the message should be for people, not the bare system error: \(message)")
        #expect(message.split(separator: "\n").count == 1, "one line: \(message)")
    }
}

/// A TCP socket listening on 127.0.0.1 on a port the system picks, held until the value goes away.
final class ListeningSocket {
    let fd: Int32
    private(set) var port = 0

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard fd >= 0, bound else {
            Issue.record("cannot listen on 127.0.0.1: errno \(errno)")
            throw CancellationError()
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}
