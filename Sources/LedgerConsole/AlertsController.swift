import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// Welfare alerts: the open ones (oldest first) with contact details, last deliveries and the follow-up ladder; a
/// step recorded, an alert acknowledged; the acknowledged ones as history.
struct AlertsController: Sendable {
    let actions: StaffActions
    let time: Clock
    let clock: @Sendable () -> Date

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/alerts") { _, context in try await page(context) }
        group.post("/alerts/{id}/followups") { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            return try await actions.act(context, done: .stepRecorded, back: "/alerts") { form, db in
                guard let step = FollowUpStep(rawValue: try form.required("step")) else {
                    throw FormProblem(message: "step: not one of \(FollowUpStep.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                try ConsoleViews.recordFollowUp(alertID: id, step: step, note: try form.required("note"), on: db)
            }
        }
        group.post("/alerts/{id}/acknowledge") { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let timeZone = time.timeZone
            return try await actions.act(context, done: .alertAcknowledged, back: "/alerts") { form, db in
                try WelfareAlerts.acknowledge(id: id, note: try form.required("note"), timeZone: timeZone, on: db)
            }
        }
    }

    private func page(_ context: ConsoleRequestContext) async throws -> Response {
        let today = LocalDate.containing(clock(), in: time.timeZone)
        let (open, history, followUps) = try await StaffActions.read(context) { db in
            let open = try WelfareAlerts.open(today: today, recent: 5, on: db)
            let history = try ConsoleViews.acknowledgedAlerts(on: db)
            return (open, history, try ConsoleViews.followUps(of: open.map(\.id) + history.map(\.id), on: db))
        }
        let language = context.language
        let steps = FollowUpStep.allCases.map { ["value": $0.rawValue, "label": label($0, language)] }
        func ladder(_ id: Int64) -> [[String: Any]] {
            followUps.filter { $0.alertID == id }.map { step in
                ["step": label(step.step, language), "note": step.note, "by": step.recordedBy, "at": time.format(step.recordedAt)]
            }
        }
        let openValues: [[String: Any]] = open.map { alert in
            [
                "id": alert.id, "card": alert.cardNumber, "holder": alert.holderName, "reason": alert.reason.rawValue,
                "raisedAt": time.format(alert.raisedAt), "phone": alert.phone ?? "", "address": alert.address ?? "",
                "recent": alert.recentDeliveries.map { delivery -> [String: Any] in
                    ["day": delivery.scheduledFor.description, "restaurant": delivery.restaurantCode,
                     "meal": delivery.meal.rawValue, "status": delivery.status.rawValue,
                     "wellness": delivery.wellness?.rawValue ?? ""]
                },
                "followUps": ladder(alert.id), "steps": steps,
            ]
        }
        let historyValues: [[String: Any]] = history.map { alert in
            ["id": alert.id, "card": alert.cardNumber, "holder": alert.holderName, "reason": alert.reason.rawValue,
             "raisedAt": time.format(alert.raisedAt), "by": alert.acknowledgedBy, "at": time.format(alert.acknowledgedAt),
             "note": alert.note, "followUps": ladder(alert.id)]
        }
        return try Page.render("alerts", section: .alerts, values: [
            "open": openValues, "history": historyValues, "hasHistory": !historyValues.isEmpty,
        ], context: context)
    }

    private func label(_ step: FollowUpStep, _ language: Language) -> String {
        switch step {
        case .called: Strings.text(.stepCalled, language)
        case .emergencyContactReached: Strings.text(.stepEmergencyContactReached, language)
        case .homeVisit: Strings.text(.stepHomeVisit, language)
        case .resolved: Strings.text(.stepResolved, language)
        }
    }
}
