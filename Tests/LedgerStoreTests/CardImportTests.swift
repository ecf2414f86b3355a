import Foundation
import LedgerCore
@testable import LedgerStore
import Postgres
import TestSupport
import Testing

@Suite("cards import")
struct CardImportTests {
    static let header = "card_no,name,category,birth_date,phone,address,community,status,valid_from,valid_until\n"

    @Test("every bad row is reported as 'line N: reason' and nothing is returned")
    func badRows() {
        let csv = Self.header + """
            GOOD000001,王小明,veteran,1940-02-29,138,"1 Road, Flat 2",East,active,2023-01-01,2028-12-31
            BAD,李四,veteran,1940-01-01,,,,active,,
            GOOD000002,張三,soldier,1940-01-01,,,,active,,
            GOOD000003,趙六,veteran,1941-02-30,,,,active,,
            GOOD000004,錢七,veteran,1941-02-01,,,,active,2028-01-01,2027-01-01
            GOOD000001,重複,veteran,1941-02-01,,,,active,,
            GOOD000005,only,three
            """
        #expect(throws: CardImportError(problems: [
            "line 3: card_no: the card number must be 6 to 32 ASCII letters and digits, with no spaces or other signs",
            "line 4: category: 'soldier' is not one of active_serviceman, veteran, special_care",
            "line 5: birth_date: '1941-02-30' is not a calendar date: write a date as YYYY-MM-DD, for example 2024-03-31",
            "line 6: valid_until 2027-01-01 is before valid_from 2028-01-01",
            "line 7: the card number also appears on line 2",
            "line 8: expected 10 fields (card_no,name,category,birth_date,phone,address,community,status,valid_from,valid_until), or 11 with certified_on, found 3",
        ])) {
            try Cards.parseImport(csv)
        }
    }

    @Test("NUL and other control characters in a text column are bad rows, named by line and column")
    func controlCharacters() {
        let csv = Self.header + "GOOD000001,王\u{0}小明,veteran,1940-02-29,138,East Road,East,active,,\n"
            + "GOOD000002,趙六,veteran,1941-02-01,\u{7}138,1 Road\u{1B},East,active,,\n"
        let control = DomainError.controlCharacter.description
        #expect(throws: CardImportError(problems: [
            "line 2: name: \(control)", "line 3: phone: \(control); address: \(control)",
        ])) { try Cards.parseImport(csv) }
    }

    @Test("good rows parse, quoted commas included, with or without a header")
    func goodRows() throws {
        let body = "GOOD000001,王小明,veteran,1940-02-29,138,\"1 Road, Flat 2\",East,active,2023-01-01,2028-12-31\r\n"
        for text in [Self.header + body, body] {
            let cards = try Cards.parseImport(text)
            #expect(cards.count == 1)
            #expect(cards[0].address == "1 Road, Flat 2")
            #expect(cards[0].card.validUntil == (try LocalDate(parsing: "2028-12-31")))
        }
    }

    @Test("an import is all or nothing against the database and updates existing cards")
    func upsert() throws {
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            try TestDatabase.migrate(db)
            let rows = (0..<5000).map { "CARD\(String(format: "%06d", $0)),持卡人 \($0),veteran,1940-01-01,,\"addr\ttab\\back\",East,active,," }
            #expect(try Cards.upsert(Cards.parseImport(rows.joined(separator: "\n")), on: db) == 5000)
            let updated = try Cards.parseImport("CARD000001,New Name,special_care,1950-01-01,,,,suspended,,")
            #expect(try Cards.upsert(updated, on: db) == 1)
            let card = try #require(try Cards.find(CardNumber("CARD000001"), on: db))
            #expect(card.holderName == "New Name")
            #expect(card.card.status == .suspended)
            #expect(try Cards.find(CardNumber("CARD000002"), on: db)?.address == "addr\ttab\\back")
            #expect(try db.query("SELECT count(*) FROM ledger.cards").single().onlyValue(as: Int.self) == 5000)
        }
    }
}
