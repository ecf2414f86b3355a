import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// A throwaway PostgreSQL cluster of this test's own, so that it can be stopped and started without disturbing the
/// other tests. Run as user `postgres` when the tests run as root (initdb refuses root).
final class ThrowawayCluster {
    let directory: URL
    /// Below Linux's ephemeral range (32768 and up), where outgoing connections could hold it.
    let port = Int.random(in: 11000...19000)
    static let binaries = "/usr/lib/postgresql/15/bin"

    var url: String { "postgresql://postgres@127.0.0.1:\(port)/postgres" }

    init() throws {
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("ledger-outage-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try run("/bin/chown", ["postgres", directory.path], asPostgres: false) }
        try run("\(Self.binaries)/initdb", ["-D", directory.appendingPathComponent("data").path, "-U", "postgres", "-A", "trust", "-E", "UTF8"])
        try start()
    }

    deinit {
        try? run("\(Self.binaries)/pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    func start() throws {
        try run("\(Self.binaries)/pg_ctl", [
            "-D", directory.appendingPathComponent("data").path, "-w", "-l", directory.appendingPathComponent("log").path,
            "-o", "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off", "start",
        ])
    }

    func stop() throws {
        try run("\(Self.binaries)/pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-w", "-m", "fast", "stop"])
    }

    /// Runs a command to completion (with `posix_spawn` and `waitpid`: `pg_ctl start` leaves a server behind, which
    /// Foundation's `Process` does not always notice the end of).
    private func run(_ program: String, _ arguments: [String], asPostgres: Bool = true) throws {
        let command = asPostgres && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] + arguments : [program] + arguments
        // From the root folder, which user postgres can always enter.
        let argv = ["/bin/sh", "-c", #"cd / && exec "$0" "$@""#] + command
        var pid = pid_t()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        // Nothing else of this process: the server that `pg_ctl start` leaves behind would otherwise hold the pipes
        // and sockets that other tests have open at this moment, and a test reading such a pipe to its end would
        // wait for this cluster to stop.
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            Issue.record("glibc lacks posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or newer has it)")
            throw CancellationError()
        }
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        guard posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ) == 0 else {
            Issue.record("cannot start \(argv[0])")
            throw CancellationError()
        }
        // pg_ctl waits at most 60 s itself (-t); initdb takes seconds.
        var status: Int32 = 0
        let end = ContinuousClock.now + .seconds(90)
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid || (waited == -1 && errno != EINTR) { break }
            guard ContinuousClock.now < end else {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                Issue.record("\(command.joined(separator: " ")) did not finish within 90 s; killed it")
                throw CancellationError()
            }
            usleep(20_000)
        }
        guard status == 0 else {
            Issue.record("\(argv.joined(separator: " ")) failed with wait status \(status)")
            throw CancellationError()
        }
    }
}

@Suite("database outage")
struct OutageTests {
    @Test("PostgreSQL stopped and started during a stream of posts: only 201 or 503, nothing acknowledged is lost, and posts succeed again without a restart")
    func outage() async throws {
        let cluster = try ThrowawayCluster()
        let daemon = try Daemon(databaseURL: cluster.url)
        try await daemon.waitUntilServing()

        var acknowledged: [String] = []
        var statuses: [Int: Int] = [:]
        var healthWhileDown = 0
        let started = ContinuousClock.now
        var phase = 0
        while ContinuousClock.now - started < .seconds(8) {
            let elapsed = ContinuousClock.now - started
            if phase == 0 && elapsed > .seconds(2) {
                try cluster.stop()
                healthWhileDown = try await daemon.request("GET", "/healthz").status
                phase = 1
            } else if phase == 1 && elapsed > .seconds(4) {
                try cluster.start()
                phase = 2
            }
            let id = UUID().uuidString.lowercased()
            let status = try await daemon.request("POST", "/v1/meals", body: daemon.mealJSON(id: id)).status
            statuses[status, default: 0] += 1
            if status == 201 { acknowledged.append(id) }
        }
        #expect(Set(statuses.keys).isSubset(of: [201, 503]), "statuses: \(statuses)")
        #expect((statuses[503] ?? 0) > 0, "the outage was not seen: \(statuses)")
        #expect(healthWhileDown == 503)
        let last = try await daemon.request("POST", "/v1/meals", body: daemon.mealJSON())
        #expect(last.status == 201)
        #expect(try await daemon.request("GET", "/healthz").status == 200)
        #expect(daemon.stop() == 0)

        let stored = Set(try Executables.sql(
            "SELECT id FROM ledger.entries WHERE card_no = '\(daemon.card)'", databaseURL: cluster.url
        ).split(separator: "\n").map(String.init))
        #expect(Set(acknowledged).isSubset(of: stored), "acknowledged but missing: \(Set(acknowledged).subtracting(stored))")
        #expect(acknowledged.count > 10)
    }
}
