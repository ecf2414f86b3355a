import Foundation
import LedgerCore
@testable import LedgerStore
import Logging
import Postgres
import TestSupport
import Testing

@Suite("welfare alerts and the daemon's role")
struct WelfareAlertTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    static let settings = LedgerSettings(booking: BookingPolicy(timeZone: shanghai))
    static let now = try! RFC3339.parse("2031-05-20T12:00:00+08:00")

    /// A migrated scratch database with one restaurant, its terminal, and cards `CARD000001`…; `body` gets the terminal.
    func withScratch(cards: Int, _ body: (PostgresConnection, TerminalIdentity) throws -> Void) throws {
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            try TestDatabase.migrate(db)
            _ = try Restaurants.add(code: "R1", name: "One", community: "C", rate: Rate(basisPoints: 8500), on: db)
            let token = try Terminals.add(restaurant: "R1", name: "till", on: db)
            let csv = (1...cards).map { "CARD00000\($0),Holder \($0),veteran,1940-01-01,1380000000\($0),\($0) Elm Street,East,active,," }
            _ = try Cards.upsert(try Cards.parseImport(csv.joined(separator: "\n")), on: db)
            try body(db, try #require(try Terminals.authenticate(token: token, on: db)))
        }
    }

    /// Requests, dispatches and completes a delivery of `card` on `day` with `wellness`; returns what the last event raised.
    @discardableResult
    func complete(_ card: String, on day: String, wellness: Wellness, terminal: TerminalIdentity,
                  db: PostgresConnection) throws -> RaisedWelfareAlert? {
        let delivery = UUID()
        _ = try db.transaction { db in
            try Deliveries.request(DeliveryRequest(id: delivery, cardNumber: CardNumber(card), scheduledFor: LocalDate(parsing: day),
                                                   meal: .lunch, mealID: nil),
                                   by: terminal, settings: Self.settings, on: db)
        }
        let at = try RFC3339.parse("\(day)T11:00:00+08:00")
        for (status, observed) in [(DeliveryStatus.dispatched, Wellness?.none), (wellness == .ok ? .delivered : .failed, wellness)] {
            let recorded = try db.transaction { db in
                try Deliveries.recordEvent(DeliveryEventRequest(id: UUID(), deliveryID: delivery, status: status, at: at,
                                                                wellness: observed, note: nil),
                                           by: terminal, settings: Self.settings, now: Self.now, on: db)
            }
            if observed != nil { return recorded.value.raisedAlert }
        }
        return nil
    }

    @Test("the open-alerts count follows raising and acknowledging; acknowledging twice is refused and changes nothing")
    func countAndAcknowledge() throws {
        try withScratch(cards: 3) { db, terminal in
            #expect(try WelfareAlerts.openCount(on: db) == 0)
            let concern = try #require(try complete("CARD000001", on: "2031-05-10", wellness: .concern, terminal: terminal, db: db))
            #expect(concern.reason == .concern)
            #expect(concern.cardNumber.masked == "****0001")
            #expect(try WelfareAlerts.openCount(on: db) == 1)
            #expect(try complete("CARD000002", on: "2031-05-10", wellness: .notHome, terminal: terminal, db: db) == nil)
            let twice = try #require(try complete("CARD000002", on: "2031-05-11", wellness: .notHome, terminal: terminal, db: db))
            #expect(twice.reason == .notHomeTwice)
            #expect(twice.deliveryIDs.count == 2)
            #expect(try complete("CARD000003", on: "2031-05-11", wellness: .ok, terminal: terminal, db: db) == nil)
            #expect(try WelfareAlerts.openCount(on: db) == 2)

            try WelfareAlerts.acknowledge(id: concern.id, note: "  visited: fine, a cold  ", timeZone: Self.shanghai, on: db)
            #expect(try WelfareAlerts.openCount(on: db) == 1)
            let row = try db.query("""
                SELECT acknowledged_at IS NOT NULL AS acknowledged, acknowledged_by = current_user AS by_current_user, ack_note
                FROM ledger.welfare_alerts WHERE id = \(concern.id)
                """).single()
            #expect(try row.decode("acknowledged", as: Bool.self) && row.decode("by_current_user", as: Bool.self))
            #expect(try row.decode("ack_note", as: String.self) == "visited: fine, a cold")
            do {
                try WelfareAlerts.acknowledge(id: concern.id, note: "again", timeZone: Self.shanghai, on: db)
                Issue.record("a second acknowledgement was accepted")
            } catch let error as LedgerRefusal {
                let isAcknowledged = if case .alertAcknowledged(concern.id, _, _, _) = error { true } else { false }
                #expect(isAcknowledged)
                #expect(error.message.contains("already acknowledged"))
                #expect(error.message.contains("visited: fine, a cold"))
            }
            #expect(try db.query("SELECT ack_note FROM ledger.welfare_alerts WHERE id = \(concern.id)").single()
                .onlyValue(as: String.self) == "visited: fine, a cold")
            #expect(throws: LedgerRefusal.self) { try WelfareAlerts.acknowledge(id: 999_999, note: "x", timeZone: Self.shanghai, on: db) }
            #expect(throws: LedgerRefusal.self) { try WelfareAlerts.acknowledge(id: twice.id, note: "   ", timeZone: Self.shanghai, on: db) }
            #expect(try WelfareAlerts.openCount(on: db) == 1)
        }
    }

    @Test("open alerts list the person's name, phone, address and last three deliveries up to today, newest first")
    func openAlerts() throws {
        try withScratch(cards: 1) { db, terminal in
            for (day, wellness) in [("2031-05-06", Wellness.ok), ("2031-05-07", .ok), ("2031-05-08", .notHome), ("2031-05-09", .notHome)] {
                try complete("CARD000001", on: day, wellness: wellness, terminal: terminal, db: db)
            }
            // A delivery planned for later is not among the last ones.
            _ = try db.transaction { db in
                try Deliveries.request(DeliveryRequest(id: UUID(), cardNumber: CardNumber("CARD000001"),
                                                       scheduledFor: LocalDate(parsing: "2031-05-12"), meal: .dinner, mealID: nil),
                                       by: terminal, settings: Self.settings, on: db)
            }
            let alerts = try WelfareAlerts.open(today: LocalDate(parsing: "2031-05-10"), on: db)
            #expect(alerts.count == 1)
            let alert = try #require(alerts.first)
            #expect(alert.reason == .notHomeTwice)
            #expect(alert.holderName == "Holder 1")
            #expect(alert.phone == "13800000001")
            #expect(alert.address == "1 Elm Street")
            #expect(alert.recentDeliveries.map(\.scheduledFor.description) == ["2031-05-09", "2031-05-08", "2031-05-07"])
            #expect(alert.recentDeliveries.map(\.status) == [.failed, .failed, .delivered])
            #expect(alert.recentDeliveries.map(\.wellness) == [.notHome, .notHome, .ok])
            let elsewhere = alert.recentDeliveries.filter { $0.restaurantCode != "R1" }
            #expect(elsewhere.isEmpty)
        }
    }

    @Test("the daemon's role ledger_app can do everything deliveries need, and no more than it was granted")
    func daemonRole() throws {
        try withScratch(cards: 1) { db, terminal in
            let monday = try LocalDate(parsing: "2031-05-12")
            _ = try StandingOrders.add(
                NewStandingOrder(cardNumber: CardNumber("CARD000001"), restaurantCode: "R1", weekdays: [1], meal: .lunch,
                                 startsOn: monday, endsOn: nil),
                minimumAge: 80, on: db)
            try db.execute(script: "SET ROLE ledger_app")
            let generated = try db.transaction { try StandingOrders.generate(on: monday, minimumAge: 80, on: $0) }
            #expect(generated == 1)
            let listed = try Deliveries.list(restaurantID: terminal.restaurantID, on: monday, on: db)
            #expect(listed.count == 1)
            #expect(try complete("CARD000001", on: "2031-05-10", wellness: .concern, terminal: terminal, db: db) != nil)
            #expect(try WelfareAlerts.openCount(on: db) == 1)
            // Staff's work is not the daemon's.
            #expect(throws: PostgresError.self) {
                try db.transaction { db in try WelfareAlerts.acknowledge(id: 1, note: "x", timeZone: Self.shanghai, on: db) }
            }
            #expect(throws: PostgresError.self) {
                _ = try db.query("UPDATE ledger.standing_orders SET ends_on = starts_on")
            }
            try db.execute(script: "RESET ROLE")
        }
    }
}
