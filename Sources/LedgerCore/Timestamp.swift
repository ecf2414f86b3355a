public import Foundation

/// RFC 3339 timestamps as the terminal API writes them: `2024-03-31T23:30:00+08:00`.
///
/// Instants are handled to the microsecond, as PostgreSQL stores them. The parser is hand-written,
/// so it shares no formatter state between threads.
public enum RFC3339 {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    ///
    /// The offset is required. `T` and `Z` may be lower case. A fraction of any length is accepted
    /// and cut to microseconds. Leap seconds (`:60`), a space for `T`, and anything after the
    /// offset are refused with `DomainError.invalidTimestamp`.
    public static func parse(_ text: String) throws -> Date {
        guard let micros = unixMicroseconds(Array(text.utf8)) else {
            throw DomainError.invalidTimestamp(text: text)
        }
        return Date(unixMicroseconds: micros)
    }

    /// Formats `date` with the offset `timeZone` has at that instant, `Z` for a zero offset:
    /// `2024-03-31T23:30:00+08:00`. Microseconds follow the seconds, six digits, only when not zero.
    public static func format(_ date: Date, in timeZone: TimeZone) -> String {
        // RFC 3339 offsets have whole minutes; historic offsets with seconds are cut, and the
        // local time is computed with the offset actually written, so the text names the same instant.
        let offset = timeZone.secondsFromGMT(for: date) / 60 * 60
        let local = date.unixMicroseconds + Int64(offset) * microsPerSecond
        let (days, microOfDay) = floorDivision(local, by: 86_400 * microsPerSecond)
        let secondOfDay = microOfDay / microsPerSecond
        let fraction = microOfDay % microsPerSecond

        var text = LocalDate(daysSinceEpoch: Int(days)).description
        text += "T" + Digits.padded(secondOfDay / 3600, width: 2)
        text += ":" + Digits.padded(secondOfDay / 60 % 60, width: 2)
        text += ":" + Digits.padded(secondOfDay % 60, width: 2)
        if fraction != 0 {
            text += "." + Digits.padded(fraction, width: 6)
        }
        if offset == 0 {
            text += "Z"
        } else {
            text += (offset < 0 ? "-" : "+") + Digits.padded(abs(offset) / 3600, width: 2)
            text += ":" + Digits.padded(abs(offset) / 60 % 60, width: 2)
        }
        return text
    }

    private static let microsPerSecond: Int64 = 1_000_000

    /// Microseconds since 1970-01-01T00:00:00Z written in `bytes`, or nil.
    private static func unixMicroseconds(_ bytes: [UInt8]) -> Int64? {
        guard bytes.count >= 20,
            let date = LocalDate.parse(bytes[0..<10]),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let hour = Digits.value(bytes[11..<13]), hour < 24,
            let minute = Digits.value(bytes[14..<16]), minute < 60,
            let second = Digits.value(bytes[17..<19]), second < 60
        else { return nil }

        var index = 19
        var micros: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let digitsStart = index
            while index < bytes.count, Digits.isDigit(bytes[index]) {
                if index - digitsStart < 6 {
                    micros = micros * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                }
                index += 1
            }
            let count = index - digitsStart
            guard count > 0 else { return nil }
            for _ in 0..<max(0, 6 - count) {
                micros *= 10
            }
        }

        guard let offset = offsetSeconds(bytes[index...]) else { return nil }
        let secondOfDay = Int64(hour * 3600 + minute * 60 + second)
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + secondOfDay - Int64(offset)
        return seconds * microsPerSecond + micros
    }

    /// The offset east of UTC written as `Z` or `±HH:MM` and nothing more, or nil.
    private static func offsetSeconds(_ bytes: ArraySlice<UInt8>) -> Int? {
        let start = bytes.startIndex
        if bytes.count == 1, bytes[start] == UInt8(ascii: "Z") || bytes[start] == UInt8(ascii: "z") {
            return 0
        }
        guard bytes.count == 6,
            bytes[start] == UInt8(ascii: "+") || bytes[start] == UInt8(ascii: "-"),
            bytes[start + 3] == UInt8(ascii: ":"),
            let hours = Digits.value(bytes[start + 1..<start + 3]), hours < 24,
            let minutes = Digits.value(bytes[start + 4..<start + 6]), minutes < 60
        else { return nil }
        let magnitude = hours * 3600 + minutes * 60
        return bytes[start] == UInt8(ascii: "-") ? -magnitude : magnitude
    }

    /// Quotient and non-negative remainder.
    private static func floorDivision(_ value: Int64, by divisor: Int64) -> (Int64, Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }
}

extension Date {
    /// The instant `micros` microseconds after 1970-01-01T00:00:00Z.
    ///
    /// `Date` keeps a floating-point interval; this and `unixMicroseconds` are the only places
    /// that touch it, and whole microseconds survive the round trip exactly.
    init(unixMicroseconds micros: Int64) {
        self.init(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    /// Microseconds since 1970-01-01T00:00:00Z, rounded to the nearest.
    var unixMicroseconds: Int64 {
        Int64((timeIntervalSince1970 * 1_000_000).rounded())
    }
}
