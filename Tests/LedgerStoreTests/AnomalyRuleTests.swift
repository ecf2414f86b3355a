import Foundation
import LedgerCore
@testable import LedgerStore
import Postgres
import TestSupport
import Testing

/// The anomaly rules of PRODUCT.md §4.8 as ledger.anomalies_cards (sql/0027, with sql/0016's checks) applies them:
/// for each, a case that must be flagged next to a near miss that must not.
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

    /// The anomalies of March 2031 of one kind (with a daily limit of 3): the entries flagged, per card.
    func flagged(_ kind: AnomalyKind, _ db: PostgresConnection) throws -> [String: [UUID]] {
        let rows = try db.query("""
            SELECT kind, card_no, entry_ids FROM ledger.anomalies_cards('2031-03', 3, \(AnomalyKind.repeatedAmountThreshold)::int,
                \(AnomalyKind.twoRestaurantsWindowSeconds)::int, 'Asia/Shanghai')
            """)
        var found: [String: [UUID]] = [:]
        for row in rows {
            guard try row.decode("kind", as: String.self) == kind.rawValue else { continue }
            found[try row.decode("card_no")] = try row.decode("entry_ids")
        }
        return found
    }

    @Test("two restaurants: 29 minutes apart, across an hour's end, across sql/0027's 768-hour wrap are flagged; 31 or 80 minutes apart, or one restaurant twice, are not")
    func twoRestaurants() throws {
        // sql/0027 keeps a bit per hour since 1970 modulo 768; for March 2031 the count starts again at 30 March
        // 08:00 in Shanghai, so 07:50 and 08:10 that day are the summary's last and first hour.
        let pairs = [("05T12:00", "05T12:29"), ("05T12:00", "05T12:31"), ("12T12:50", "12T13:10"), ("30T07:50", "30T08:10"),
                     ("12T12:50", "12T14:10")]
        try with({ db, m in
            for (i, (first, second)) in pairs.enumerated() {
                try meal(db, &m, "a\(i)", "A", "CARD000\(i + 1)", first)
                try meal(db, &m, "b\(i)", "B", "CARD000\(i + 1)", second)
            }
            try meal(db, &m, "sameA", "A", "CARD0006", "05T12:00")
            try meal(db, &m, "sameB", "A", "CARD0006", "05T12:05")
        }, { db, m in
            let wrap = try db.query("""
                SELECT floor(date_part('epoch', TIMESTAMPTZ '2031-03-30 08:00+08') / 3600)::bigint % 768 AS first,
                       floor(date_part('epoch', TIMESTAMPTZ '2031-03-30 07:59+08') / 3600)::bigint % 768 AS last
                """).single()
            #expect(try wrap.decode("first", as: Int64.self) == 0)
            #expect(try wrap.decode("last", as: Int64.self) == 767)
            let found = try flagged(.twoRestaurants, db)
            #expect(found == ["CARD0001": [m["a0"], m["b0"]], "CARD0003": [m["a2"], m["b2"]], "CARD0004": [m["a3"], m["b3"]]])
        })
    }

    /// The four rules judged card by card, written plainly, one statement each, for March 2031 with a daily limit of 3:
    /// what ledger.anomalies_cards must return, row for row.
    static let plainCardPatterns = """
        SELECT 'over_daily_limit' AS kind, l.card_no, array_agg(l.id ORDER BY l.occurred_at, l.id)::text AS ids
        FROM ledger.live_meals('2031-03') l GROUP BY l.card_no, l.local_date HAVING count(*) > 3
        UNION ALL
        SELECT 'repeated_amount', l.card_no, array_agg(l.id ORDER BY l.occurred_at, l.id)::text
        FROM ledger.live_meals('2031-03') l GROUP BY l.card_no, l.gross_fen HAVING count(*) >= \(AnomalyKind.repeatedAmountThreshold)
        UNION ALL
        SELECT 'two_restaurants_30min', x.card_no, ARRAY[x.prev_id, x.id]::text
        FROM (SELECT l.card_no, l.id, l.restaurant_id, l.occurred_at,
                     lag(l.id) OVER w AS prev_id, lag(l.restaurant_id) OVER w AS prev_place, lag(l.occurred_at) OVER w AS prev_at
              FROM ledger.live_meals('2031-03') l WINDOW w AS (PARTITION BY l.card_no ORDER BY l.occurred_at, l.id)) x
        WHERE x.prev_place <> x.restaurant_id AND x.occurred_at - x.prev_at <= make_interval(secs => \(AnomalyKind.twoRestaurantsWindowSeconds))
        UNION ALL
        SELECT 'card_not_valid', l.card_no, array_agg(l.id ORDER BY l.occurred_at, l.id)::text
        FROM ledger.live_meals('2031-03') l LEFT JOIN ledger.cards c ON c.card_no = l.card_no
        WHERE l.credential = 'preferential_card'
          AND (c.card_no IS NULL OR NOT ledger.card_valid_on(c.status, c.valid_from, c.valid_until, l.local_date))
        GROUP BY l.card_no
        """

    @Test("a busy month's card anomalies are exactly those of the rules written plainly, with cards the summaries let through and cards they drop")
    func cardPatternsAgreeWithPlainRules() throws {
        try with({ db, _ in
            // 3,000 meals of 400 cards (a few with many meals, most with a few), over six days between 11:00 and 14:00
            // at two restaurants, half of them at amounts that are equal modulo 64 (1000, 1064, 1128, …), 5 % voided,
            // some booked late from February, some shown with a military ID. Cards 0–299 are in the registry, some
            // suspended, some valid from 4 March, some until 5 March; 300–399 are not.
            try db.execute(script: """
                SELECT setseed(0.17);
                INSERT INTO ledger.cards (card_no, holder_name, category, status, valid_from, valid_until)
                SELECT 'BUSY' || lpad(g::text, 4, '0'), 'Holder', 'veteran', CASE WHEN g % 7 = 0 THEN 'suspended' ELSE 'active' END,
                       CASE WHEN g % 5 = 1 THEN DATE '2031-03-04' END, CASE WHEN g % 5 = 2 THEN DATE '2031-03-05' END
                FROM generate_series(0, 299) g;
                INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                    card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
                SELECT gen_random_uuid(), 'meal', r.id, t.id, '2031-03', m.at < TIMESTAMPTZ '2031-03-01 00:00+08', m.at,
                       sha256(('busy ' || m.n)::bytea), m.card, m.credential, 'veteran',
                       (m.at AT TIME ZONE 'Asia/Shanghai')::date, m.gross, r.rate_bp, (m.gross * r.rate_bp + 5000) / 10000,
                       m.gross - (m.gross * r.rate_bp + 5000) / 10000
                FROM (SELECT n, 'BUSY' || lpad(floor(400 * random() ^ 3)::text, 4, '0') AS card,
                             TIMESTAMPTZ '2031-02-27 11:00+08' + floor(random() * 6) * interval '2 days'
                                 + random() * interval '3 hours' AS at,
                             CASE WHEN random() < 0.5 THEN 1000 + 64 * floor(random() * 4)::bigint
                                  ELSE 1000 + floor(random() * 400)::bigint END AS gross,
                             CASE WHEN random() < 0.5 THEN 'A' ELSE 'B' END AS code,
                             CASE WHEN random() < 0.05 THEN 'military_id' ELSE 'preferential_card' END AS credential
                      FROM generate_series(1, 3000) n) m
                JOIN ledger.restaurants r ON r.code = m.code JOIN ledger.terminals t ON t.restaurant_id = r.id;
                INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                    voided_entry_id, reason)
                SELECT gen_random_uuid(), 'void', e.restaurant_id, e.terminal_id, '2031-03', false, now(),
                       sha256(('void ' || e.id)::bytea), e.id, 'mistake'
                FROM ledger.entries e WHERE e.kind = 'meal' AND random() < 0.05;
                """)
        }, { db, _ in
            let comparison = try db.query("""
                WITH got AS (SELECT kind, card_no, entry_ids::text AS ids
                             FROM ledger.anomalies_cards('2031-03', 3, \(AnomalyKind.repeatedAmountThreshold)::int,
                                 \(AnomalyKind.twoRestaurantsWindowSeconds)::int, 'Asia/Shanghai')),
                     want AS (\(unsafeSQL: Self.plainCardPatterns)),
                     cards AS (SELECT card_no FROM ledger.live_meals('2031-03') GROUP BY card_no HAVING count(*) >= 2)
                SELECT (SELECT count(*) FROM (SELECT * FROM got EXCEPT ALL SELECT * FROM want) x) AS extra,
                       (SELECT count(*) FROM (SELECT * FROM want EXCEPT ALL SELECT * FROM got) x) AS missing,
                       (SELECT count(*) FROM want WHERE kind = 'over_daily_limit') AS over_limit,
                       (SELECT count(*) FROM want WHERE kind = 'repeated_amount') AS repeated,
                       (SELECT count(*) FROM want WHERE kind = 'two_restaurants_30min') AS pairs,
                       (SELECT count(*) FROM want WHERE kind = 'card_not_valid') AS not_valid,
                       (SELECT count(*) FROM cards WHERE card_no NOT IN (SELECT card_no FROM want WHERE kind = 'card_not_valid')) AS valid_cards,
                       (SELECT count(*) FROM cards WHERE card_no NOT IN (SELECT card_no FROM want WHERE kind <> 'card_not_valid')) AS quiet_cards
                """).single()
            #expect(try comparison.decode("extra", as: Int64.self) == 0)
            #expect(try comparison.decode("missing", as: Int64.self) == 0)
            // Not a vacuous agreement: every rule fires, cards with two meals or more break no pattern, and cards pass the
            // registry.
            #expect(try comparison.decode("over_limit", as: Int64.self) >= 5)
            #expect(try comparison.decode("repeated", as: Int64.self) >= 5)
            #expect(try comparison.decode("pairs", as: Int64.self) >= 5)
            #expect(try comparison.decode("not_valid", as: Int64.self) >= 5)
            #expect(try comparison.decode("valid_cards", as: Int64.self) >= 20)
            #expect(try comparison.decode("quiet_cards", as: Int64.self) >= 20)
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
