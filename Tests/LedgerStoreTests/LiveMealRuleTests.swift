import Foundation
import LedgerCore
@testable import LedgerStore
import Postgres
import Testing

/// The two meanings of "not voided" (sql/0016): a meal's state now (ledger.is_voided, what the daily limit counts and
/// audit.meals shows) and its state as its period closed (ledger.live_meals). They differ only for a meal voided late.
@Suite("not voided, now and as the period closed")
struct LiveMealRuleTests {
    @Test("a March meal voided late in April: voided now, for the daily limit and audit.meals; live in closed March")
    func lateVoid() throws {
        try ScratchDatabase.withRestaurants(["A"]) { db in
            _ = try Cards.upsert(try Cards.parseImport("CARD0001,Holder,veteran,1940-01-01,,,,active,,\n"), on: db)
            try db.execute(script: "INSERT INTO ledger.periods (period) VALUES ('2031-03'), ('2031-04')")
            var m = ReconciliationTests.Month()
            for name in ["kept", "voidedLate", "voidedInMarch"] {
                try ReconciliationTests.meal(db, &m, name, restaurant: "A", card: "CARD0001", at: "2031-03-10T12:00:00+08:00", gross: 1000)
            }
            try ReconciliationTests.void(db, &m, "inMarch", of: "voidedInMarch", restaurant: "A")
            let settings = LedgerSettings(booking: BookingPolicy(timeZone: ReconciliationTests.shanghai), dailyLimit: DailyLimit())
            _ = try Reconciliations.run(period: Period(parsing: "2031-03"), statements: nil, dryRun: false, settings: settings, on: db)
            try ReconciliationTests.void(db, &m, "inApril", of: "voidedLate", restaurant: "A", period: "2031-04", late: true)

            struct MealState: Equatable {
                let voidedNow: Bool, liveInMarch: Bool, auditVoided: Bool
            }
            let rows = try db.query("""
                SELECT a.id, ledger.is_voided(a.id) AS voided_now, a.voided AS audit_voided,
                       EXISTS (SELECT 1 FROM ledger.live_meals('2031-03') l WHERE l.id = a.id) AS live_in_march
                FROM audit.meals a
                """)
            var states: [UUID: MealState] = [:]
            for row in rows {
                states[try row.decode("id")] = MealState(voidedNow: try row.decode("voided_now"), liveInMarch: try row.decode("live_in_march"),
                                                         auditVoided: try row.decode("audit_voided"))
            }
            #expect(states == [
                m["kept"]: MealState(voidedNow: false, liveInMarch: true, auditVoided: false),
                m["voidedLate"]: MealState(voidedNow: true, liveInMarch: true, auditVoided: true),
                m["voidedInMarch"]: MealState(voidedNow: true, liveInMarch: false, auditVoided: true),
            ])
            let today = try db.query("SELECT ledger.card_meals_on_day('CARD0001', '2031-03-10') AS meals").single()
            #expect(try today.decode("meals", as: Int.self) == 1)
        }
    }
}
