import Foundation
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import Logging
import Postgres
import TestSupport
import Testing

/// Registers a card with a last certification on `certifiedOn` (the import's eleventh column); returns its number.
func addCertifiedCard(certifiedOn: String, birthDate: String = "1940-01-01") throws -> String {
    let number = "K" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(15)
    let csv = "\(number),Test Holder,veteran,\(birthDate),13800000000,1 Test Road,Test,active,,,\(certifiedOn)\n"
    try TestDatabase.withConnection { db in _ = try Cards.upsert(try Cards.parseImport(csv), on: db) }
    return String(number)
}

/// The certifications of a card: method, day and who recorded it, oldest first.
func certifications(card: String) throws -> [String] {
    try TestDatabase.withConnection { db in
        try db.query("""
            SELECT method || ' ' || certified_on || ' ' || recorded_by AS line FROM ledger.certifications
            WHERE card_no = \(card) ORDER BY recorded_at
            """).map { try $0.onlyValue(as: String.self) }
    }
}

@Suite("survival certification through the terminal API")
struct CertificationRouteTests {
    static var homeVisit: [String: Any] { ["method": "home_visit"] }

    @Test("a delivered event certifies by home visit; its replay answers the original; the same id otherwise conflicts")
    func homeVisitReplayConflict() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let before = try await client.call(.get, "/v1/cards/\(card)", token: world.token)
            #expect(before.status == .ok)
            #expect(before.json.keys.contains("certification_due"))
            #expect(before["certification_due"] is NSNull)

            let delivery = try await client.newDelivery(world, card: card)
            #expect(try await client.event(world, delivery, eventBody("dispatched")).status == .created)
            var body = eventBody("delivered", wellness: "ok")
            body["certification"] = Self.homeVisit
            let first = try await client.event(world, delivery, body)
            #expect(first.status == .created)
            #expect(first["status"] as? String == "delivered")
            #expect(try certifications(card: card) == ["home_visit 2031-05-10 \(world.restaurant)/till-1"])

            let replay = try await client.event(world, delivery, body)
            #expect(replay.status == .ok)
            #expect(replay["updated_at"] as? String == first["updated_at"] as? String)
            body.removeValue(forKey: "certification")
            let conflict = try await client.event(world, delivery, body)
            #expect(conflict.status == .conflict)
            #expect(conflict.error == "idempotency_conflict")
            #expect(try certifications(card: card).count == 1)

            let after = try await client.call(.get, "/v1/cards/\(card)", token: world.token)
            #expect(after["certification_due"] as? String == "2032-05-10")
        }
    }

    @Test("failed, or delivered not_home, with a certification is 422 not_eligible on certification and records nothing")
    func refusals() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let delivery = try await client.newDelivery(world, card: card)
            #expect(try await client.event(world, delivery, eventBody("dispatched")).status == .created)
            for (status, wellness) in [("failed", "ok"), ("failed", "not_home"), ("delivered", "not_home")] {
                var body = eventBody(status, wellness: wellness)
                body["certification"] = Self.homeVisit
                let answer = try await client.event(world, delivery, body)
                #expect(answer.status == .unprocessableContent, "\(status) \(wellness)")
                #expect(answer.error == "not_eligible", "\(status) \(wellness)")
                #expect(answer.field == "certification", "\(status) \(wellness)")
            }
            var otherMethod = eventBody("delivered", wellness: "ok")
            otherMethod["certification"] = ["method": "in_person"]
            let refused = try await client.event(world, delivery, otherMethod)
            #expect(refused.status == .badRequest)
            #expect(refused.field == "certification")
            #expect(try eventCount(delivery: delivery) == 1)
            #expect(try certifications(card: card).isEmpty)
            // The delivery itself goes on as before.
            #expect(try await client.event(world, delivery, eventBody("delivered", wellness: "not_home")).status == .created)
            #expect(try certifications(card: card).isEmpty)
        }
    }

    @Test("the day's deliveries mark recipients asked to certify; the card check shows due dates of delivery-eligible cards")
    func dueMarks() async throws {
        let world = try TestWorld.make()
        let due = try addCertifiedCard(certifiedOn: "2030-06-01")  // due 2031-06-01; aged 91, asked from 2031-04-02
        let notYet = try addCertifiedCard(certifiedOn: "2030-09-01")  // due 2031-09-01
        let never = try TestWorld.addCard()
        let young = try addCertifiedCard(certifiedOn: "2030-06-01", birthDate: "1980-01-01")
        try await world.test { client in
            for card in [due, notYet, never] { _ = try await client.newDelivery(world, card: card) }
            let list = try await client.call(.get, "/v1/deliveries?date=2031-05-10", token: world.token)
            #expect(list.status == .ok)
            let deliveries = try #require(list["deliveries"] as? [[String: Any]])
            var marks: [String: String] = [:]
            for delivery in deliveries {
                let card = try #require(delivery["card_no"] as? String)
                #expect(delivery.keys.contains("certification_due"), "\(card)")
                marks[card] = delivery["certification_due"] as? String
            }
            #expect(marks == [due: "2031-06-01"])
            #expect(deliveries.count == 3)

            let checked = try await client.call(.get, "/v1/cards/\(notYet)", token: world.token)
            #expect(checked["certification_due"] as? String == "2031-09-01")
            let youngCheck = try await client.call(.get, "/v1/cards/\(young)", token: world.token)
            #expect(youngCheck["delivery_eligible"] as? Bool == false)
            #expect(youngCheck["certification_due"] is NSNull)
        }
    }

    @Test("the scheduler's round raises a notice for an overdue person once and counts the overdue")
    func schedulerNotices() async throws {
        let world = try TestWorld.make()
        let overdue = try addCertifiedCard(certifiedOn: "2029-01-01")  // due 2030-01-01, overdue since 2030-02-01
        let scheduler = DeliveryScheduler(ledger: world.ledger, logger: Logger(label: "test"))
        let round = try #require(await scheduler.runRound())
        #expect(round.overdueCertifications >= 1)
        _ = try #require(await scheduler.runRound())
        let notices = try TestDatabase.withConnection { db in
            try db.query("SELECT due_on::text FROM ledger.certification_notices WHERE card_no = \(overdue)").map { try $0.onlyValue(as: String.self) }
        }
        #expect(notices == ["2030-01-01"])
        await world.ledger.pool.close()
    }
}
