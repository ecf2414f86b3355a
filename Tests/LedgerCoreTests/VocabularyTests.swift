import LedgerCore
import Testing

/// The raw values are the terminal API's and the database's words: they must not drift.
@Suite struct VocabularyTests {
    @Test("raw values are the contract's words")
    func rawValuesAreTheContractsWords() {
        #expect(CardCategory.allCases.map(\.rawValue) == ["active_serviceman", "veteran", "special_care"])
        #expect(CardStatus.allCases.map(\.rawValue) == ["active", "suspended", "revoked"])
        #expect(Credential.allCases.map(\.rawValue) == ["preferential_card", "military_id"])
        #expect(MealKind.allCases.map(\.rawValue) == ["breakfast", "lunch", "dinner"])
        #expect(Wellness.allCases.map(\.rawValue) == ["ok", "concern", "not_home"])
        #expect(DeliveryStatus.allCases.map(\.rawValue) == ["requested", "dispatched", "delivered", "failed", "cancelled"])
    }

    @Test("only the exact words parse")
    func parsesOnlyExactWords() {
        #expect(CardCategory(rawValue: "special_care") == .specialCare)
        #expect(CardCategory(rawValue: "specialCare") == nil)
        #expect(Credential(rawValue: "military_id") == .militaryID)
        #expect(Wellness(rawValue: "not_home") == .notHome)
        #expect(Wellness(rawValue: "NOT_HOME") == nil)
    }
}
