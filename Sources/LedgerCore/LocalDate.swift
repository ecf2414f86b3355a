public import Foundation

/// A calendar day in the proleptic Gregorian calendar, with no time zone of its own.
///
/// Days of birth, card validity and delivery schedules are local dates; `containing(_:in:)` and
/// `start(in:)` convert to and from instants in a given time zone.
public struct LocalDate: Sendable, Hashable, Comparable, TextCodable {
    public let year: Int
    /// 1...12.
    public let month: Int
    /// 1...28, 29, 30 or 31, as the month has.
    public let day: Int

    /// A date, refused with `DomainError.invalidDate` unless the year is 1...9999 and the day exists.
    public init(year: Int, month: Int, day: Int) throws {
        guard Self.isValid(year: year, month: month, day: day) else {
            throw DomainError.invalidDate(
                text: "\(Digits.padded(year, width: 4))-\(Digits.padded(month, width: 2))-\(Digits.padded(day, width: 2))"
            )
        }
        self.init(unchecked: year, month, day)
    }

    /// Parses exactly `YYYY-MM-DD` (ASCII digits, no sign, no time, no spaces) naming a day that exists.
    public init(parsing text: String) throws {
        guard let date = Self.parse(Array(text.utf8)[...]) else {
            throw DomainError.invalidDate(text: text)
        }
        self = date
    }

    init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date written in `bytes` as `YYYY-MM-DD`, or nil.
    static func parse(_ bytes: ArraySlice<UInt8>) -> LocalDate? {
        let start = bytes.startIndex
        guard bytes.count == 10,
            bytes[start + 4] == UInt8(ascii: "-"),
            bytes[start + 7] == UInt8(ascii: "-"),
            let year = Digits.value(bytes[start..<start + 4]),
            let month = Digits.value(bytes[start + 5..<start + 7]),
            let day = Digits.value(bytes[start + 8..<start + 10]),
            isValid(year: year, month: month, day: day)
        else { return nil }
        return LocalDate(unchecked: year, month, day)
    }

    private static func isValid(year: Int, month: Int, day: Int) -> Bool {
        (1...9999).contains(year) && (1...12).contains(month) && (1...daysIn(year: year, month: month)).contains(day)
    }

    static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        "\(Digits.padded(year, width: 4))-\(Digits.padded(month, width: 2))-\(Digits.padded(day, width: 2))"
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// The month this day belongs to.
    public var period: Period { Period(unchecked: year, month) }

    /// The following day.
    public var next: LocalDate { adding(days: 1) }

    /// The day `days` days later (earlier when negative).
    public func adding(days: Int) -> LocalDate {
        LocalDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    /// ISO weekday: 1 is Monday, 7 is Sunday.
    public var weekday: Int {
        // 1970-01-01 was a Thursday (4).
        let mondayBased = (daysSinceEpoch + 3) % 7
        return (mondayBased < 0 ? mondayBased + 7 : mondayBased) + 1
    }

    /// The local day, in `timeZone`, that the instant `date` falls on.
    public static func containing(_ date: Date, in timeZone: TimeZone) -> LocalDate {
        let calendar = Calendar.gregorian(in: timeZone)
        return LocalDate(
            unchecked: calendar.component(.year, from: date),
            calendar.component(.month, from: date),
            calendar.component(.day, from: date)
        )
    }

    /// The first instant of this day in `timeZone` (midnight, or the end of a daylight-saving gap at midnight).
    public func start(in timeZone: TimeZone) -> Date {
        guard let date = Calendar.gregorian(in: timeZone).date(from: DateComponents(year: year, month: month, day: day))
        else { preconditionFailure("the Gregorian calendar cannot represent \(self)") }
        return date
    }
}

// Day arithmetic in integers (H. Hinnant's civil-date algorithms): day 0 is 1970-01-01.
extension LocalDate {
    /// Days from 1970-01-01 to this date.
    var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = (month + 9) % 12  // March is 0
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` days after 1970-01-01.
    init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        self.init(unchecked: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Calendar {
    /// A Gregorian calendar that reckons in `timeZone`.
    static func gregorian(in timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}
