import Foundation

/// Text a person typed for the record: a void's reason, a courier's note. It is kept trimmed, within a length, and
/// without control characters (NUL among them, which PostgreSQL cannot store): line breaks and tabs are the only
/// ones allowed.
public enum FreeText {
    /// The text trimmed of surrounding white space, or the reason it cannot be kept.
    /// - Parameter length: how many characters the trimmed text may have.
    public static func checked(_ text: String, length: ClosedRange<Int>) throws(DomainError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.unicodeScalars.contains(where: isRefusedControl) {
            throw .controlCharacter
        }
        guard length.contains(trimmed.count) else {
            throw .textLength(allowed: length)
        }
        return trimmed
    }

    private static func isRefusedControl(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.properties.generalCategory == .control else { return false }
        return scalar != "\n" && scalar != "\r" && scalar != "\t"
    }
}
