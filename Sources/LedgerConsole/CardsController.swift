import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// Cards: search by number or name, a card's details and status changes, suspend or reactivate it (with a reason,
/// recorded with the login that did it).
struct CardsController: Sendable {
    let actions: StaffActions
    let time: Clock

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/cards") { request, context in
            let query = request.uri.queryParameters.get("q") ?? ""
            let results = try await StaffActions.read(context) { db in try ConsoleViews.searchCards(query, on: db) }
            let rows: [[String: Any]] = results.map { record in
                ["number": record.card.number.value, "holder": record.holderName, "category": record.card.category.rawValue,
                 "status": record.card.status.rawValue]
            }
            return try Page.render("cards", section: .cards, values: [
                "query": query, "searched": !query.isEmpty, "results": rows, "hasResults": !rows.isEmpty,
            ], context: context)
        }
        group.get("/cards/{number}") { _, context in
            let number = try cardNumber(context)
            let (record, changes) = try await StaffActions.read(context) { db in
                (try Cards.find(number, on: db), try ConsoleViews.statusChanges(of: number, on: db))
            }
            guard let record else { throw HTTPError(.notFound, message: "card \(number.value) is not registered") }
            let language = context.language
            let change: [String: Any]? = switch record.card.status {
            case .active: ["to": CardStatus.suspended.rawValue, "label": Strings.text(.suspend, language)]
            case .suspended: ["to": CardStatus.active.rawValue, "label": Strings.text(.reactivate, language)]
            case .revoked: nil
            }
            let card = record.card
            return try Page.render("card", section: .cards, values: [
                "number": card.number.value, "holder": record.holderName, "category": card.category.rawValue,
                "status": card.status.rawValue, "phone": record.phone ?? "", "address": record.address ?? "",
                "community": record.community ?? "",
                "validity": "\(card.validFrom?.description ?? "…") – \(card.validUntil?.description ?? "…")",
                "change": change.map { [$0] } ?? [],
                "changes": changes.map { item -> [String: Any] in
                    ["at": time.format(item.changedAt), "by": item.changedBy, "from": item.oldStatus, "to": item.newStatus,
                     "reason": item.reason]
                },
            ], context: context)
        }
        group.post("/cards/{number}/status") { _, context in
            let number = try cardNumber(context)
            return try await actions.act(context, done: .cardChanged, back: "/cards/\(number.value)") { form, db in
                guard let status = CardStatus(rawValue: try form.required("status")) else {
                    throw FormProblem(message: "status: active or suspended")
                }
                try ConsoleViews.setCardStatus(number, to: status, reason: try form.required("reason"), on: db)
            }
        }
    }

    private func cardNumber(_ context: ConsoleRequestContext) throws -> CardNumber {
        do {
            return try CardNumber(context.parameters.require("number"))
        } catch let error as DomainError {
            throw HTTPError(.notFound, message: error.description)
        }
    }
}
