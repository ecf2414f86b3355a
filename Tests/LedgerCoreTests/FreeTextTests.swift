import LedgerCore
import Testing

@Suite struct FreeTextTests {
    @Test("control characters are refused, NUL and C1 among them", arguments: [
        "wrong\u{0}card", "bell\u{7}", "escape\u{1B}[2J", "next\u{85}line", "delete\u{7F}me", "\u{0}",
    ])
    func controlCharactersRefused(text: String) {
        #expect(throws: DomainError.controlCharacter) { try FreeText.checked(text, length: 0...500) }
    }

    @Test("line breaks and tabs inside free text are kept")
    func lineBreaksAndTabsAreKeptInside() throws {
        #expect(try FreeText.checked("  rang twice\r\nthen knocked\t(back door) \n", length: 0...500)
            == "rang twice\r\nthen knocked\t(back door)")
    }

    @Test("free text's length is counted on the trimmed text")
    func lengthIsCountedOnTheTrimmedText() throws {
        #expect(throws: DomainError.textLength(allowed: 1...5)) { try FreeText.checked("   \n ", length: 1...5) }
        #expect(throws: DomainError.textLength(allowed: 1...5)) { try FreeText.checked("abcdef", length: 1...5) }
        #expect(try FreeText.checked(" 拾伍元整 ", length: 1...5) == "拾伍元整")
    }
}
