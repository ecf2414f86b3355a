import Postgres
import TestSupport
import Testing

/// `BEGIN` travels with a transaction's first statement, and `queryAndCommit` commits with its last.
@Suite struct PipelinedTransactionTests {
    func count(_ table: String, on connection: PostgresConnection) throws -> Int {
        try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)")).single().decode(0, as: Int.self)
    }

    @Test("the first statement runs inside the transaction it opens")
    func theFirstStatementRunsInsideTheTransactionItOpens() throws {
        let connection = try TestDatabase.connect()
        let isolation = try connection.transaction(isolation: .repeatableRead) { tx in
            try tx.query("SHOW transaction_isolation").single().decode(0, as: String.self)
        }
        #expect(isolation == "repeatable read")
        let scripted = try connection.transaction(isolation: .serializable) { tx in
            try tx.execute(script: "SET LOCAL statement_timeout = '5s'")
            return try tx.query("SHOW transaction_isolation").single().decode(0, as: String.self)
        }
        #expect(scripted == "serializable")
        #expect(connection.isUsable)
    }

    @Test("queryAndCommit commits with the last statement")
    func queryAndCommitCommitsWithTheLastStatement() throws {
        let connection = try TestDatabase.connect()
        let observer = try TestDatabase.connect()
        let table = TestDatabase.uniqueName("pipe_commit")
        try connection.execute(script: "CREATE TABLE \(table) (id int8 PRIMARY KEY)")
        defer { try? connection.execute(script: "DROP TABLE \(table)") }
        let inserted = try connection.transaction { tx in
            try tx.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"))
            return try tx.queryAndCommit(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (2), (3) RETURNING id")).count
        }
        #expect(inserted == 2)
        #expect(connection.isUsable)
        #expect(try count(table, on: observer) == 3)

        // Alone in its transaction: BEGIN, the statement and COMMIT in one round trip.
        try connection.transaction { tx in _ = try tx.queryAndCommit(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (4)")) }
        #expect(try count(table, on: observer) == 4)
    }

    @Test("a failing last statement commits nothing")
    func aFailingLastStatementCommitsNothing() throws {
        let connection = try TestDatabase.connect()
        let table = TestDatabase.uniqueName("pipe_fail")
        try connection.execute(script: "CREATE TABLE \(table) (id int8 PRIMARY KEY)")
        defer { try? connection.execute(script: "DROP TABLE \(table)") }
        let error = #expect(throws: PostgresError.self) {
            try connection.transaction { tx in
                try tx.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"))
                try tx.queryAndCommit(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"))
            }
        }
        #expect(error?.isUniqueViolation == true)
        #expect(connection.isUsable)
        #expect(try count(table, on: connection) == 0)
        // The connection goes on, pipelined or not.
        try connection.transaction { tx in _ = try tx.queryAndCommit(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (5)")) }
        #expect(try count(table, on: connection) == 1)
    }

    @Test("a body without statements sends nothing, and transactions do not nest")
    func aBodyWithoutStatementsSendsNothingAndTransactionsDoNotNest() throws {
        let connection = try TestDatabase.connect()
        let value = try connection.transaction { _ in 7 }
        #expect(value == 7)
        #expect(connection.isUsable)
        let nested = #expect(throws: PostgresError.self) {
            try connection.transaction { tx in try tx.transaction { _ in 1 } }
        }
        #expect(nested?.kind == .protocolViolation)
        #expect(connection.isUsable)
    }
}
