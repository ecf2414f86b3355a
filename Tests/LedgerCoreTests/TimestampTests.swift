import Foundation
import LedgerCore
import Testing

@Suite struct TimestampTests {
    /// 2024-03-31T15:30:00Z.
    let evening = Date(timeIntervalSince1970: 1_711_899_000)

    @Test("any offset parses to the same instant", arguments: [
        "2024-03-31T23:30:00+08:00", "2024-03-31T15:30:00Z", "2024-03-31T15:30:00z", "2024-03-31t15:30:00Z",
        "2024-03-31T15:30:00+00:00", "2024-03-31T15:30:00-00:00", "2024-03-31T11:30:00-04:00",
        "2024-04-01T01:00:00+09:30", "2024-03-31T15:30:00.000Z",
    ])
    func parsesAnyOffsetToTheSameInstant(text: String) throws {
        #expect(try RFC3339.parse(text) == evening)
    }

    @Test("fractions are kept to the microsecond")
    func keepsFractionsToTheMicrosecond() throws {
        #expect(try RFC3339.parse("2024-03-31T15:30:00.5Z") == evening.addingTimeInterval(0.5))
        let micro = try RFC3339.parse("2024-03-31T15:30:00.123456Z")
        #expect(RFC3339.format(micro, in: utc) == "2024-03-31T15:30:00.123456Z")
        let nano = try RFC3339.parse("2024-03-31T15:30:00.123456789Z")
        #expect(nano == micro)
        #expect(RFC3339.format(try RFC3339.parse("2024-03-31T15:30:00.000001Z"), in: utc) == "2024-03-31T15:30:00.000001Z")
    }

    @Test("instants before the epoch are handled")
    func handlesInstantsBeforeTheEpoch() throws {
        let date = try RFC3339.parse("1969-12-31T23:59:59.5Z")
        #expect(date == Date(timeIntervalSince1970: -0.5))
        #expect(RFC3339.format(date, in: utc) == "1969-12-31T23:59:59.500000Z")
    }

    @Test("text without an offset, or with garbage, is refused", arguments: [
        "2024-03-31T23:30:00",  // no offset
        "2024-03-31T23:30:00.5",  // no offset
        "2024-03-31 23:30:00+08:00",  // space for T
        "2024-03-31T23:30+08:00",  // no seconds
        "2024-03-31T24:00:00Z", "2024-03-31T23:60:00Z", "2024-03-31T23:30:60Z",
        "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z",
        "2024-03-31T23:30:00+0800", "2024-03-31T23:30:00+08", "2024-03-31T23:30:00+24:00", "2024-03-31T23:30:00+08:60",
        "2024-03-31T23:30:00.Z", "2024-03-31T23:30:00.12a4Z", "2024-03-31T23:30:00Zjunk", "2024-03-31T23:30:00+08:00 ",
        "2024-3-31T23:30:00Z", "2024-03-31T3:30:00Z", "", "garbage", "2024-03-31", "2024-03-31T23:30:00ZZ",
    ])
    func refusesTextWithoutOffsetOrWithGarbage(text: String) {
        #expect(throws: DomainError.invalidTimestamp(text: text)) { try RFC3339.parse(text) }
    }

    @Test("a time formats with its zone's offset")
    func formatsWithTheZonesOffset() throws {
        #expect(RFC3339.format(evening, in: shanghai) == "2024-03-31T23:30:00+08:00")
        #expect(RFC3339.format(evening, in: utc) == "2024-03-31T15:30:00Z")
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        #expect(RFC3339.format(evening, in: newYork) == "2024-03-31T11:30:00-04:00")  // daylight time
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_704_067_200), in: newYork) == "2023-12-31T19:00:00-05:00")
        let kolkata = try #require(TimeZone(identifier: "Asia/Kolkata"))
        #expect(RFC3339.format(evening, in: kolkata) == "2024-03-31T21:00:00+05:30")
        #expect(RFC3339.format(evening.addingTimeInterval(0.25), in: shanghai) == "2024-03-31T23:30:00.250000+08:00")
    }

    @Test("formatting then parsing gives the same instant")
    func formatThenParseIsTheSameInstant() throws {
        let samples = ["2024-03-31T23:30:00.000001+08:00", "2024-12-31T23:59:59.999999+08:00", "2000-02-29T00:00:00Z"]
        for text in samples {
            let date = try RFC3339.parse(text)
            for zone in [shanghai, utc] {
                #expect(try RFC3339.parse(RFC3339.format(date, in: zone)) == date)
            }
        }
        #expect(RFC3339.format(try RFC3339.parse(samples[1]), in: shanghai) == samples[1])
    }
}
