import Foundation
import HummingbirdTesting
import LedgerStore
import TestSupport
import Testing

@Suite("voids, batches, cards and tokens")
struct VoidAndBatchTests {
    @Test("voids: created, replayed, conflicting, already voided, unknown, another restaurant's")
    func voids() async throws {
        let world = try TestWorld.make()
        let (_, otherToken) = try TestWorld.addRestaurant()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let meal = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card))
            let mealID = try #require(meal["id"] as? String)
            let voidBody: [String: Any] = ["id": UUID().uuidString.lowercased(), "reason": "wrong card"]

            let strangers = try await client.call(.post, "/v1/meals/\(mealID)/void", token: otherToken, body: voidBody)
            #expect(strangers.status == .notFound)
            #expect(strangers.error == "not_found")

            let created = try await client.call(.post, "/v1/meals/\(mealID)/void", token: world.token, body: voidBody)
            #expect(created.status == .created)
            #expect(created["meal_id"] as? String == mealID)
            #expect(created["period"] as? String == "2031-05")
            let replay = try await client.call(.post, "/v1/meals/\(mealID)/void", token: world.token, body: voidBody)
            #expect(replay.status == .ok)
            #expect(NSDictionary(dictionary: replay.json) == NSDictionary(dictionary: created.json))

            var otherReason = voidBody
            otherReason["reason"] = "something else"
            let conflict = try await client.call(.post, "/v1/meals/\(mealID)/void", token: world.token, body: otherReason)
            #expect(conflict.error == "idempotency_conflict")

            let second = try await client.call(.post, "/v1/meals/\(mealID)/void", token: world.token,
                                               body: ["id": UUID().uuidString, "reason": "again"])
            #expect(second.status == .conflict)
            #expect(second.error == "already_voided")

            let unknown = try await client.call(.post, "/v1/meals/\(UUID().uuidString)/void", token: world.token,
                                                body: ["id": UUID().uuidString, "reason": "x"])
            #expect(unknown.status == .notFound)
            let notAUUID = try await client.call(.post, "/v1/meals/12/void", token: world.token, body: voidBody)
            #expect(notAUUID.status == .notFound)
            #expect(try restaurantEntryCount(world.restaurant) == 2)
        }
    }

    @Test("an id another restaurant already used is not_found for a meal, a void, a batch item, a delivery and an event")
    func idsOfAnotherRestaurant() async throws {
        let world = try TestWorld.make()
        let (other, otherToken) = try TestWorld.addRestaurant()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let meal = mealBody(card: card)
            #expect(try await client.call(.post, "/v1/meals", token: world.token, body: meal).status == .created)
            let mealID = try #require(meal["id"] as? String)
            let void: [String: Any] = ["id": UUID().uuidString.lowercased(), "reason": "wrong card"]
            #expect(try await client.call(.post, "/v1/meals/\(mealID)/void", token: world.token, body: void).status == .created)
            let delivery = deliveryBody(card: card)
            #expect(try await client.call(.post, "/v1/deliveries", token: world.token, body: delivery).status == .created)
            let deliveryID = try #require(delivery["id"] as? String)
            let event = eventBody("dispatched")
            #expect(try await client.call(.post, "/v1/deliveries/\(deliveryID)/events", token: world.token, body: event).status == .created)

            // The other restaurant, reusing each id, even with the very same content, learns nothing of them.
            let otherMeal = mealBody(card: card, gross: 900)
            #expect(try await client.call(.post, "/v1/meals", token: otherToken, body: otherMeal).status == .created)
            let otherDelivery = deliveryBody(card: card, on: "2031-05-11")
            #expect(try await client.call(.post, "/v1/deliveries", token: otherToken, body: otherDelivery).status == .created)
            let reused: [(String, [String: Any])] = [
                ("/v1/meals", meal),
                ("/v1/meals", mealBody(card: card, gross: 900, id: mealID)),
                ("/v1/meals/\(try #require(otherMeal["id"] as? String))/void", void),
                ("/v1/deliveries", delivery),
                ("/v1/deliveries/\(try #require(otherDelivery["id"] as? String))/events", event),
            ]
            for (path, body) in reused {
                let answer = try await client.call(.post, path, token: otherToken, body: body)
                #expect(answer.status == .notFound, "\(path)")
                #expect(answer.error == "not_found" && answer["field"] as? String == "id", "\(path)")
            }
            let batch = try await client.call(.post, "/v1/meals/batch", token: otherToken, body: ["meals": [meal]])
            let results = try #require(batch["results"] as? [[String: Any]])
            let statusCodes = results.map { $0["status"] as? Int }
            #expect(statusCodes == [404] && results.first?["error"] as? String == "not_found")

            #expect(try restaurantEntryCount(world.restaurant) == 2 && restaurantEntryCount(other) == 1)
            #expect(try eventCount(delivery: deliveryID) == 1 && eventCount(delivery: try #require(otherDelivery["id"] as? String)) == 0)
        }
    }

    @Test("a batch mixes new, replayed, invalid and conflicting items, each judged alone, in input order")
    func batch() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let earlier = mealBody(card: card, gross: 500)
            _ = try await client.call(.post, "/v1/meals", token: world.token, body: earlier)
            var conflicting = earlier
            conflicting["gross_fen"] = 501
            let fresh = mealBody(card: card, gross: 700)
            let badType: [String: Any] = ["id": UUID().uuidString.lowercased(), "card_no": card, "occurred_at": "2031-05-10T11:00:00+08:00", "gross_fen": "lots"]
            let unknownCard = mealBody(card: "UNKNOWN99")
            let answer = try await client.call(.post, "/v1/meals/batch", token: world.token,
                                               body: ["meals": [fresh, earlier, badType, conflicting, unknownCard]])
            #expect(answer.status == .ok)
            let results = try #require(answer["results"] as? [[String: Any]])
            #expect(results.count == 5)
            let statusCodes = results.map { $0["status"] as? Int }
            let ids = results.map { $0["id"] as? String }
            let sentIDs = [fresh["id"], earlier["id"], badType["id"], conflicting["id"], unknownCard["id"]].map { $0 as? String }
            #expect(statusCodes == [201, 200, 400, 409, 404])
            #expect(ids == sentIDs)
            #expect(results[2]["error"] as? String == "validation_failed")
            #expect(results[2]["field"] as? String == "gross_fen")
            #expect(results[3]["error"] as? String == "idempotency_conflict")
            #expect(results[4]["error"] as? String == "unknown_card")
            #expect((results[0]["meal"] as? [String: Any])?["payable_fen"] as? Int64 == 595)
            #expect(try mealCount(card: card) == 2)
        }
    }

    @Test("a batch over 1000 items or 1 MiB is refused whole")
    func batchLimits() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let tooMany = try await client.call(.post, "/v1/meals/batch", token: world.token,
                                                body: ["meals": (0..<1001).map { _ in mealBody(card: card) }])
            #expect(tooMany.status == .badRequest)
            #expect(tooMany.field == "meals")
            var padded = mealBody(card: card)
            padded["note"] = String(repeating: "x", count: 1_100_000)
            let tooBig = try await client.call(.post, "/v1/meals/batch", token: world.token, body: ["meals": [padded]])
            #expect(tooBig.status == .contentTooLarge)
            #expect(try mealCount(card: card) == 0)
        }
    }

    @Test("GET /v1/cards tells eligibility, limits, today's meals not voided and delivery eligibility")
    func cardCheck() async throws {
        let world = try TestWorld.make(rate: 8000)
        let elderly = try TestWorld.addCard(birthDate: "1940-01-01")
        let young = try TestWorld.addCard(birthDate: "1980-01-01", validUntil: "2031-05-01")
        try await world.test { client in
            let ok = try await client.call(.get, "/v1/cards/\(elderly)", token: world.token)
            #expect(ok.status == .ok)
            #expect(ok["eligible"] as? Bool == true)
            #expect(ok["rate_bp"] as? Int == 8000)
            #expect(ok["delivery_eligible"] as? Bool == true)
            #expect(ok["meals_today"] as? Int == 0)
            #expect(ok["daily_limit"] as? Int == 3)
            #expect(ok["category"] as? String == "veteran")
            #expect(ok["status"] as? String == "active")
            // Today's meals count, voided ones do not.
            let first = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: elderly))
            _ = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: elderly))
            let firstID = try #require(first["id"] as? String)
            #expect(try await client.call(.post, "/v1/meals/\(firstID)/void", token: world.token,
                                          body: ["id": UUID().uuidString, "reason": "wrong card"]).status == .created)
            #expect(try await client.call(.get, "/v1/cards/\(elderly)", token: world.token)["meals_today"] as? Int == 1)
            let expired = try await client.call(.get, "/v1/cards/\(young)", token: world.token)
            #expect(expired["eligible"] as? Bool == false)
            #expect(expired["reason"] as? String == "card_expired")
            #expect(expired["delivery_eligible"] as? Bool == false)
            let unknown = try await client.call(.get, "/v1/cards/NOSUCHCARD", token: world.token)
            #expect(unknown.status == .notFound)
            #expect(unknown.error == "unknown_card")
        }
    }

    @Test("no token, a wrong token and a revoked token are all 401; revocation is immediate")
    func tokens() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            #expect(try await client.call(.get, "/v1/cards/\(card)", token: nil).status == .unauthorized)
            #expect(try await client.call(.get, "/v1/cards/\(card)", token: "ldg_wrong").error == "unauthorized")
            #expect(try await client.call(.get, "/v1/cards/\(card)", token: world.token).status == .ok)
            try TestDatabase.withConnection { db in try Terminals.revoke(restaurant: world.restaurant, name: "till-1", on: db) }
            let revoked = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card))
            #expect(revoked.status == .unauthorized)
            #expect(try mealCount(card: card) == 0)
        }
    }

    @Test("a token that posted meals before is refused as soon as it is revoked: meals, bad meals, replays, cards, batches")
    func revokedAfterUse() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let first = mealBody(card: card)
            #expect(try await client.call(.post, "/v1/meals", token: world.token, body: first).status == .created)
            #expect(try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card)).status == .created)
            try TestDatabase.withConnection { db in try Terminals.revoke(restaurant: world.restaurant, name: "till-1", on: db) }

            var badBody = mealBody(card: card)
            badBody["gross_fen"] = "lots"
            let bad = try await client.call(.post, "/v1/meals", token: world.token, body: badBody)
            #expect(bad.status == .unauthorized)
            #expect(bad.error == "unauthorized")
            #expect(try await client.call(.post, "/v1/meals", token: world.token, body: first).status == .unauthorized)
            #expect(try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card)).status == .unauthorized)
            #expect(try await client.call(.get, "/v1/cards/\(card)", token: world.token).status == .unauthorized)
            #expect(try await client.call(.post, "/v1/meals/batch", token: world.token,
                                          body: ["meals": [mealBody(card: card)]]).status == .unauthorized)
            #expect(try mealCount(card: card) == 2)
        }
    }

    @Test("a remembered terminal is checked by the meal's own transaction, which reads its restaurant's rate afresh")
    func rememberedTerminalIsCheckedByTheWrite() async throws {
        let world = try TestWorld.make(rate: 8500)
        let card = try TestWorld.addCard()
        try await world.test { client in
            #expect(try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, gross: 1000)).status == .created)
            try TestDatabase.withConnection { db in
                try db.execute(script: "UPDATE ledger.restaurants SET rate_bp = 8000 WHERE code = '\(world.restaurant)'")
            }
            let second = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, gross: 1000))
            #expect(second.status == .created)
            #expect(second["rate_bp"] as? Int == 8000)
            #expect(second["payable_fen"] as? Int == 800)
        }
    }

    @Test("/healthz answers without a token")
    func health() async throws {
        let world = try TestWorld.make()
        try await world.test { client in
            let answer = try await client.call(.get, "/healthz", token: nil)
            #expect(answer.status == .ok)
            #expect(answer["status"] as? String == "ok")
        }
    }
}
