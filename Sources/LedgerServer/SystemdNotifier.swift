public import Foundation
import Logging
public import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd how the daemon is doing (`sd_notify`): `READY=1` once it serves, `STOPPING=1` when it begins to stop,
/// and `WATCHDOG=1` pings at half of `WATCHDOG_USEC` while it runs. Without `NOTIFY_SOCKET` every call does nothing.
public struct SystemdNotifier: Sendable {
    /// The socket path from `NOTIFY_SOCKET`; a leading `@` names an abstract socket.
    let socketPath: String?
    /// How often to ping the watchdog, from `WATCHDOG_USEC`.
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        watchdogInterval = environment["WATCHDOG_USEC"].flatMap(Int64.init).map { .microseconds($0 / 2) }
    }

    public func ready() { send("READY=1") }
    public func stopping() { send("STOPPING=1") }

    /// Sends one datagram; failures are ignored, as sd_notify does: systemd's supervision is advisory here.
    func send(_ message: String) {
        guard let socketPath else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        _ = message.withCString { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, text, strlen(text), 0, socketAddress, length)
                }
            }
        }
    }
}

/// Pings systemd's watchdog while the daemon runs, and says `STOPPING=1` when graceful shutdown begins.
public struct SystemdService: Service {
    let notifier: SystemdNotifier

    public init(notifier: SystemdNotifier) {
        self.notifier = notifier
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            guard let interval = notifier.watchdogInterval else {
                try? await gracefulShutdown()
                return
            }
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                notifier.send("WATCHDOG=1")
                try? await Task.sleep(for: interval)
            }
        } onGracefulShutdown: {
            notifier.stopping()
        }
    }
}
