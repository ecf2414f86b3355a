import Foundation
import LedgerCore
@testable import LedgerStore
import Logging
import Postgres
import Synchronization
import TestSupport
import Testing

/// One test's corner of the shared database: a restaurant with a random code and a random far-future year, so that
/// its standing orders cover days no other test (or earlier run) generates. Orders end within that year, so that
/// generating another test's days, for every restaurant, never touches them.
struct OrderWorld {
    let url: String
    let db: PostgresConnection
    let restaurant: Restaurant
    /// The Monday of the first full week of March of a random year from 3000 to 9000.
    let monday: LocalDate

    static func make() throws -> OrderWorld {
        let url = try TestDatabase.url()
        let db = try PostgresConnection.connect(url, logger: TestDatabase.logger)
        try TestDatabase.migrate(db)
        let code = "S" + String(UUID().uuidString.prefix(8))
        let restaurant = try Restaurants.add(code: code, name: "Orders \(code)", community: "Test", rate: Rate(basisPoints: 8500), on: db)
        let year = Int.random(in: 3000...9000)
        let monday = try (1...7).lazy.map { try LocalDate(year: year, month: 3, day: $0) }.first { $0.weekday == 1 }!
        return OrderWorld(url: url, db: db, restaurant: restaurant, monday: monday)
    }

    /// Registers a card and returns its number.
    func card(category: CardCategory = .veteran, birthDate: String = "1940-01-01", validUntil: String = "") throws -> CardNumber {
        let number = "O" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(15)
        let csv = "\(number),Order Holder,\(category.rawValue),\(birthDate),13900000000,2 Test Lane,Test,active,,\(validUntil)\n"
        _ = try Cards.upsert(try Cards.parseImport(csv), on: db)
        return try CardNumber(String(number))
    }

    /// An order from the world's Monday (or `from`) until 60 days later (or `until`).
    func order(_ card: CardNumber, weekdays: [Int] = Array(1...7), meal: MealKind = .lunch, from: LocalDate? = nil,
               until: LocalDate? = nil) throws -> StandingOrder {
        try StandingOrders.add(
            NewStandingOrder(cardNumber: card, restaurantCode: restaurant.code, weekdays: weekdays, meal: meal,
                             startsOn: from ?? monday, endsOn: until ?? day(60)),
            minimumAge: 80, on: db)
    }

    /// Generates this restaurant's deliveries of `day`; returns how many were created.
    func generate(_ day: LocalDate) throws -> Int {
        try StandingOrders.generate(on: day, minimumAge: 80, restaurantID: restaurant.id, on: db)
    }

    /// The days around the world's Monday an order has deliveries for.
    func days(of order: StandingOrder) throws -> [LocalDate] {
        try db.query("""
            SELECT scheduled_for FROM ledger.deliveries
            WHERE standing_order_id = \(order.id) AND scheduled_for BETWEEN \(day(-7))::date AND \(day(90))::date
            ORDER BY scheduled_for
            """).map { try $0.onlyValue(as: LocalDate.self) }
    }

    /// The day `offset` days after the world's Monday.
    func day(_ offset: Int) -> LocalDate { monday.adding(days: offset) }

    func close() { db.close() }
}

@Suite("standing orders")
struct StandingOrderTests {
    @Test("a day's deliveries are generated once; generating again (a restart) creates none")
    func once() throws {
        let world = try OrderWorld.make()
        defer { world.close() }
        let order = try world.order(try world.card())
        #expect(try world.generate(world.day(0)) == 1)
        #expect(try world.generate(world.day(0)) == 0)
        #expect(try world.days(of: order) == [world.day(0)])
        let delivery = try #require(try Deliveries.list(restaurantID: world.restaurant.id, on: world.day(0), on: world.db).first)
        #expect(delivery.standingOrderID == order.id)
        #expect(delivery.status == .requested)
        #expect(delivery.meal == .lunch)
        #expect(delivery.cardNumber == order.cardNumber)
    }

    @Test("generating one day in several processes at once still gives one delivery per order")
    func concurrentGeneration() throws {
        let world = try OrderWorld.make()
        defer { world.close() }
        let orders = try (0..<5).map { _ in try world.order(try world.card()) }
        let created = Mutex(0)
        let failures = Mutex([String]())
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            do {
                let db = try PostgresConnection.connect(world.url, logger: TestDatabase.logger)
                defer { db.close() }
                let count = try db.transaction { db in
                    try StandingOrders.generate(on: world.day(2), minimumAge: 80, restaurantID: world.restaurant.id, on: db)
                }
                created.withLock { $0 += count }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        let failed = failures.withLock { $0 }
        let createdCount = created.withLock { $0 }
        #expect(failed == [])
        #expect(createdCount == 5)
        for order in orders {
            #expect(try world.days(of: order) == [world.day(2)])
        }
    }

    @Test("paused days are skipped and deliveries resume the day after the pause; resume ends a pause at once")
    func paused() throws {
        let world = try OrderWorld.make()
        defer { world.close() }
        let order = try world.order(try world.card())
        #expect(try world.generate(world.day(1)) == 1)
        let change = try StandingOrders.pause(order.id, from: world.day(1), until: world.day(3), on: world.db)
        #expect(change.order.pausedFrom == world.day(1) && change.order.pausedUntil == world.day(3))
        #expect(change.pendingDeliveries == 1, "day 1 was generated before the pause and is still requested")
        for offset in 0...4 { _ = try world.generate(world.day(offset)) }
        #expect(try world.days(of: order) == [world.day(0), world.day(1), world.day(4)])

        _ = try StandingOrders.pause(order.id, from: world.day(5), until: world.day(9), on: world.db)
        #expect(try world.generate(world.day(5)) == 0)
        let resumed = try StandingOrders.resume(order.id, on: world.db)
        #expect(resumed.wasPaused)
        #expect(resumed.order.pausedFrom == nil)
        #expect(try StandingOrders.resume(order.id, on: world.db).wasPaused == false)
        #expect(try world.generate(world.day(5)) == 1)

        #expect(throws: LedgerRefusal.self) { try StandingOrders.pause(order.id, from: world.day(3), until: world.day(2), on: world.db) }
        #expect(throws: LedgerRefusal.self) { try StandingOrders.pause(-1, from: world.day(3), until: world.day(4), on: world.db) }
    }

    @Test("an ended order delivers through its last day and not after")
    func ended() throws {
        let world = try OrderWorld.make()
        defer { world.close() }
        let order = try world.order(try world.card())
        #expect(try world.generate(world.day(4)) == 1)
        let change = try StandingOrders.end(order.id, on: world.day(2), on: world.db)
        #expect(change.order.endsOn == world.day(2))
        #expect(change.pendingDeliveries == 1)
        for offset in 0...6 { _ = try world.generate(world.day(offset)) }
        #expect(try world.days(of: order) == [world.day(0), world.day(1), world.day(2), world.day(4)])
        do {
            _ = try StandingOrders.end(order.id, on: world.day(-1), on: world.db)
            Issue.record("an end before the start was accepted")
        } catch let error as LedgerRefusal {
            #expect(error.message.contains("starts on \(world.day(0))"))
        }
    }

    @Test("only the order's ISO weekdays get deliveries")
    func weekdays() throws {
        let world = try OrderWorld.make()
        defer { world.close() }
        let order = try world.order(try world.card(), weekdays: [1, 3, 5], meal: .dinner)
        for offset in 0..<14 { _ = try world.generate(world.day(offset)) }
        #expect(try world.days(of: order) == [0, 2, 4, 7, 9, 11].map(world.day))
        let offDays = try world.days(of: order).filter { ![1, 3, 5].contains($0.weekday) }
        #expect(offDays.isEmpty)
    }

    @Test("days the card is not delivery-eligible are skipped: too young, expired")
    func ineligibleDays() throws {
        let world = try OrderWorld.make()
        defer { world.close() }
        // Turns 80 on the Wednesday of the first week.
        let wednesday = world.day(2)
        let born = "\(wednesday.year - 80)-\(wednesday.description.dropFirst(5))"
        let young = try world.order(try world.card(birthDate: born))
        let expiring = try world.order(try world.card(validUntil: world.day(1).description))
        for offset in 0...3 { _ = try world.generate(world.day(offset)) }
        #expect(try world.days(of: young) == [world.day(2), world.day(3)])
        #expect(try world.days(of: expiring) == [world.day(0), world.day(1)])
    }

    @Test("add refuses unknown cards and restaurants, non-veterans, overlapping orders and bad weekdays")
    func addRefusals() throws {
        let world = try OrderWorld.make()
        defer { world.close() }
        let card = try world.card()
        func refusal(_ body: () throws -> Void) -> LedgerRefusal? {
            do { try body() } catch let error as LedgerRefusal { return error } catch { Issue.record("\(error)") }
            return nil
        }
        let unknownCard = refusal { _ = try world.order(try CardNumber("NOSUCH\(Int.random(in: 1000...9999))")) }
        let notAVeteran = refusal { _ = try world.order(try world.card(category: .specialCare)) }
        let noBirthDate = refusal { _ = try world.order(try world.card(birthDate: "")) }
        let unknownRestaurant = refusal {
            _ = try StandingOrders.add(NewStandingOrder(cardNumber: card, restaurantCode: "NOSUCHPLACE", weekdays: [1], meal: .lunch,
                                                        startsOn: world.day(0), endsOn: nil), minimumAge: 80, on: world.db)
        }
        let isUnregisteredCard = if case .unregisteredCard? = unknownCard { true } else { false }
        let isNotEligible = if case .noStandingOrder? = notAVeteran { true } else { false }
        #expect(isUnregisteredCard)
        #expect(isNotEligible)
        #expect(noBirthDate?.message.contains("no birth date") == true)
        #expect(unknownRestaurant == .unknownRestaurant(code: "NOSUCHPLACE"))

        let first = try world.order(card, weekdays: [1, 3], from: world.day(0), until: world.day(30))
        let overlap = refusal { _ = try world.order(card, weekdays: [3, 5], from: world.day(20)) }
        let isOverlap = if case .overlappingStandingOrder? = overlap { true } else { false }
        #expect(isOverlap)
        #expect(overlap?.message.contains("standing order \(first.id)") == true)
        // Other days, another meal, or after the first one ends: all fine.
        _ = try world.order(card, weekdays: [2, 4], from: world.day(0))
        _ = try world.order(card, weekdays: [1, 3], meal: .dinner, from: world.day(0))
        _ = try world.order(card, weekdays: [1, 3], from: world.day(31))

        #expect(try StandingOrders.parseWeekdays("5;1;3;1") == [1, 3, 5])
        #expect(try StandingOrders.parseWeekdays("1,3,5") == [1, 3, 5])
        for bad in ["", "0", "8", "1,,x", "mon"] {
            #expect(throws: LedgerRefusal.self) { try StandingOrders.parseWeekdays(bad) }
        }
        #expect(throws: LedgerRefusal.self) {
            try NewStandingOrder(cardNumber: card, restaurantCode: "R", weekdays: [1], meal: .lunch, startsOn: world.day(2), endsOn: world.day(1))
        }
        #expect(try StandingOrders.list(restaurant: world.restaurant.code, on: world.db).count == 4)
    }

    @Test("import is all or nothing: every bad line as 'line N: reason'; weekdays as 1;3;5 or \"1,3,5\"")
    func importFile() throws {
        let world = try OrderWorld.make()
        defer { world.close() }
        let (a, b) = (try world.card(), try world.card())
        let code = world.restaurant.code
        let bad = """
            card_no,restaurant,weekdays,meal,starts_on,ends_on
            \(a.value),\(code),1;3;5,lunch,\(world.day(0)),
            \(b.value),\(code),"2,4",supper,\(world.day(0)),
            \(b.value),NOSUCHPLACE,2,lunch,\(world.day(0)),
            NOSUCHCARD99,\(code),2,lunch,\(world.day(0)),\(world.day(-3))
            \(a.value),\(code),3,lunch,\(world.day(7)),
            """
        do {
            _ = try StandingOrders.importOrders(bad, minimumAge: 80, on: world.db)
            Issue.record("a bad file was imported")
        } catch let error as StandingOrderImportError {
            #expect(error.problems.count == 4)
            #expect(error.problems[0].hasPrefix("line 3: meal: 'supper'"))
            #expect(error.problems[1].hasPrefix("line 4: no restaurant has code 'NOSUCHPLACE'"))
            #expect(error.problems[2].hasPrefix("line 5: the order ends on"))
            #expect(error.problems[3].hasPrefix("line 6: card \(a.value) already has standing order"), "overlaps line 2 of the same file")
        }
        #expect(try StandingOrders.list(restaurant: code, on: world.db).isEmpty)

        let good = """
            \(a.value),\(code),1;3;5,lunch,\(world.day(0)),
            \(b.value),\(code),"2,4",dinner,\(world.day(0)),\(world.day(30))
            """
        let added = try StandingOrders.importOrders(good, minimumAge: 80, on: world.db)
        #expect(added.map(\.weekdays) == [[1, 3, 5], [2, 4]])
        #expect(added.map(\.endsOn) == [nil, world.day(30)])
        #expect(try StandingOrders.list(restaurant: code, on: world.db).map(\.id) == added.map(\.id))
        _ = try StandingOrders.end(added[0].id, on: world.day(30), on: world.db)  // see OrderWorld
    }

    @Test("monthly figures per restaurant: requested (all), delivered, failed, cancelled, distinct recipients")
    func figures() throws {
        let world = try OrderWorld.make()
        defer { world.close() }
        let (a, b) = (try world.card(), try world.card())
        _ = try world.order(a, weekdays: [1, 2, 3, 4, 5])
        _ = try world.order(b, weekdays: [1])
        for offset in 0..<7 { _ = try world.generate(world.day(offset)) }  // a: Mon–Fri, b: Mon
        // Move some on, straight in the table, as the daemon's events would.
        let outcomes = [0: ("delivered", "ok"), 1: ("failed", "ok"), 2: ("cancelled", nil)] as [Int: (String, String?)]
        for row in try world.db.query("""
            SELECT id, scheduled_for - \(world.day(0))::date AS day FROM ledger.deliveries
            WHERE restaurant_id = \(world.restaurant.id) AND card_no = \(a.value)
            """) {
            guard let (status, wellness) = outcomes[try row.decode("day", as: Int.self)] else { continue }
            try advanceDelivery(try row.decode("id", as: UUID.self), to: status, wellness: wellness, on: world.db)
        }
        let figures = try Deliveries.figures(period: world.monday.period, on: world.db)
        let ourFigures = figures.first { $0.restaurantCode == world.restaurant.code }
        let ours = try #require(ourFigures)
        #expect(ours == DeliveryFigures(restaurantCode: world.restaurant.code, requested: 6, delivered: 1, failed: 1, cancelled: 1,
                                        recipients: 2))
        let total = try #require(figures.last)
        #expect(total.restaurantCode == nil)
        #expect(total.requested >= 6)
    }
}
