import Foundation
import Postgres
import TestSupport
import Testing

/// A named row type: each field read from the column of its own name.
private struct Dish: PostgresRowDecodable, Equatable {
    let id: Int64
    let name: String
    let note: String?

    init(id: Int64, name: String, note: String?) {
        self.id = id
        self.name = name
        self.note = note
    }

    init(_ row: PostgresRow) throws {
        id = try row.decode("id", as: Int64.self)
        name = try row.decode("name", as: String.self)
        note = try row.decode("note", as: String?.self)
    }
}

/// Rows decoded by column name into named row types, against the real server.
@Suite struct RowDecodableTests {
    let connection: PostgresConnection

    init() throws {
        connection = try TestDatabase.connect()
    }

    @Test("a reordered select list still decodes each field from its own column")
    func reorderedSelectDecodesTheSameRow() throws {
        let expected = Dish(id: 7, name: "noodles", note: nil)
        let inOrder = try connection.query("SELECT 7::int8 AS id, 'noodles' AS name, NULL::text AS note").single(Dish.self)
        let reordered = try connection.query("SELECT NULL::text AS note, 'noodles' AS name, 7::int8 AS id").single(Dish.self)
        #expect(inOrder == expected)
        #expect(reordered == expected)
    }

    @Test("every row of a result decodes in order, and the first or none")
    func resultsDecodeEveryRowInOrder() throws {
        let query: PostgresQuery = "SELECT i::int8 AS id, 'dish ' || i AS name, CASE WHEN i = 2 THEN 'spicy' END AS note FROM generate_series(1, 3) AS i ORDER BY i"
        let dishes = try connection.query(query).decode(Dish.self)
        #expect(dishes == [
            Dish(id: 1, name: "dish 1", note: nil), Dish(id: 2, name: "dish 2", note: "spicy"), Dish(id: 3, name: "dish 3", note: nil),
        ])
        #expect(try connection.query("SELECT 1::int8 AS id, 'a' AS name, NULL::text AS note WHERE false").first(Dish.self) == nil)
        let error = #expect(throws: PostgresError.self) {
            try connection.query(query).single(Dish.self)
        }
        #expect(error?.kind == .decoding)
        #expect(error?.message == "expected exactly one row, got 3")
    }

    @Test("an unknown column name is a decoding error that names it and lists the columns there are")
    func unknownColumnIsAClearDecodingError() throws {
        let error = #expect(throws: PostgresError.self) {
            try connection.query("SELECT 7::int8 AS id, 'noodles' AS dish, NULL::text AS note").single(Dish.self)
        }
        #expect(error?.kind == .decoding)
        #expect(error?.column == "name")
        #expect(error?.message == #"no column named "name"; the result has "id", "dish", "note""#)
    }

    @Test("a name two columns share is a decoding error, not the first of them")
    func sharedColumnNameIsADecodingError() throws {
        let row = try connection.query("SELECT 1::int8 AS id, 'noodles' AS name, 2::int8 AS id, NULL::text AS note").single()
        let error = #expect(throws: PostgresError.self) { try Dish(row) }
        #expect(error?.kind == .decoding)
        #expect(error?.column == "id")
        #expect(error?.message == #"more than one column is named "id": give each its own name with AS"#)
        #expect(try row.decode("name", as: String.self) == "noodles")
    }

    @Test("the tests' onlyValue reads a row of one column, whatever its name, and refuses a row of two")
    func onlyValueNeedsExactlyOneColumn() throws {
        #expect(try connection.query("SELECT count(*) FROM generate_series(1, 3)").single().onlyValue(as: Int.self) == 3)
        #expect(try connection.query("SELECT NULL::text").single().onlyValue(as: String?.self) == nil)
        let error = #expect(throws: PostgresError.self) {
            try connection.query("SELECT 1 AS a, 2 AS b").single().onlyValue(as: Int.self)
        }
        #expect(error?.kind == .decoding)
        #expect(error?.message == "expected one column, got 2: decode them by name")
    }
}
