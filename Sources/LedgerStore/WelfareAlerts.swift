public import Foundation
public import LedgerCore
public import Postgres

/// Why a welfare alert was raised (business rule 6).
public enum WelfareAlertReason: String, Sendable, Hashable, CaseIterable {
    /// The latest observation was `concern`.
    case concern
    /// The two latest observations were both `not_home`.
    case notHomeTwice = "not_home_twice"
}

/// A welfare alert just raised by a delivery event: what the daemon logs. The card number is kept for its masked
/// form; the holder's name and phone are not here at all.
public struct RaisedWelfareAlert: Sendable, Equatable {
    public let id: Int64
    public let cardNumber: CardNumber
    public let reason: WelfareAlertReason
    /// The deliveries whose observations raised it, oldest first.
    public let deliveryIDs: [UUID]
}

/// An open welfare alert as bureau staff follow it up: personal data included.
public struct WelfareAlert: Sendable, Equatable {
    public let id: Int64
    public let cardNumber: String
    public let holderName: String
    public let phone: String?
    public let address: String?
    public let reason: WelfareAlertReason
    public let deliveryIDs: [UUID]
    public let raisedAt: Date
    /// The person's latest deliveries up to the day asked about, newest first.
    public let recentDeliveries: [RecentDelivery]
}

/// One of a person's recent deliveries, as shown with an alert.
public struct RecentDelivery: Sendable, Equatable {
    public let scheduledFor: LocalDate
    public let restaurantCode: String
    public let meal: MealKind
    public let status: DeliveryStatus
    public let wellness: Wellness?
}

/// Welfare alerts: raised by the daemon after delivery events, followed up and acknowledged by bureau staff.
public enum WelfareAlerts {
    /// Judges a person's latest wellness observations, across all their deliveries in the order of the events'
    /// times, after the event `eventID` recorded one; raises an alert when `WelfareRule` calls for one, the event
    /// is among the observations that call for it, and the person has no open alert. Runs in the caller's
    /// transaction, under a per-person lock so that two deliveries' events are judged one after the other.
    static func judge(card: CardNumber, after eventID: UUID, on db: PostgresConnection) throws -> RaisedWelfareAlert? {
        _ = try db.query("SELECT pg_advisory_xact_lock(hashtextextended(\("ledger.welfare:" + card.value), 0))")
        let latest = try db.query("""
            SELECT e.id, e.delivery_id, e.wellness
            FROM ledger.delivery_events e JOIN ledger.deliveries d ON d.id = e.delivery_id
            WHERE d.card_no = \(card.value) AND e.wellness IS NOT NULL
            ORDER BY e.at DESC, e.recorded_at DESC
            LIMIT 2
            """).decode(Observation.self).reversed()
        guard WelfareRule.shouldRaiseAlert(recentObservations: latest.map(\.wellness)), let last = latest.last else {
            return nil
        }
        let (reason, involved) = last.wellness == .concern
            ? (WelfareAlertReason.concern, [last]) : (WelfareAlertReason.notHomeTwice, Array(latest))
        // An event reported late, behind newer observations, does not raise again what those already raised.
        guard involved.contains(where: { $0.event == eventID }) else { return nil }
        let deliveryIDs = involved.map(\.delivery)
        return try db.query("""
            INSERT INTO ledger.welfare_alerts (card_no, reason, delivery_ids)
            VALUES (\(card.value), \(reason.rawValue), \(deliveryIDs)::uuid[])
            ON CONFLICT (card_no) WHERE acknowledged_at IS NULL DO NOTHING
            RETURNING id
            """).first.map { row in
            RaisedWelfareAlert(id: try row.decode("id", as: Int64.self), cardNumber: card, reason: reason, deliveryIDs: deliveryIDs)
        }
    }

    /// How many alerts wait for acknowledgement.
    public static func openCount(on db: PostgresConnection) throws -> Int {
        try db.query("SELECT count(*) FROM ledger.welfare_alerts WHERE acknowledged_at IS NULL").single().decode("count", as: Int.self)
    }

    /// Every open alert, oldest first, with the person's name, phone and address and their last `recent` deliveries:
    /// those scheduled up to `today` or already moved on, newest first (planned ones of later days are left out).
    public static func open(today: LocalDate, recent: Int = 3, on db: PostgresConnection) throws -> [WelfareAlert] {
        let rows = try db.query("""
            SELECT a.id, a.card_no, c.holder_name, c.phone, c.address, a.reason, a.delivery_ids, a.raised_at,
                   l.scheduled_for, l.code, l.meal, l.status, l.wellness
            FROM ledger.welfare_alerts a
            JOIN ledger.cards c ON c.card_no = a.card_no
            LEFT JOIN LATERAL (
                SELECT d.scheduled_for, r.code, d.meal, d.status, d.wellness, d.updated_at
                FROM ledger.deliveries d JOIN ledger.restaurants r ON r.id = d.restaurant_id
                WHERE d.card_no = a.card_no AND (d.scheduled_for <= \(today)::date OR d.status <> 'requested')
                ORDER BY d.scheduled_for DESC, d.updated_at DESC
                LIMIT \(recent)
            ) l ON true
            WHERE a.acknowledged_at IS NULL
            ORDER BY a.raised_at, a.id, l.scheduled_for DESC, l.updated_at DESC
            """)
        var alerts: [WelfareAlert] = []
        for row in rows {
            let recent = try RecentDelivery(row).map { [$0] } ?? []
            let id = try row.decode("id", as: Int64.self)
            if let last = alerts.last, last.id == id {
                alerts[alerts.count - 1] = WelfareAlert(
                    id: last.id, cardNumber: last.cardNumber, holderName: last.holderName, phone: last.phone,
                    address: last.address, reason: last.reason, deliveryIDs: last.deliveryIDs, raisedAt: last.raisedAt,
                    recentDeliveries: last.recentDeliveries + recent)
            } else {
                alerts.append(WelfareAlert(
                    id: id, cardNumber: try row.decode("card_no", as: String.self),
                    holderName: try row.decode("holder_name", as: String.self),
                    phone: try row.decode("phone", as: String?.self), address: try row.decode("address", as: String?.self),
                    reason: try decodeEnum(WelfareAlertReason.self, row, "reason"),
                    deliveryIDs: try row.decode("delivery_ids", as: [UUID].self),
                    raisedAt: try row.decode("raised_at", as: Date.self), recentDeliveries: recent))
            }
        }
        return alerts
    }

    /// Closes an open alert: records when, by which database user, and what was done. An alert already
    /// acknowledged is refused with `already_exists` and stays as it was; its time is told in `timeZone`.
    public static func acknowledge(id: Int64, note: String, timeZone: TimeZone, on db: PostgresConnection) throws {
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...1000).contains(note.count) else {
            throw LedgerRefusal.invalid(.alertNote, reason: "the note must say, in 1 to 1000 characters, what was done about the alert (who called or visited, what they found)")
        }
        let updated = try db.query("""
            UPDATE ledger.welfare_alerts
            SET acknowledged_at = now(), acknowledged_by = current_user, ack_note = \(note)
            WHERE id = \(id) AND acknowledged_at IS NULL
            """).affectedRows
        guard updated == 0 else { return }
        guard let row = try db.query("""
            SELECT acknowledged_at, acknowledged_by, ack_note FROM ledger.welfare_alerts WHERE id = \(id)
            """).first
        else {
            throw LedgerRefusal.unknownAlert(id)
        }
        let when = try row.decode("acknowledged_at", as: Date.self)
        let who = try row.decode("acknowledged_by", as: String?.self) ?? "unknown"
        throw LedgerRefusal.alertAcknowledged(id, at: RFC3339.format(when, in: timeZone), by: who, note: try row.decode("ack_note", as: String.self))
    }
}

/// A wellness observation of a person: the event, its delivery and what was observed.
private struct Observation: PostgresRowDecodable {
    let event: UUID
    let delivery: UUID
    let wellness: Wellness

    init(_ row: PostgresRow) throws {
        event = try row.decode("id", as: UUID.self)
        delivery = try row.decode("delivery_id", as: UUID.self)
        wellness = try decodeEnum(Wellness.self, row, "wellness")
    }
}

extension RecentDelivery {
    /// From the columns scheduled_for, code (the restaurant's), meal, status and wellness; nil when scheduled_for is
    /// NULL (an alert without deliveries to show).
    init?(_ row: PostgresRow) throws {
        guard let day = try row.decode("scheduled_for", as: LocalDate?.self) else { return nil }
        self.init(
            scheduledFor: day, restaurantCode: try row.decode("code", as: String.self),
            meal: try decodeEnum(MealKind.self, row, "meal"), status: try decodeEnum(DeliveryStatus.self, row, "status"),
            wellness: try row.decode("wellness", as: String?.self).map { try decodeEnum(Wellness.self, $0) })
    }
}
