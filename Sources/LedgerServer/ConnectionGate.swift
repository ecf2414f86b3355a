import Metrics
import NIOCore
import Synchronization

/// Caps the open connections of one listener. A connection past the cap takes the place of the connection that has
/// waited longest without a request being handled (idle, or still sending its head or body); when every connection has
/// a request being handled, the new one is closed at once, before any byte is read or TLS handshake is made.
/// So slow clients cannot lock fast ones out, and the descriptors in use stay bounded.
final class ConnectionGate: Sendable {
    /// Where a connection stands; only `handling` protects it from making room for a newer one.
    enum Phase {
        case awaitingRequest, readingRequest, handling
    }

    private struct Connection {
        let channel: any Channel
        var phase: Phase
        var since: ContinuousClock.Instant
    }

    let capacity: Int
    private let connections = Mutex<[ObjectIdentifier: Connection]>([:])

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Registers a newly accepted connection and returns true, or returns false when it must be closed unread.
    func admit(_ channel: any Channel) -> Bool {
        let key = ObjectIdentifier(channel)
        let (admitted, displaced, open) = connections.withLock {
            connections -> (Bool, (any Channel)?, Int) in
            var displaced: (any Channel)?
            if connections.count >= capacity {
                let waiting = connections.lazy.filter { $0.value.phase != .handling }
                guard let oldest = waiting.min(by: { $0.value.since < $1.value.since }) else {
                    return (false, nil, connections.count)
                }
                displaced = connections.removeValue(forKey: oldest.key)?.channel
            }
            connections[key] = Connection(channel: channel, phase: .awaitingRequest, since: .now)
            return (true, displaced, connections.count)
        }
        ConnectionMetrics.open.record(open)
        guard admitted else {
            ConnectionMetrics.refused.increment()
            return false
        }
        if let displaced {
            ConnectionMetrics.madeRoom.increment()
            displaced.close(promise: nil)
        }
        channel.closeFuture.whenComplete { _ in
            let open = self.connections.withLock { connections in
                connections.removeValue(forKey: key)
                return connections.count
            }
            ConnectionMetrics.open.record(open)
        }
        return true
    }

    /// Records that a connection moved to `phase`.
    func enter(_ phase: Phase, _ channel: any Channel) {
        connections.withLock { connections in
            connections[ObjectIdentifier(channel)]?.phase = phase
            connections[ObjectIdentifier(channel)]?.since = .now
        }
    }
}

/// Counters of the connection cap and the read deadlines, on `/metrics`.
enum ConnectionMetrics {
    static let open = Gauge(label: "ledger_http_connections_open")
    static let refused = Counter(label: "ledger_http_connections_refused_total")
    static let madeRoom = Counter(label: "ledger_http_connections_closed_total", dimensions: [("reason", "made_room")])
    static let headTimeout = Counter(
        label: "ledger_http_connections_closed_total", dimensions: [("reason", "read_header_timeout")])
    static let bodyTimeout = Counter(
        label: "ledger_http_connections_closed_total", dimensions: [("reason", "read_body_timeout")])
}
