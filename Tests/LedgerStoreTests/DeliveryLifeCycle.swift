import Foundation
import Postgres

/// Moves a delivery stored as `requested` along its life cycle to `status`, one step at a time as terminals' events
/// would: the database refuses a delivery stored in any other status, and any other move (sql/0014).
func advanceDelivery(_ id: UUID, to status: String, wellness: String?, on db: PostgresConnection) throws {
    let steps: [String] = switch status {
    case "requested": []
    case "dispatched", "cancelled": [status]
    default: ["dispatched", status]
    }
    for step in steps {
        _ = try db.query("UPDATE ledger.deliveries SET status = \(step), wellness = \(step == status ? wellness : nil) WHERE id = \(id)")
    }
}
