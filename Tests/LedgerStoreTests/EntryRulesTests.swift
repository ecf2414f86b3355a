import Foundation
import LedgerCore
@testable import LedgerStore
import Logging
import Postgres
import TestSupport
import Testing

@Suite("database rules")
struct EntryRulesTests {
    /// A migrated scratch database holding one restaurant, terminal and meal.
    func withOneMeal(_ body: (PostgresConnection, UUID) throws -> Void) throws {
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            try TestDatabase.migrate(db)
            _ = try Restaurants.add(code: "R1", name: "One", community: "C", rate: Rate(basisPoints: 8500), on: db)
            _ = try Terminals.add(restaurant: "R1", name: "till", on: db)
            let id = UUID()
            try db.execute(script: "INSERT INTO ledger.periods (period) VALUES ('2031-05')")
            _ = try db.query("""
                INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                    card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
                SELECT \(id), 'meal', r.id, t.id, '2031-05', false, now(), sha256('x'), 'CARD0001', 'preferential_card',
                    'veteran', '2031-05-10', 1000, 8500, 850, 150
                FROM ledger.restaurants r JOIN ledger.terminals t ON t.restaurant_id = r.id
                """)
            try body(db, id)
        }
    }

    @Test("UPDATE, DELETE and TRUNCATE of an entry fail, even for the superuser")
    func appendOnly() throws {
        try withOneMeal { db, id in
            for statement in [
                PostgresQuery("UPDATE ledger.entries SET gross_fen = 1 WHERE id = \(id)"),
                PostgresQuery("DELETE FROM ledger.entries WHERE id = \(id)"),
                PostgresQuery(unsafeSQL: "TRUNCATE ledger.entries CASCADE"),
            ] {
                do {
                    _ = try db.query(statement)
                    Issue.record("\(statement) was allowed")
                } catch let error as PostgresError {
                    #expect(error.sqlState == "23001")
                    #expect(error.message.contains("append-only"))
                }
            }
            #expect(try db.query("SELECT gross_fen FROM ledger.entries WHERE id = \(id)").single().onlyValue(as: Int64.self) == 1000)
        }
    }

    @Test("the database refuses a payable that breaks rule 1 and a rate above 8500")
    func amountChecks() throws {
        try withOneMeal { db, _ in
            #expect(throws: PostgresError.self) {
                _ = try db.query("""
                    INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                        card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
                    SELECT gen_random_uuid(), 'meal', restaurant_id, id, '2031-05', false, now(), sha256('y'), 'CARD0001',
                        'preferential_card', 'veteran', '2031-05-10', 1000, 8500, 851, 149 FROM ledger.terminals
                    """)
            }
            #expect(throws: PostgresError.self) {
                _ = try db.query("INSERT INTO ledger.restaurants (code, name, community, rate_bp) VALUES ('R9', 'x', 'y', 8501)")
            }
        }
    }

    @Test("no entry goes into a closed period, and a closed period never changes")
    func closedPeriods() throws {
        try withOneMeal { db, _ in
            try db.execute(script: "UPDATE ledger.periods SET status = 'closed', closed_at = now(), entries = 1, digest = repeat('0', 64) WHERE period = '2031-05'")
            do {
                _ = try db.query("""
                    INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                        card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
                    SELECT gen_random_uuid(), 'meal', restaurant_id, id, '2031-05', false, now(), sha256('z'), 'CARD0001',
                        'preferential_card', 'veteran', '2031-05-10', 1000, 8500, 850, 150 FROM ledger.terminals
                    """)
                Issue.record("an entry went into a closed period")
            } catch let error as PostgresError {
                #expect(error.sqlState == "LD001")
            }
            #expect(throws: PostgresError.self) { try db.execute(script: "UPDATE ledger.periods SET status = 'open', closed_at = NULL, digest = NULL WHERE period = '2031-05'") }
            #expect(throws: PostgresError.self) { try db.execute(script: "DELETE FROM ledger.periods WHERE period = '2031-05'") }
        }
    }

    @Test("one statement of several entries is refused whole when one of its periods is closed; a void must undo a meal of its own restaurant")
    func statementChecks() throws {
        try withOneMeal { db, meal in
            try db.execute(script: """
                INSERT INTO ledger.periods (period, status, closed_at, entries, digest)
                    VALUES ('2031-04', 'closed', now(), 0, repeat('0', 64));
                INSERT INTO ledger.restaurants (code, name, community, rate_bp) VALUES ('R2', 'Two', 'C', 8500);
                INSERT INTO ledger.terminals (restaurant_id, name, token_sha256)
                    SELECT id, 'till', sha256('r2') FROM ledger.restaurants WHERE code = 'R2';
                """)
            func insertMeals(periods: [String]) throws {
                _ = try db.query("""
                    INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                        card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
                    SELECT gen_random_uuid(), 'meal', t.restaurant_id, t.id, p.period, false, now(), sha256('m'), 'CARD0001',
                        'preferential_card', 'veteran', '2031-05-10', 1000, 8500, 850, 150
                    FROM ledger.terminals t JOIN ledger.restaurants r ON r.id = t.restaurant_id AND r.code = 'R1'
                    CROSS JOIN unnest(\(periods)::text[]) AS p(period)
                    """)
            }
            func entryCount() throws -> Int { try db.query("SELECT count(*) FROM ledger.entries").single().onlyValue(as: Int.self) }

            do {
                try insertMeals(periods: ["2031-05", "2031-04", "2031-05"])
                Issue.record("a statement with an entry of a closed period went in")
            } catch let error as PostgresError {
                #expect(error.sqlState == "LD001")
            }
            #expect(try entryCount() == 1)
            try insertMeals(periods: ["2031-05", "2031-05"])
            #expect(try entryCount() == 3)

            do {
                _ = try db.query("""
                    INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                        voided_entry_id, reason)
                    SELECT gen_random_uuid(), 'void', t.restaurant_id, t.id, '2031-05', false, now(), sha256('v'), \(meal), 'x'
                    FROM ledger.terminals t JOIN ledger.restaurants r ON r.id = t.restaurant_id AND r.code = 'R2'
                    """)
                Issue.record("a void of another restaurant's meal went in")
            } catch let error as PostgresError {
                #expect(error.sqlState == "23503")
            }
            #expect(try entryCount() == 3)
        }
    }

    @Test("terminal tokens are stored only as SHA-256")
    func tokenHash() throws {
        try withOneMeal { db, _ in
            let token = try Terminals.add(restaurant: "R1", name: "till-2", on: db)
            #expect(token.hasPrefix("ldg_") && token.count == 68)
            let stored = try db.query("SELECT count(*) FROM ledger.terminals WHERE position(convert_to(\(token), 'UTF8') in token_sha256) > 0").single().onlyValue(as: Int.self)
            #expect(stored == 0)
            #expect(try Terminals.authenticate(token: token, on: db)?.terminalName == "till-2")
            try Terminals.revoke(restaurant: "R1", name: "till-2", on: db)
            #expect(try Terminals.authenticate(token: token, on: db) == nil)
        }
    }
}
