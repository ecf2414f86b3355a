import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Logging

/// The delivery routes of the terminal API: request a free delivery, report how it went, list a day's deliveries.
struct DeliveryController {
    let ledger: Ledger

    func addRoutes(to group: RouterGroup<LedgerRequestContext>) {
        group.get("deliveries", use: list)
        group.post("deliveries", use: request)
        group.post("deliveries/:id/events", use: recordEvent)
    }

    @Sendable func request(_ request: Request, context: LedgerRequestContext) async throws -> Response {
        let terminal = try context.requireTerminal()
        let body = try await JSONBody.decode(DeliveryBody.self, from: request, limit: JSONBody.singleLimit)
        let recorded = try await ledger.requestDelivery(try body.validated(), by: terminal)
        return try JSONBody.response(DeliveryResponse(recorded.value, timeZone: ledger.settings.timeZone),
                                     status: recorded.isReplay ? .ok : .created)
    }

    /// A new welfare alert is logged at warning level with its id and the card's masked number, never the
    /// holder's name or phone.
    @Sendable func recordEvent(_ request: Request, context: LedgerRequestContext) async throws -> Response {
        let terminal = try context.requireTerminal()
        guard let deliveryID = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
            throw APIError(.notFound, "not_found", "there is no delivery with that id: the path must hold the delivery's UUID")
        }
        let body = try await JSONBody.decode(DeliveryEventBody.self, from: request, limit: JSONBody.singleLimit)
        let recorded = try await ledger.recordDeliveryEvent(try body.validated(deliveryID: deliveryID), by: terminal)
        if let alert = recorded.value.raisedAlert {
            context.logger.warning("welfare alert raised", metadata: [
                "ledger.alert_id": .stringConvertible(alert.id),
                "ledger.alert_reason": .string(alert.reason.rawValue),
                "ledger.card": .string(alert.cardNumber.masked),
                "ledger.delivery_ids": .string(alert.deliveryIDs.map { $0.uuidString.lowercased() }.joined(separator: ",")),
            ])
        }
        return try JSONBody.response(DeliveryResponse(recorded.value.delivery, timeZone: ledger.settings.timeZone),
                                     status: recorded.isReplay ? .ok : .created)
    }

    /// Generates the day's deliveries from the restaurant's standing orders first, so they are listed too; marks
    /// those whose recipient is asked to certify that day.
    @Sendable func list(_ request: Request, context: LedgerRequestContext) async throws -> Response {
        let terminal = try context.requireTerminal()
        guard let text = request.uri.queryParameters["date"] else {
            throw APIError.validation("date is required: ask for one day's deliveries as ?date=YYYY-MM-DD", field: "date")
        }
        let day = try Field.checked("date") { try LocalDate(parsing: String(text)) }
        let deliveries = try await ledger.deliveries(on: day, by: terminal)
        let due = try await ledger.certificationsDue(cards: Array(Set(deliveries.map(\.cardNumber))), on: day)
        let timeZone = ledger.settings.timeZone
        return try JSONBody.response(DeliveryListResponse(deliveries: deliveries.map {
            DeliveryListResponse.Item(delivery: DeliveryResponse($0, timeZone: timeZone), certificationDue: due[$0.cardNumber]?.description)
        }))
    }
}
