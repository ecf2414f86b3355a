import Foundation
import LedgerCore
import LedgerReports
@testable import LedgerStore
import Logging
import Postgres
import TestSupport
import Testing

/// A month with known figures, built entry by entry in a scratch database, reconciled and checked against sums done
/// here by hand.
@Suite("monthly reconciliation")
struct ReconciliationTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    static let settings = LedgerSettings(booking: BookingPolicy(timeZone: shanghai), dailyLimit: DailyLimit(maxMeals: 3))
    static let march = try! Period(parsing: "2031-03")
    static let february = try! Period(parsing: "2031-02")

    /// Ids of the planted entries.
    struct Month {
        var ids: [String: UUID] = [:]
        subscript(_ name: String) -> UUID { ids[name]! }
    }

    static func meal(
        _ db: PostgresConnection, _ month: inout Month, _ name: String, restaurant: String, card: String, at: String, gross: Int64,
        period: String = "2031-03", late: Bool = false, credential: String = "preferential_card", category: String? = "veteran"
    ) throws {
        let id = UUID()
        month.ids[name] = id
        let rate = try db.query("SELECT rate_bp FROM ledger.restaurants WHERE code = \(restaurant)").single().onlyValue(as: Int64.self)
        let payable = (gross * rate + 5000) / 10000
        let instant = try RFC3339.parse(at)
        let day = LocalDate.containing(instant, in: shanghai)
        _ = try db.query("""
            INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
            SELECT \(id), 'meal', r.id, t.id, \(period), \(late), \(instant), sha256(\(name)::bytea), \(card), \(credential), \(category),
                \(day)::date, \(gross), r.rate_bp, \(payable), \(gross - payable)
            FROM ledger.restaurants r JOIN ledger.terminals t ON t.restaurant_id = r.id WHERE r.code = \(restaurant)
            """)
    }

    static func void(_ db: PostgresConnection, _ month: inout Month, _ name: String, of meal: String, restaurant: String,
                     period: String = "2031-03", late: Bool = false) throws {
        let id = UUID()
        month.ids[name] = id
        _ = try db.query("""
            INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256, voided_entry_id, reason)
            SELECT \(id), 'void', r.id, t.id, \(period), \(late), now(), sha256(\(name)::bytea), \(month[meal]), 'mistake'
            FROM ledger.restaurants r JOIN ledger.terminals t ON t.restaurant_id = r.id WHERE r.code = \(restaurant)
            """)
    }

    static func delivery(_ db: PostgresConnection, restaurant: String, card: String, day: String, status: String) throws {
        let id = UUID()
        _ = try db.query("""
            INSERT INTO ledger.deliveries (id, restaurant_id, card_no, scheduled_for, meal, request_sha256)
            SELECT \(id), r.id, \(card), \(day)::date, 'lunch', sha256(gen_random_uuid()::text::bytea)
            FROM ledger.restaurants r WHERE r.code = \(restaurant)
            """)
        try advanceDelivery(id, to: status, wellness: status == "delivered" || status == "failed" ? "ok" : nil, on: db)
    }

    /// Builds the world: restaurants A (85%), B (80%), C (85%, no terms); February with one meal, closed; March as
    /// planned below. Returns the ids and the statements folder's content.
    static func build(_ db: PostgresConnection) throws -> Month {
        try TestDatabase.migrate(db)
        for (code, rate) in [("A", Int32(8500)), ("B", 8000), ("C", 8500)] {
            _ = try Restaurants.add(code: code, name: "Restaurant \(code)", community: "C", rate: Rate(basisPoints: rate), on: db)
            _ = try Terminals.add(restaurant: code, name: "till", on: db)
        }
        let day = { (text: String) in try LocalDate(parsing: text) }
        // A: 33.33% from January; 100% from 15 March, which governs April on, not March.
        try Restaurants.setTerms(SubsidyTerms(effectiveFrom: day("2031-01-01"), discountShareBP: 3333, deliveryFeeFen: 500), code: "A", on: db)
        try Restaurants.setTerms(SubsidyTerms(effectiveFrom: day("2031-03-15"), discountShareBP: 10000, deliveryFeeFen: 500), code: "A", on: db)
        // B: 100% in January and February; from 1 March 60%, 300 fen a delivery, capped at 1000 fen.
        try Restaurants.setTerms(SubsidyTerms(effectiveFrom: day("2031-01-01"), discountShareBP: 10000, deliveryFeeFen: 0), code: "B", on: db)
        try Restaurants.setTerms(SubsidyTerms(effectiveFrom: day("2031-03-01"), discountShareBP: 6000, deliveryFeeFen: 300, monthlyCapFen: 1000), code: "B", on: db)
        let csv = (1...9).map { "CARD000\($0),Holder,veteran,1940-01-01,,,,\($0 == 9 ? "suspended" : "active"),," }.joined(separator: "\n")
        _ = try Cards.upsert(try Cards.parseImport(csv + "\n"), on: db)
        try db.execute(script: "INSERT INTO ledger.periods (period) VALUES ('2031-02'), ('2031-03')")

        var m = Month()
        try meal(db, &m, "mF", restaurant: "A", card: "CARD0006", at: "2031-02-10T12:00:00+08:00", gross: 800, period: "2031-02")
        _ = try Reconciliations.run(period: february, statements: nil, dryRun: false, settings: settings, on: db)

        // A
        try meal(db, &m, "m1", restaurant: "A", card: "CARD0001", at: "2031-03-05T12:00:00+08:00", gross: 2000)
        try meal(db, &m, "m2", restaurant: "A", card: "CARD0002", at: "2031-03-05T12:10:00+08:00", gross: 3333)
        try meal(db, &m, "m3", restaurant: "A", card: "CARD0003", at: "2031-03-06T12:00:00+08:00", gross: 1000)
        try void(db, &m, "v3", of: "m3", restaurant: "A")
        try meal(db, &m, "m4", restaurant: "A", card: "CARD0004", at: "2031-02-27T12:00:00+08:00", gross: 1500, late: true)
        try meal(db, &m, "m5", restaurant: "A", card: "CARD0005", at: "2031-03-31T23:30:00+08:00", gross: 1200)
        try void(db, &m, "vF", of: "mF", restaurant: "A", late: true)
        // B: CARD0001 20 minutes after its meal at A; CARD0007 four times in a day (limit 3).
        try meal(db, &m, "b1", restaurant: "B", card: "CARD0001", at: "2031-03-05T12:20:00+08:00", gross: 2500)
        for (i, hour) in ["08", "11", "17", "20"].enumerated() {
            try meal(db, &m, "b\(i + 2)", restaurant: "B", card: "CARD0007", at: "2031-03-10T\(hour):00:00+08:00", gross: 1000 + Int64(i))
        }
        for status in ["delivered", "delivered", "delivered", "failed", "cancelled"] {
            try delivery(db, restaurant: "B", card: "CARD0001", day: "2031-03-12", status: status)
        }
        // C: CARD0008 five times 1500 fen; CARD0009 suspended; a military ID not in the registry.
        for d in 1...5 {
            try meal(db, &m, "c\(d)", restaurant: "C", card: "CARD0008", at: "2031-03-1\(d)T12:00:00+08:00", gross: 1500)
        }
        try meal(db, &m, "c6", restaurant: "C", card: "CARD0009", at: "2031-03-20T12:00:00+08:00", gross: 900)
        try meal(db, &m, "c7", restaurant: "C", card: "MIL12345", at: "2031-03-21T12:00:00+08:00", gross: 1000,
                 credential: "military_id", category: "active_serviceman")
        return m
    }

    static func statements(_ m: Month) throws -> [String: [StatementLine]] {
        func line(_ id: UUID, _ gross: Int64, _ payable: Int64, _ voided: Bool = false) -> String {
            "\(id.uuidString.lowercased()),2031-03-05T12:00:00+08:00,CARD0001,\(gross),\(payable),\(voided)"
        }
        let header = "id,occurred_at,card_no,gross_fen,payable_fen,voided"
        let a = [header, line(m["m1"], 2000, 1700), line(m["m2"], 3333, 2834), line(m["m3"], 1000, 850, true),
                 line(m["m5"], 1200, 1020), line(m["m5"], 1200, 1020), line(UUID(uuidString: "00000000-0000-4000-8000-000000000001")!, 500, 425)]
        let b = [header, line(m["b1"], 2500, 2000)] + zip(0..<4, [Int64(800), 801, 802, 802]).map { i, payable in line(m["b\(i + 2)"], 1000 + Int64(i), payable) }
        return ["A": try Statement.parse(a.joined(separator: "\n")), "B": try Statement.parse(b.joined(separator: "\r\n") + "\r\n")]
    }

    @Test("every figure of the month, the breaks and anomalies, the seal, a second run and a dry run")
    func knownMonth() throws {
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            let m = try Self.build(db)
            let statements = try Self.statements(m)

            // A dry run changes nothing.
            let before = try db.query("SELECT (SELECT count(*) FROM ledger.reconciliation_runs), (SELECT status FROM ledger.periods WHERE period = '2031-03')").single()
            let dry = try Reconciliations.run(period: Self.march, statements: statements, dryRun: true, settings: Self.settings, on: db)
            let after = try db.query("SELECT (SELECT count(*) FROM ledger.reconciliation_runs), (SELECT status FROM ledger.periods WHERE period = '2031-03')").single()
            #expect(before.values == after.values)
            #expect(after.values == ["1", "open"])
            #expect(!dry.closed && dry.digest == nil)

            let report = try Reconciliations.run(period: Self.march, statements: statements, dryRun: false, settings: Self.settings, on: db)
            #expect(report.closed)

            // A: meals m1..m5 (5); voids v3 and the late vF (2); cardholders 0001, 0002, 0004, 0005.
            // gross 2000+3333+1500+1200-800; payable 1700+2833+1275+1020-680; discount 300+500+225+180-120.
            // Terms of 1 January (33.33%): (1085*3333+5000)/10000 = 362.
            // B: 5 meals, cardholders 0001 and 0007; gross 2500+1000+1001+1002+1003; payable 2000+800+801+802+802
            //    (1003*8000+5000)/10000 = 802; discount 500+200+200+200+201. Terms of 1 March: 60% of 1301 = 781 (780.6),
            //    3 deliveries x 300 = 900; 1681 capped at 1000: delivery part 900-681 = 219, discount part 781.
            // C: 7 meals, gross 5*1500+900+1000, payable 5*1275+765+850, no terms: subsidy 0.
            let expected = """
                period,restaurant,meals,voided_meals,cardholders,gross_fen,discount_fen,payable_fen,deliveries_delivered,discount_subsidy_fen,delivery_subsidy_fen,subsidy_fen
                2031-03,A,5,2,4,7233,1085,6148,0,362,0,362
                2031-03,B,5,0,2,6506,1301,5205,3,781,219,1000
                2031-03,C,7,0,3,9400,1410,7990,0,0,0,0
                2031-03,TOTAL,17,2,9,23139,3796,19343,3,1143,219,1362

                """
            #expect(report.subsidyCSV() == expected)
            #expect(dry.subsidyCSV() == expected)
            #expect(report.restaurants[1].capped)
            #expect(report.restaurants[1].deliveriesFailed == 1 && report.restaurants[1].deliveriesCancelled == 1)
            #expect(report.restaurants[0].lateEntries == 1)
            #expect(report.restaurants[2].splits.map(\.credential) == ["military_id", "preferential_card"])
            #expect(report.history == [PeriodTotals(period: "2031-02", discountFen: 120, subsidyFen: 40)])

            // Breaks.
            let breaks = report.breaks.map { "\($0.restaurant) \($0.kind.rawValue) \($0.entryID.map { $0.uuidString.lowercased() } ?? "-")" }
            #expect(breaks == [
                "A amount_mismatch \(m["m2"].uuidString.lowercased())",
                "A duplicate \(m["m5"].uuidString.lowercased())",
                "A missing_in_ledger 00000000-0000-4000-8000-000000000001",
                "A missing_in_statement \(m["m4"].uuidString.lowercased())",
                "C no_statement -",
            ])
            // Anomalies.
            let anomalies = report.anomalies.map { "\($0.kind.rawValue) \($0.card) \($0.entryIDs.count)" }
            #expect(anomalies == [
                "card_not_valid ****0009 1",
                "over_daily_limit ****0007 4",
                "repeated_amount ****0008 5",
                "two_restaurants_30min ****0001 2",
            ])
            #expect(report.anomalies[3].entryIDs == [m["m1"], m["b1"]])
            #expect(report.anomalies[3].detail == "A at 2031-03-05 12:00, then B at 2031-03-05 12:20 (20 min apart)")
            #expect(report.anomalies[0].detail == "1 meal(s) 2031-03-20 to 2031-03-20; registry now: suspended, valid - to -")
            #expect(report.anomalies[1].detail == "4 meals on 2031-03-10, limit 3")
            // The same findings as facts, for the report to word in its language.
            #expect(report.anomalies.map(\.facts) == [
                .cardNotValid(meals: 1, firstDay: "2031-03-20", lastDay: "2031-03-20",
                              registry: RegisteredCard(status: "suspended", validFrom: nil, validUntil: nil)),
                .overDailyLimit(day: "2031-03-10", meals: 4, limit: 3),
                .repeatedAmount(meals: 5, grossFen: 1500),
                .twoRestaurants(first: "A", firstAt: "2031-03-05 12:00", second: "B", secondAt: "2031-03-05 12:20", minutes: 20),
            ])
            #expect(report.breaks.last?.facts == .noStatement(meals: 7))
            // CARD0001 ate at A and B: the restaurants' cardholders add up to 9, the people are 8.
            #expect(report.distinctCardholders == 8)

            // The seal: recomputed in SQL, stored with the run and on the period.
            let seal = try db.query("""
                SELECT ledger.period_digest_v3('2031-03'), r.digest, p.digest, p.entries, r.entries,
                       (SELECT count(*) FROM ledger.reconciliation_breaks b WHERE b.run_id = r.id),
                       (SELECT count(*) FROM ledger.anomalies a WHERE a.run_id = r.id),
                       (SELECT sum(subsidy_fen) FROM ledger.subsidy_lines s WHERE s.run_id = r.id)
                FROM ledger.periods p JOIN ledger.reconciliation_runs r USING (period) WHERE p.period = '2031-03'
                """).single().values
            #expect(seal[0] == report.digest && seal[1] == report.digest && seal[2] == report.digest)
            #expect(seal[3] == "19" && seal[4] == "19" && report.entries == 19)  // 17 meals + 2 voids
            #expect(seal[5] == "5" && seal[6] == "4" && seal[7] == "1362")
            #expect(try Reconciliations.verify(period: Self.march, on: db) == .intact(digest: report.digest!))

            // A second run changes nothing and gives the same report, byte for byte.
            let again = try Reconciliations.run(period: Self.march, statements: nil, dryRun: false, settings: Self.settings, on: db)
            #expect(again.json() == report.json())
            #expect(again.html() == report.html() && again.breaksCSV() == report.breaksCSV())
            // The printed report tells readers how to check the seal with what they may call.
            #expect(report.html(language: .en).contains("audit.verify_period('period')</code> must return true"))
            #expect(try db.query("SELECT count(*) FROM ledger.reconciliation_runs").single().onlyValue(as: Int.self) == 2)

            // An entry into the closed period is refused; the period row cannot be changed.
            #expect(throws: PostgresError.self) {
                var scratchMonth = m
                try Self.meal(db, &scratchMonth, "x", restaurant: "A", card: "CARD0001", at: "2031-03-07T12:00:00+08:00", gross: 100)
            }

            // Altered behind the triggers' back, the seal no longer matches.
            try db.execute(script: """
                ALTER TABLE ledger.entries DISABLE TRIGGER USER;
                UPDATE ledger.entries SET recorded_at = recorded_at + interval '1 second' WHERE id = '\(m["m1"].uuidString.lowercased())';
                ALTER TABLE ledger.entries ENABLE TRIGGER USER;
                """)
            guard case .broken(let stored, _) = try Reconciliations.verify(period: Self.march, on: db) else {
                Issue.record("the altered period still verified")
                return
            }
            #expect(stored == report.digest)
        }
    }

    @Test("two restaurants within 30 minutes: consecutive meals in time, ties by id, the bound included, voided meals left out")
    func twoRestaurants() throws {
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            try TestDatabase.migrate(db)
            for code in ["A", "B"] {
                _ = try Restaurants.add(code: code, name: "Restaurant \(code)", community: "C", rate: Rate(basisPoints: 8500), on: db)
                _ = try Terminals.add(restaurant: code, name: "till", on: db)
            }
            try db.execute(script: "INSERT INTO ledger.periods (period) VALUES ('2031-04')")
            var m = Month()
            let plan: [(String, String, String, String)] = [
                ("p1a", "A", "PAIR0001", "12:00"), ("p1b", "B", "PAIR0001", "12:40"),  // 40 minutes: no
                ("p1c", "A", "PAIR0001", "18:00"), ("p1d", "B", "PAIR0001", "18:30"),  // exactly 30 minutes: yes
                ("p2a", "A", "PAIR0002", "12:00"), ("p2b", "B", "PAIR0002", "12:00"),  // the same instant: yes, by id
                ("p3a", "A", "PAIR0003", "12:00"), ("p3b", "A", "PAIR0003", "12:10"),  // one restaurant: no
                ("p4a", "A", "PAIR0004", "12:00"), ("p4b", "B", "PAIR0004", "12:15"),  // voided below: no
                ("p5a", "A", "PAIR0005", "12:00"), ("p5b", "B", "PAIR0005", "12:10"), ("p5c", "A", "PAIR0005", "12:20"),  // two pairs
            ]
            for (name, restaurant, card, time) in plan {
                try Self.meal(db, &m, name, restaurant: restaurant, card: card, at: "2031-04-07T\(time):00+08:00", gross: 1000, period: "2031-04")
            }
            try Self.void(db, &m, "v4", of: "p4b", restaurant: "B", period: "2031-04")

            let helper = try scratch.connect()
            defer { helper.close() }
            let report = try Reconciliations.run(period: Period(parsing: "2031-04"), statements: nil, dryRun: true, settings: Self.settings, on: db,
                                                 helpers: [helper])
            let pairs = report.anomalies.filter { $0.kind == .twoRestaurants }
            let tie = [m["p2a"], m["p2b"]].sorted { $0.uuidString < $1.uuidString }
            // One card's anomalies are listed by their first entry id.
            let card5 = [[m["p5a"], m["p5b"]], [m["p5b"], m["p5c"]]].sorted { $0[0].uuidString < $1[0].uuidString }
            #expect(pairs.map(\.entryIDs) == [[m["p1c"], m["p1d"]], tie] + card5)
            #expect(pairs.map(\.card) == ["****0001", "****0002", "****0005", "****0005"])
            #expect(pairs[0].detail == "A at 2031-04-07 18:00, then B at 2031-04-07 18:30 (30 min apart)")
            #expect(Set(pairs[2...].map(\.detail)) == ["A at 2031-04-07 12:00, then B at 2031-04-07 12:10 (10 min apart)",
                                                         "B at 2031-04-07 12:10, then A at 2031-04-07 12:20 (10 min apart)"])
        }
    }

    @Test("a period without entries closes with the digest of nothing; an open period does not verify")
    func emptyPeriod() throws {
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            try TestDatabase.migrate(db)
            let period = try Period(parsing: "2032-07")
            #expect(try Reconciliations.verify(period: period, on: db) == .notClosed)
            let report = try Reconciliations.run(period: period, statements: [:], dryRun: false, settings: Self.settings, on: db)
            #expect(report.digest == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            #expect(report.subsidyCSV().hasSuffix("2032-07,TOTAL,0,0,0,0,0,0,0,0,0,0\n"))
            #expect(try Reconciliations.verify(period: period, on: db) == .intact(digest: report.digest!))
        }
    }
}
