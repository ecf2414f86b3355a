public import Foundation
public import LedgerCore
public import Postgres

/// A terminal's request for a free delivery, checked for shape but not yet against the ledger.
public struct DeliveryRequest: Sendable, Equatable {
    public let id: UUID
    public let cardNumber: CardNumber
    public let scheduledFor: LocalDate
    public let meal: MealKind
    /// The meal entry of this restaurant that the delivery carries, if the terminal says.
    public let mealID: UUID?

    public init(id: UUID, cardNumber: CardNumber, scheduledFor: LocalDate, meal: MealKind, mealID: UUID?) {
        self.id = id
        self.cardNumber = cardNumber
        self.scheduledFor = scheduledFor
        self.meal = meal
        self.mealID = mealID
    }

    /// What makes two requests with one id the same request: everything the terminal sent, and its restaurant.
    func fingerprint(restaurantID: Int64) -> String {
        ["delivery", String(restaurantID), cardNumber.value, scheduledFor.description, meal.rawValue,
         mealID?.uuidString.lowercased() ?? "-"].joined(separator: "\n")
    }
}

/// A terminal's report that a delivery moved on: dispatched, delivered, failed or cancelled.
public struct DeliveryEventRequest: Sendable, Equatable {
    /// The event's own id, chosen by the terminal.
    public let id: UUID
    public let deliveryID: UUID
    public let status: DeliveryStatus
    /// When it happened, by the terminal's clock.
    public let at: Date
    /// What the delivery person observed; required with `delivered` and `failed`, refused otherwise.
    public let wellness: Wellness?
    public let note: String?
    /// A survival certification the event carries (`home_visit`: the courier saw the holder in person).
    public let certification: CertificationMethod?

    public init(id: UUID, deliveryID: UUID, status: DeliveryStatus, at: Date, wellness: Wellness?, note: String?,
                certification: CertificationMethod? = nil) {
        self.id = id
        self.deliveryID = deliveryID
        self.status = status
        self.at = at
        self.wellness = wellness
        self.note = note
        self.certification = certification
    }

    /// An event without certification keeps the fingerprint it had before certifications existed, so that its
    /// replays still match.
    func fingerprint(restaurantID: Int64) -> String {
        (["delivery_event", String(restaurantID), deliveryID.uuidString.lowercased(), status.rawValue,
          String(at.microsecondsSince1970), wellness?.rawValue ?? "-", note ?? "-"]
         + (certification.map { ["certification", $0.rawValue] } ?? [])).joined(separator: "\n")
    }
}

/// A free delivery as the ledger holds it, at one point of its life cycle.
public struct Delivery: Sendable, Equatable {
    public let id: UUID
    public let restaurantCode: String
    public let cardNumber: String
    public let scheduledFor: LocalDate
    public let meal: MealKind
    /// The meal entry it carries, when the terminal named one.
    public let mealID: UUID?
    public let status: DeliveryStatus
    public let wellness: Wellness?
    /// The latest note given with an event.
    public let note: String?
    /// The standing order it was generated from; nil for a delivery a terminal requested.
    public let standingOrderID: Int64?
    public let updatedAt: Date
}

/// What recording a delivery event did: the delivery as it stood after the event and, when the event's wellness
/// observation called for one, the welfare alert it raised. A replay raises nothing.
public struct DeliveryEventOutcome: Sendable, Equatable {
    public let delivery: Delivery
    public let raisedAlert: RaisedWelfareAlert?
}

/// A delivery's monthly figures for one restaurant (or for all, as a total): what the subsidy and the
/// reconciliation count.
public struct DeliveryFigures: Sendable, Equatable {
    /// The restaurant's code; nil on the total line.
    public let restaurantCode: String?
    /// Every delivery scheduled in the period, whatever its status.
    public let requested: Int64
    public let delivered: Int64
    public let failed: Int64
    public let cancelled: Int64
    /// Distinct people (cards) delivered to or meant to be.
    public let recipients: Int64
}

/// Free deliveries: business rule 6 of docs/rules.md, applied inside one transaction each.
public enum Deliveries {
    static func request(
        _ request: DeliveryRequest, by terminal: TerminalIdentity, settings: LedgerSettings, on db: PostgresConnection
    ) throws -> Recorded<Delivery> {
        guard request.scheduledFor >= settings.booking.programmeStart else {
            throw LedgerRefusal.invalid(.scheduledFor, reason: "scheduled_for is before the programme started on \(settings.booking.programmeStart): check the date")
        }
        let fingerprint = request.fingerprint(restaurantID: terminal.restaurantID)
        let context = try db.query("""
            SELECT d.restaurant_id AS existing_restaurant_id, coalesce(d.request_sha256 = \(sha256: fingerprint), false) AS existing_matches,
                   c.card_no IS NOT NULL AS card_found, c.category, c.status, c.birth_date::text, c.valid_from::text,
                   c.valid_until::text, m.id IS NOT NULL AS meal_found
            FROM (SELECT 1) AS one
            LEFT JOIN ledger.deliveries d ON d.id = \(request.id)
            LEFT JOIN ledger.cards c ON c.card_no = \(request.cardNumber.value)
            LEFT JOIN ledger.entries m ON m.id = \(request.mealID) AND m.kind = 'meal' AND m.restaurant_id = \(terminal.restaurantID)
            """).single(DeliveryRequestContext.self)
        if let existing = context.existingRestaurantID {
            guard existing == terminal.restaurantID else { throw LedgerRefusal.idTakenElsewhere(request.id) }
            guard context.existingMatches else { throw LedgerRefusal.idReused(request.id) }
            return .replayed(try fetch(request.id, as: .created, on: db))
        }

        guard let card = context.card?.card(request.cardNumber) else {
            throw LedgerRefusal.unknownCard(request.cardNumber)
        }
        if case .ineligible(let reason) = Eligibility.delivery(card: card, on: request.scheduledFor, minimumAge: settings.deliveryMinimumAge) {
            throw LedgerRefusal.noFreeDelivery(reason, on: request.scheduledFor)
        }
        if let mealID = request.mealID, !context.mealFound {
            throw LedgerRefusal.unknownMealOfDelivery(mealID)
        }

        let inserted = try db.query("""
            INSERT INTO ledger.deliveries (id, restaurant_id, terminal_id, card_no, scheduled_for, meal, meal_entry_id,
                                           request_sha256, created_at, updated_at)
            SELECT \(request.id), \(terminal.restaurantID), \(terminal.terminalID), \(request.cardNumber.value),
                   \(request.scheduledFor)::date, \(request.meal.rawValue), \(request.mealID)::uuid, \(sha256: fingerprint),
                   now.t, now.t
            FROM (SELECT clock_timestamp() AS t) AS now
            ON CONFLICT (id) DO NOTHING
            """).affectedRows
        guard inserted == 1 else {
            // Another request with this id committed while this one was judged: the same rules as a replay.
            throw RaceLost()
        }
        return .created(try fetch(request.id, as: .created, on: db))
    }

    static func recordEvent(
        _ request: DeliveryEventRequest, by terminal: TerminalIdentity, settings: LedgerSettings, now: Date,
        on db: PostgresConnection
    ) throws -> Recorded<DeliveryEventOutcome> {
        // The same window of time as a meal's occurred_at: alerts are judged on the order of events in time.
        try settings.checkTime(request.at, .eventTime, now: now)
        let fingerprint = request.fingerprint(restaurantID: terminal.restaurantID)

        // Events of one delivery are judged one after the other: the row lock is held until commit. The lookup of
        // the event id is a statement of its own, so that it sees what a request that held the lock before committed.
        guard let locked = try db.query("""
            SELECT status, card_no FROM ledger.deliveries
            WHERE id = \(request.deliveryID) AND restaurant_id = \(terminal.restaurantID)
            FOR UPDATE
            """).first(LockedDelivery.self)
        else {
            throw LedgerRefusal.unknownDelivery(request.deliveryID)
        }
        if let existing = try db.query("""
            SELECT e.delivery_id, e.request_sha256 = \(sha256: fingerprint) AS matches, d.restaurant_id
            FROM ledger.delivery_events e JOIN ledger.deliveries d ON d.id = e.delivery_id WHERE e.id = \(request.id)
            """).first(ExistingDeliveryEvent.self) {
            guard existing.restaurantID == terminal.restaurantID else { throw LedgerRefusal.idTakenElsewhere(request.id) }
            guard existing.deliveryID == request.deliveryID, existing.matches else {
                throw LedgerRefusal.idReused(request.id)
            }
            return .replayed(DeliveryEventOutcome(delivery: try fetch(request.deliveryID, as: .afterEvent(request.id), on: db),
                                                  raisedAlert: nil))
        }

        if request.certification != nil,
           !CertificationPolicy.homeVisitAllowed(status: request.status, wellness: request.wellness) {
            throw LedgerRefusal.noHomeVisit(status: request.status, wellness: request.wellness)
        }
        let current = locked.status
        do {
            _ = try DeliveryTransition.apply(from: current, to: request.status, wellness: request.wellness)
        } catch DomainError.invalidTransition(let from, let to) {
            throw LedgerRefusal.invalidTransition(delivery: request.deliveryID, from: from, to: to)
        } catch let error as DomainError {
            throw LedgerRefusal.invalid(.wellness, reason: error.description)
        }

        let updated = try db.query("""
            WITH event AS (
                INSERT INTO ledger.delivery_events (id, delivery_id, terminal_id, from_status, to_status, at, wellness, note,
                                                    request_sha256)
                VALUES (\(request.id), \(request.deliveryID), \(terminal.terminalID), \(current.rawValue),
                        \(request.status.rawValue), \(request.at), \(request.wellness?.rawValue), \(request.note),
                        \(sha256: fingerprint))
                ON CONFLICT (id) DO NOTHING
                RETURNING delivery_id, to_status, wellness, note, recorded_at
            )
            UPDATE ledger.deliveries d
            SET status = event.to_status, wellness = event.wellness, note = coalesce(event.note, d.note),
                updated_at = event.recorded_at
            FROM event WHERE d.id = event.delivery_id
            """).affectedRows
        guard updated == 1 else {
            // The event id was taken meanwhile (by an event of another delivery): judged again, it is a conflict.
            throw RaceLost()
        }

        if request.certification != nil {
            try Certifications.recordHomeVisit(
                eventID: request.id, card: locked.cardNumber, on: LocalDate.containing(request.at, in: settings.timeZone),
                by: terminal, policy: settings.certification, on: db)
        }
        var alert: RaisedWelfareAlert?
        if request.wellness != nil {
            alert = try WelfareAlerts.judge(card: CardNumber(locked.cardNumber), after: request.id, on: db)
        }
        return .created(DeliveryEventOutcome(
            delivery: try fetch(request.deliveryID, as: .afterEvent(request.id), on: db), raisedAlert: alert))
    }

    /// A restaurant's deliveries of one day, by meal and card.
    static func list(restaurantID: Int64, on day: LocalDate, on db: PostgresConnection) throws -> [Delivery] {
        try db.query("""
            SELECT \(unsafeSQL: Snapshot.current.columns)
            FROM ledger.deliveries d JOIN ledger.restaurants r ON r.id = d.restaurant_id
            WHERE d.restaurant_id = \(restaurantID) AND d.scheduled_for = \(day)::date
            ORDER BY array_position(ARRAY['breakfast', 'lunch', 'dinner'], d.meal), d.card_no, d.created_at, d.id
            """).decode(Delivery.self)
    }

    /// Per restaurant, and in total, the deliveries scheduled in `period`: all of them, and those delivered,
    /// failed and cancelled by now, with the number of distinct recipients. Restaurants without deliveries are left
    /// out. The last element is the total, whose `restaurantCode` is nil.
    public static func figures(period: Period, on db: PostgresConnection) throws -> [DeliveryFigures] {
        try db.query("""
            SELECT r.code, count(*) AS requested, count(*) FILTER (WHERE d.status = 'delivered') AS delivered,
                   count(*) FILTER (WHERE d.status = 'failed') AS failed,
                   count(*) FILTER (WHERE d.status = 'cancelled') AS cancelled, count(DISTINCT d.card_no) AS recipients
            FROM ledger.deliveries d JOIN ledger.restaurants r ON r.id = d.restaurant_id
            WHERE d.scheduled_for >= \(period.firstDay)::date AND d.scheduled_for <= \(period.lastDay)::date
            GROUP BY GROUPING SETS ((r.code), ())
            ORDER BY grouping(r.code), r.code
            """).decode(DeliveryFigures.self)
    }

    /// Which state of a delivery to read.
    enum Snapshot {
        /// As it now stands.
        case current
        /// As it was created: requested, no wellness, no note. A replay of the request answers this.
        case created
        /// Just after this event of it. A replay of the event answers this, and so does the event itself.
        case afterEvent(UUID)

        /// The select list of a `Delivery`: the fixed fields, then status, wellness, note and updated_at as of this state.
        var columns: String {
            let fixed = "d.id, r.code, d.card_no, d.scheduled_for, d.meal, d.meal_entry_id, d.standing_order_id"
            switch self {
            case .current:
                return fixed + ", d.status, d.wellness, d.note, d.updated_at"
            case .created:
                return fixed + ", 'requested' AS status, NULL AS wellness, NULL AS note, d.created_at AS updated_at"
            case .afterEvent:
                return fixed + """
                    , e.to_status AS status, e.wellness,
                    (SELECT n.note FROM ledger.delivery_events n
                      WHERE n.delivery_id = d.id AND n.recorded_at <= e.recorded_at AND n.note IS NOT NULL
                      ORDER BY n.recorded_at DESC LIMIT 1) AS note,
                    e.recorded_at AS updated_at
                    """
            }
        }
    }

    static func fetch(_ id: UUID, as snapshot: Snapshot, on db: PostgresConnection) throws -> Delivery {
        switch snapshot {
        case .current, .created:
            return try db.query("""
                SELECT \(unsafeSQL: snapshot.columns)
                FROM ledger.deliveries d JOIN ledger.restaurants r ON r.id = d.restaurant_id
                WHERE d.id = \(id)
                """).single(Delivery.self)
        case .afterEvent(let eventID):
            return try db.query("""
                SELECT \(unsafeSQL: snapshot.columns)
                FROM ledger.delivery_events e
                JOIN ledger.deliveries d ON d.id = e.delivery_id
                JOIN ledger.restaurants r ON r.id = d.restaurant_id
                WHERE e.id = \(eventID) AND d.id = \(id)
                """).single(Delivery.self)
        }
    }
}

/// A vocabulary value (`MealKind`, `DeliveryStatus`, …) from its text in the column called `name`.
func decodeEnum<T: RawRepresentable>(_ type: T.Type, _ row: PostgresRow, _ name: String) throws -> T where T.RawValue == String {
    try decodeEnum(type, row.decode(name, as: String.self))
}

/// A vocabulary value from its text; anything else is a decoding error, as the schema's checks allow no other.
func decodeEnum<T: RawRepresentable>(_ type: T.Type, _ text: String) throws -> T where T.RawValue == String {
    guard let value = T(rawValue: text) else { throw PostgresError.cannotRead(text, as: T.self) }
    return value
}
