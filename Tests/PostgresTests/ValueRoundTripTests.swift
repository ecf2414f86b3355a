import Foundation
import Postgres
import TestSupport
import Testing

/// Parameters sent as text and results read back, against the real server.
@Suite struct ValueRoundTripTests {
    let connection: PostgresConnection

    init() throws {
        connection = try TestDatabase.connect()
    }

    @Test("strings, Unicode and empty ones included, round-trip")
    func stringsIncludingUnicodeAndEmptyRoundTrip() throws {
        let values = [
            "", "plain", "中文字符 食堂", "👨‍👩‍👧‍👦 🍚🥢", "e\u{301} combining", "it's \"quoted\"",
            "back\\slash", "tab\tnew\nline\r", "NULL", "{a,b}", "$1",
        ]
        for value in values {
            let row = try connection.query("SELECT \(value)::text AS v, length(\(value)::text) AS n").single()
            #expect(try row.decode("v", as: String.self) == value)
            #expect(try row.decode("n", as: Int.self) == value.unicodeScalars.count)
        }
    }

    @Test("NULL goes both ways: bound from nil, decoded as nil, refused as a non-optional")
    func nullBothWays() throws {
        let missing: String? = nil
        let row = try connection.query("SELECT \(missing)::text IS NULL AS was_null, NULL::int8 AS n").single()
        #expect(try row.decode("was_null", as: Bool.self))
        #expect(try row.decode("n", as: Int64?.self) == nil)
        #expect(try row.decode(1, as: Int64?.self) == nil)
        let error = #expect(throws: PostgresError.self) { try row.decode("n", as: Int64.self) }
        #expect(error?.kind == .decoding)
        #expect(error?.column == "n")
        #expect(error?.message.contains("\"n\"") == true)

        let present: Int64? = 7
        #expect(try connection.query("SELECT \(present)::int8").single().decode(0, as: Int64?.self) == 7)
    }

    @Test("integer extremes round-trip")
    func integerExtremes() throws {
        let row = try connection.query(
            """
            SELECT \(Int64.min)::int8 AS min64, \(Int64.max)::int8 AS max64,
                   \(Int32.min)::int4 AS min32, \(Int32.max)::int4 AS max32,
                   \(Int16.min)::int2 AS min16, \(Int.max)::int8 AS maxint, \(0)::int8 AS zero
            """
        ).single()
        #expect(try row.decode("min64", as: Int64.self) == .min)
        #expect(try row.decode("max64", as: Int64.self) == .max)
        #expect(try row.decode("min32", as: Int32.self) == .min)
        #expect(try row.decode("max32", as: Int32.self) == .max)
        #expect(try row.decode("min16", as: Int16.self) == .min)
        #expect(try row.decode("maxint", as: Int.self) == .max)
        #expect(try row.decode("zero", as: Int64.self) == 0)
        // One past Int32.max does not fit.
        let big = try connection.query("SELECT 2147483648::int8 AS big").single()
        #expect(throws: PostgresError.self) { try big.decode("big", as: Int32.self) }
    }

    @Test("booleans round-trip")
    func booleans() throws {
        let row = try connection.query("SELECT \(true)::bool AS t, \(false)::bool AS f, \(true)::bool::text AS s").single()
        #expect(try row.decode("t", as: Bool.self) == true)
        #expect(try row.decode("f", as: Bool.self) == false)
        #expect(try row.decode("s", as: String.self) == "true")
    }

    @Test("UUIDs round-trip")
    func uuids() throws {
        let id = UUID()
        let row = try connection.query("SELECT \(id)::uuid AS id, \(id)::uuid::text AS text").single()
        #expect(try row.decode("id", as: UUID.self) == id)
        #expect(try row.decode("text", as: String.self) == id.uuidString.lowercased())
    }

    @Test("a date round-trips exactly to the microsecond")
    func dateRoundTripsExactlyToTheMicrosecond() throws {
        let dates = [
            Date(timeIntervalSince1970: 1_711_899_000.123456),
            Date(timeIntervalSince1970: 0),
            Date(timeIntervalSince1970: -1.000001),  // before 1970
            Date(timeIntervalSince1970: 951_782_400.999999),  // 2000-02-29
            Date(timeIntervalSince1970: 4_102_444_799.5),  // 2099-12-31 23:59:59.5
            Date(timeIntervalSince1970: -62_135_596_800),  // 0001-01-01
            Date(timeIntervalSince1970: -62_198_755_200),  // 2 BC
        ]
        for date in dates {
            let row = try connection.query("SELECT \(date)::timestamptz AS at").single()
            #expect(try row.decode("at", as: Date.self) == date, "\(date.timeIntervalSince1970)")
        }
        // The server agrees on the instant.
        let exact = try connection.query(
            "SELECT \(dates[0])::timestamptz = '2024-03-31 15:30:00.123456+00'::timestamptz AS same"
        ).single()
        #expect(try exact.decode("same", as: Bool.self))

        // A date with sub-microsecond noise comes back rounded to the microsecond.
        let now = Date()
        let back = try connection.query("SELECT \(now)::timestamptz").single().decode(0, as: Date.self)
        #expect(abs(back.timeIntervalSince(now)) <= 0.000_001)
        let micros = (now.timeIntervalSince1970 * 1_000_000).rounded()
        #expect(back == Date(timeIntervalSince1970: micros / 1_000_000))
    }

    @Test("timestamps with zones decode to the right instant")
    func timestampsWithZonesDecodeToTheRightInstant() throws {
        let row = try connection.query(
            """
            SELECT '2024-03-31T23:30:00+08:00'::timestamptz AS beijing,
                   '2024-03-31 15:30:00'::timestamp AS naive,
                   '2024-03-31'::date AS day,
                   '2024-03-31T23:30:00+08:00'::timestamptz::text AS printed
            """
        ).single()
        let expected = Date(timeIntervalSince1970: 1_711_899_000)  // 2024-03-31 15:30:00 UTC
        #expect(try row.decode("beijing", as: Date.self) == expected)
        #expect(try row.decode("naive", as: Date.self) == expected)
        #expect(try row.decode("day", as: Date.self) == Date(timeIntervalSince1970: 1_711_843_200))
        #expect(try row.decode("printed", as: String.self) == "2024-03-31 15:30:00+00")

        // Other zone spellings the server could print, read directly.
        #expect(try Date(postgresText: "2024-03-31 21:00:00+05:30") == expected)
        #expect(try Date(postgresText: "2024-03-31 11:30:00-04") == expected)
        #expect(throws: PostgresError.self) { try Date(postgresText: "infinity") }
        #expect(throws: PostgresError.self) { try Date(postgresText: "-infinity") }
        #expect(throws: PostgresError.self) { try Date(postgresText: "2024-13-01 00:00:00+00") }
    }

    @Test("bytea round-trips")
    func byteaRoundTrips() throws {
        let bytes = Data((0...255).map { UInt8($0) } + [0, 0, 92, 120])
        let row = try connection.query("SELECT \(bytes)::bytea AS b, length(\(bytes)::bytea) AS n").single()
        #expect(try row.decode("b", as: Data.self) == bytes)
        #expect(try row.decode("n", as: Int.self) == bytes.count)
        #expect(try connection.query("SELECT \(Data())::bytea").single().decode(0, as: Data.self) == Data())
    }

    @Test("arrays bind as array literals")
    func arraysBindAsArrayLiterals() throws {
        let strings = ["a", "b,c", "d\"e", "f\\g", "", "NULL", "中文", "{x}", " spaced ", "tab\tline\n"]
        let result = try connection.query(
            "SELECT x FROM unnest(\(strings)::text[]) WITH ORDINALITY AS u(x, n) ORDER BY n"
        )
        let decoded = try result.map { try $0.decode(0, as: String.self) }
        #expect(decoded == strings)

        let numbers: [Int64] = [Int64.min, -1, 0, 42, Int64.max]
        let matched = try connection.query(
            "SELECT count(*) FROM generate_series(-5, 100) AS g WHERE g = ANY(\(numbers)::int8[])"
        ).single()
        #expect(try matched.decode(0, as: Int.self) == 3)

        let ids = [UUID(), UUID()]
        let idRows = try connection.query("SELECT x FROM unnest(\(ids)::uuid[]) AS x")
        let decodedIDs = try Set(idRows.map { try $0.decode(0, as: UUID.self) })
        #expect(decodedIDs == Set(ids))

        let empty: [String] = []
        #expect(try connection.query("SELECT cardinality(\(empty)::text[])").single().decode(0, as: Int.self) == 0)
    }

    @Test("a result tells its columns, rows and affected rows")
    func resultShapeAndAffectedRows() throws {
        let table = TestDatabase.uniqueName("tmp_shape")
        try connection.execute(script: "CREATE TEMP TABLE \(table) (id int8 PRIMARY KEY, name text)")
        let inserted = try connection.query(
            PostgresQuery(unsafeSQL: "INSERT INTO \(table) SELECT g, 'n' || g FROM generate_series(1, 5) g")
        )
        #expect(inserted.affectedRows == 5)
        #expect(inserted.isEmpty)
        let selected = try connection.query(PostgresQuery(unsafeSQL: "SELECT id, name FROM \(table) ORDER BY id"))
        #expect(selected.columns == ["id", "name"])
        #expect(selected.count == 5)
        #expect(try selected[4].decode("name", as: String.self) == "n5")
        #expect(throws: PostgresError.self) { try selected.single() }
        let none = try connection.query(PostgresQuery(unsafeSQL: "SELECT id FROM \(table) WHERE false"))
        #expect(none.isEmpty && none.affectedRows == 0)
        #expect(throws: PostgresError.self) { try none.single() }
    }

    @Test("every connection's session settings are fixed")
    func sessionSettingsAreFixed() throws {
        let row = try connection.query(
            "SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds, current_setting('client_encoding') AS enc"
        ).single()
        #expect(try row.decode("tz", as: String.self) == "UTC")
        #expect(try row.decode("ds", as: String.self) == "ISO, YMD")
        #expect(try row.decode("enc", as: String.self) == "UTF8")
        #expect(connection.serverVersion >= 100_000)
        #expect(connection.backendPID > 0)
    }
}
