public import Foundation

/// A calendar month in the programme's time zone: the unit that is reconciled, sealed and closed.
public struct Period: Sendable, Hashable, Comparable, TextCodable {
    public let year: Int
    /// 1...12.
    public let month: Int

    /// A period, refused with `DomainError.invalidPeriod` unless the year is 1...9999 and the month 1...12.
    public init(year: Int, month: Int) throws {
        guard Self.isValid(year: year, month: month) else {
            throw DomainError.invalidPeriod(text: "\(Digits.padded(year, width: 4))-\(Digits.padded(month, width: 2))")
        }
        self.init(unchecked: year, month)
    }

    /// Parses exactly `YYYY-MM`: four ASCII digits, a dash, two ASCII digits.
    public init(parsing text: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
            let year = Digits.value(bytes[0..<4]),
            let month = Digits.value(bytes[5..<7]),
            Self.isValid(year: year, month: month)
        else { throw DomainError.invalidPeriod(text: text) }
        self.init(unchecked: year, month)
    }

    init(unchecked year: Int, _ month: Int) {
        self.year = year
        self.month = month
    }

    private static func isValid(year: Int, month: Int) -> Bool {
        (1...9999).contains(year) && (1...12).contains(month)
    }

    /// `YYYY-MM`.
    public var description: String {
        "\(Digits.padded(year, width: 4))-\(Digits.padded(month, width: 2))"
    }

    public static func < (lhs: Period, rhs: Period) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }

    /// The following month.
    public var next: Period {
        month == 12 ? Period(unchecked: year + 1, 1) : Period(unchecked: year, month + 1)
    }

    /// The preceding month.
    public var previous: Period {
        month == 1 ? Period(unchecked: year - 1, 12) : Period(unchecked: year, month - 1)
    }

    /// The first day of the month.
    public var firstDay: LocalDate { LocalDate(unchecked: year, month, 1) }

    /// The last day of the month.
    public var lastDay: LocalDate { LocalDate(unchecked: year, month, LocalDate.daysIn(year: year, month: month)) }

    /// The month, in `timeZone`, that the instant `date` falls in.
    public static func containing(_ date: Date, in timeZone: TimeZone) -> Period {
        LocalDate.containing(date, in: timeZone).period
    }

    /// The first instant of the month in `timeZone`.
    public func start(in timeZone: TimeZone) -> Date {
        firstDay.start(in: timeZone)
    }

    /// The end of the month in `timeZone`, exclusive: the start of the next month.
    public func end(in timeZone: TimeZone) -> Date {
        next.start(in: timeZone)
    }
}
