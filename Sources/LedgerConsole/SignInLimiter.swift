import Foundation
import Synchronization

/// Counts failed sign-ins per login and per client address over a sliding window; past either limit, sign-in is
/// refused without asking the database, until the oldest failure leaves the window.
final class SignInLimiter: Sendable {
    private let limits: SignInLimits
    private let clock: @Sendable () -> Date
    private let failures = Mutex<[String: [Date]]>([:])

    init(limits: SignInLimits, clock: @escaping @Sendable () -> Date) {
        self.limits = limits
        self.clock = clock
    }

    /// How long until `login` from `address` may try again; nil when it may try now.
    func wait(login: String, address: String) -> Duration? {
        let now = clock()
        return failures.withLock { table in
            let waits = [(Self.loginKey(login), limits.perLogin), (Self.addressKey(address), limits.perAddress)]
                .compactMap { key, limit -> Double? in
                    let recent = recentFailures(table, key, now: now)
                    guard recent.count >= limit, let oldest = recent.first else { return nil }
                    return oldest.timeIntervalSince(now) + window
                }
            return waits.max().map { Duration.seconds(max(1, Int($0.rounded(.up)))) }
        }
    }

    /// Records a failed sign-in of `login` from `address`.
    func recordFailure(login: String, address: String) {
        let now = clock()
        failures.withLock { table in
            // Logins and addresses whose failures have all left the window are forgotten, so that failures under
            // ever new names cannot grow the table without bound.
            if table.count >= Self.forgetBeyond {
                table = table.filter { key, _ in !recentFailures(table, key, now: now).isEmpty }
            }
            for key in [Self.loginKey(login), Self.addressKey(address)] {
                table[key] = recentFailures(table, key, now: now) + [now]
            }
        }
    }

    /// How many logins and addresses are remembered before the forgotten ones are swept out.
    static let forgetBeyond = 10_000

    /// How many logins and addresses are remembered now.
    var remembered: Int { failures.withLock { $0.count } }

    private var window: Double { Double(limits.window.components.seconds) }

    private func recentFailures(_ table: [String: [Date]], _ key: String, now: Date) -> [Date] {
        (table[key] ?? []).filter { now.timeIntervalSince($0) < window }
    }

    private static func loginKey(_ login: String) -> String { "login:" + login.lowercased() }
    private static func addressKey(_ address: String) -> String { "address:" + address }
}
