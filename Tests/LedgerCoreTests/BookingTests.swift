import Foundation
import LedgerCore
import Testing

@Suite struct BookingTests {
    let policy = BookingPolicy(timeZone: shanghai)
    /// The last evening of March in Shanghai.
    let evening = instant("2024-03-31T23:30:00+08:00")

    func statuses(_ closed: [String: String]) -> (Period) -> PeriodState {
        { period in closed[period.description].map { .closed(at: instant($0)) } ?? .open }
    }

    @Test("an open period takes the entry on time")
    func openPeriodTakesTheEntryOnTime() {
        let decision = policy.book(occurredAt: evening, now: instant("2024-04-01T00:10:00+08:00"), periodStatus: statuses([:]))
        #expect(decision == .book(period: period("2024-03"), late: false))
    }

    @Test("the period is reckoned in the policy's time zone")
    func periodIsReckonedInThePolicysZone() {
        let decision = BookingPolicy(timeZone: utc)
            .book(occurredAt: instant("2024-04-01T00:10:00+08:00"), now: instant("2024-04-01T00:20:00+08:00"), periodStatus: statuses([:]))
        #expect(decision == .book(period: period("2024-03"), late: false))
    }

    @Test("a period closed within the late window books the entry late into the next")
    func closedPeriodWithinTheWindowBooksLateIntoTheNext() {
        let closed = statuses(["2024-03": "2024-04-05T10:00:00+08:00"])
        let decision = policy.book(occurredAt: evening, now: instant("2024-04-20T09:00:00+08:00"), periodStatus: closed)
        #expect(decision == .book(period: period("2024-04"), late: true))
    }

    @Test("the late window's end is inclusive")
    func windowEndIsInclusive() {
        let closed = statuses(["2024-03": "2024-04-05T10:00:00+08:00"])
        let atEnd = instant("2024-05-05T10:00:00+08:00")  // 30 days after the close
        #expect(policy.book(occurredAt: evening, now: atEnd, periodStatus: closed) == .book(period: period("2024-04"), late: true))
        #expect(
            policy.book(occurredAt: evening, now: atEnd.addingTimeInterval(1), periodStatus: closed)
                == .tooLate(closedAt: instant("2024-04-05T10:00:00+08:00")))
        #expect(
            policy.book(occurredAt: evening, now: atEnd.addingTimeInterval(0.000001), periodStatus: closed)
                == .tooLate(closedAt: instant("2024-04-05T10:00:00+08:00")))
    }

    @Test("a late entry skips periods closed since, into the next open one")
    func skipsPeriodsClosedSince() {
        let closed = statuses([
            "2024-03": "2024-04-30T10:00:00+08:00",
            "2024-04": "2024-05-02T10:00:00+08:00",
            "2024-05": "2024-06-01T10:00:00+08:00",
        ])
        let decision = policy.book(occurredAt: evening, now: instant("2024-05-20T09:00:00+08:00"), periodStatus: closed)
        #expect(decision == .book(period: period("2024-06"), late: true))
    }

    @Test("the late window counts from the close of the entry's own period")
    func windowCountsFromTheEntrysOwnPeriodClose() {
        // April closed recently, but March closed more than 30 days ago.
        let closed = statuses(["2024-03": "2024-04-05T10:00:00+08:00", "2024-04": "2024-05-30T10:00:00+08:00"])
        let decision = policy.book(occurredAt: evening, now: instant("2024-06-01T09:00:00+08:00"), periodStatus: closed)
        #expect(decision == .tooLate(closedAt: instant("2024-04-05T10:00:00+08:00")))
    }

    @Test("the late window is configurable")
    func lateWindowIsConfigurable() {
        let weekly = BookingPolicy(timeZone: shanghai, lateWindow: .seconds(7 * 86_400))
        let closed = statuses(["2024-03": "2024-04-05T10:00:00+08:00"])
        #expect(
            weekly.book(occurredAt: evening, now: instant("2024-04-12T10:00:00+08:00"), periodStatus: closed)
                == .book(period: period("2024-04"), late: true))
        #expect(
            weekly.book(occurredAt: evening, now: instant("2024-04-12T10:00:01+08:00"), periodStatus: closed)
                == .tooLate(closedAt: instant("2024-04-05T10:00:00+08:00")))
    }

    @Test("times too far ahead of the clock are refused")
    func refusesTimesTooFarAhead() {
        let now = instant("2024-03-31T23:25:00+08:00")
        let open = statuses([:])
        let onTime = BookingDecision.book(period: period("2024-03"), late: false)
        #expect(policy.book(occurredAt: now.addingTimeInterval(299), now: now, periodStatus: open) == onTime)
        #expect(policy.book(occurredAt: now.addingTimeInterval(300), now: now, periodStatus: open) == onTime)
        #expect(policy.book(occurredAt: now.addingTimeInterval(300.5), now: now, periodStatus: open) == .clockSkew)
        #expect(policy.book(occurredAt: now.addingTimeInterval(301), now: now, periodStatus: open) == .clockSkew)
        #expect(policy.book(occurredAt: now.addingTimeInterval(-86_400), now: now, periodStatus: open) == onTime)
        let strict = BookingPolicy(timeZone: shanghai, maxClockSkew: .zero)
        #expect(strict.book(occurredAt: now, now: now, periodStatus: open) == onTime)
        #expect(strict.book(occurredAt: now.addingTimeInterval(1), now: now, periodStatus: open) == .clockSkew)
    }

    @Test("clock skew is judged before the period")
    func skewIsJudgedBeforeThePeriod() {
        let closed = statuses(["2024-03": "2024-01-01T00:00:00+08:00"])
        let now = instant("2024-03-31T23:00:00+08:00")
        #expect(policy.book(occurredAt: evening, now: now, periodStatus: closed) == .clockSkew)
    }

    @Test("the accepted window runs from the programme's first local day to the clock plus the skew")
    func theWindowRunsFromTheProgrammesFirstLocalDayToTheClockPlusSkew() {
        let now = instant("2024-04-20T09:00:00+08:00")
        #expect(policy.refusal(of: instant("2023-01-01T00:00:00+08:00"), now: now) == nil)
        #expect(policy.refusal(of: instant("2022-12-31T23:59:59+08:00"), now: now) == .beforeProgrammeStart)
        #expect(policy.refusal(of: instant("0001-01-01T00:00:00+14:00"), now: now) == .beforeProgrammeStart)
        #expect(policy.refusal(of: now.addingTimeInterval(300), now: now) == nil)
        #expect(policy.refusal(of: now.addingTimeInterval(301), now: now) == .clockSkew)
        #expect(policy.refusal(of: instant("9999-12-31T23:59:59Z"), now: now) == .clockSkew)
        let later = BookingPolicy(timeZone: shanghai, programmeStart: day("2024-04-01"))
        #expect(later.refusal(of: evening, now: now) == .beforeProgrammeStart)
        #expect(later.book(occurredAt: evening, now: now, periodStatus: statuses([:])) == .beforeProgrammeStart)
    }
}
