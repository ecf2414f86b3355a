import Foundation
import LedgerCore
import Testing

@Suite("statements, breaks and money formatting")
struct ReconciliationRuleTests {
    let header = "id,occurred_at,card_no,gross_fen,payable_fen,voided"
    let a = UUID(uuidString: "00000000-0000-4000-8000-00000000000a")!
    let b = UUID(uuidString: "00000000-0000-4000-8000-00000000000b")!
    let c = UUID(uuidString: "00000000-0000-4000-8000-00000000000c")!

    @Test("a statement is read all or nothing, every bad line as 'line N: reason'")
    func parse() throws {
        let good = try Statement.parse("\(header)\r\n\(a.uuidString),2031-03-05T12:00:00+08:00,CARD0001,1000,850,false\r\n")
        #expect(good.count == 1 && good[0].id == a && good[0].line == 2 && !good[0].voided)
        do {
            _ = try Statement.parse("\(header)\nxyz,2031-03-05T12:00:00+08:00,CARD0001,1000,850,false\n\(a),2031-03-05,CARD0001,1000,850,false\n\(a),2031-03-05T12:00:00Z,CARD0001,0,850,false\n\(a),2031-03-05T12:00:00Z,CARD0001,10,8,yes\n\(a),1\n")
            Issue.record("a bad statement was accepted")
        } catch {
            #expect(error.errors.map(\.line) == [2, 3, 4, 5, 6])
            #expect(error.description.hasPrefix("line 2: id"))
            #expect(error.description.contains("line 5: voided"))
            #expect(error.description.contains("line 6: expected 6 fields"))
        }
        #expect(throws: StatementErrors.self) { try Statement.parse("id,when,card_no,gross_fen,payable_fen,voided\n") }
        #expect(throws: StatementErrors.self) { try Statement.parse("") }
    }

    @Test("matching by id finds every kind of break, in a fixed order")
    func match() {
        func line(_ n: Int, _ id: UUID, gross: Int64 = 1000, voided: Bool = false) -> StatementLine {
            StatementLine(line: n, id: id, occurredAt: "", cardNumber: "CARD0001", grossFen: gross, payableFen: 850, voided: voided)
        }
        let ledger = [LedgerMealLine(id: a, grossFen: 1000, payableFen: 850, voided: false),
                      LedgerMealLine(id: b, grossFen: 1000, payableFen: 850, voided: true)]
        let breaks = StatementMatch.breaks(restaurant: "R", ledger: ledger, statement: [line(2, a), line(3, a), line(4, c), line(5, b, gross: 999)])
        #expect(breaks.map(\.kind) == [.duplicate, .missingInLedger, .amountMismatch])
        #expect(breaks[2].detail.contains("gross ledger 1000 statement 999") && breaks[2].detail.contains("voided ledger true statement false"))
        let missing = StatementMatch.breaks(restaurant: "R", ledger: ledger, statement: [])
        #expect(missing.map(\.kind) == [.missingInStatement, .missingInStatement])
        #expect(StatementMatch.breaks(restaurant: "R", ledger: ledger, statement: nil).map(\.kind) == [.noStatement])
    }

    @Test("yuan with two decimals by integer arithmetic")
    func yuan() {
        #expect(Yuan.format(0) == "0.00")
        #expect(Yuan.format(5) == "0.05")
        #expect(Yuan.format(123456) == "1,234.56")
        #expect(Yuan.format(-100_000_001) == "-1,000,000.01")
        #expect(Yuan.format(Int64.min) == "-92,233,720,368,547,758.08")
    }
}
