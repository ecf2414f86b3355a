import Foundation
import LedgerCore
import Testing

@Suite struct PeriodTests {
    @Test("a period parses and prints as YYYY-MM")
    func parsesAndPrintsYYYYMM() throws {
        let march = try Period(parsing: "2024-03")
        #expect(march.year == 2024)
        #expect(march.month == 3)
        #expect(march.description == "2024-03")
        #expect(try Period(year: 2024, month: 12).description == "2024-12")
        #expect(try Period(year: 987, month: 1).description == "0987-01")
    }

    @Test("anything but YYYY-MM is refused as a period", arguments: [
        "2024-3", "24-03", "2024-13", "2024-00", "2024/03", "2024-03-01", " 2024-03", "2024-03 ", "0000-01",
        "２０２４-03", "", "202403", "2024--3", "-024-03",
    ])
    func refusesAnythingButYYYYMM(text: String) {
        #expect(throws: DomainError.invalidPeriod(text: text)) { try Period(parsing: text) }
    }

    @Test("a period made from components is validated")
    func componentInitialiserValidates() {
        #expect(throws: DomainError.invalidPeriod(text: "2024-13")) { try Period(year: 2024, month: 13) }
        #expect(throws: DomainError.invalidPeriod(text: "2024-00")) { try Period(year: 2024, month: 0) }
        #expect(throws: DomainError.invalidPeriod(text: "0000-05")) { try Period(year: 0, month: 5) }
    }

    @Test("periods step across year ends")
    func stepsAcrossYearEnds() {
        #expect(period("2024-12").next == period("2025-01"))
        #expect(period("2024-03").next == period("2024-04"))
        #expect(period("2024-01").previous == period("2023-12"))
        #expect(period("2024-04").previous == period("2024-03"))
    }

    @Test("periods order chronologically")
    func ordersChronologically() {
        #expect(period("2023-12") < period("2024-01"))
        #expect(period("2024-02") < period("2024-10"))
        #expect(!(period("2024-02") < period("2024-02")))
        #expect([period("2024-10"), period("2023-11"), period("2024-02")].sorted().map(\.description)
            == ["2023-11", "2024-02", "2024-10"])
    }

    @Test("a period's first and last days follow leap years")
    func firstAndLastDaysFollowLeapYears() {
        #expect(period("2024-02").firstDay == day("2024-02-01"))
        #expect(period("2024-02").lastDay == day("2024-02-29"))
        #expect(period("2023-02").lastDay == day("2023-02-28"))
        #expect(period("2000-02").lastDay == day("2000-02-29"))
        #expect(period("2100-02").lastDay == day("2100-02-28"))
        #expect(period("2024-04").lastDay == day("2024-04-30"))
        #expect(period("2024-12").lastDay == day("2024-12-31"))
    }

    @Test("the last evening of a month belongs to it in Shanghai")
    func lastEveningOfTheMonthBelongsToItInShanghai() {
        // 23:30 on 31 March in Shanghai is 15:30 UTC the same day.
        let evening = Date(timeIntervalSince1970: 1_711_899_000)
        #expect(Period.containing(evening, in: shanghai) == period("2024-03"))
        #expect(Period.containing(evening, in: utc) == period("2024-03"))
    }

    @Test("midnight starts the next period in the time zone")
    func midnightStartsTheNextPeriodInTheZone() {
        // 00:00 on 1 April in Shanghai is 16:00 UTC on 31 March.
        let midnight = Date(timeIntervalSince1970: 1_711_900_800)
        #expect(Period.containing(midnight, in: shanghai) == period("2024-04"))
        #expect(Period.containing(midnight, in: utc) == period("2024-03"))
        #expect(Period.containing(midnight.addingTimeInterval(-0.000001), in: shanghai) == period("2024-03"))
    }

    @Test("a period's bounds are local midnights")
    func boundsAreLocalMidnights() {
        #expect(period("2024-04").start(in: shanghai) == Date(timeIntervalSince1970: 1_711_900_800))
        #expect(period("2024-03").end(in: shanghai) == period("2024-04").start(in: shanghai))
        #expect(period("2024-03").start(in: shanghai) == Date(timeIntervalSince1970: 1_709_222_400))  // 2024-02-29T16:00Z
        #expect(period("2024-03").start(in: utc) == Date(timeIntervalSince1970: 1_709_251_200))
        #expect(period("2023-12").end(in: utc) == instant("2024-01-01T00:00:00Z"))
    }

    @Test("a period codes as a JSON string")
    func codesAsAString() throws {
        let encoded = try JSONEncoder().encode([period("2024-03")])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["2024-03"]"#)
        #expect(try JSONDecoder().decode([Period].self, from: encoded) == [period("2024-03")])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Period].self, from: Data(#"["2024-3"]"#.utf8))
        }
    }
}
