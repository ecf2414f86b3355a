public import Foundation
import LedgerStore
public import Logging
public import ServiceLifecycle

/// A signed-in staff member's session: their own database connection, the CSRF token of their forms, when they last
/// used it and the message to show on the next page.
struct ConsoleSession: Sendable {
    let id: String
    let staff: StaffSession
    let csrfToken: String
    var lastUsed: Date
    var flash: Flash?
}

/// A message shown once, on the page after an action.
struct Flash: Sendable {
    let text: String
    let isError: Bool
}

/// The console's sessions, by their cookie's value. A session unused for the idle timeout ends at its next use or
/// at the next sweep (every minute while the daemon runs), whichever comes first, and its connection is closed; at
/// shutdown every connection is closed.
public actor ConsoleSessions: Service {
    private var sessions: [String: ConsoleSession] = [:]
    private let idleTimeout: Duration
    private let clock: @Sendable () -> Date
    private let logger: Logger

    /// - Parameter clock: the time now; tests move it on to expire sessions.
    public init(idleTimeout: Duration, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.idleTimeout = idleTimeout
        self.logger = logger
        self.clock = clock
    }

    /// How many sessions are open.
    public var count: Int { sessions.count }

    /// Opens a session for a signed-in member; returns it (its id goes into the cookie).
    func open(_ staff: StaffSession) -> ConsoleSession {
        let session = ConsoleSession(id: SecretToken.make(), staff: staff, csrfToken: SecretToken.make(), lastUsed: clock(),
                                     flash: nil)
        sessions[session.id] = session
        logger.info("console sign-in", metadata: ["console.login": "\(staff.login)"])
        return session
    }

    /// The live session with this id, marked as used now; nil when there is none or it has been idle too long (it is
    /// then ended). Takes the session's message, which is shown once.
    func use(_ id: String) -> ConsoleSession? {
        guard var session = sessions[id] else { return nil }
        let now = clock()
        guard !isIdle(session, now: now) else {
            end(id, reason: "idle")
            return nil
        }
        session.lastUsed = now
        let taken = session
        session.flash = nil
        sessions[id] = session
        return taken
    }

    /// Leaves a message for the session's next page.
    func tell(_ id: String, _ flash: Flash) {
        sessions[id]?.flash = flash
    }

    /// Ends a session and closes its connection (sign-out).
    func end(_ id: String, reason: String = "signed out") {
        guard let session = sessions.removeValue(forKey: id) else { return }
        session.staff.close()
        logger.info("console session ended", metadata: ["console.login": "\(session.staff.login)", "console.reason": "\(reason)"])
    }

    /// Ends every session idle too long.
    public func sweep() {
        let now = clock()
        for (id, session) in sessions where isIdle(session, now: now) { end(id, reason: "idle") }
    }

    private func isIdle(_ session: ConsoleSession, now: Date) -> Bool {
        now.timeIntervalSince(session.lastUsed) >= Double(idleTimeout.components.seconds)
    }

    /// Sweeps every minute until graceful shutdown, then closes every session's connection.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    return  // cancelled: the daemon is stopping
                }
                await self.sweep()
            }
        }
        for id in sessions.keys { end(id, reason: "shutdown") }
    }
}

/// Unguessable tokens: 32 bytes from the system's secure random source, in hexadecimal.
enum SecretToken {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// Compares two tokens in time that depends only on their lengths, not on where they differ.
    static func equal(_ left: String, _ right: String) -> Bool {
        let (a, b) = (Array(left.utf8), Array(right.utf8))
        guard a.count == b.count, !a.isEmpty else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
