import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// A plain TCP connection to 127.0.0.1 that sends what it is told, byte by byte if need be, and notices when the
/// server has closed it. Closed when released.
final class TrickleConnection {
    private let descriptor: Int32
    private(set) var closedByServer = false

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard descriptor >= 0, connected == 0 else {
            if descriptor >= 0 { close(descriptor) }
            throw POSIXError(.ECONNREFUSED)
        }
    }

    deinit { close(descriptor) }

    /// Sends `bytes`; a failure means the server has closed the connection.
    func send(_ bytes: String) {
        guard !closedByServer else { return }
        let sent = bytes.utf8CString.withUnsafeBufferPointer {
            Glibc.send(descriptor, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
        if sent < 0, errno != EAGAIN { closedByServer = true }
        _ = isOpen
    }

    /// False once the server has closed the connection (end of stream or reset); reads and drops what it sent.
    var isOpen: Bool {
        guard !closedByServer else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 { continue }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return true }
            closedByServer = true
            return false
        }
    }
}

/// CPU time (user and system) of a process so far, from /proc/PID/stat.
func cpuSeconds(of pid: Int32) throws -> Double {
    let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
    let fields = stat[stat.range(of: ") ")!.upperBound...].split(separator: " ")
    // Fields 14 and 15 of the file (utime, stime), counted after the command name: 12th and 13th.
    return (Double(fields[11])! + Double(fields[12])!) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

extension ListenerSuites {
    @Suite("slow clients")
    struct SlowClientTests {
        @Test("more trickling connections than the cap: the surplus makes room, /healthz answers within a second, deadlines cut the rest")
        func tricklingClients() async throws {
            let metricsPort = Int.random(in: 29000...32000)
            // Started with systemd's default soft limit of open files, which ledgerd raises to the hard limit.
            let daemon = try Daemon(environment: [
                "LEDGER_MAX_CONNECTIONS": "20", "LEDGER_READ_HEADER_TIMEOUT_SECONDS": "3",
                "LEDGER_READ_BODY_TIMEOUT_SECONDS": "2", "LEDGER_METRICS_LISTEN": "127.0.0.1:\(metricsPort)",
            ], launcher: ["/usr/bin/prlimit", "--nofile=1024:", "--"])
            try await daemon.waitUntilServing()
            let pid = daemon.process.processIdentifier
            let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
                .split(separator: "\n").first { $0.hasPrefix("Max open files") }?.split(separator: " ", omittingEmptySubsequences: true)
            #expect(limits?[3] == limits?[4], "ledgerd's soft limit of open files is not its hard limit: \(limits ?? [])")

            let started = ContinuousClock.now
            let cpuBefore = try cpuSeconds(of: pid)
            let head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + String(repeating: "z", count: 200)
            var slow = try (0..<40).map { _ in try TrickleConnection(port: daemon.port) }
            for connection in slow { connection.send("G") }
            func open() -> Int { slow.filter(\.isOpen).count }
            let heldToTheCap = try await Tool.wait(seconds: 1) { open() <= 20 }
            #expect(heldToTheCap, "more than the cap are open: \(open())")

            // A fresh client gets in while the slow ones are held: it takes the place of the one that waited longest.
            let health = try await Tool.run(["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code} %{time_total}",
                                       "http://127.0.0.1:\(daemon.port)/healthz"])
            let answer = health.stdout.split(separator: " ")
            #expect(answer.first == "200", "\(health.output)")
            #expect((Double(answer.last ?? "") ?? 99) < 1.0, "/healthz took \(answer.last ?? "?") s")
            #expect(open() >= 15, "the slow clients should still be held: \(open()) open")

            // Each trickles a byte every 50 ms and never finishes its head: the head deadline (3 s) cuts them all.
            var offset = 1
            let cut = try await Tool.wait(seconds: 6) {
                for connection in slow { connection.send(String(head[head.index(head.startIndex, offsetBy: offset)])) }
                offset = min(offset + 1, head.count - 1)
                return open() == 0
            }
            #expect(cut, "\(open()) slow clients still open after the head deadline")
            #expect(ContinuousClock.now - started > .milliseconds(2500), "the slow clients were cut before their deadline")
            slow = []

            // A body that trickles is cut by the body deadline (2 s).
            let body = try TrickleConnection(port: daemon.port)
            body.send("POST /v1/meals HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(daemon.token)\r\n"
                      + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
            let bodySent = ContinuousClock.now
            let bodyCut = try await Tool.wait(seconds: 5) {
                body.send(" ")
                return !body.isOpen
            }
            #expect(bodyCut, "a trickling body was not cut")
            #expect(ContinuousClock.now - bodySent > .milliseconds(1500))

            let elapsed = Double((ContinuousClock.now - started).components.seconds) + 0.5
            let cpu = try cpuSeconds(of: pid) - cpuBefore
            #expect(cpu < 0.25 * elapsed, "ledgerd used \(cpu) s of CPU in \(elapsed) s")

            let metrics = try await daemon.request("GET", "/metrics", port: metricsPort)
            let samples = try Prometheus.parse(metrics.body)
            #expect((samples[#"ledger_http_connections_closed_total{reason="made_room"}"#] ?? 0) >= 20, "\(metrics.body)")
            #expect((samples[#"ledger_http_connections_closed_total{reason="read_header_timeout"}"#] ?? 0) >= 15)
            #expect((samples[#"ledger_http_connections_closed_total{reason="read_body_timeout"}"#] ?? 0) >= 1)
            #expect(try await daemon.request("GET", "/healthz").status == 200)
            #expect(daemon.stop() == 0)
        }
    }
}
