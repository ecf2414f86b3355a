import Foundation
import LedgerCore
@testable import LedgerStore
import Postgres
import Testing

/// The anomaly rules of PRODUCT.md §4.8 as the SQL functions of sql/0016 apply them: for each, a case that must be
/// flagged next to a near miss that must not.
@Suite("anomaly rules")
struct AnomalyRuleTests {
    typealias Month = ReconciliationTests.Month

    /// A migrated scratch database with restaurants A and B (a terminal each), cards CARD0001 to CARD0006 (CARD0005
    /// valid to 10 March 2031, CARD0006 from 11 March), and March 2031 open; `plant` adds the meals.
    func with(_ plant: (PostgresConnection, inout Month) throws -> Void, _ check: (PostgresConnection, Month) throws -> Void) throws {
        try ScratchDatabase.withRestaurants(["A", "B"]) { db in
            let validity = [5: ",2031-03-10", 6: "2031-03-11,"]
            let csv = (1...6).map { "CARD000\($0),Holder,veteran,1940-01-01,,,,active,\(validity[$0] ?? ",")" }.joined(separator: "\n")
            _ = try Cards.upsert(try Cards.parseImport(csv + "\n"), on: db)
            try db.execute(script: "INSERT INTO ledger.periods (period) VALUES ('2031-03')")
            var month = Month()
            try plant(db, &month)
            try check(db, month)
        }
    }

    func meal(_ db: PostgresConnection, _ month: inout Month, _ name: String, _ restaurant: String, _ card: String, _ at: String,
              gross: Int64 = 1000) throws {
        try ReconciliationTests.meal(db, &month, name, restaurant: restaurant, card: card, at: "2031-03-\(at):00+08:00", gross: gross)
    }

    /// The anomalies of March 2031 of one kind (the card patterns with a daily limit of 3): the entries flagged, per card.
    func flagged(_ kind: AnomalyKind, _ db: PostgresConnection) throws -> [String: [UUID]] {
        let rows = try db.query("""
            SELECT kind, card_no, entry_ids FROM ledger.anomalies_card_patterns('2031-03', 3, \(AnomalyKind.repeatedAmountThreshold)::int,
                \(AnomalyKind.twoRestaurantsWindowSeconds)::int, 'Asia/Shanghai')
            UNION ALL
            SELECT kind, card_no, entry_ids FROM ledger.anomalies_card_not_valid('2031-03')
            """)
        var found: [String: [UUID]] = [:]
        for row in rows {
            guard try row.decode("kind", as: String.self) == kind.rawValue else { continue }
            found[try row.decode("card_no")] = try row.decode("entry_ids")
        }
        return found
    }

    @Test("two restaurants: 29 minutes apart is flagged, 31 minutes apart is not; one restaurant twice is not")
    func twoRestaurants() throws {
        try with({ db, m in
            try meal(db, &m, "a1", "A", "CARD0001", "05T12:00")
            try meal(db, &m, "b1", "B", "CARD0001", "05T12:29")
            try meal(db, &m, "a2", "A", "CARD0002", "05T12:00")
            try meal(db, &m, "b2", "B", "CARD0002", "05T12:31")
            try meal(db, &m, "a3", "A", "CARD0003", "05T12:00")
            try meal(db, &m, "a4", "A", "CARD0003", "05T12:05")
        }, { db, m in
            let found = try flagged(.twoRestaurants, db)
            #expect(found == ["CARD0001": [m["a1"], m["b1"]]])
        })
    }

    @Test("daily limit 3: three meals on a day are not flagged, four are; a voided fourth is not")
    func overDailyLimit() throws {
        try with({ db, m in
            for (i, hour) in ["08", "11", "14"].enumerated() {
                try meal(db, &m, "x\(i)", "A", "CARD0001", "10T\(hour):00", gross: 1000 + Int64(i))
                try meal(db, &m, "y\(i)", "A", "CARD0002", "10T\(hour):00", gross: 1000 + Int64(i))
                try meal(db, &m, "z\(i)", "A", "CARD0003", "10T\(hour):00", gross: 1000 + Int64(i))
            }
            try meal(db, &m, "x3", "A", "CARD0001", "10T20:00", gross: 1003)
            try meal(db, &m, "y3", "A", "CARD0002", "11T08:00", gross: 1003)
            try meal(db, &m, "z3", "A", "CARD0003", "10T20:00", gross: 1003)
            try ReconciliationTests.void(db, &m, "vz3", of: "z3", restaurant: "A")
        }, { db, m in
            let found = try flagged(.overDailyLimit, db)
            let expected = (0...3).map { m["x\($0)"] }
            #expect(found == ["CARD0001": expected])
        })
    }

    @Test("repeated amount: five meals of one amount are flagged, four are not")
    func repeatedAmount() throws {
        try with({ db, m in
            for day in 1...5 { try meal(db, &m, "x\(day)", "A", "CARD0001", "0\(day)T12:00", gross: 1500) }
            for day in 1...4 { try meal(db, &m, "y\(day)", "A", "CARD0002", "0\(day)T12:00", gross: 1500) }
            try meal(db, &m, "y5", "A", "CARD0002", "05T12:00", gross: 1501)
        }, { db, m in
            let found = try flagged(.repeatedAmount, db)
            let expected = (1...5).map { m["x\($0)"] }
            #expect(found == ["CARD0001": expected])
        })
    }

    @Test("card not valid: the last valid day and the first are not flagged, the days after and before are; an unknown card is")
    func cardNotValid() throws {
        try with({ db, m in
            try meal(db, &m, "lastDay", "A", "CARD0005", "10T12:00")
            try meal(db, &m, "afterExpiry", "A", "CARD0005", "11T12:00")
            try meal(db, &m, "beforeStart", "A", "CARD0006", "10T12:00")
            try meal(db, &m, "firstDay", "A", "CARD0006", "11T12:00")
            try meal(db, &m, "valid", "A", "CARD0001", "11T12:00")
            try meal(db, &m, "unknown", "A", "CARD0099", "11T12:00")
        }, { db, m in
            let found = try flagged(.cardNotValid, db)
            #expect(found == ["CARD0005": [m["afterExpiry"]], "CARD0006": [m["beforeStart"]], "CARD0099": [m["unknown"]]])
        })
    }
}
