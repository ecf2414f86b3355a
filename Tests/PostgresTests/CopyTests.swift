import Foundation
import Postgres
import TestSupport
import Testing

@Suite struct CopyTests {
    @Test("COPY IN loads ten thousand rows with special characters intact")
    func copyInLoadsTenThousandRowsWithSpecialCharactersIntact() throws {
        let connection = try TestDatabase.connect()
        let table = TestDatabase.uniqueName("tmp_copy")
        try connection.execute(script: "CREATE TEMP TABLE \(table) (id int8 PRIMARY KEY, body text, note text)")
        let awkward = [
            "tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\.", "中文 🍜", "", "a\tb\nc\\d\r",
            "ends with backslash\\",
        ]
        let rows: [[String?]] = (0..<10_000).map { (index: Int) -> [String?] in
            let body: String = awkward[index % awkward.count] + " #" + String(index)
            let note: String? = index % 7 == 0 ? nil : awkward[index % 3]
            return [String(index), body, note]
        }
        let copied = try connection.copyIn("COPY \(table) (id, body, note) FROM STDIN", rows: rows)
        #expect(copied == 10_000)

        let result = try connection.query(PostgresQuery(unsafeSQL: "SELECT id, body, note FROM \(table) ORDER BY id"))
        #expect(result.count == 10_000)
        var mismatches = 0
        for (row, expected) in zip(result, rows) {
            let same =
                try row.decode("id", as: String.self) == expected[0]
                && row.decode("body", as: String.self) == expected[1]
                && row.decode("note", as: String?.self) == expected[2]
            if !same { mismatches += 1 }
        }
        #expect(mismatches == 0)
        let nulls = try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table) WHERE note IS NULL"))
        let sentNulls = rows.filter { $0[2] == nil }.count
        #expect(try nulls.single().decode(0, as: Int.self) == sentNulls)
    }

    @Test("a refused row loads nothing and the connection carries on")
    func aRefusedRowLoadsNothingAndTheConnectionCarriesOn() throws {
        let connection = try TestDatabase.connect()
        let table = TestDatabase.uniqueName("tmp_copy_bad")
        try connection.execute(script: "CREATE TEMP TABLE \(table) (id int8, body text)")
        let rows: [[String?]] = [["1", "fine"], ["two", "not a number"], ["3", "fine"]]
        let error = #expect(throws: PostgresError.self) {
            try connection.copyIn("COPY \(table) (id, body) FROM STDIN", rows: rows)
        }
        #expect(error?.kind == .server)
        #expect(error?.sqlState == "22P02")
        #expect(connection.isUsable)
        let count = try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)")).single()
        #expect(try count.decode(0, as: Int.self) == 0)
    }

    @Test("COPY IN inside a transaction commits with it")
    func copyInInsideATransactionCommitsWithIt() throws {
        let connection = try TestDatabase.connect()
        let table = TestDatabase.uniqueName("tmp_copy_tx")
        try connection.execute(script: "CREATE TEMP TABLE \(table) (id int8)")
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try connection.transaction { tx in
                try tx.copyIn("COPY \(table) FROM STDIN", rows: [["1"], ["2"]])
                throw Abort()
            }
        }
        let copied = try connection.transaction { tx in
            try tx.copyIn("COPY \(table) FROM STDIN", rows: (1...3).map { [String($0)] })
        }
        #expect(copied == 3)
        let count = try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)")).single()
        #expect(try count.decode(0, as: Int.self) == 3)
    }

    @Test("COPY through query is refused cleanly")
    func copyThroughQueryIsRefusedCleanly() throws {
        let connection = try TestDatabase.connect()
        let table = TestDatabase.uniqueName("tmp_copy_q")
        try connection.execute(script: "CREATE TEMP TABLE \(table) (id int8)")
        let error = #expect(throws: PostgresError.self) {
            try connection.query(PostgresQuery(unsafeSQL: "COPY \(table) FROM STDIN"))
        }
        #expect(error?.kind == .protocolViolation)
        #expect(throws: PostgresError.self) {
            try connection.copyIn("SELECT 1", rows: [[String?]]())
        }
        #expect(connection.isUsable)
        #expect(try connection.query("SELECT 1").single().decode(0, as: Int.self) == 1)
    }
}
