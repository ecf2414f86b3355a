import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// Standing orders: list, add, pause, resume and end, through the store functions `ledgerctl standing-orders` uses.
struct StandingOrdersController: Sendable {
    let actions: StaffActions
    let minimumAge: Int

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/standing-orders") { _, context in
            let orders = try await StaffActions.read(context) { db in try StandingOrders.list(on: db) }
            let rows: [[String: Any]] = orders.map { order in
                ["id": order.id, "card": order.cardNumber, "restaurant": order.restaurantCode,
                 "weekdays": order.weekdays.map(String.init).joined(separator: ","), "meal": order.meal.rawValue,
                 "startsOn": order.startsOn.description, "endsOn": order.endsOn?.description ?? "",
                 "paused": order.pausedFrom.map { "\($0) – \(order.pausedUntil?.description ?? "")" } ?? ""]
            }
            return try Page.render("standingOrders", section: .standingOrders, values: [
                "orders": rows, "hasOrders": !rows.isEmpty, "meals": MealKind.allCases.map(\.rawValue),
            ], context: context)
        }
        let minimumAge = self.minimumAge
        group.post("/standing-orders") { _, context in
            try await actions.act(context, done: .orderAdded, back: "/standing-orders") { form, db in
                guard let meal = MealKind(rawValue: try form.required("meal")) else {
                    throw FormProblem(message: "meal: one of \(MealKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let order = try NewStandingOrder(
                    cardNumber: CardNumber(try form.required("card")), restaurantCode: try form.required("restaurant"),
                    weekdays: StandingOrders.parseWeekdays(try form.required("weekdays")), meal: meal,
                    startsOn: try form.date("from"), endsOn: try form.optional("until").map(LocalDate.init(parsing:)))
                _ = try StandingOrders.add(order, minimumAge: minimumAge, on: db)
            }
        }
        group.post("/standing-orders/{id}/pause") { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            return try await actions.act(context, done: .orderChanged, back: "/standing-orders") { form, db in
                _ = try StandingOrders.pause(id, from: try form.date("from"), until: try form.date("until"), on: db)
            }
        }
        group.post("/standing-orders/{id}/resume") { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            return try await actions.act(context, done: .orderChanged, back: "/standing-orders") { _, db in
                _ = try StandingOrders.resume(id, on: db)
            }
        }
        group.post("/standing-orders/{id}/end") { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            return try await actions.act(context, done: .orderChanged, back: "/standing-orders") { form, db in
                _ = try StandingOrders.end(id, on: try form.date("on"), on: db)
            }
        }
    }
}
