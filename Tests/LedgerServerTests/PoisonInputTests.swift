import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerStore
import Postgres
import TestSupport
import Testing

/// Issue 12, item 1: one input the database would refuse must never fail its neighbours, nor tell a terminal to retry
/// what can never succeed, nor leave anything behind.
@Suite("poison inputs")
struct PoisonInputTests {
    @Test("a time past the year 9999 is clock_skew alone: the other meals of its batch are stored")
    func farFutureInABatch() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let meals = [mealBody(card: card), mealBody(card: card, at: "9999-12-31T23:59:59Z"),
                         mealBody(card: card, gross: 3000), mealBody(card: card, gross: 4000)]
            let answer = try await client.call(.post, "/v1/meals/batch", token: world.token, body: ["meals": meals])
            let results = try #require(answer["results"] as? [[String: Any]])
            let statusCodes = results.map { $0["status"] as? Int }
            #expect(statusCodes == [201, 422, 201, 201])
            #expect(results[1]["error"] as? String == "clock_skew")
            #expect(results[1]["field"] as? String == "occurred_at")

            let single = try await client.call(.post, "/v1/meals", token: world.token,
                                               body: mealBody(card: card, at: "9999-12-31T23:59:59Z"))
            #expect(single.status == .unprocessableContent)
            #expect(single.error == "clock_skew")
        }
        #expect(try mealCount(card: card) == 3)
    }

    @Test("a time before the programme's start is validation_failed, whatever the credential", arguments: [
        "0001-01-01T00:00:00+14:00", "0250-06-01T12:00:00+08:00", "2022-12-31T23:59:59+08:00",
    ])
    func beforeTheProgramme(occurredAt: String) async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            for credential in [nil, "military_id"] {
                let answer = try await client.call(.post, "/v1/meals", token: world.token,
                                                   body: mealBody(card: card, at: occurredAt, credential: credential))
                #expect(answer.status == .badRequest)
                #expect(answer.error == "validation_failed")
                #expect(answer.field == "occurred_at")
            }
            // The programme's first local minute is in.
            let first = try await client.call(.post, "/v1/meals", token: world.token,
                                              body: mealBody(card: card, at: "2022-12-31T16:00:00Z", credential: "military_id"))
            #expect(first.status == .created)
            #expect(first["period"] as? String == "2023-01")
        }
        #expect(try restaurantEntryCount(world.restaurant) == 1)
    }

    @Test("a refused meal creates no period: neither for its own month nor for a month the database cannot hold")
    func noPeriodFromARefusal() async throws {
        // A month no other test books into, with the clock in it.
        let world = try TestWorld.make(now: "2027-02-10T12:00:00+08:00")
        try await world.test { client in
            let unknown = try await client.call(.post, "/v1/meals", token: world.token,
                                                body: mealBody(card: "NOSUCHCARD2702", at: "2027-02-10T11:00:00+08:00"))
            #expect(unknown.error == "unknown_card")
            for occurredAt in ["0003-03-03T12:00:00+08:00", "7777-07-07T12:00:00+08:00"] {
                let answer = try await client.call(.post, "/v1/meals", token: world.token,
                                                   body: mealBody(card: "MILITARY27", at: occurredAt, credential: "military_id"))
                #expect(answer.status.code / 100 == 4)
            }
        }
        let periods = try TestDatabase.withConnection { db in
            try db.query("SELECT period FROM ledger.periods WHERE period IN ('2027-02', '0003-03', '7777-07')").map {
                try $0.onlyValue(as: String.self)
            }
        }
        #expect(periods.isEmpty)
    }

    @Test("NUL and other control characters in a void's reason or an event's note are validation_failed; line breaks are kept")
    func controlCharacters() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard(birthDate: "1930-01-01")
        try await world.test { client in
            let meal = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card))
            let mealID = try #require(meal["id"] as? String)
            for reason in ["wrong\u{0}card", "bell\u{7}", "escape\u{1B}[2J", "next\u{85}line"] {
                let answer = try await client.call(.post, "/v1/meals/\(mealID)/void", token: world.token,
                                                   body: ["id": UUID().uuidString, "reason": reason])
                #expect(answer.status == .badRequest, "\(reason.debugDescription)")
                #expect(answer.error == "validation_failed")
                #expect(answer.field == "reason")
            }
            #expect(try restaurantEntryCount(world.restaurant) == 1)

            let delivery = try await client.call(.post, "/v1/deliveries", token: world.token, body: deliveryBody(card: card))
            let deliveryID = try #require(delivery["id"] as? String)
            let dispatched: [String: Any] = ["id": UUID().uuidString, "status": "dispatched", "at": "2031-05-10T11:00:00+08:00",
                                             "note": "left\u{0}"]
            let refused = try await client.call(.post, "/v1/deliveries/\(deliveryID)/events", token: world.token, body: dispatched)
            #expect(refused.status == .badRequest)
            #expect(refused.field == "note")
            var kept = dispatched
            kept["note"] = "rang twice\nthen knocked\t(back door)"
            let accepted = try await client.call(.post, "/v1/deliveries/\(deliveryID)/events", token: world.token, body: kept)
            #expect(accepted.status == .created)
            #expect(accepted["note"] as? String == "rang twice\nthen knocked\t(back door)")
        }
    }

    @Test("a meal the database still refuses is judged alone: validation_failed, and the rest of its group is committed")
    func refusedByTheDatabase() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        let poisoned = try TestWorld.addCard()
        let trigger = "t_poison_" + poisoned.lowercased()
        // Stands for any refusal the daemon's checks did not foresee: the database rejects every meal of one card.
        try TestDatabase.withConnection { db in
            try db.execute(script: """
                CREATE FUNCTION ledger.\(trigger)() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'poisoned' USING ERRCODE = 'invalid_parameter_value'; END $$;
                CREATE TRIGGER \(trigger) BEFORE INSERT ON ledger.entries
                    FOR EACH ROW WHEN (NEW.card_no = '\(poisoned)') EXECUTE FUNCTION ledger.\(trigger)();
                """)
        }
        defer {
            _ = try? TestDatabase.withConnection { db in
                try db.execute(script: "DROP TRIGGER \(trigger) ON ledger.entries; DROP FUNCTION ledger.\(trigger)();")
            }
        }
        try await world.test { client in
            let meals = [mealBody(card: card), mealBody(card: card, gross: 2500), mealBody(card: poisoned),
                         mealBody(card: card, gross: 3000)]
            let answer = try await client.call(.post, "/v1/meals/batch", token: world.token, body: ["meals": meals])
            let results = try #require(answer["results"] as? [[String: Any]])
            let statusCodes = results.map { $0["status"] as? Int }
            #expect(statusCodes == [201, 201, 400, 201])
            #expect(results[2]["error"] as? String == "validation_failed")
            let single = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: poisoned))
            #expect(single.status == .badRequest)
            #expect(single.error == "validation_failed")
        }
        #expect(try mealCount(card: card) == 3)
        #expect(try mealCount(card: poisoned) == 0)
    }

    @Test("garbage from one terminal, posted among valid meals of another, never fails a valid meal")
    func garbageAmongValidMeals() async throws {
        let world = try TestWorld.make(dailyLimit: 1000)
        let (_, attackerToken) = try TestWorld.addRestaurant()
        let cards = try (0..<4).map { _ in try TestWorld.addCard() }
        var generator = SystemRandomNumberGenerator()
        let garbage: [String] = [
            try jsonText(mealBody(card: cards[0], at: "9999-12-31T23:59:59Z")),
            try jsonText(mealBody(card: cards[0], at: "0001-01-01T00:00:00+14:00", credential: "military_id")),
            try jsonText(mealBody(card: cards[1], at: "0250-01-01T00:00:00Z")),
            try jsonText(mealBody(card: "NOSUCHCARD99")),
            try jsonText(mealBody(card: cards[2], gross: 0)),
            try jsonText(mealBody(card: cards[2], payable: 1)),
            "{\"id\": \"not json",
            "{\"id\": \"\(UUID())\", \"card_no\": \"\(cards[3])\", \"occurred_at\": \"2031-05-10T11:30:00\\u0000+08:00\", \"gross_fen\": 100}",
        ]
        let valid = try (0..<60).map { index in try jsonText(mealBody(card: cards[index % cards.count], gross: Int64(100 + index))) }
        var posts = valid.map { (body: $0, token: world.token, valid: true) }
        for _ in 0..<60 { posts.append((garbage.randomElement(using: &generator)!, attackerToken, false)) }
        posts.shuffle(using: &generator)
        let shuffled = posts

        try await world.test { client in
            let statuses = try await withThrowingTaskGroup(of: (Bool, HTTPResponse.Status).self) { group in
                for post in shuffled {
                    group.addTask {
                        (post.valid, try await client.call(.post, "/v1/meals", token: post.token, body: post.body).status)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let validNotCreated = statuses.filter { $0.0 && $0.1 != .created }
            let garbageNotRefused = statuses.filter { !$0.0 && $0.1.code / 100 != 4 }
            #expect(validNotCreated.isEmpty)
            #expect(garbageNotRefused.isEmpty)
        }
        #expect(try restaurantEntryCount(world.restaurant) == valid.count)
    }
}
