import Foundation
import LedgerCore
import Testing

@Suite struct CardNumberTests {
    @Test(
        "a card number of 6 to 32 letters and digits is accepted as given",
        arguments: ["123456", "abcDEF123", String(repeating: "7", count: 32), "ZZZZZZ"])
    func accepts6To32LettersAndDigitsAsGiven(text: String) throws {
        #expect(try CardNumber(text).value == text)
    }

    @Test("any other text is refused as a card number", arguments: [
        "12345", String(repeating: "7", count: 33), "", "1234 5678", " 123456", "123456 ", "12-3456", "ABC12é",
        "１２３４５６", "123456\n", "12345_6", "優待證123456",
    ])
    func refusesOtherText(text: String) {
        #expect(throws: DomainError.invalidCardNumber) { try CardNumber(text) }
    }

    @Test("the masked form hides all but the last four characters")
    func masksAllButTheLastFour() throws {
        let number = try CardNumber("XY00001234")
        #expect(number.last4 == "1234")
        #expect(number.masked == "****1234")
        #expect(try CardNumber("abcDEF").masked == "****cDEF")
    }

    @Test("a card number keeps its case")
    func keepsCase() throws {
        #expect(try CardNumber("abc123") != CardNumber("ABC123"))
    }

    @Test("a card number codes as a JSON string, validated on decoding")
    func codesAsAString() throws {
        let encoded = try JSONEncoder().encode([try CardNumber("V1234567")])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["V1234567"]"#)
        #expect(try JSONDecoder().decode([CardNumber].self, from: encoded) == [try CardNumber("V1234567")])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([CardNumber].self, from: Data(#"["V123"]"#.utf8))
        }
    }
}
