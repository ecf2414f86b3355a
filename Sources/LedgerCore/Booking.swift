public import Foundation

/// Whether a period still takes entries.
public enum PeriodState: Sendable, Hashable {
    case open
    /// Reconciled, sealed and closed at that instant; it never changes again.
    case closed(at: Date)
}

/// Where an entry goes, or why it is refused.
public enum BookingDecision: Sendable, Hashable {
    /// Book into `period`; `late` when that is not the period of the entry's own time.
    case book(period: Period, late: Bool)
    /// The entry's period closed at `closedAt`, longer ago than the late window (API code `too_late`).
    case tooLate(closedAt: Date)
    /// The entry claims a time too far ahead of the server's clock (API code `clock_skew`).
    case clockSkew
}

/// Business rule 5: which period an entry is booked into, allowing for late arrivals and terminal clocks.
public struct BookingPolicy: Sendable, Hashable {
    /// The programme's time zone, in which periods are reckoned.
    public let timeZone: TimeZone
    /// How long after its period closed an entry is still accepted, as a late entry.
    public let lateWindow: Duration
    /// How far ahead of the server's clock an entry's time may be.
    public let maxClockSkew: Duration

    public init(timeZone: TimeZone, lateWindow: Duration = .seconds(30 * 86_400), maxClockSkew: Duration = .seconds(300)) {
        self.timeZone = timeZone
        self.lateWindow = lateWindow
        self.maxClockSkew = maxClockSkew
    }

    /// Decides where an entry that happened at `occurredAt` and arrives at `now` goes:
    ///
    /// - more than `maxClockSkew` ahead of `now`: `.clockSkew`;
    /// - its period (in `timeZone`) open: booked there, not late;
    /// - its period closed no longer than `lateWindow` before `now`: booked, late, into the first open
    ///   period after it (periods that closed since are skipped);
    /// - otherwise `.tooLate`.
    ///
    /// `periodStatus` must report some period after a closed one as open (a period that was never
    /// closed is open), or the walk forward would not end.
    public func book(occurredAt: Date, now: Date, periodStatus: (Period) -> PeriodState) -> BookingDecision {
        if occurredAt.unixMicroseconds - now.unixMicroseconds > Self.microseconds(maxClockSkew) {
            return .clockSkew
        }
        return book(into: Period.containing(occurredAt, in: timeZone), now: now, periodStatus: periodStatus)
    }

    /// Decides where an entry that belongs to `period` goes, as `book(occurredAt:now:periodStatus:)` does after
    /// its clock check: a void follows the period its meal was booked into.
    public func book(into period: Period, now: Date, periodStatus: (Period) -> PeriodState) -> BookingDecision {
        guard case .closed(let closedAt) = periodStatus(period) else {
            return .book(period: period, late: false)
        }
        guard now.unixMicroseconds - closedAt.unixMicroseconds <= Self.microseconds(lateWindow) else {
            return .tooLate(closedAt: closedAt)
        }
        var target = period.next
        while case .closed = periodStatus(target) {
            target = target.next
        }
        return .book(period: target, late: true)
    }

    private static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
