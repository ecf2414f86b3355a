/// A request the ledger refused, with the code of docs/interfaces.md that terminals and scripts match on.
///
/// `message` is for the cashier or the operator: it says what went wrong and what to do. Internal detail
/// (SQL, SQLSTATE) never goes here; it goes to the log.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error codes of the terminal API, version 1.
    public enum Code: String, Sendable, Equatable {
        case validationFailed = "validation_failed"
        case notFound = "not_found"
        case unknownCard = "unknown_card"
        case idempotencyConflict = "idempotency_conflict"
        case alreadyVoided = "already_voided"
        case invalidTransition = "invalid_transition"
        case cardInactive = "card_inactive"
        case cardExpired = "card_expired"
        case dailyLimitReached = "daily_limit_reached"
        case payableMismatch = "payable_mismatch"
        case tooLate = "too_late"
        case clockSkew = "clock_skew"
        case notEligible = "not_eligible"
        case unavailable
        case unauthorized
        case alreadyExists = "already_exists"
    }

    public let code: Code
    public let message: String
    /// The one request field at fault, when there is one.
    public let field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { message }
}
