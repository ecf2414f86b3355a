import Foundation
import Hummingbird
import LedgerStore

/// Activity: who did what, when (`ledger.staff_activity`), newest first.
struct ActivityPage: Sendable {
    let time: Clock

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/activity") { _, context in
            let acts = try await StaffActions.read(context) { db in try ConsoleViews.activity(on: db) }
            let rows: [[String: Any]] = acts.map { act in
                ["at": time.format(act.at), "actor": act.actor, "action": act.action, "subject": act.subject,
                 "detail": act.detail ?? ""]
            }
            return try Page.render("activity", section: .activity, values: ["acts": rows, "hasActs": !rows.isEmpty],
                                   context: context)
        }
    }
}
