import Foundation
import LedgerCore
@testable import LedgerStore
import Postgres
import TestSupport
import Testing

/// Meals committed together (`Meals.record` of a group), judged against a real database.
@Suite("meals committed together")
struct MealGroupTests {
    static let settings = LedgerSettings(booking: BookingPolicy(timeZone: TimeZone(identifier: "Asia/Shanghai")!))
    static let now = try! RFC3339.parse("2031-05-11T08:00:00+08:00")

    /// Migrates a scratch database and gives it restaurant R1 (rate 8500), its terminal, and cards CARD0001 and
    /// CARD0002; returns the terminal.
    static func makeWorld(in scratch: ScratchDatabase) throws -> TerminalIdentity {
        let token = try scratch.migrateWithRestaurantR1(cards: """
            CARD0001,Holder One,veteran,1940-01-01,,,,active,,
            CARD0002,Holder Two,veteran,1940-01-01,,,,active,,

            """)
        let db = try scratch.connect()
        defer { db.close() }
        return try #require(try Terminals.authenticate(token: token, on: db))
    }

    static func meal(_ card: String, id: UUID = UUID(), at time: String = "2031-05-10T12:00:00+08:00", gross: Int64 = 1000) throws -> MealRequest {
        MealRequest(id: id, cardNumber: try CardNumber(card), credential: .preferentialCard,
                    occurredAt: try RFC3339.parse(time), gross: gross, claimedPayable: nil)
    }

    static func record(_ meals: [MealRequest], by terminal: TerminalIdentity, on db: PostgresConnection) throws -> [Result<Recorded<Meal>, any Error>] {
        try db.transaction { db in
            try Meals.record(meals.map { MealSubmission(request: $0, terminal: terminal) }, settings: Self.settings, now: Self.now, on: db)
        }
    }

    static func storedMeals(card: String, on db: PostgresConnection) throws -> [UUID] {
        try db.query("SELECT id FROM ledger.entries WHERE kind = 'meal' AND card_no = \(card) ORDER BY recorded_at, id")
            .map { try $0.onlyValue(as: UUID.self) }
    }

    @Test("a group is judged in order as if its meals came one by one: a repeated id is a replay or a conflict, and the daily limit counts the group's own meals")
    func judgedInOrder() throws {
        try ScratchDatabase.withScratch { scratch in
            let terminal = try Self.makeWorld(in: scratch)
            let db = try scratch.connect()
            defer { db.close() }
            let first = try Self.meal("CARD0001")
            let conflicting = try Self.meal("CARD0001", id: first.id, gross: 2000)
            let oneDay = try (0..<4).map { _ in try Self.meal("CARD0002") }
            let nextDay = try Self.meal("CARD0002", at: "2031-05-11T00:30:00+08:00")
            let outcomes = try Self.record([first, first, conflicting] + oneDay + [nextDay], by: terminal, on: db)

            let created = try outcomes[0].get()
            #expect(!created.isReplay)
            #expect(created.value.payable == 850 && created.value.discount == 150 && created.value.period.description == "2031-05")
            let replay = try outcomes[1].get()
            #expect(replay.isReplay)
            #expect(replay.value == created.value)
            #expect(throws: LedgerRefusal.idReused(first.id)) { try outcomes[2].get() }
            for index in 3...5 { #expect(try !outcomes[index].get().isReplay) }
            #expect(outcomes[6].isOverDailyLimit)
            #expect(try !outcomes[7].get().isReplay)

            #expect(try Self.storedMeals(card: "CARD0001", on: db) == [first.id])
            #expect(try Set(Self.storedMeals(card: "CARD0002", on: db)) == Set(oneDay.prefix(3).map(\.id) + [nextDay.id]))
        }
    }

    /// The racer runs on a thread of its own, not on the test runner's (few) threads, which it would otherwise wait for.
    @Test("a meal whose id another transaction stores first is judged again, and so is what leaned on it being stored")
    func lostRace() async throws {
        try await ScratchDatabase.withScratchAsync { scratch in
            let terminal = try Self.makeWorld(in: scratch)
            let (holder, racer) = (try scratch.connect(), try scratch.connect())
            defer { holder.close(); racer.close() }
            let contested = UUID()
            // The holder stores the contested id for CARD0001 and keeps its transaction open. (The period exists
            // already, or the racer would wait for the holder's new period row before it judged anything.)
            try holder.execute(script: "INSERT INTO ledger.periods (period) VALUES ('2031-05')")
            try holder.execute(script: "BEGIN")
            _ = try holder.query("""
                INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                    card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
                VALUES (\(contested), 'meal', \(terminal.restaurantID), \(terminal.terminalID), '2031-05', false,
                        '2031-05-10 12:00+08', sha256('held'), 'CARD0001', 'preferential_card', 'veteran', '2031-05-10',
                        1000, 8500, 850, 150)
                """)

            // The racer's group: the same id for CARD0002, that id again, and three more meals of CARD0002 that day.
            // Judged before the holder commits, the contested meal counts towards CARD0002's limit of 3.
            let mine = try Self.meal("CARD0002", id: contested)
            let others = try (0..<3).map { _ in try Self.meal("CARD0002") }
            let racerPID = try racer.query("SELECT pg_backend_pid()").single().onlyValue(as: Int32.self)
            let (racerDone, finished) = AsyncStream.makeStream(of: [Result<Recorded<Meal>, any Error>].self)
            Thread {
                finished.yield((try? Self.record([mine, mine] + others, by: terminal, on: racer)) ?? [])
                finished.finish()
            }.start()
            // Commit once the racer waits on the holder's row, that is after it judged its group.
            var waits = false
            for _ in 0..<500 where !waits {
                waits = try holder.query("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = \(racerPID)")
                    .first?.onlyValue(as: Bool?.self) ?? false
                if !waits { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(waits, "the racer never waited for the holder's row")
            try holder.execute(script: "COMMIT")
            var iterator = racerDone.makeAsyncIterator()
            let outcomes = await iterator.next() ?? []

            #expect(outcomes.count == 5)
            guard outcomes.count == 5 else { return }
            #expect(outcomes[0].isLostRace, "the contested meal itself")
            #expect(outcomes[1].isLostRace, "its replay within the group")
            #expect(try !outcomes[2].get().isReplay)
            #expect(try !outcomes[3].get().isReplay)
            #expect(outcomes[4].isLostRace, "refused on a count that held the contested meal")
            #expect(try Self.storedMeals(card: "CARD0001", on: holder) == [contested])
            #expect(try Set(Self.storedMeals(card: "CARD0002", on: holder)) == Set(others.prefix(2).map(\.id)))
        }
    }
}

extension Result where Failure == any Error {
    var isLostRace: Bool {
        guard case .failure(let error) = self else { return false }
        return error is RaceLost
    }
}
