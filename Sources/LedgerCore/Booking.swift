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
    /// The entry claims a time before the programme's first day (API code `validation_failed`).
    case beforeProgrammeStart
}

/// Business rule 5: which period an entry is booked into, allowing for late arrivals and terminal clocks.
public struct BookingPolicy: Sendable, Hashable {
    /// The programme's time zone, in which periods are reckoned.
    public let timeZone: TimeZone
    /// How long after its period closed an entry is still accepted, as a late entry.
    public let lateWindow: Duration
    /// How far ahead of the server's clock an entry's time may be.
    public let maxClockSkew: Duration
    /// The programme's first day: no entry happened before it.
    public let programmeStart: LocalDate

    /// The first day of the 2023 report's programme, before which no terminal recorded anything.
    public static let defaultProgrammeStart = try! LocalDate(year: 2023, month: 1, day: 1)

    public init(
        timeZone: TimeZone, lateWindow: Duration = .seconds(30 * 86_400), maxClockSkew: Duration = .seconds(300),
        programmeStart: LocalDate = defaultProgrammeStart
    ) {
        self.timeZone = timeZone
        self.lateWindow = lateWindow
        self.maxClockSkew = maxClockSkew
        self.programmeStart = programmeStart
    }

    /// Whether an entry may claim to have happened at `time` when it arrives at `now`: from the start of
    /// `programmeStart` to `maxClockSkew` past `now`. Nil when it may; else `.beforeProgrammeStart` or `.clockSkew`.
    /// Times outside this window are refused before anything is read or written.
    public func refusal(of time: Date, now: Date) -> BookingDecision? {
        if time.unixMicroseconds - now.unixMicroseconds > Self.microseconds(maxClockSkew) {
            return .clockSkew
        }
        if time < programmeStart.start(in: timeZone) {
            return .beforeProgrammeStart
        }
        return nil
    }

    /// Decides where an entry that happened at `occurredAt` and arrives at `now` goes:
    ///
    /// - outside the window of `refusal(of:now:)`: `.clockSkew` or `.beforeProgrammeStart`;
    /// - its period (in `timeZone`) open: booked there, not late;
    /// - its period closed no longer than `lateWindow` before `now`: booked, late, into the first open
    ///   period after it (periods that closed since are skipped);
    /// - otherwise `.tooLate`.
    ///
    /// `periodStatus` must report some period after a closed one as open (a period that was never
    /// closed is open), or the walk forward would not end.
    public func book(occurredAt: Date, now: Date, periodStatus: (Period) -> PeriodState) -> BookingDecision {
        if let refusal = refusal(of: occurredAt, now: now) { return refusal }
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
