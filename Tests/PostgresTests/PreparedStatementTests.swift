import Postgres
import TestSupport
import Testing

@Suite("prepared statements")
struct PreparedStatementTests {
    @Test("each SQL text is prepared once per connection and reused with new parameters")
    func preparedOnce() throws {
        let db = try TestDatabase.connect()
        defer { db.close() }
        for value in [Int64(1), 2, 3] {
            #expect(try db.query("SELECT \(value)::int8 + 1").single().decode(0, as: Int64.self) == value + 1)
        }
        let prepared = try db.query(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT $1::int8 + 1'"
        ).single().decode(0, as: Int.self)
        #expect(prepared == 1)
    }

    @Test("a statement whose result type changed with the schema is prepared again on the next call")
    func schemaChange() throws {
        let db = try TestDatabase.connect()
        defer { db.close() }
        let table = TestDatabase.uniqueName("prep")
        try db.execute(script: "CREATE TEMPORARY TABLE \(table) (a int)")
        try db.execute(script: "INSERT INTO \(table) VALUES (1)")
        let select = PostgresQuery(unsafeSQL: "SELECT * FROM \(table) WHERE a = $1", binds: ["1"])
        #expect(try db.query(select).single().values == ["1"])
        try db.execute(script: "ALTER TABLE \(table) ADD COLUMN b text DEFAULT 'x'")
        let first = Result { try db.query(select) }
        if case .failure(let error as PostgresError) = first { #expect(error.sqlState == "0A000") }
        #expect(try db.query(select).single().values == ["1", "x"])
    }

    @Test("a statement with a syntax error is not kept, and the connection goes on")
    func syntaxError() throws {
        let db = try TestDatabase.connect()
        defer { db.close() }
        #expect(throws: PostgresError.self) { try db.query("SELEKT 1") }
        #expect(try db.query("SELECT 1").single().decode(0, as: Int.self) == 1)
        #expect(try db.query("SELECT count(*) FROM pg_prepared_statements").single().decode(0, as: Int.self) == 2)
    }
}
