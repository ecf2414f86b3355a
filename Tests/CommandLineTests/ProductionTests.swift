import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import Testing

@Suite("ledgerd in production")
struct ProductionTests {
    @Test("READY=1 reaches NOTIFY_SOCKET once it serves, STOPPING=1 when it stops, and SIGTERM exits 0")
    func systemdNotify() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        let socket = try DatagramSocket(path: path)
        let daemon = try Daemon(environment: ["NOTIFY_SOCKET": path])
        try await daemon.waitUntilServing()
        #expect(socket.receive(timeoutSeconds: 5) == "READY=1")
        #expect(daemon.stop() == 0)
        #expect(socket.receive(timeoutSeconds: 5) == "STOPPING=1")
    }

    @Test("SIGTERM with a batch in flight finishes it, then exits 0")
    func gracefulShutdown() async throws {
        let daemon = try Daemon()
        try await daemon.waitUntilServing()
        let ids = (0..<1000).map { _ in UUID().uuidString.lowercased() }
        let batch = #"{"meals":["# + ids.map { daemon.mealJSON(id: $0) }.joined(separator: ",") + "]}"
        let port = daemon.port, card = daemon.card
        let started = ContinuousClock.now
        async let answer = daemon.request("POST", "/v1/meals/batch", body: batch)
        try await Task.sleep(for: .milliseconds(200))
        // On a loaded machine 200 ms may not be enough for the request to arrive, and a SIGTERM before would refuse
        // it: wait until ledgerd works on it (its active-requests gauge) or has stored some of it.
        try await Deadlines.waitUntil("the batch to reach ledgerd", within: .seconds(60)) {
            let metrics = try Prometheus.parse(try await Daemon.get("/metrics", port: port))
            let working = metrics.contains { $0.key.hasPrefix("http_server_active_requests") && $0.key.contains("POST") && $0.value >= 1 }
            return try working || Executables.sql("SELECT count(*) FROM ledger.entries WHERE card_no = '\(card)'") != "0"
        }
        kill(daemon.process.processIdentifier, SIGTERM)
        let (status, body) = try await answer
        // The batch was still being worked on when SIGTERM came.
        #expect(ContinuousClock.now - started > .milliseconds(250))
        #expect(status == 200)
        #expect(body.components(separatedBy: #""status":201"#).count - 1 == 1000)
        #expect(Deadlines.waitForExit(daemon.process, within: Deadlines.shutdown, what: "ledgerd's exit after SIGTERM"))
        #expect(daemon.process.terminationStatus == 0)
        #expect(try Executables.sql("SELECT count(*) FROM ledger.entries WHERE card_no = '\(daemon.card)'") == "1000")
    }

    @Test("/metrics is Prometheus text and its counters move with the traffic; LEDGER_METRICS_LISTEN moves it")
    func metrics() async throws {
        let daemon = try Daemon()
        try await daemon.waitUntilServing()
        let before = try Prometheus.parse(try await daemon.request("GET", "/metrics").body)
        for _ in 0..<3 { #expect(try await daemon.request("POST", "/v1/meals", body: daemon.mealJSON()).status == 201) }
        let after = try Prometheus.parse(try await daemon.request("GET", "/metrics").body)
        let created = #"ledger_meals_recorded_total{outcome="created"}"#
        #expect((after[created] ?? 0) - (before[created] ?? 0) == 3)
        let poolMetrics = after.keys.filter { $0.hasPrefix("ledger_db_pool_connections") }
        #expect(!poolMetrics.isEmpty)
        #expect((after[#"ledger_http_requests_total{method="POST",route="/v1/meals",status="201"}"#] ?? 0) >= 3)
        #expect(daemon.stop() == 0)

        // Below Linux's ephemeral range (32768 and up), where outgoing connections could hold it.
        let metricsPort = Int.random(in: 29000...32000)
        let separate = try Daemon(environment: ["LEDGER_METRICS_LISTEN": "127.0.0.1:\(metricsPort)"])
        try await separate.waitUntilServing()
        #expect(try await separate.request("GET", "/metrics").status == 404)
        let elsewhere = try await separate.request("GET", "/metrics", port: metricsPort)
        #expect(elsewhere.status == 200)
        #expect(try !Prometheus.parse(elsewhere.body).isEmpty)
        #expect(separate.stop() == 0)
    }

    @Test("one log line per request with id, terminal, route, status and duration; never the token or the card number")
    func requestLog() async throws {
        let daemon = try Daemon(environment: ["LEDGER_LOG_LEVEL": "info", "LEDGER_LOG_FORMAT": "json"])
        try await daemon.waitUntilServing()
        #expect(try await daemon.request("POST", "/v1/meals", body: daemon.mealJSON()).status == 201)
        #expect(try await daemon.request("GET", "/v1/cards/\(daemon.card)").status == 200)
        #expect(daemon.stop() == 0)
        let lines = daemon.log.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
        let requests = lines.filter { $0["message"] == "request" && $0["http.route"]?.hasPrefix("/v1") == true }
        #expect(requests.count == 2)
        for line in requests {
            #expect(line["hb.request.id"]?.isEmpty == false)
            #expect(line["ledger.terminal"]?.hasSuffix("/till") == true)
            #expect(line["http.status"] != nil)
            #expect(Int(line["http.duration_us"] ?? "") != nil)
        }
        let routes = requests.map { $0["http.route"] }
        #expect(routes == ["/v1/meals", "/v1/cards/{card_no}"])
        #expect(!daemon.log.contains(daemon.token))
        #expect(!daemon.log.contains(daemon.card))
    }

    @Test("every systemd unit passes systemd-analyze verify")
    func systemdUnits() throws {
        let analyzer = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyzer) else {
            Issue.record("systemd-analyze is missing: install Debian's systemd package")
            return
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd")
        let units = try FileManager.default.contentsOfDirectory(atPath: source.path)
            .filter { $0.hasSuffix(".service") || $0.hasSuffix(".timer") }.sorted()
        #expect(units == ["ledger-reconcile.service", "ledger-reconcile.timer", "ledgerd.service"])
        // The units name the installed binaries; verify them against the ones just built.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        for unit in units {
            let text = try String(contentsOf: source.appendingPathComponent(unit), encoding: .utf8)
                .replacingOccurrences(of: "/usr/local/bin/", with: Executables.binDir.path + "/")
            try text.write(to: scratch.appendingPathComponent(unit), atomically: true, encoding: .utf8)
        }
        let outcome = try Executables.runToCompletion(
            URL(fileURLWithPath: analyzer), ["verify", "--man=no"] + units.map { scratch.appendingPathComponent($0).path },
            environment: ProcessInfo.processInfo.environment)
        let output = outcome.stderr
        #expect(outcome.status == 0, "systemd-analyze verify: \(output)")
        #expect(output.isEmpty, "systemd-analyze verify: \(output)")
    }
}

/// Reads the Prometheus text format: `name{labels} value` lines, `#` comments; anything else is an error.
enum Prometheus {
    struct FormatError: Error { let line: String }

    static func parse(_ text: String) throws -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]),
                line.first.map({ $0.isLetter || $0 == "_" }) == true
            else { throw FormatError(line: String(line)) }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}

/// A Unix datagram socket bound to a path, standing in for systemd's notify socket.
final class DatagramSocket {
    let fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw CancellationError() }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// The next datagram as text, or nil after the timeout.
    func receive(timeoutSeconds: Int) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeoutSeconds * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }
}
