import Foundation
import LedgerCore
import Testing

@Suite struct LocalDateTests {
    @Test(
        "valid days parse",
        arguments: ["2024-02-29", "2000-02-29", "2023-02-28", "2024-04-30", "2024-12-31", "0001-01-01", "9999-12-31"])
    func parsesValidDays(text: String) throws {
        #expect(try LocalDate(parsing: text).description == text)
    }

    @Test("anything but an existing YYYY-MM-DD day is refused", arguments: [
        "2023-02-29", "1900-02-29", "2024-02-30", "2024-04-31", "2024-06-31", "2024-00-10", "2024-13-01",
        "2024-01-00", "2024-01-32", "0000-01-01", "2024-1-01", "2024-01-1", "24-01-01", "2024/01/01",
        "2024-01-01T00:00", "2024-01-01 ", " 2024-01-01", "+024-01-01", "２０２４-01-01", "", "2024-01-0x",
    ])
    func refusesAnythingButAnExistingYYYYMMDD(text: String) {
        #expect(throws: DomainError.invalidDate(text: text)) { try LocalDate(parsing: text) }
    }

    @Test("a day made from components is validated")
    func componentInitialiserValidates() throws {
        #expect(try LocalDate(year: 2024, month: 2, day: 29) == day("2024-02-29"))
        #expect(throws: DomainError.invalidDate(text: "2023-02-29")) { try LocalDate(year: 2023, month: 2, day: 29) }
        #expect(throws: DomainError.invalidDate(text: "2024-13-01")) { try LocalDate(year: 2024, month: 13, day: 1) }
    }

    @Test("days order by the calendar")
    func ordersByCalendar() {
        #expect(day("2023-12-31") < day("2024-01-01"))
        #expect(day("2024-01-31") < day("2024-02-01"))
        #expect(day("2024-02-01") < day("2024-02-02"))
        #expect(!(day("2024-02-02") < day("2024-02-02")))
    }

    @Test("adding days crosses months, years and leap days")
    func addsDaysAcrossMonthsYearsAndLeapDays() {
        #expect(day("2024-02-28").next == day("2024-02-29"))
        #expect(day("2024-02-29").next == day("2024-03-01"))
        #expect(day("2023-02-28").next == day("2023-03-01"))
        #expect(day("2024-12-31").next == day("2025-01-01"))
        #expect(day("2024-03-01").adding(days: -1) == day("2024-02-29"))
        #expect(day("2024-01-01").adding(days: 366) == day("2025-01-01"))
        #expect(day("2023-01-01").adding(days: 365) == day("2024-01-01"))
        #expect(day("1970-01-01").adding(days: -1) == day("1969-12-31"))
        #expect(day("2000-02-28").adding(days: 2) == day("2000-03-01"))
        #expect(day("2100-02-28").adding(days: 1) == day("2100-03-01"))
    }

    @Test("the weekday is ISO's, Monday 1 to Sunday 7")
    func weekdayIsISO() {
        #expect(day("2024-04-01").weekday == 1)  // Monday
        #expect(day("2024-03-31").weekday == 7)  // Sunday
        #expect(day("1970-01-01").weekday == 4)  // Thursday
        #expect(day("2000-01-01").weekday == 6)  // Saturday
        #expect(day("1969-12-29").weekday == 1)  // Monday, before the epoch
    }

    @Test("a day belongs to its month's period")
    func belongsToItsMonth() {
        #expect(day("2024-03-31").period == period("2024-03"))
        #expect(day("2024-04-01").period == period("2024-04"))
    }

    @Test("the day of an instant depends on the time zone")
    func dayOfAnInstantDependsOnTheZone() {
        let late = instant("2024-03-31T16:30:00Z")  // 00:30 on 1 April in Shanghai
        #expect(LocalDate.containing(late, in: shanghai) == day("2024-04-01"))
        #expect(LocalDate.containing(late, in: utc) == day("2024-03-31"))
        #expect(LocalDate.containing(instant("2024-03-31T23:59:59.999999+08:00"), in: shanghai) == day("2024-03-31"))
    }

    @Test("a day starts at local midnight")
    func startsAtLocalMidnight() {
        #expect(day("2024-04-01").start(in: shanghai) == Date(timeIntervalSince1970: 1_711_900_800))  // 2024-03-31T16:00Z
        #expect(day("2024-03-01").start(in: utc) == Date(timeIntervalSince1970: 1_709_251_200))
    }

    /// Our integer day arithmetic agrees with Foundation's calendar over two centuries.
    @Test("local days agree with Foundation's calendar")
    func agreesWithFoundationCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        var date = day("1899-12-25")
        var instant = date.start(in: utc)
        while date < day("2101-01-05") {
            #expect(LocalDate.containing(instant, in: utc) == date)
            #expect(calendar.component(.weekday, from: instant) == date.weekday % 7 + 1)  // Foundation: 1 is Sunday
            date = date.next
            instant = instant.addingTimeInterval(86_400)
        }
        #expect(date.start(in: utc) == instant)
    }

    @Test("a day codes as a JSON string")
    func codesAsAString() throws {
        let encoded = try JSONEncoder().encode([day("2024-02-29")])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["2024-02-29"]"#)
        #expect(try JSONDecoder().decode([LocalDate].self, from: encoded) == [day("2024-02-29")])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([LocalDate].self, from: Data(#"["2023-02-29"]"#.utf8))
        }
    }
}
