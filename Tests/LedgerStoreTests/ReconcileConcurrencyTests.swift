import Foundation
import LedgerCore
import LedgerReports
@testable import LedgerStore
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

/// Meals the ledger acknowledged, by id, with the period it booked each into.
final class Acknowledged: Sendable {
    let meals = Mutex<[UUID: String]>([:])
}

@Suite("reconciliation during postings")
struct ReconcileConcurrencyTests {
    /// Terminals post meals of the current month through `Ledger.recordMeal` while the month is closed: every
    /// acknowledged meal ends up in exactly one period, the closed one or (late) the next, and the seal covers exactly
    /// the meals acknowledged into the closed one.
    @Test("postings during the close are in the closed period or booked late into the next, never lost, never both")
    func concurrentClose() async throws {
        try await ScratchDatabase.withScratchAsync { scratch in
            let shanghai = TimeZone(identifier: "Asia/Shanghai")!
            let settings = LedgerSettings(booking: BookingPolicy(timeZone: shanghai), dailyLimit: DailyLimit(maxMeals: 1000))
            let (identity, cards): (TerminalIdentity, [CardNumber]) = try {
                let db = try scratch.connect()
                defer { db.close() }
                try TestDatabase.migrate(db)
                _ = try Restaurants.add(code: "R1", name: "One", community: "C", rate: Rate(basisPoints: 8500), on: db)
                let token = try Terminals.add(restaurant: "R1", name: "till", on: db)
                let csv = (0..<20).map { "CONC\(1000 + $0),Holder,veteran,1940-01-01,,,,active,," }.joined(separator: "\n") + "\n"
                _ = try Cards.upsert(try Cards.parseImport(csv), on: db)
                return (try Terminals.authenticate(token: token, on: db)!, try (0..<20).map { try CardNumber("CONC\(1000 + $0)") })
            }()
            let pool = PostgresPool(configuration: .init(conninfo: scratch.url, maxConnections: 6), logger: TestDatabase.logger)
            // The real clock: a late booking is judged against the close's real time.
            let ledger = Ledger(pool: pool, settings: settings)
            let now = Date()
            let period = Period.containing(now.addingTimeInterval(-60), in: shanghai)
            let acknowledged = Acknowledged()

            let closed: SubsidyReport = try await withThrowingTaskGroup(of: SubsidyReport?.self) { group in
                for worker in 0..<5 {
                    group.addTask {
                        for i in 0..<40 {
                            let request = MealRequest(id: UUID(), cardNumber: cards[(worker * 40 + i) % cards.count], credential: .preferentialCard,
                                                      occurredAt: now.addingTimeInterval(-60), gross: 1000 + Int64(i), claimedPayable: nil)
                            do {
                                let meal = try await ledger.recordMeal(request, by: identity).value
                                acknowledged.meals.withLock { $0[meal.id] = meal.period.description }
                            } catch {
                                // Not acknowledged: the terminal would retry; nothing to account for.
                            }
                        }
                        return nil
                    }
                }
                group.addTask {
                    // Close once a quarter of the meals are in, while the rest are still coming.
                    let end = ContinuousClock.now + .seconds(60)
                    while acknowledged.meals.withLock({ $0.count }) < 50 {
                        guard ContinuousClock.now < end else {
                            Issue.record("gave up after 60 s waiting for 50 acknowledged meals")
                            throw CancellationError()
                        }
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    let db = try scratch.connect(), helper = try scratch.connect()
                    defer { db.close(); helper.close() }
                    return try Reconciliations.run(period: period, statements: nil, dryRun: false, settings: settings, on: db,
                                                   helpers: [helper])
                }
                var report: SubsidyReport?
                for try await result in group { if let result { report = result } }
                return report!
            }
            await pool.close()

            let db = try scratch.connect()
            defer { db.close() }
            let stored = try db.query("SELECT id, period FROM ledger.entries WHERE kind = 'meal'").map {
                (try $0.decode("id", as: UUID.self), try $0.decode("period", as: String.self))
            }
            let ack = acknowledged.meals.withLock { $0 }
            #expect(ack.count > 0)
            #expect(Set(stored.map(\.0)).count == stored.count)
            for (id, bookedPeriod) in ack {
                let storedPeriod = stored.first { $0.0 == id }?.1
                #expect(storedPeriod == bookedPeriod, "meal \(id) acknowledged in \(bookedPeriod)")
            }
            let inClosed = ack.values.filter { $0 == period.description }.count
            let late = ack.values.filter { $0 == period.next.description }.count
            #expect(inClosed + late == ack.count)
            #expect(inClosed >= 50 && late > 0, "the close did not happen while meals were being posted")
            #expect(closed.entries == Int64(inClosed))
            #expect(closed.restaurants.first?.meals ?? 0 == Int64(inClosed))
            #expect(try Reconciliations.verify(period: period, on: db) == .intact(digest: closed.digest!))
            print("concurrent close: \(inClosed) meals in \(period), \(late) booked late into \(period.next)")
        }
    }

    /// The month's queries run on two connections; when one of them is lost, the close fails whole.
    @Test("a helper connection lost before the close: the close fails, nothing is stored, and a second try closes")
    func helperLost() throws {
        try AuditFixture.with { fixture in
            let settings = LedgerSettings(booking: BookingPolicy(timeZone: TimeZone(identifier: "Asia/Shanghai")!), dailyLimit: DailyLimit())
            let may = try Period(parsing: "2031-05")
            let lost = try fixture.scratch.connect()
            defer { lost.close() }
            _ = try fixture.db.query("SELECT pg_terminate_backend(\(lost.backendPID)), pg_sleep(0.2)")
            #expect(throws: PostgresError.self) {
                _ = try Reconciliations.run(period: may, statements: nil, dryRun: false, settings: settings, on: fixture.db, helpers: [lost])
            }
            let state = try fixture.db.query("""
                SELECT p.status, (SELECT count(*) FROM ledger.reconciliation_runs r WHERE r.period = p.period) FROM ledger.periods p WHERE p.period = '2031-05'
                """).single().values
            #expect(state == ["open", "0"])

            let helper = try fixture.scratch.connect()
            defer { helper.close() }
            let report = try Reconciliations.run(period: may, statements: nil, dryRun: false, settings: settings, on: fixture.db, helpers: [helper])
            #expect(report.closed && report.entries == 2)
            #expect(try Reconciliations.verify(period: may, on: fixture.db) == .intact(digest: report.digest!))
        }
    }
}
