import Foundation
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import Logging
import Postgres
import ServiceLifecycle
import TestSupport
import Testing

/// A delivery body with a fresh id.
func deliveryBody(card: String, on day: String = "2031-05-10", meal: String = "lunch", mealID: String? = nil,
                  id: String = UUID().uuidString.lowercased()) -> [String: Any] {
    var body: [String: Any] = ["id": id, "card_no": card, "scheduled_for": day, "meal": meal]
    if let mealID { body["meal_id"] = mealID }
    return body
}

/// A delivery event body with a fresh id.
func eventBody(_ status: String, at: String = "2031-05-10T11:00:00+08:00", wellness: String? = nil, note: String? = nil,
               id: String = UUID().uuidString.lowercased()) -> [String: Any] {
    var body: [String: Any] = ["id": id, "status": status, "at": at]
    if let wellness { body["wellness"] = wellness }
    if let note { body["note"] = note }
    return body
}

extension TestClientProtocol {
    /// Requests a delivery and returns its id; the request must succeed.
    func newDelivery(_ world: TestWorld, card: String, on day: String = "2031-05-10") async throws -> String {
        let answer = try await call(.post, "/v1/deliveries", token: world.token, body: deliveryBody(card: card, on: day))
        #expect(answer.status == .created)
        return try #require(answer["id"] as? String)
    }

    /// Posts an event to a delivery.
    func event(_ world: TestWorld, _ delivery: String, _ body: [String: Any]) async throws -> Answer {
        try await call(.post, "/v1/deliveries/\(delivery)/events", token: world.token, body: body)
    }

    /// Requests, dispatches and completes a delivery on `day` with `status` and `wellness` at `at`; returns its id.
    func completedDelivery(_ world: TestWorld, card: String, on day: String, at: String, status: String = "delivered",
                           wellness: String) async throws -> String {
        let id = try await newDelivery(world, card: card, on: day)
        #expect(try await event(world, id, eventBody("dispatched", at: at)).status == .created)
        #expect(try await event(world, id, eventBody(status, at: at, wellness: wellness)).status == .created)
        return id
    }
}

/// The welfare alerts of a card, oldest first: reason, delivery ids, and whether it is open.
func alerts(card: String) throws -> [(reason: String, deliveries: [UUID], open: Bool)] {
    try TestDatabase.withConnection { db in
        try db.query("""
            SELECT reason, delivery_ids, acknowledged_at IS NULL AS open FROM ledger.welfare_alerts WHERE card_no = \(card) ORDER BY id
            """).map { row in
            (try row.decode("reason", as: String.self), try row.decode("delivery_ids", as: [UUID].self),
             try row.decode("open", as: Bool.self))
        }
    }
}

/// Events recorded for a delivery.
func eventCount(delivery: String) throws -> Int {
    try TestDatabase.withConnection { db in
        try db.query("SELECT count(*) FROM ledger.delivery_events WHERE delivery_id = \(delivery)::uuid").single().onlyValue(as: Int.self)
    }
}

/// A year far in the future, different for each test, so that standing orders of parallel tests and of earlier
/// runs never cover the same days. Test orders end within their year, since generation covers every restaurant.
func randomFarYear() -> Int { Int.random(in: 3000...9000) }

@Suite("deliveries")
struct DeliveryRouteTests {
    @Test("a delivery is answered with every field of the contract, nulls included")
    func answerShape() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let id = UUID().uuidString.lowercased()
            let answer = try await client.call(.post, "/v1/deliveries", token: world.token, body: deliveryBody(card: card, meal: "dinner", id: id))
            #expect(answer.status == .created)
            #expect(Set(answer.json.keys) == ["id", "restaurant", "card_no", "scheduled_for", "meal", "meal_id", "status",
                                              "wellness", "note", "standing_order_id", "updated_at"])
            #expect(answer["id"] as? String == id)
            #expect(answer["restaurant"] as? String == world.restaurant)
            #expect(answer["card_no"] as? String == card)
            #expect(answer["scheduled_for"] as? String == "2031-05-10")
            #expect(answer["meal"] as? String == "dinner")
            #expect(answer["status"] as? String == "requested")
            #expect(answer["meal_id"] is NSNull && answer["wellness"] is NSNull && answer["note"] is NSNull)
            #expect(answer["standing_order_id"] is NSNull)
            #expect((answer["updated_at"] as? String)?.hasSuffix("+08:00") == true)
        }
    }

    @Test("eligibility: a veteran turning 80 that day is eligible, the day before not; other categories, invalid cards, unknown cards are refused",
          arguments: [
              // (category, birth date, status, valid until, scheduled for, expected status, expected error, message part)
              ("veteran", "1951-05-10", "active", "", "2031-05-10", 201, nil, nil),
              ("veteran", "1951-05-10", "active", "", "2031-05-09", 422, "not_eligible", "the holder is 79"),
              ("veteran", "1952-02-29", "active", "", "2032-02-28", 422, "not_eligible", "the holder is 79"),
              ("veteran", "1952-02-29", "active", "", "2032-02-29", 201, nil, nil),
              ("special_care", "1930-01-01", "active", "", "2031-05-10", 422, "not_eligible", "special_care"),
              ("active_serviceman", "1930-01-01", "active", "", "2031-05-10", 422, "not_eligible", "active_serviceman"),
              ("veteran", "1930-01-01", "active", "2031-05-09", "2031-05-10", 422, "not_eligible", "valid until 2031-05-09"),
              ("veteran", "1930-01-01", "active", "2031-05-10", "2031-05-10", 201, nil, nil),
              ("veteran", "1930-01-01", "suspended", "", "2031-05-10", 422, "not_eligible", "suspended"),
              ("veteran", "", "active", "", "2031-05-10", 422, "not_eligible", "no birth date"),
          ] as [(String, String, String, String, String, Int, String?, String?)])
    func eligibility(category: String, born: String, status: String, validUntil: String, day: String, expected: Int,
                     error: String?, message: String?) async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard(category: category, status: status, birthDate: born, validUntil: validUntil)
        try await world.test { client in
            let answer = try await client.call(.post, "/v1/deliveries", token: world.token, body: deliveryBody(card: card, on: day))
            #expect(Int(answer.status.code) == expected)
            #expect(answer.error == error)
            if let message {
                #expect((answer["message"] as? String)?.contains(message) == true, "\(answer.json)")
                #expect(answer.field == "card_no")
            }
        }
    }

    @Test("an unknown card is 404 unknown_card; bad fields are 400 naming the field")
    func refusedRequests() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let unknown = try await client.call(.post, "/v1/deliveries", token: world.token, body: deliveryBody(card: "NOSUCHCARD1"))
            #expect(unknown.status == .notFound)
            #expect(unknown.error == "unknown_card")
            for (body, field) in [
                (deliveryBody(card: card, on: "2031-02-30"), "scheduled_for"),
                (deliveryBody(card: card, meal: "supper"), "meal"),
                (deliveryBody(card: "x"), "card_no"),
                (deliveryBody(card: card, mealID: "12"), "meal_id"),
                (deliveryBody(card: card, id: "not-a-uuid"), "id"),
            ] {
                let answer = try await client.call(.post, "/v1/deliveries", token: world.token, body: body)
                #expect(answer.status == .badRequest)
                #expect(answer.error == "validation_failed")
                #expect(answer.field == field)
            }
            var missing = deliveryBody(card: card)
            missing["meal"] = nil
            #expect(try await client.call(.post, "/v1/deliveries", token: world.token, body: missing).field == "meal")
        }
    }

    @Test("meal_id must be a meal of this restaurant")
    func mealReference() async throws {
        let world = try TestWorld.make()
        let (_, otherToken) = try TestWorld.addRestaurant()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let ours = try #require(try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card))["id"] as? String)
            let theirs = try #require(try await client.call(.post, "/v1/meals", token: otherToken, body: mealBody(card: card))["id"] as? String)
            let carried = try await client.call(.post, "/v1/deliveries", token: world.token, body: deliveryBody(card: card, mealID: ours))
            #expect(carried.status == .created)
            #expect(carried["meal_id"] as? String == ours)
            for mealID in [theirs, UUID().uuidString.lowercased()] {
                let refused = try await client.call(.post, "/v1/deliveries", token: world.token, body: deliveryBody(card: card, mealID: mealID))
                #expect(refused.status == .notFound)
                #expect(refused.error == "not_found")
                #expect(refused.field == "meal_id")
            }
        }
    }

    @Test("a replayed request answers 200 with the delivery as created, even after it moved on; other content is a conflict; another restaurant gets not_found")
    func deliveryReplayAndConflict() async throws {
        let world = try TestWorld.make()
        let (_, otherToken) = try TestWorld.addRestaurant()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let body = deliveryBody(card: card)
            let first = try await client.call(.post, "/v1/deliveries", token: world.token, body: body)
            #expect(first.status == .created)
            let again = try await client.call(.post, "/v1/deliveries", token: world.token, body: body)
            #expect(again.status == .ok)
            #expect(NSDictionary(dictionary: again.json) == NSDictionary(dictionary: first.json))

            let id = try #require(first["id"] as? String)
            #expect(try await client.event(world, id, eventBody("dispatched")).status == .created)
            let afterDispatch = try await client.call(.post, "/v1/deliveries", token: world.token, body: body)
            #expect(afterDispatch.status == .ok)
            #expect(NSDictionary(dictionary: afterDispatch.json) == NSDictionary(dictionary: first.json))

            var changed = body
            changed["meal"] = "dinner"
            let conflict = try await client.call(.post, "/v1/deliveries", token: world.token, body: changed)
            #expect(conflict.status == .conflict)
            #expect(conflict.error == "idempotency_conflict")
            // Another restaurant is not told that the id exists (docs/interfaces.md).
            let strangers = try await client.call(.post, "/v1/deliveries", token: otherToken, body: body)
            #expect(strangers.status == .notFound && strangers.error == "not_found")
        }
    }

    @Test("every legal transition: requested → dispatched → delivered | failed, requested → cancelled")
    func legalTransitions() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            for (final, wellness) in [("delivered", "ok"), ("failed", "not_home"), ("delivered", "concern")] {
                let id = try await client.newDelivery(world, card: card)
                let dispatched = try await client.event(world, id, eventBody("dispatched", at: "2031-05-10T10:00:00+08:00", note: "driver Li"))
                #expect(dispatched.status == .created)
                #expect(dispatched["status"] as? String == "dispatched")
                #expect(dispatched["note"] as? String == "driver Li")
                #expect(dispatched["wellness"] is NSNull)
                let done = try await client.event(world, id, eventBody(final, at: "2031-05-10T11:00:00+08:00", wellness: wellness))
                #expect(done.status == .created)
                #expect(done["status"] as? String == final)
                #expect(done["wellness"] as? String == wellness)
                #expect(done["note"] as? String == "driver Li", "an event without a note keeps the last note")
                #expect(try eventCount(delivery: id) == 2)
            }
            let cancelled = try await client.newDelivery(world, card: card)
            let answer = try await client.event(world, cancelled, eventBody("cancelled", note: "in hospital"))
            #expect(answer.status == .created)
            #expect(answer["status"] as? String == "cancelled")

            let listed = try await client.call(.get, "/v1/deliveries?date=2031-05-10", token: world.token)
            let statuses = (listed["deliveries"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
            #expect(statuses.sorted() == ["cancelled", "delivered", "delivered", "failed"])
        }
    }

    @Test("every other move is 409 invalid_transition and changes nothing")
    func illegalTransitions() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        let legal: Set<String> = ["requested>dispatched", "requested>cancelled", "dispatched>delivered", "dispatched>failed"]
        let statuses = ["requested", "dispatched", "delivered", "failed", "cancelled"]
        try await world.test { client in
            // One delivery in each status.
            var inStatus: [String: String] = [:]
            for status in statuses {
                let id = try await client.newDelivery(world, card: card)
                switch status {
                case "dispatched": _ = try await client.event(world, id, eventBody("dispatched"))
                case "delivered", "failed":
                    _ = try await client.event(world, id, eventBody("dispatched"))
                    _ = try await client.event(world, id, eventBody(status, wellness: "ok"))
                case "cancelled": _ = try await client.event(world, id, eventBody("cancelled"))
                default: break
                }
                inStatus[status] = id
            }
            var tried = 0
            for from in statuses {
                for to in statuses where !legal.contains("\(from)>\(to)") {
                    let id = try #require(inStatus[from])
                    let events = try eventCount(delivery: id)
                    let wellness = to == "delivered" || to == "failed" ? "ok" : nil
                    let answer = try await client.event(world, id, eventBody(to, wellness: wellness))
                    #expect(answer.status == .conflict, "\(from) → \(to)")
                    #expect(answer.error == "invalid_transition", "\(from) → \(to)")
                    #expect((answer["message"] as? String)?.contains("is \(from) and cannot become \(to)") == true)
                    #expect(try eventCount(delivery: id) == events)
                    tried += 1
                }
            }
            #expect(tried == 21)
            let listed = try await client.call(.get, "/v1/deliveries?date=2031-05-10", token: world.token)
            let now = (listed["deliveries"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
            #expect(now.sorted() == statuses.sorted())
        }
    }

    @Test("wellness is required with delivered and failed and refused otherwise; bad fields are 400")
    func wellnessRules() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let id = try await client.newDelivery(world, card: card)
            for (body, field) in [
                (eventBody("dispatched", wellness: "ok"), "wellness"),
                (eventBody("cancelled", wellness: "concern"), "wellness"),
                (eventBody("sent"), "status"),
                (eventBody("dispatched", at: "2031-05-10 11:00"), "at"),
                (eventBody("dispatched", id: "nope"), "id"),
            ] {
                let answer = try await client.event(world, id, body)
                #expect(answer.status == .badRequest)
                #expect(answer.error == "validation_failed")
                #expect(answer.field == field)
            }
            #expect(try await client.event(world, id, eventBody("dispatched")).status == .created)
            for final in ["delivered", "failed"] {
                let missing = try await client.event(world, id, eventBody(final))
                #expect(missing.status == .badRequest)
                #expect(missing.field == "wellness")
                #expect((missing["message"] as? String)?.contains("ok, concern or not_home") == true)
            }
            let unknown = try await client.event(world, id, eventBody("delivered", wellness: "sleepy"))
            #expect(unknown.field == "wellness")
            let ahead = try await client.event(world, id, eventBody("delivered", at: "2031-05-10T12:10:00+08:00", wellness: "ok"))
            #expect(ahead.status == .unprocessableContent)
            #expect(ahead.error == "clock_skew")
            #expect(try eventCount(delivery: id) == 1)
        }
    }

    @Test("a replayed event answers 200 with the delivery as it stood after that event; other content is a conflict")
    func eventReplayAndConflict() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let id = try await client.newDelivery(world, card: card)
            let other = try await client.newDelivery(world, card: card)
            let dispatch = eventBody("dispatched", at: "2031-05-10T10:00:00+08:00", note: "on the way")
            let first = try await client.event(world, id, dispatch)
            #expect(first.status == .created)
            let again = try await client.event(world, id, dispatch)
            #expect(again.status == .ok)
            #expect(NSDictionary(dictionary: again.json) == NSDictionary(dictionary: first.json))

            let delivered = eventBody("delivered", at: "2031-05-10T11:00:00+08:00", wellness: "ok", note: "ate well")
            let done = try await client.event(world, id, delivered)
            #expect(done.status == .created)
            let lateReplay = try await client.event(world, id, dispatch)
            #expect(lateReplay.status == .ok)
            #expect(NSDictionary(dictionary: lateReplay.json) == NSDictionary(dictionary: first.json))
            #expect(lateReplay["status"] as? String == "dispatched")
            let doneReplay = try await client.event(world, id, delivered)
            #expect(NSDictionary(dictionary: doneReplay.json) == NSDictionary(dictionary: done.json))

            var changed = dispatch
            changed["note"] = "something else"
            let conflict = try await client.event(world, id, changed)
            #expect(conflict.status == .conflict)
            #expect(conflict.error == "idempotency_conflict")
            let elsewhere = try await client.event(world, other, dispatch)
            #expect(elsewhere.error == "idempotency_conflict")
            #expect(try eventCount(delivery: id) == 2)
            #expect(try eventCount(delivery: other) == 0)
        }
    }

    @Test("20 concurrent posts of one event give one event")
    func concurrentEvents() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let id = try await client.newDelivery(world, card: card)
            let body = try jsonText(eventBody("dispatched"))
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        Int(try await client.call(.post, "/v1/deliveries/\(id)/events", token: world.token, body: body).status.code)
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            let created = statuses.filter { $0 == 201 }.count
            let replayed = statuses.filter { $0 == 200 }.count
            #expect(created == 1)
            #expect(replayed == 19)
            #expect(try eventCount(delivery: id) == 1)
        }
    }

    @Test("concurrent different events on one delivery are judged one after the other")
    func concurrentMoves() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let id = try await client.newDelivery(world, card: card)
            // Ten terminals race to dispatch or cancel: exactly one move wins, the others are invalid transitions.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<10 {
                    let body = try jsonText(eventBody(index % 2 == 0 ? "dispatched" : "cancelled"))
                    group.addTask {
                        Int(try await client.call(.post, "/v1/deliveries/\(id)/events", token: world.token, body: body).status.code)
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            let created = statuses.filter { $0 == 201 }.count
            let conflicts = statuses.filter { $0 == 409 }.count
            #expect(created == 1)
            #expect(conflicts == 9)
            #expect(try eventCount(delivery: id) == 1)
        }
    }

    @Test("one restaurant never sees another's deliveries: not listed, and events on their ids are not_found")
    func isolation() async throws {
        let world = try TestWorld.make()
        let (_, otherToken) = try TestWorld.addRestaurant()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let id = try await client.newDelivery(world, card: card)
            let theirs = try await client.call(.get, "/v1/deliveries?date=2031-05-10", token: otherToken)
            #expect(theirs.status == .ok)
            #expect((theirs["deliveries"] as? [[String: Any]])?.isEmpty == true)
            let ours = try await client.call(.get, "/v1/deliveries?date=2031-05-10", token: world.token)
            let ourIDs = (ours["deliveries"] as? [[String: Any]])?.map { $0["id"] as? String }
            #expect(ourIDs == [id])

            let poke = try await client.call(.post, "/v1/deliveries/\(id)/events", token: otherToken, body: eventBody("cancelled"))
            #expect(poke.status == .notFound)
            #expect(poke.error == "not_found")
            #expect(try eventCount(delivery: id) == 0)
            let unknown = try await client.event(world, UUID().uuidString, eventBody("dispatched"))
            #expect(unknown.error == "not_found")
            let notAUUID = try await client.event(world, "42", eventBody("dispatched"))
            #expect(notAUUID.status == .notFound)
        }
    }

    @Test("GET /v1/deliveries needs a valid date")
    func listNeedsDate() async throws {
        let world = try TestWorld.make()
        try await world.test { client in
            for query in ["", "?date=", "?date=2031-13-01", "?day=2031-05-10"] {
                let answer = try await client.call(.get, "/v1/deliveries\(query)", token: world.token)
                #expect(answer.status == .badRequest)
                #expect(answer.field == "date")
            }
            #expect(try await client.call(.get, "/v1/deliveries?date=2031-05-10", token: nil).status == .unauthorized)
        }
    }

    @Test("the list generates the day's standing-order deliveries first, once, and events apply to them")
    func standingOrdersInList() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        let year = randomFarYear()
        let monday = try (1...7).lazy.map { try LocalDate(year: year, month: 3, day: $0) }.first { $0.weekday == 1 }!
        let order = try TestDatabase.withConnection { db in
            try StandingOrders.add(
                NewStandingOrder(cardNumber: CardNumber(card), restaurantCode: world.restaurant, weekdays: [1, 3], meal: .lunch,
                                 startsOn: monday, endsOn: monday.adding(days: 30)),
                minimumAge: 80, on: db)
        }
        try await world.test { client in
            let first = try await client.call(.get, "/v1/deliveries?date=\(monday)", token: world.token)
            let listed = try #require(first["deliveries"] as? [[String: Any]])
            #expect(listed.count == 1)
            #expect(listed.first?["standing_order_id"] as? Int64 == order.id)
            #expect(listed.first?["card_no"] as? String == card)
            #expect(listed.first?["meal"] as? String == "lunch")
            #expect(listed.first?["status"] as? String == "requested")
            let again = try await client.call(.get, "/v1/deliveries?date=\(monday)", token: world.token)
            #expect(NSDictionary(dictionary: again.json) == NSDictionary(dictionary: first.json))
            let tuesday = try await client.call(.get, "/v1/deliveries?date=\(monday.next)", token: world.token)
            #expect((tuesday["deliveries"] as? [[String: Any]])?.isEmpty == true)

            let id = try #require(listed.first?["id"] as? String)
            let dispatched = try await client.event(world, id, eventBody("dispatched"))
            #expect(dispatched.status == .created)
            #expect(dispatched["standing_order_id"] as? Int64 == order.id)
        }
    }

    @Test("one concern raises an alert; a second observation while it is open raises no other; after ack a new one can")
    func concernAlert() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            _ = try await client.completedDelivery(world, card: card, on: "2031-05-07", at: "2031-05-07T11:00:00+08:00", wellness: "ok")
            #expect(try alerts(card: card).isEmpty)
            let worrying = try await client.completedDelivery(world, card: card, on: "2031-05-08", at: "2031-05-08T11:00:00+08:00",
                                                               wellness: "concern")
            let raised = try alerts(card: card)
            #expect(raised.count == 1)
            #expect(raised.first?.reason == "concern")
            #expect(raised.first?.deliveries == [UUID(uuidString: worrying)!])
            _ = try await client.completedDelivery(world, card: card, on: "2031-05-09", at: "2031-05-09T11:00:00+08:00",
                                                   wellness: "concern")
            #expect(try alerts(card: card).count == 1)

            let alertID = try TestDatabase.withConnection { db in
                try db.query("SELECT id FROM ledger.welfare_alerts WHERE card_no = \(card)").single().onlyValue(as: Int64.self)
            }
            try TestDatabase.withConnection { db in
                try WelfareAlerts.acknowledge(id: alertID, note: "called her daughter", timeZone: TestWorld.shanghai, on: db)
            }
            _ = try await client.completedDelivery(world, card: card, on: "2031-05-10", at: "2031-05-10T11:00:00+08:00",
                                                   status: "failed", wellness: "concern")
            #expect(try alerts(card: card).map(\.open) == [false, true])
        }
    }

    @Test("two not_home in a row raise an alert naming both deliveries; not_home, ok, not_home does not")
    func notHomeAlerts() async throws {
        let world = try TestWorld.make()
        let broken = try TestWorld.addCard()
        let twice = try TestWorld.addCard()
        try await world.test { client in
            for (day, wellness) in [("2031-05-07", "not_home"), ("2031-05-08", "ok"), ("2031-05-09", "not_home")] {
                _ = try await client.completedDelivery(world, card: broken, on: day, at: "\(day)T11:00:00+08:00", status: "failed",
                                                       wellness: wellness)
            }
            #expect(try alerts(card: broken).isEmpty)

            let first = try await client.completedDelivery(world, card: twice, on: "2031-05-08", at: "2031-05-08T11:00:00+08:00",
                                                           status: "failed", wellness: "not_home")
            #expect(try alerts(card: twice).isEmpty)
            let second = try await client.completedDelivery(world, card: twice, on: "2031-05-09", at: "2031-05-09T11:00:00+08:00",
                                                            status: "failed", wellness: "not_home")
            let raised = try alerts(card: twice)
            #expect(raised.map(\.reason) == ["not_home_twice"])
            let expected = [first, second].map { UUID(uuidString: $0)! }
            #expect(raised.first?.deliveries == expected)
        }
    }

    @Test("observations are taken in the order of the events' times; an event reported late raises nothing on its own")
    func observationsByEventTime() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            // Recorded in the order not_home (09th), ok (08th): by time, the latest is not_home and the one before ok.
            _ = try await client.completedDelivery(world, card: card, on: "2031-05-09", at: "2031-05-09T11:00:00+08:00",
                                                   status: "failed", wellness: "not_home")
            _ = try await client.completedDelivery(world, card: card, on: "2031-05-08", at: "2031-05-08T11:00:00+08:00",
                                                   wellness: "ok")
            #expect(try alerts(card: card).isEmpty)
            // A not_home on the 10th follows the not_home of the 9th.
            _ = try await client.completedDelivery(world, card: card, on: "2031-05-10", at: "2031-05-10T11:00:00+08:00",
                                                   status: "failed", wellness: "not_home")
            #expect(try alerts(card: card).map(\.reason) == ["not_home_twice"])

            // Once that alert is acknowledged, an ok reported late for the 7th leaves the two not_home the latest:
            // they already raised their alert, so nothing is raised again.
            try TestDatabase.withConnection { db in
                let id = try db.query("SELECT id FROM ledger.welfare_alerts WHERE card_no = \(card)").single().onlyValue(as: Int64.self)
                try WelfareAlerts.acknowledge(id: id, note: "neighbour says he was at the clinic", timeZone: TestWorld.shanghai, on: db)
            }
            _ = try await client.completedDelivery(world, card: card, on: "2031-05-07", at: "2031-05-07T11:00:00+08:00",
                                                   wellness: "ok")
            #expect(try alerts(card: card).map(\.open) == [false])
        }
    }

    @Test("two deliveries of one person finishing at once are judged one after the other: the alert is not missed")
    func concurrentObservations() async throws {
        let world = try TestWorld.make()
        let days = ["2031-05-08", "2031-05-09"]
        try await world.test { client in
            // Five people, each with two dispatched deliveries whose not_home outcomes are posted at the same time.
            var posts: [(card: String, delivery: String, body: String)] = []
            for _ in 0..<5 {
                let card = try TestWorld.addCard()
                for day in days {
                    let id = try await client.newDelivery(world, card: card, on: day)
                    _ = try await client.event(world, id, eventBody("dispatched", at: "\(day)T10:00:00+08:00"))
                    posts.append((card, id, try jsonText(eventBody("failed", at: "\(day)T11:00:00+08:00", wellness: "not_home"))))
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for post in posts {
                    group.addTask {
                        let answer = try await client.call(.post, "/v1/deliveries/\(post.delivery)/events", token: world.token, body: post.body)
                        #expect(answer.status == .created)
                    }
                }
                try await group.waitForAll()
            }
            for card in Set(posts.map(\.card)) {
                #expect(try alerts(card: card).map(\.reason) == ["not_home_twice"])
            }
        }
    }

    @Test("the scheduler generates today's and tomorrow's deliveries each round, once, and stops on graceful shutdown")
    func scheduler() async throws {
        let year = randomFarYear()
        let world = try TestWorld.make(now: "\(year)-06-10T07:00:00+08:00")
        let card = try TestWorld.addCard()
        let today = try LocalDate(year: year, month: 6, day: 10)
        let order = try TestDatabase.withConnection { db in
            try StandingOrders.add(
                NewStandingOrder(cardNumber: CardNumber(card), restaurantCode: world.restaurant, weekdays: Array(1...7),
                                 meal: .breakfast, startsOn: today, endsOn: today.adding(days: 30)),
                minimumAge: 80, on: db)
        }
        func generated() throws -> [String] {
            try TestDatabase.withConnection { db in
                try db.query("""
                    SELECT scheduled_for::text FROM ledger.deliveries WHERE standing_order_id = \(order.id) ORDER BY 1
                    """).map { try $0.onlyValue(as: String.self) }
            }
        }
        // An open alert of this test's card: whatever other tests raise or acknowledge meanwhile, the round counts it.
        try TestDatabase.withConnection { db in
            _ = try db.query("INSERT INTO ledger.welfare_alerts (card_no, reason, delivery_ids) VALUES (\(card), 'concern', '{}')")
        }
        let scheduler = DeliveryScheduler(ledger: world.ledger, logger: Logger(label: "test"), interval: .milliseconds(50))
        let round = try #require(await scheduler.runRound())
        #expect(round.today == today)
        #expect(round.created >= 2)
        #expect(round.openAlerts >= 1)
        #expect((round.partitionsAhead ?? 0) >= Partitions.monthsAhead, "the round keeps the monthly partitions ahead (sql/0023)")
        #expect(try generated() == [today.description, today.next.description])

        // Running as a service: rounds every 50 ms create nothing more, and graceful shutdown ends it.
        let group = ServiceGroup(services: [scheduler], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(300))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try generated() == [today.description, today.next.description])
        await world.ledger.pool.close()
    }
}
