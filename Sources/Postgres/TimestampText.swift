import Foundation

/// Timestamps as text, without `DateFormatter` (no locale, no calendar settings, exact microseconds).
///
/// A `Date` becomes a whole number of microseconds since 1970 (PostgreSQL's resolution); the conversion back
/// divides that number by 1e6, so a `Date` made from whole microseconds survives a round trip unchanged.
enum TimestampText {
    static let microsPerSecond: Int64 = 1_000_000
    static let secondsPerDay: Int64 = 86_400

    static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        if seconds.isNaN { return "NaN" }  // the server refuses it, as it should
        let scaled = (seconds * 1_000_000).rounded()
        // Beyond PostgreSQL's range (294276 AD) either way: let the server say so.
        guard scaled.magnitude < 9.0e18, let micros = Int64(exactly: scaled) else {
            return seconds > 0 ? "infinity" : "-infinity"
        }
        var days = micros / (secondsPerDay * microsPerSecond)
        var rest = micros % (secondsPerDay * microsPerSecond)
        if rest < 0 {
            days -= 1
            rest += secondsPerDay * microsPerSecond
        }
        let (year, month, day) = civil(fromDays: days)
        let fraction = rest % microsPerSecond
        let secondOfDay = rest / microsPerSecond
        let hour = secondOfDay / 3600, minute = secondOfDay / 60 % 60, second = secondOfDay % 60

        var text = ""
        text.reserveCapacity(32)
        text += pad(year > 0 ? year : 1 - year, 4)
        text += "-" + pad(month, 2) + "-" + pad(day, 2)
        text += " " + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
        text += "." + pad(fraction, 6) + "+00"
        if year <= 0 { text += " BC" }
        return text
    }

    /// Parses `YYYY-MM-DD[ HH:MM:SS[.ffffff]][±HH[:MM[:SS]]][ BC]`; `T` is accepted as the separator.
    static func parse(_ text: String) -> Date? {
        var scanner = ByteScanner(Array(text.utf8))
        guard let yearDigits = scanner.digits(minimum: 1, maximum: 9), scanner.consume("-"),
            let month = scanner.digits(exactly: 2), scanner.consume("-"),
            let day = scanner.digits(exactly: 2)
        else { return nil }
        var year = yearDigits.value
        var secondOfDay: Int64 = 0
        var fraction: Int64 = 0
        var offset: Int64 = 0

        if scanner.consume(" ") || scanner.consume("T") {
            guard let hour = scanner.digits(exactly: 2), scanner.consume(":"),
                let minute = scanner.digits(exactly: 2), scanner.consume(":"),
                let second = scanner.digits(exactly: 2),
                hour.value <= 24, minute.value < 60, second.value < 61
            else { return nil }
            secondOfDay = hour.value * 3600 + minute.value * 60 + second.value
            if scanner.consume(".") {
                guard let digits = scanner.digits(minimum: 1, maximum: 9) else { return nil }
                var value = digits.value
                var count = digits.count
                while count > 6 {
                    value /= 10
                    count -= 1
                }
                while count < 6 {
                    value *= 10
                    count += 1
                }
                fraction = value
            }
            if let sign = scanner.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                scanner.advance()
                guard let hours = scanner.digits(exactly: 2) else { return nil }
                var zone = hours.value * 3600
                if scanner.consume(":") {
                    guard let minutes = scanner.digits(exactly: 2) else { return nil }
                    zone += minutes.value * 60
                    if scanner.consume(":") {
                        guard let seconds = scanner.digits(exactly: 2) else { return nil }
                        zone += seconds.value
                    }
                }
                offset = sign == UInt8(ascii: "+") ? zone : -zone
            }
        }
        if scanner.consume(" ") {
            guard scanner.consume("B"), scanner.consume("C"), year >= 1 else { return nil }
            year = 1 - year
        }
        // The year bound keeps the arithmetic below far from overflow (PostgreSQL's own limit is 294276 AD).
        guard scanner.isAtEnd, (1...12).contains(month.value), (1...31).contains(day.value),
            (-10_000...200_000).contains(year)
        else { return nil }

        let days = daysFromCivil(year: year, month: month.value, day: day.value)
        let seconds = days * secondsPerDay + secondOfDay - offset
        let micros = seconds * microsPerSecond + fraction
        return Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    // Howard Hinnant's algorithms for the proleptic Gregorian calendar (year 0 = 1 BC).
    static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysFromCivil(year y0: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

/// A cursor over ASCII bytes.
private struct ByteScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index == bytes.count }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func advance() { index += 1 }

    mutating func consume(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    mutating func digits(exactly count: Int) -> (value: Int64, count: Int)? {
        digits(minimum: count, maximum: count)
    }

    mutating func digits(minimum: Int, maximum: Int) -> (value: Int64, count: Int)? {
        var value: Int64 = 0
        var count = 0
        while count < maximum, index < bytes.count,
            bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9")
        {
            value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
            index += 1
            count += 1
        }
        // More digits than allowed is malformed, not a shorter number.
        if index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            return nil
        }
        return count >= minimum ? (value, count) : nil
    }
}
