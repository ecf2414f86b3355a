/// The answer to an idempotent write: a new record, or the one an earlier request with the same id created.
public enum Recorded<Value: Sendable>: Sendable {
    case created(Value)
    case replayed(Value)

    public var value: Value {
        switch self {
        case .created(let value), .replayed(let value): value
        }
    }

    public var isReplay: Bool {
        if case .replayed = self { return true }
        return false
    }
}
