import Foundation
import LedgerCore

extension LedgerSettings {
    /// Refuses a time that no entry may claim when it arrives at `now`: before the programme's start, or too far
    /// ahead of the server's clock (`BookingPolicy.refusal(of:now:)`).
    func checkTime(_ time: Date, _ input: LedgerRefusal.RequestTime, now: Date) throws {
        switch booking.refusal(of: time, now: now) {
        case .clockSkew?:
            throw LedgerRefusal.clockSkew(input, maxSkew: booking.maxClockSkew)
        case .beforeProgrammeStart?:
            throw LedgerRefusal.beforeProgrammeStart(input, start: booking.programmeStart)
        default:
            return
        }
    }
}
