import Synchronization

/// Which terminal each bearer token belongs to, remembered after the token's first successful lookup.
///
/// A token never passes to another terminal, so a remembered answer never names the wrong one; but a terminal can be
/// revoked, and its restaurant's rate can change. So what is remembered only names the caller: a route that uses it
/// must check in its own transaction that the terminal is still live and read the rate afresh, as the meal writes do
/// (`ledger.meal_contexts`). At most `capacity` tokens are remembered; beyond, the memory starts again empty.
final class TerminalMemory: Sendable {
    static let capacity = 10_000
    private let terminals = Mutex<[String: TerminalIdentity]>([:])

    func terminal(for token: String) -> TerminalIdentity? {
        terminals.withLock { $0[token] }
    }

    func remember(_ terminal: TerminalIdentity, for token: String) {
        terminals.withLock { terminals in
            if terminals.count >= Self.capacity { terminals.removeAll() }
            terminals[token] = terminal
        }
    }

    /// Forgets every token of a terminal found revoked.
    func forget(terminalID: Int64) {
        terminals.withLock { terminals in terminals = terminals.filter { $0.value.terminalID != terminalID } }
    }
}
