import Foundation
import HummingbirdTesting
import TestSupport
import Testing

@Suite("POST /v1/meals")
struct MealRouteTests {
    @Test("payable and discount are exact at rounding edges", arguments: [
        // (rate, gross, payable): payable = (gross * rate + 5000) / 10000, worked out by hand.
        (Int32(8500), Int64(1), Int64(1)), (8500, 3, 3), (8500, 10, 9), (8500, 99, 84), (8500, 30, 26),
        (8000, 1, 1), (8000, 3, 2), (8000, 99, 79), (8000, 1_000_000, 800_000),
        (7500, 1, 1), (7500, 2, 2), (7500, 6, 5), (7500, 99, 74), (7500, 1_000_000, 750_000),
    ])
    func exactAmounts(rate: Int32, gross: Int64, payable: Int64) async throws {
        let world = try TestWorld.make(rate: rate)
        let card = try TestWorld.addCard()
        try await world.test { client in
            let answer = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, gross: gross))
            #expect(answer.status == .created)
            #expect(answer["payable_fen"] as? Int64 == payable)
            #expect(answer["discount_fen"] as? Int64 == gross - payable)
            #expect(answer["rate_bp"] as? Int32 == rate)
            #expect(answer["gross_fen"] as? Int64 == gross)
        }
    }

    @Test("a meal is answered with every field of the contract")
    func answerShape() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let id = UUID().uuidString.lowercased()
            let answer = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, gross: 2000, id: id))
            #expect(answer.status == .created)
            #expect(Set(answer.json.keys) == ["id", "restaurant", "card_no", "credential", "occurred_at", "gross_fen", "rate_bp",
                                              "payable_fen", "discount_fen", "period", "late"])
            #expect(answer["id"] as? String == id)
            #expect(answer["restaurant"] as? String == world.restaurant)
            #expect(answer["card_no"] as? String == card)
            #expect(answer["credential"] as? String == "preferential_card")
            #expect(answer["occurred_at"] as? String == "2031-05-10T11:30:00+08:00")
            #expect(answer["period"] as? String == "2031-05")
            #expect(answer["late"] as? Bool == false)
        }
    }

    @Test("a replay answers 200 with the original meal; other content with the same id is a conflict")
    func replayAndConflict() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let body = mealBody(card: card, gross: 1234)
            let first = try await client.call(.post, "/v1/meals", token: world.token, body: body)
            #expect(first.status == .created)
            let again = try await client.call(.post, "/v1/meals", token: world.token, body: body)
            #expect(again.status == .ok)
            #expect(NSDictionary(dictionary: again.json) == NSDictionary(dictionary: first.json))

            var changed = body
            changed["gross_fen"] = 1235
            let conflict = try await client.call(.post, "/v1/meals", token: world.token, body: changed)
            #expect(conflict.status == .conflict)
            #expect(conflict.error == "idempotency_conflict")
            #expect(try mealCount(card: card) == 1)
        }
    }

    @Test("20 concurrent posts of one id give one entry")
    func concurrentReplays() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let body = try jsonText(mealBody(card: card))
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask { Int(try await client.call(.post, "/v1/meals", token: world.token, body: body).status.code) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            let created = statuses.filter { $0 == 201 }.count
            let replayed = statuses.filter { $0 == 200 }.count
            #expect(created == 1)
            #expect(replayed == 19)
            #expect(try mealCount(card: card) == 1)
        }
    }

    @Test("meals posted at once are committed together, each answered only once stored")
    func groupCommit() async throws {
        let world = try TestWorld.make()
        let cards = try (0..<40).map { _ in try TestWorld.addCard() }
        try await world.test { client in
            let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for card in cards {
                    group.addTask {
                        let answer = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card))
                        return (Int(answer.status.code), answer["id"] as? String)
                    }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            let notCreated = answers.filter { $0.0 != 201 }
            #expect(notCreated.isEmpty)
            let ids = answers.compactMap { $0.1 }
            let (stored, transactions) = try TestDatabase.withConnection { db in
                let row = try db.query("""
                    SELECT count(*) AS stored, count(DISTINCT xmin::text) AS transactions FROM ledger.entries WHERE id = ANY(\(ids)::uuid[])
                    """).single()
                return (try row.decode("stored", as: Int.self), try row.decode("transactions", as: Int.self))
            }
            #expect(stored == 40)
            #expect(transactions < 40, "40 meals posted at once were written in \(transactions) transactions")
        }
    }

    @Test("the daily limit holds under concurrent posts of different meals")
    func concurrentDailyLimit() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 {
                    group.addTask { Int(try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card)).status.code) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            let created = statuses.filter { $0 == 201 }.count
            let refused = statuses.filter { $0 == 422 }.count
            #expect(created == 3)
            #expect(refused == 7)
            #expect(try mealCount(card: card) == 3)
        }
    }

    @Test("the fourth meal of a local day is refused; one just after local midnight is accepted; a voided meal frees its place")
    func dailyLimitByLocalDay() async throws {
        let world = try TestWorld.make(now: "2031-05-11T08:00:00+08:00")
        let card = try TestWorld.addCard()
        try await world.test { client in
            var ids: [String] = []
            for time in ["2031-05-10T08:00:00+08:00", "2031-05-10T12:00:00+08:00", "2031-05-10T23:59:59+08:00"] {
                let answer = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, at: time))
                #expect(answer.status == .created)
                ids.append(answer["id"] as? String ?? "")
            }
            // 2031-05-10T16:00Z is 00:00 on the 11th in Shanghai, a new local day, although still the 10th in UTC.
            let fourth = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, at: "2031-05-10T15:59:00Z"))
            #expect(fourth.status == .unprocessableContent)
            #expect(fourth.error == "daily_limit_reached")
            let afterMidnight = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, at: "2031-05-10T16:00:00Z"))
            #expect(afterMidnight.status == .created)

            let void = try await client.call(.post, "/v1/meals/\(ids[0])/void", token: world.token,
                                             body: ["id": UUID().uuidString, "reason": "rang up twice"])
            #expect(void.status == .created)
            let again = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, at: "2031-05-10T20:00:00+08:00"))
            #expect(again.status == .created)
        }
    }

    @Test("a meal at 23:30+08:00 on the last day of a month lands in that month")
    func lastEveningOfMonth() async throws {
        let world = try TestWorld.make(now: "2031-06-01T09:00:00+08:00")
        let card = try TestWorld.addCard()
        try await world.test { client in
            let answer = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, at: "2031-05-31T23:30:00+08:00"))
            #expect(answer.status == .created)
            #expect(answer["period"] as? String == "2031-05")
            let sameInstantUTC = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, at: "2031-05-31T15:30:00Z"))
            #expect(sameInstantUTC["period"] as? String == "2031-05")
            let nextMonth = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, at: "2031-05-31T16:00:00Z"))
            #expect(nextMonth["period"] as? String == "2031-06")
        }
    }

    @Test("a military ID needs no registry entry and is recorded as such")
    func militaryID() async throws {
        let world = try TestWorld.make()
        let militaryID = "JUN" + UUID().uuidString.prefix(8)
        try await world.test { client in
            let answer = try await client.call(.post, "/v1/meals", token: world.token,
                                               body: mealBody(card: militaryID, credential: "military_id"))
            #expect(answer.status == .created)
            #expect(answer["credential"] as? String == "military_id")
            let unknown = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: militaryID))
            #expect(unknown.status == .notFound)
            #expect(unknown.error == "unknown_card")
        }
    }

    @Test("card refusals: inactive, expired, not yet valid, unknown")
    func cardRefusals() async throws {
        let world = try TestWorld.make()
        let suspended = try TestWorld.addCard(status: "suspended")
        let revoked = try TestWorld.addCard(status: "revoked")
        let expired = try TestWorld.addCard(validUntil: "2031-05-09")
        let lastDay = try TestWorld.addCard(validUntil: "2031-05-10")
        let future = try TestWorld.addCard(validFrom: "2031-05-11")
        try await world.test { client in
            for (card, code) in [(suspended, "card_inactive"), (revoked, "card_inactive"), (expired, "card_expired"),
                                 (future, "card_inactive")] {
                let answer = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card))
                #expect(answer.status == .unprocessableContent)
                #expect(answer.error == code)
                #expect(try mealCount(card: card) == 0)
            }
            let valid = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: lastDay))
            #expect(valid.status == .created)
            let unknown = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: "NOSUCH123"))
            #expect(unknown.status == .notFound)
            #expect(unknown.error == "unknown_card")
        }
    }

    @Test("a terminal's payable must match the server's")
    func payableMismatch() async throws {
        let world = try TestWorld.make(rate: 8000)
        let card = try TestWorld.addCard()
        try await world.test { client in
            let wrong = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, gross: 99, payable: 80))
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.error == "payable_mismatch")
            let right = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, gross: 99, payable: 79))
            #expect(right.status == .created)
            #expect(try mealCount(card: card) == 1)
        }
    }

    @Test("a clock more than 5 minutes ahead is refused")
    func clockSkew() async throws {
        let world = try TestWorld.make(now: "2031-05-10T12:00:00+08:00")
        let card = try TestWorld.addCard()
        try await world.test { client in
            let ahead = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, at: "2031-05-10T12:05:01+08:00"))
            #expect(ahead.status == .unprocessableContent)
            #expect(ahead.error == "clock_skew")
            let justInside = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card, at: "2031-05-10T12:05:00+08:00"))
            #expect(justInside.status == .created)
        }
    }

    @Test("bad bodies get a clear 400 and change nothing", arguments: [
        ("{not json", "invalid_json", nil),
        ("", "invalid_json", nil),
        ("[1,2]", "validation_failed", nil),
        (#"{"id":"x","card_no":"CARD0001","occurred_at":"2031-05-10T11:00:00+08:00","gross_fen":100}"#, "validation_failed", "id"),
        (#"{"id":"6f1c1e84-2d39-4bd5-9a57-1b2b0f6a1c11","card_no":"CARD0001","occurred_at":"2031-05-10T11:00:00+08:00","gross_fen":"100"}"#, "validation_failed", "gross_fen"),
        (#"{"id":"6f1c1e84-2d39-4bd5-9a57-1b2b0f6a1c12","card_no":"CARD0001","occurred_at":"2031-05-10T11:00:00+08:00","gross_fen":1.5}"#, "validation_failed", "gross_fen"),
        (#"{"id":"6f1c1e84-2d39-4bd5-9a57-1b2b0f6a1c13","card_no":"CARD0001","occurred_at":"2031-05-10T11:00:00","gross_fen":100}"#, "validation_failed", "occurred_at"),
        (#"{"id":"6f1c1e84-2d39-4bd5-9a57-1b2b0f6a1c14","card_no":"CARD 01","occurred_at":"2031-05-10T11:00:00+08:00","gross_fen":100}"#, "validation_failed", "card_no"),
        (#"{"id":"6f1c1e84-2d39-4bd5-9a57-1b2b0f6a1c15","card_no":"CARD0001","occurred_at":"2031-05-10T11:00:00+08:00","gross_fen":0}"#, "validation_failed", "gross_fen"),
        (#"{"id":"6f1c1e84-2d39-4bd5-9a57-1b2b0f6a1c16","card_no":"CARD0001","occurred_at":"2031-05-10T11:00:00+08:00","gross_fen":1000001}"#, "validation_failed", "gross_fen"),
        (#"{"id":"6f1c1e84-2d39-4bd5-9a57-1b2b0f6a1c17","card_no":"CARD0001","occurred_at":"2031-05-10T11:00:00+08:00"}"#, "validation_failed", "gross_fen"),
        (#"{"id":"6f1c1e84-2d39-4bd5-9a57-1b2b0f6a1c18","card_no":"CARD0001","credential":"passport","occurred_at":"2031-05-10T11:00:00+08:00","gross_fen":100}"#, "validation_failed", "credential"),
    ] as [(String, String, String?)])
    func badBodies(body: String, code: String, field: String?) async throws {
        let world = try TestWorld.make()
        try await world.test { client in
            let answer = try await client.call(.post, "/v1/meals", token: world.token, body: body)
            #expect(answer.status == .badRequest)
            #expect(answer.error == code)
            #expect(answer.field == field)
            #expect((answer["message"] as? String)?.isEmpty == false)
            #expect(try restaurantEntryCount(world.restaurant) == 0)
        }
    }

    @Test("a body over 16 KiB is refused with 413")
    func hugeBody() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            var body = mealBody(card: card)
            body["padding"] = String(repeating: "x", count: 17 * 1024)
            let answer = try await client.call(.post, "/v1/meals", token: world.token, body: body)
            #expect(answer.status == .contentTooLarge)
            #expect(answer.error == "payload_too_large")
            #expect(try mealCount(card: card) == 0)
        }
    }
}
