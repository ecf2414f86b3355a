import Foundation
import Postgres
import TestSupport
import Testing

private struct BodyFailed: Error {}

@Suite struct TransactionTests {
    @Test("a transaction commits when its body returns")
    func commitsWhenTheBodyReturns() throws {
        let connection = try TestDatabase.connect()
        let table = TestDatabase.uniqueName("tmp_commit")
        try connection.execute(script: "CREATE TEMP TABLE \(table) (id int8)")
        let value = try connection.transaction(isolation: .repeatableRead) { tx in
            try tx.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1), (2)"))
            return 42
        }
        #expect(value == 42)
        #expect(connection.isUsable)
        let count = try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)")).single()
        #expect(try count.decode(0, as: Int.self) == 2)
    }

    @Test("a transaction rolls back when its body throws")
    func rollsBackWhenTheBodyThrows() throws {
        let connection = try TestDatabase.connect()
        let table = TestDatabase.uniqueName("tmp_rollback")
        try connection.execute(script: "CREATE TEMP TABLE \(table) (id int8)")
        #expect(throws: BodyFailed.self) {
            try connection.transaction { tx in
                try tx.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"))
                #expect(!tx.isUsable)  // inside a transaction
                throw BodyFailed()
            }
        }
        #expect(connection.isUsable)
        let count = try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)")).single()
        #expect(try count.decode(0, as: Int.self) == 0)
    }

    @Test("a swallowed statement error still rolls the transaction back")
    func aSwallowedStatementErrorStillRollsBack() throws {
        let connection = try TestDatabase.connect()
        let table = TestDatabase.uniqueName("tmp_swallow")
        try connection.execute(script: "CREATE TEMP TABLE \(table) (id int8)")
        let error = #expect(throws: PostgresError.self) {
            try connection.transaction { tx in
                try tx.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"))
                _ = try? tx.query("SELECT 1/0")
            }
        }
        #expect(error?.sqlState == "25P02")
        #expect(connection.isUsable)
        let count = try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)")).single()
        #expect(try count.decode(0, as: Int.self) == 0)
    }

    @Test("a real serialization conflict is reported")
    func realSerializationConflictIsReported() async throws {
        try await TestDatabase.withTable("skew", columns: "id int8") { table in
            let first = try TestDatabase.connect()
            let second = try TestDatabase.connect()
            let count = PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)")
            // Write skew: each reads the whole table, then inserts; both cannot commit.
            try first.execute(script: "BEGIN ISOLATION LEVEL SERIALIZABLE")
            try second.execute(script: "BEGIN ISOLATION LEVEL SERIALIZABLE")
            try first.query(count)
            try second.query(count)
            try first.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"))
            try first.execute(script: "COMMIT")
            // The second fails at its insert or at its commit, depending on when the server sees the cycle.
            let error = #expect(throws: PostgresError.self) {
                try second.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (2)"))
                try second.execute(script: "COMMIT")
            }
            #expect(error?.isSerializationFailure == true)
            #expect(error?.isRetryableTransactionFailure == true)
            try second.execute(script: "ROLLBACK")
            #expect(second.isUsable)
        }
    }

    /// A transaction body that hits a real serialization failure (40001, "could not serialize access due to
    /// concurrent update") on each of its first `failures` attempts: after it reads the row, another session
    /// updates it, then the body updates it too. (The dev server cannot load plpgsql, so no `DO … RAISE`.)
    static func conflictingBody(
        table: String,
        outsider: PostgresConnection,
        attempts: Counter,
        failures: Int
    ) -> @Sendable (PostgresConnection) throws -> Int64 {
        { tx in
            let attempt = attempts.increment()
            try tx.query(PostgresQuery(unsafeSQL: "SELECT v FROM \(table) WHERE id = 1"))  // takes the snapshot
            if attempt <= failures {
                try outsider.query(PostgresQuery(unsafeSQL: "UPDATE \(table) SET v = v + 1 WHERE id = 1"))
            }
            let row = try tx.query(
                PostgresQuery(unsafeSQL: "UPDATE \(table) SET v = v + 10 WHERE id = 1 RETURNING v")
            ).single()
            return try row.decode(0, as: Int64.self)
        }
    }

    @Test(
        "the pool retries real serialization failures, then succeeds",
        arguments: [PostgresConnection.IsolationLevel.repeatableRead, .serializable])
    func poolRetriesRealSerializationFailuresThenSucceeds(isolation: PostgresConnection.IsolationLevel) async throws {
        try await TestDatabase.withTable("retry", columns: "id int8 PRIMARY KEY, v int8") { table in
            let outsider = try TestDatabase.connect()
            try outsider.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1, 0)"))
            let pool = try TestDatabase.makePool(maxConnections: 2)
            let attempts = Counter()
            let body = Self.conflictingBody(table: table, outsider: outsider, attempts: attempts, failures: 2)
            let value = try await pool.transaction(isolation: isolation, maxAttempts: 5, body)
            #expect(attempts.current == 3)
            #expect(value == 12)  // two outside increments, then ours once
            #expect(pool.statistics.inUse == 0)
            await pool.close()
        }
    }

    @Test("the pool gives up after its maximum attempts")
    func poolGivesUpAfterMaxAttempts() async throws {
        try await TestDatabase.withTable("give_up", columns: "id int8 PRIMARY KEY, v int8") { table in
            let outsider = try TestDatabase.connect()
            try outsider.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1, 0)"))
            let pool = try TestDatabase.makePool(maxConnections: 2)
            let attempts = Counter()
            let body = Self.conflictingBody(table: table, outsider: outsider, attempts: attempts, failures: .max)
            let error = await #expect(throws: PostgresError.self) {
                try await pool.transaction(isolation: .repeatableRead, maxAttempts: 3, body)
            }
            #expect(error?.isSerializationFailure == true)
            #expect(attempts.current == 3)
            // None of our updates committed; the connections went back clean.
            let v = try outsider.query(PostgresQuery(unsafeSQL: "SELECT v FROM \(table) WHERE id = 1")).single()
            #expect(try v.decode(0, as: Int64.self) == 3)
            #expect(pool.statistics.idle >= 1)
            #expect(try await pool.query("SELECT 1").single().decode(0, as: Int.self) == 1)
            await pool.close()
        }
    }

    @Test("the pool does not retry other errors")
    func poolDoesNotRetryOtherErrors() async throws {
        let pool = try TestDatabase.makePool(maxConnections: 1)
        let attempts = Counter()
        let error = await #expect(throws: PostgresError.self) {
            try await pool.transaction { tx in
                _ = attempts.increment()
                try tx.query("SELECT 1/0")
            }
        }
        #expect(error?.sqlState == "22012")
        #expect(attempts.current == 1)
        await pool.close()
    }
}
