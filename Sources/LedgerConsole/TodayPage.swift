import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// Today: per restaurant the day's deliveries by state, `not_home` and `concern` first (`?day=` for another day).
struct TodayPage: Sendable {
    let time: Clock
    let clock: @Sendable () -> Date

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/") { request, context in
            let day: LocalDate
            do {
                day = try request.uri.queryParameters.get("day").map(LocalDate.init(parsing:))
                    ?? LocalDate.containing(clock(), in: time.timeZone)
            } catch {
                throw HTTPError(.badRequest, message: "\(error): give the day as YYYY-MM-DD")
            }
            let deliveries = try await StaffActions.read(context) { db in try ConsoleViews.deliveries(on: day, on: db) }
            var restaurants: [[String: Any]] = []
            for delivery in deliveries {
                let row: [String: Any] = [
                    "card": delivery.cardNumber, "holder": delivery.holderName, "meal": delivery.meal.rawValue,
                    "status": delivery.status.rawValue, "wellness": delivery.wellness?.rawValue ?? "",
                    "flagged": delivery.wellness == .notHome || delivery.wellness == .concern,
                ]
                if restaurants.last?["code"] as? String == delivery.restaurantCode {
                    restaurants[restaurants.count - 1]["deliveries"] = (restaurants[restaurants.count - 1]["deliveries"] as? [[String: Any]] ?? []) + [row]
                } else {
                    restaurants.append(["code": delivery.restaurantCode, "name": delivery.restaurantName, "deliveries": [row]])
                }
            }
            return try Page.render("today", section: .today, values: ["day": day.description, "restaurants": restaurants],
                                   context: context)
        }
    }
}
