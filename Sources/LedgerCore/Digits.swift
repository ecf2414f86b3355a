/// Reading and writing the fixed-width decimal fields of dates and times.
enum Digits {
    /// The value of a non-empty run of ASCII digits, or nil if any byte is not a digit.
    /// Callers pass short fields only (at most 4 digits), so the value cannot overflow.
    static func value(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var result = 0
        for byte in bytes {
            guard isDigit(byte) else { return nil }
            result = result * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return result
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// `number` in decimal, padded on the left with zeros to `width` digits.
    static func padded(_ number: some BinaryInteger, width: Int) -> String {
        let digits = String(number.magnitude)
        let sign = number < 0 ? "-" : ""
        return sign + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
