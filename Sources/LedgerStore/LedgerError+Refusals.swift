public import Foundation
import LedgerCore

extension LedgerError {
    /// The answer for a card number the district's registry does not hold (meals and deliveries alike).
    static func unknownCard(_ number: CardNumber) -> LedgerError {
        LedgerError(.unknownCard, "card \(number.masked) is not in the district's registry: check the number, or ask the holder to register at the veterans-affairs bureau", field: "card_no")
    }
}

extension LedgerError {
    /// The answer for a time (`field`) more than `maxSkew` ahead of the server's clock.
    static func clockSkew(field: String, maxSkew: Duration) -> LedgerError {
        LedgerError(.clockSkew, "\(field) is more than \(maxSkew) ahead of the server's clock: set the terminal's clock right and send again", field: field)
    }

    /// The answer for a time (`field`) before the programme's first day.
    static func beforeProgrammeStart(field: String, start: LocalDate) -> LedgerError {
        LedgerError(.validationFailed, "\(field) is before the programme started on \(start): check the terminal's date and clock", field: field)
    }

    /// The answer for a request the database refused although it passed every check of the daemon (a value it
    /// cannot store): sending it again would not help. The refusal itself goes to the log.
    static let refusedByDatabase = LedgerError(.validationFailed, "the ledger cannot store this request as sent (the database refused one of its values): correct it rather than sending it again")

    /// The answer to a request whose token is unknown or whose terminal was revoked.
    public static let unauthorized = LedgerError(.unauthorized, "a valid terminal token is required: send 'Authorization: Bearer <token>' with the token printed by 'ledgerctl terminal add'")
}

extension LedgerSettings {
    /// Refuses a time (`field`) that no entry may claim when it arrives at `now`: before the programme's start, or
    /// too far ahead of the server's clock (`BookingPolicy.refusal(of:now:)`).
    func checkTime(_ time: Date, field: String, now: Date) throws {
        switch booking.refusal(of: time, now: now) {
        case .clockSkew?:
            throw LedgerError.clockSkew(field: field, maxSkew: booking.maxClockSkew)
        case .beforeProgrammeStart?:
            throw LedgerError.beforeProgrammeStart(field: field, start: booking.programmeStart)
        default:
            return
        }
    }
}
