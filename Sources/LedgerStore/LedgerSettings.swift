public import Foundation
public import LedgerCore

/// The programme's configurable rules, with the defaults of docs/rules.md.
public struct LedgerSettings: Sendable {
    /// Periods, local days and late bookings, in the programme's time zone.
    public var booking: BookingPolicy
    /// Discounted meals per card per local day.
    public var dailyLimit: DailyLimit
    /// The age from which a veteran gets free delivery.
    public var deliveryMinimumAge: Int
    /// Survival certification: the cycle, the windows, the grace days and the sample share.
    public var certification: CertificationPolicy
    /// The issuing bureau named in the printed report's title block; nil leaves it out.
    public var issuer: String?

    public init(booking: BookingPolicy, dailyLimit: DailyLimit = DailyLimit(), deliveryMinimumAge: Int = 80,
                certification: CertificationPolicy = CertificationPolicy(), issuer: String? = nil) {
        self.booking = booking
        self.dailyLimit = dailyLimit
        self.deliveryMinimumAge = deliveryMinimumAge
        self.certification = certification
        self.issuer = issuer
    }

    public var timeZone: TimeZone { booking.timeZone }
}
