import Foundation
import Postgres
import TestSupport
import Testing

@Suite struct ErrorTests {
    @Test("a type mismatch is a decoding error naming the column")
    func typeMismatchIsADecodingErrorNamingTheColumn() throws {
        let connection = try TestDatabase.connect()
        let row = try connection.query("SELECT 'twelve'::text AS amount_fen, 1 AS n").single()
        let error = #expect(throws: PostgresError.self) { try row.decode("amount_fen", as: Int64.self) }
        #expect(error?.kind == .decoding)
        #expect(error?.column == "amount_fen")
        #expect(error?.message.contains("amount_fen") == true)
        #expect(error?.message.contains("Int64") == true)
        // The value stays out of the safe description.
        let described = error.map { String(describing: $0) }
        #expect(described?.contains("twelve") == false)

        let unknown = #expect(throws: PostgresError.self) { try row.decode("nope", as: Int.self) }
        #expect(unknown?.kind == .decoding)
        #expect(unknown?.message.contains("nope") == true)
        #expect(throws: PostgresError.self) { try row.decode(5, as: Int.self) }
    }

    @Test("a unique violation reports the constraint")
    func uniqueViolationReportsTheConstraint() throws {
        let connection = try TestDatabase.connect()
        let table = TestDatabase.uniqueName("tmp_unique")
        try connection.execute(
            script: "CREATE TEMP TABLE \(table) (code text, CONSTRAINT \(table)_code_key UNIQUE (code))"
        )
        let insert = PostgresQuery(unsafeSQL: "INSERT INTO \(table) (code) VALUES ($1)", binds: ["T-001"])
        try connection.query(insert)
        let error = #expect(throws: PostgresError.self) { try connection.query(insert) }
        #expect(error?.kind == .server)
        #expect(error?.isUniqueViolation == true)
        #expect(error?.sqlState == "23505")
        #expect(error?.constraint == "\(table)_code_key")
        #expect(error?.table == table)
        #expect(error?.isConnectionProblem == false)
        #expect(error?.isRetryableTransactionFailure == false)
        // The detail names the value: kept for debugDescription, never in description.
        #expect(error?.detail?.contains("T-001") == true)
        let debugText = error.map { String(reflecting: $0) }
        let text = error.map { String(describing: $0) }
        #expect(debugText?.contains("T-001") == true)
        #expect(text?.contains("T-001") == false)
        #expect(text == "PostgresError.server (SQLSTATE 23505)")
        // The connection carries on.
        #expect(connection.isUsable)
        #expect(try connection.query("SELECT 1").single().decode(0, as: Int.self) == 1)
    }

    @Test("a syntax error is a server error 42601")
    func syntaxErrorIsAServerError42601() throws {
        let connection = try TestDatabase.connect()
        let error = #expect(throws: PostgresError.self) { try connection.query("SELEC 1") }
        #expect(error?.kind == .server)
        #expect(error?.sqlState == "42601")
        #expect(error?.severity == "ERROR")
        #expect(error?.message.hasSuffix("\n") == false)
        #expect(connection.isUsable)
    }

    @Test("a failed connect throws connectionFailed with libpq's message")
    func failedConnectThrowsConnectionFailedWithLibpqsMessage() throws {
        for _ in 0..<50 {
            let error = #expect(throws: PostgresError.self) {
                try PostgresConnection.connect("postgresql://postgres@127.0.0.1:1/x", logger: TestDatabase.logger)
            }
            #expect(error?.kind == .connectionFailed)
            #expect(error?.isConnectionProblem == true)
            #expect(error?.message.contains("127.0.0.1") == true)
            #expect(error?.message.contains("refused") == true)
            #expect(error?.message.hasSuffix("\n") == false)
        }
        let bad = #expect(throws: PostgresError.self) {
            try PostgresConnection.connect("host=127.0.0.1 port=notaport", logger: TestDatabase.logger)
        }
        #expect(bad?.kind == .connectionFailed)
        var components = try #require(URLComponents(string: try TestDatabase.url()))
        components.path = "/" + TestDatabase.uniqueName("no_such_db")
        let otherURL = try #require(components.string)
        let missingDatabase = #expect(throws: PostgresError.self) {
            try PostgresConnection.connect(otherURL, logger: TestDatabase.logger)
        }
        #expect(missingDatabase?.kind == .connectionFailed)
        #expect(missingDatabase?.message.contains("does not exist") == true)
    }

    @Test("injection attempts are bound as values")
    func injectionAttemptsAreValues() throws {
        let connection = try TestDatabase.connect()
        let table = TestDatabase.uniqueName("tmp_inject")
        try connection.execute(script: "CREATE TEMP TABLE \(table) (id int8, name text)")
        try connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1, 'meal')"))

        let drop = "'; DROP TABLE \(table); --"
        let byName = try connection.query(
            PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table) WHERE name = $1", binds: [drop])
        )
        #expect(try byName.single().decode(0, as: Int.self) == 0)

        var query: PostgresQuery = "SELECT count(*) FROM pg_class WHERE relname = \(drop) OR relname = \("1 OR 1=1")"
        #expect(query.binds == [drop, "1 OR 1=1"])
        #expect(query.sql == "SELECT count(*) FROM pg_class WHERE relname = $1 OR relname = $2")
        #expect(try connection.query(query).single().decode(0, as: Int.self) == 0)

        query = "SELECT count(*) FROM pg_class WHERE relname::text = \("x' OR '1'='1")"
        #expect(try connection.query(query).single().decode(0, as: Int.self) == 0)

        // As an integer parameter it is refused by the server's input function, not executed.
        let error = #expect(throws: PostgresError.self) {
            try connection.query("SELECT \("1 OR 1=1")::int8")
        }
        #expect(error?.sqlState == "22P02")

        let still = try connection.query("SELECT to_regclass(\(table)) IS NOT NULL").single()
        #expect(try still.decode(0, as: Bool.self))
        let rows = try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)")).single()
        #expect(try rows.decode(0, as: Int.self) == 1)
    }

    @Test("NUL bytes are refused, not truncated")
    func nulBytesAreRefusedNotTruncated() throws {
        let connection = try TestDatabase.connect()
        let error = #expect(throws: PostgresError.self) { try connection.query("SELECT \("a\u{0}b")::text") }
        #expect(error?.sqlState == "22021")
        #expect(connection.isUsable)
    }

    @Test("a query's description never shows its values")
    func queryDescriptionNeverShowsValues() {
        let secret = "s3cret-token"
        let query: PostgresQuery = "SELECT * FROM staff WHERE token = \(secret) AND id = \(Int64(5))"
        #expect(!query.description.contains(secret))
        #expect(query.description.contains("$1"))
        #expect(query.description.contains("2 binds"))
    }

    @Test("connection problems, deadlocks and retryable failures are told by SQLSTATE")
    func connectionProblemClassification() {
        #expect(PostgresError(kind: .server, message: "x", sqlState: "08006").isConnectionProblem)
        #expect(PostgresError(kind: .server, message: "x", sqlState: "57P01").isConnectionProblem)
        #expect(PostgresError(kind: .server, message: "x", sqlState: "57P03").isConnectionProblem)
        #expect(!PostgresError(kind: .server, message: "x", sqlState: "57014").isConnectionProblem)
        #expect(PostgresError(kind: .connectionLost, message: "x").isConnectionProblem)
        #expect(PostgresError(kind: .server, message: "x", sqlState: "40P01").isRetryableTransactionFailure)
        #expect(PostgresError(kind: .server, message: "x", sqlState: "40P01").isDeadlock)
        #expect(PostgresError(kind: .server, message: "x\n").message == "x")
    }
}
