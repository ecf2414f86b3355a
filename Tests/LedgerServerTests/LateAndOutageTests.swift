import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import Logging
import Postgres
import TestSupport
import Testing

@Suite("late entries and outages")
struct LateAndOutageTests {
    /// Closes a period directly, as a reconciliation would, at `closedAt`.
    func close(_ period: String, at closedAt: String) throws {
        try TestDatabase.withConnection { db in
            _ = try db.query("""
                INSERT INTO ledger.periods (period, status, closed_at, entries, digest)
                VALUES (\(period), 'closed', \(try RFC3339.parse(closedAt)), 0, repeat('0', 64))
                ON CONFLICT (period) DO UPDATE
                SET status = 'closed', closed_at = EXCLUDED.closed_at, entries = 0, digest = EXCLUDED.digest
                WHERE ledger.periods.status = 'open'
                """)
        }
    }

    @Test("a meal of a closed period is booked late into the next open one within 30 days, refused after")
    func lateMeals() async throws {
        try close("2032-01", at: "2032-02-02T10:00:00+08:00")
        try close("2032-02", at: "2032-03-02T10:00:00+08:00")
        let world = try TestWorld.make(now: "2032-03-03T10:00:00+08:00")
        let card = try TestWorld.addCard()
        try await world.test { client in
            // January closed 30 days ago exactly and February yesterday: both are skipped into March.
            let late = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, at: "2032-01-31T23:30:00+08:00"))
            #expect(late.status == .created)
            #expect(late["period"] as? String == "2032-03")
            #expect(late["late"] as? Bool == true)
            #expect(late["occurred_at"] as? String == "2032-01-31T23:30:00+08:00")

            world.clock.set("2032-03-03T10:00:01+08:00")
            let tooLate = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, at: "2032-01-20T12:00:00+08:00"))
            #expect(tooLate.status == .unprocessableContent)
            #expect(tooLate.error == "too_late")
            #expect(try mealCount(card: card) == 1)
        }
    }

    @Test("a void of a meal in a closed period is booked late into the next open one")
    func lateVoid() async throws {
        // Periods are shared by every test of the database: a year of its own keeps reruns independent.
        let year = Int.random(in: 2100...2900)
        let world = try TestWorld.make(now: "\(year)-01-20T10:00:00+08:00")
        let card = try TestWorld.addCard()
        try await world.test { client in
            let meal = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, at: "\(year)-01-20T09:00:00+08:00"))
            #expect(meal["period"] as? String == "\(year)-01")
            try close("\(year)-01", at: "\(year)-02-01T10:00:00+08:00")
            world.clock.set("\(year)-02-05T10:00:00+08:00")
            let mealID = try #require(meal["id"] as? String)
            let void = try await client.call(.post, "/v1/meals/\(mealID)/void", token: world.token,
                                             body: ["id": UUID().uuidString, "reason": "late correction"])
            #expect(void.status == .created)
            #expect(void["period"] as? String == "\(year)-02")
            #expect(void["late"] as? Bool == true)
        }
    }

    @Test("with the database unreachable, writes answer 503 unavailable with Retry-After and /healthz 503")
    func databaseDown() async throws {
        let pool = PostgresPool(configuration: .init(conninfo: "postgresql://postgres@127.0.0.1:1/none", maxConnections: 2),
                                logger: Logger(label: "test"))
        let ledger = Ledger(pool: pool, settings: LedgerSettings(booking: BookingPolicy(timeZone: TestWorld.shanghai)))
        let app = Application(router: buildRouter(ledger: ledger))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/meals", method: .post, headers: [.authorization: "Bearer ldg_x"],
                                     body: .init(string: "{}")) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
                #expect(String(buffer: response.body).contains("\"unavailable\""))
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
        await pool.close()
    }
}
