public import Foundation
public import LedgerCore
public import Postgres

/// One delivery of the day as the console's Today page shows it, personal data included (staff only).
public struct DayDelivery: Sendable, Equatable, PostgresRowDecodable {
    public let restaurantCode: String
    public let restaurantName: String
    public let cardNumber: String
    public let holderName: String
    public let meal: MealKind
    public let status: DeliveryStatus
    public let wellness: Wellness?

    /// From the columns code, name, card_no, holder_name, meal, status and wellness.
    public init(_ row: PostgresRow) throws {
        restaurantCode = try row.decode("code")
        restaurantName = try row.decode("name")
        cardNumber = try row.decode("card_no")
        holderName = try row.decode("holder_name")
        meal = try decodeEnum(MealKind.self, row, "meal")
        status = try decodeEnum(DeliveryStatus.self, row, "status")
        wellness = try row.decode("wellness", as: String?.self).map { try decodeEnum(Wellness.self, $0) }
    }
}

/// A step of following up a welfare alert, in the order of the ladder.
public enum FollowUpStep: String, Sendable, CaseIterable {
    case called
    case emergencyContactReached = "emergency_contact_reached"
    case homeVisit = "home_visit"
    case resolved
}

/// A follow-up step recorded for an alert: what was done, the note, who recorded it and when.
public struct FollowUp: Sendable, Equatable, PostgresRowDecodable {
    public let alertID: Int64
    public let step: FollowUpStep
    public let note: String
    public let recordedBy: String
    public let recordedAt: Date

    /// From the columns alert_id, step, note, recorded_by and recorded_at.
    public init(_ row: PostgresRow) throws {
        alertID = try row.decode("alert_id")
        step = try decodeEnum(FollowUpStep.self, row, "step")
        note = try row.decode("note")
        recordedBy = try row.decode("recorded_by")
        recordedAt = try row.decode("recorded_at")
    }
}

/// An acknowledged welfare alert, for the history.
public struct ClosedWelfareAlert: Sendable, Equatable, PostgresRowDecodable {
    public let id: Int64
    public let cardNumber: String
    public let holderName: String
    public let reason: WelfareAlertReason
    public let raisedAt: Date
    public let acknowledgedAt: Date
    public let acknowledgedBy: String
    public let note: String

    /// From the columns id, card_no, holder_name, reason, raised_at, acknowledged_at, acknowledged_by and ack_note.
    public init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        cardNumber = try row.decode("card_no")
        holderName = try row.decode("holder_name")
        reason = try decodeEnum(WelfareAlertReason.self, row, "reason")
        raisedAt = try row.decode("raised_at")
        acknowledgedAt = try row.decode("acknowledged_at")
        acknowledgedBy = try row.decode("acknowledged_by", as: String?.self) ?? "unknown"
        note = try row.decode("ack_note")
    }
}

/// A card suspended or reactivated by staff.
public struct CardStatusChange: Sendable, Equatable, PostgresRowDecodable {
    public let oldStatus: String
    public let newStatus: String
    public let reason: String
    public let changedBy: String
    public let changedAt: Date

    /// From the columns old_status, new_status, reason, changed_by and changed_at.
    public init(_ row: PostgresRow) throws {
        oldStatus = try row.decode("old_status")
        newStatus = try row.decode("new_status")
        reason = try row.decode("reason")
        changedBy = try row.decode("changed_by")
        changedAt = try row.decode("changed_at")
    }
}

/// One act of a staff member or the owner, from `ledger.staff_activity`.
public struct StaffAct: Sendable, Equatable, PostgresRowDecodable {
    public let at: Date
    public let actor: String
    public let action: String
    public let subject: String
    public let detail: String?

    /// From the columns at, actor, action, subject and detail.
    public init(_ row: PostgresRow) throws {
        at = try row.decode("at")
        actor = try row.decode("actor", as: String?.self) ?? "unknown"
        action = try row.decode("action")
        subject = try row.decode("subject")
        detail = try row.decode("detail", as: String?.self)
    }
}

/// What the staff console reads and records beyond the use cases `ledgerctl` shares (sql/0020). Each runs on the
/// signed-in member's own connection, so the rows record their login.
public enum ConsoleViews {
    /// Every restaurant's deliveries of `day`, by restaurant; within one, `not_home` and `concern` first.
    public static func deliveries(on day: LocalDate, on db: PostgresConnection) throws -> [DayDelivery] {
        try db.query("""
            SELECT r.code, r.name, d.card_no, c.holder_name, d.meal, d.status, d.wellness
            FROM ledger.deliveries d
            JOIN ledger.restaurants r ON r.id = d.restaurant_id
            JOIN ledger.cards c ON c.card_no = d.card_no
            WHERE d.scheduled_for = \(day)::date
            ORDER BY r.code, CASE d.wellness WHEN 'not_home' THEN 0 WHEN 'concern' THEN 1 ELSE 2 END,
                     d.status, d.meal, d.card_no
            """).decode(DayDelivery.self)
    }

    /// Records a follow-up step of an open alert; the row records the session's login.
    public static func recordFollowUp(alertID: Int64, step: FollowUpStep, note: String, on db: PostgresConnection) throws {
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...1000).contains(note.count) else {
            throw LedgerRefusal.invalid(.alertNote, reason: "the note must say, in 1 to 1000 characters, what was done and found")
        }
        try db.transaction { db in
            guard let open = try db.query("""
                SELECT acknowledged_at IS NULL AS open FROM ledger.welfare_alerts WHERE id = \(alertID)
                """).first?.decode("open", as: Bool.self)
            else { throw LedgerRefusal.unknownAlert(alertID) }
            guard open else {
                throw LedgerRefusal.refusedByRule("alert \(alertID) is already acknowledged: its follow-up is closed")
            }
            _ = try db.query("""
                INSERT INTO ledger.welfare_followups (alert_id, step, note) VALUES (\(alertID), \(step.rawValue), \(note))
                """)
        }
    }

    /// The follow-up steps of the given alerts, oldest first.
    public static func followUps(of alertIDs: [Int64], on db: PostgresConnection) throws -> [FollowUp] {
        try db.query("""
            SELECT alert_id, step, note, recorded_by::text AS recorded_by, recorded_at
            FROM ledger.welfare_followups WHERE alert_id = ANY(\(alertIDs)::bigint[])
            ORDER BY recorded_at, id
            """).decode(FollowUp.self)
    }

    /// The latest `limit` acknowledged alerts, newest first.
    public static func acknowledgedAlerts(limit: Int = 50, on db: PostgresConnection) throws -> [ClosedWelfareAlert] {
        try db.query("""
            SELECT a.id, a.card_no, c.holder_name, a.reason, a.raised_at, a.acknowledged_at, a.acknowledged_by, a.ack_note
            FROM ledger.welfare_alerts a JOIN ledger.cards c ON c.card_no = a.card_no
            WHERE a.acknowledged_at IS NOT NULL
            ORDER BY a.acknowledged_at DESC, a.id DESC LIMIT \(limit)
            """).decode(ClosedWelfareAlert.self)
    }

    /// Cards whose number starts with `text` or whose holder's name contains it, at most `limit`, by number.
    public static func searchCards(_ text: String, limit: Int = 50, on db: PostgresConnection) throws -> [CardRecord] {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return [] }
        let pattern = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        return try db.query("""
            SELECT card_no, category, status, birth_date::text, valid_from::text, valid_until::text,
                   holder_name, phone, address, community
            FROM ledger.cards
            WHERE card_no ILIKE \(pattern + "%") OR holder_name ILIKE \("%" + pattern + "%")
            ORDER BY card_no LIMIT \(limit)
            """).decode(CardRecord.self)
    }

    /// Suspends or reactivates a card (`ledger.set_card_status`), recording who did it and why.
    public static func setCardStatus(_ number: CardNumber, to status: CardStatus, reason: String, on db: PostgresConnection) throws {
        guard status != .revoked else {
            throw LedgerRefusal.refusedByRule("a card is revoked by the registry import, not here")
        }
        _ = try db.query("SELECT ledger.set_card_status(\(number.value), \(status.rawValue), \(reason))")
    }

    /// A card's suspensions and reactivations, newest first.
    public static func statusChanges(of number: CardNumber, on db: PostgresConnection) throws -> [CardStatusChange] {
        try db.query("""
            SELECT old_status, new_status, reason, changed_by::text AS changed_by, changed_at
            FROM ledger.card_status_changes WHERE card_no = \(number.value) ORDER BY changed_at DESC, id DESC
            """).decode(CardStatusChange.self)
    }

    /// The latest `limit` acts of staff and owner, newest first.
    public static func activity(limit: Int = 200, on db: PostgresConnection) throws -> [StaffAct] {
        try db.query("""
            SELECT at, actor, action, subject, detail FROM ledger.staff_activity ORDER BY at DESC LIMIT \(limit)
            """).decode(StaffAct.self)
    }
}
