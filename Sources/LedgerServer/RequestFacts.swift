import Synchronization

/// What inner middleware learns about a request that the outer request log reports: shared by reference, because
/// each middleware gets its own copy of the context.
final class RequestFacts: Sendable {
    private let terminal = Mutex<String?>(nil)

    /// The terminal, as `RESTAURANT/name`, once authenticated.
    var terminalLabel: String? {
        get { terminal.withLock { $0 } }
        set { terminal.withLock { $0 = newValue } }
    }
}
