/// Why a domain value or rule refused its input.
///
/// Each case carries what the API layer needs for its message; `description` says what went
/// wrong and what to do. Which request field was at fault is the caller's knowledge, not ours.
public enum DomainError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A restaurant rate outside 1...8500 basis points.
    case rateOutOfRange(basisPoints: Int32)
    /// A gross amount outside `Pricing.grossRange`.
    case grossOutOfRange(gross: Int64)
    /// The terminal's payable differs from the one the server computed.
    case payableMismatch(expected: Int64, claimed: Int64)
    /// A period that is not a valid `YYYY-MM` month.
    case invalidPeriod(text: String)
    /// A date that is not a valid `YYYY-MM-DD` calendar day.
    case invalidDate(text: String)
    /// A timestamp that is not RFC 3339 with an explicit offset.
    case invalidTimestamp(text: String)
    /// A card number that is not 6 to 32 ASCII letters and digits. The text is not kept: it may be personal data.
    case invalidCardNumber
    /// A delivery status change that the delivery life cycle does not allow.
    case invalidTransition(from: DeliveryStatus, to: DeliveryStatus)
    /// A `delivered` or `failed` delivery event without a wellness observation.
    case wellnessRequired(status: DeliveryStatus)
    /// A wellness observation on an event that is neither `delivered` nor `failed`.
    case wellnessNotAllowed(status: DeliveryStatus)
    /// A subsidy discount share outside 0...10000 basis points.
    case discountShareOutOfRange(basisPoints: Int32)
    /// A negative subsidy fee per delivery.
    case negativeDeliveryFee(fen: Int64)
    /// A negative monthly subsidy cap.
    case negativeMonthlyCap(fen: Int64)
    /// Free text holding a control character other than a line break or a tab.
    case controlCharacter
    /// Free text, once trimmed, shorter or longer than allowed.
    case textLength(allowed: ClosedRange<Int>)
    /// A time before the programme's first day, in the programme's time zone.
    case beforeProgrammeStart(start: LocalDate)

    public var description: String {
        switch self {
        case .rateOutOfRange(let basisPoints):
            "rate \(basisPoints) bp is not allowed: give a rate from 1 to 8500 basis points (at least 15% off the list price)"
        case .grossOutOfRange(let gross):
            "gross amount \(gross) fen is out of range: give an amount from 1 to 1000000 fen"
        case .payableMismatch(let expected, let claimed):
            "payable \(claimed) fen does not match the \(expected) fen computed from the gross amount and the restaurant's rate: check the terminal's rate or leave payable out"
        case .invalidPeriod(let text):
            "'\(text)' is not a period: write a month as YYYY-MM, for example 2024-03"
        case .invalidDate(let text):
            "'\(text)' is not a calendar date: write a date as YYYY-MM-DD, for example 2024-03-31"
        case .invalidTimestamp(let text):
            "'\(text)' is not an RFC 3339 timestamp: write it with an offset, for example 2024-03-31T23:30:00+08:00"
        case .invalidCardNumber:
            "the card number must be 6 to 32 ASCII letters and digits, with no spaces or other signs"
        case .invalidTransition(let from, let to):
            "a delivery cannot go from \(from.rawValue) to \(to.rawValue): it goes requested, dispatched, then delivered or failed, or is cancelled before dispatch"
        case .wellnessRequired(let status):
            "a \(status.rawValue) event needs a wellness observation: ok, concern or not_home"
        case .wellnessNotAllowed(let status):
            "a \(status.rawValue) event takes no wellness observation: record wellness only with delivered or failed"
        case .discountShareOutOfRange(let basisPoints):
            "discount share \(basisPoints) bp is out of range: give 0 to 10000 basis points"
        case .negativeDeliveryFee(let fen):
            "delivery fee \(fen) fen is negative: give 0 or more fen"
        case .negativeMonthlyCap(let fen):
            "monthly cap \(fen) fen is negative: give 0 or more fen, or no cap"
        case .controlCharacter:
            "the text holds a control character (such as NUL): send plain text; line breaks and tabs are allowed"
        case .textLength(let allowed):
            "the text must be \(allowed.lowerBound) to \(allowed.upperBound) characters once trimmed"
        case .beforeProgrammeStart(let start):
            "the time is before the programme started on \(start): check the terminal's date and clock"
        }
    }
}
