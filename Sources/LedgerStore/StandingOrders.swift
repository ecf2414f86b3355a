import Foundation
public import LedgerCore
public import Postgres

/// A fixed recipient's standing order: which weekdays, which meal, from which restaurant, over which days.
public struct StandingOrder: Sendable, Equatable {
    public let id: Int64
    public let cardNumber: String
    public let restaurantCode: String
    /// ISO weekdays, 1 is Monday and 7 Sunday, ascending.
    public let weekdays: [Int]
    public let meal: MealKind
    public let startsOn: LocalDate
    /// The last day delivered, inclusive; nil for no end.
    public let endsOn: LocalDate?
    /// The first day of a pause, inclusive.
    public let pausedFrom: LocalDate?
    /// The last day of a pause, inclusive: deliveries resume the day after.
    public let pausedUntil: LocalDate?
}

/// A standing order to register, checked for shape.
public struct NewStandingOrder: Sendable, Equatable {
    public let cardNumber: CardNumber
    public let restaurantCode: String
    public let weekdays: [Int]
    public let meal: MealKind
    public let startsOn: LocalDate
    public let endsOn: LocalDate?

    /// Refused with `validation_failed` when there are no weekdays, a weekday outside 1...7, or an end before the start.
    /// Weekdays are kept sorted, each once.
    public init(
        cardNumber: CardNumber, restaurantCode: String, weekdays: [Int], meal: MealKind, startsOn: LocalDate, endsOn: LocalDate?
    ) throws {
        let days = Array(Set(weekdays)).sorted()
        guard !days.isEmpty, days.allSatisfy({ (1...7).contains($0) }) else {
            throw LedgerRefusal.invalid(.weekdays, reason: "weekdays must be ISO weekday numbers from 1 (Monday) to 7 (Sunday), at least one")
        }
        if let endsOn, endsOn < startsOn {
            throw LedgerRefusal.invalid(.lastDay, reason: "the order ends on \(endsOn), before it starts on \(startsOn): give an end on or after the start")
        }
        self.cardNumber = cardNumber
        self.restaurantCode = restaurantCode
        self.weekdays = days
        self.meal = meal
        self.startsOn = startsOn
        self.endsOn = endsOn
    }
}

/// A change to a standing order, and what it leaves for the restaurant to do.
public struct StandingOrderChange: Sendable, Equatable {
    public let order: StandingOrder
    /// Deliveries already generated for days the order no longer covers, still `requested`: they stay, and the
    /// restaurant cancels them.
    public let pendingDeliveries: Int
}

/// Why `standing-orders import` imported nothing: every bad line, each as `line N: reason`.
public struct StandingOrderImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public let problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}

/// Standing orders of fixed recipients, and the daily deliveries generated from them.
public enum StandingOrders {
    /// The columns of an import file, in order; a first line equal to them is a header and is skipped.
    public static let importColumns = ["card_no", "restaurant", "weekdays", "meal", "starts_on", "ends_on"]

    /// ISO weekdays written `1,3,5`, `1;3;5` or `1 3 5`.
    public static func parseWeekdays(_ text: String) throws -> [Int] {
        let parts = text.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " })
        let days = parts.compactMap { Int($0) }
        guard !parts.isEmpty, days.count == parts.count, days.allSatisfy({ (1...7).contains($0) }) else {
            throw LedgerRefusal.invalid(.weekdays, reason: "'\(text)' is not a list of weekdays: write ISO weekday numbers, 1 for Monday to 7 for Sunday, such as 1,3,5 or 1;3;5")
        }
        return Array(Set(days)).sorted()
    }

    /// Registers a standing order. The card must be in the registry and be a veteran's with a birth date (age and
    /// validity are checked each day deliveries are generated); an order of the same person for the same meal on
    /// overlapping days is refused with `already_exists`, so that nobody gets two lunches.
    public static func add(_ order: NewStandingOrder, minimumAge: Int, on db: PostgresConnection) throws -> StandingOrder {
        try db.transaction { db in try insert(order, minimumAge: minimumAge, on: db) }
    }

    /// Reads an import file and registers every order in one transaction, all or nothing: any bad line (its form,
    /// or what `add` refuses) throws `StandingOrderImportError` listing every bad line, and nothing is registered.
    public static func importOrders(_ text: String, minimumAge: Int, on db: PostgresConnection) throws -> [StandingOrder] {
        let records: [CSVRecord]
        do {
            records = try CSVReader.records(text)
        } catch let error as CSVError {
            throw StandingOrderImportError(problems: [error.description])
        }
        return try db.transaction { db in
            var problems: [String] = []
            var added: [StandingOrder] = []
            for record in records {
                if record.line == records.first?.line, record.fields == importColumns { continue }
                do {
                    added.append(try insert(parseRow(record.fields), minimumAge: minimumAge, on: db))
                } catch let error as StandingOrderImportError {
                    problems.append("line \(record.line): \(error.problems.joined(separator: "; "))")
                } catch let error as LedgerRefusal {
                    problems.append("line \(record.line): \(error.message)")
                }
            }
            guard problems.isEmpty else { throw StandingOrderImportError(problems: problems) }
            guard !added.isEmpty else { throw StandingOrderImportError(problems: ["the file holds no standing orders"]) }
            return added
        }
    }

    static func parseRow(_ fields: [String]) throws -> NewStandingOrder {
        guard fields.count == importColumns.count else {
            throw StandingOrderImportError(problems: ["expected \(importColumns.count) fields (\(importColumns.joined(separator: ","))), found \(fields.count)"])
        }
        let fields = fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var problems = ImportRowProblems()
        let number = problems.check("card_no") { try CardNumber(fields[0]) }
        let restaurant = fields[1]
        if restaurant.isEmpty { problems.note("restaurant: the restaurant's code is empty") }
        let weekdays = problems.check("weekdays") { try parseWeekdays(fields[2]) }
        let meal = MealKind(rawValue: fields[3])
        if meal == nil {
            problems.note("meal: '\(fields[3])' is not one of \(MealKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let startsOn = problems.check("starts_on") { try LocalDate(parsing: fields[4]) }
        let endsOn = problems.optionalDate("ends_on", fields[5])
        guard problems.list.isEmpty, let number, let weekdays, let meal, let startsOn, let endsOn else {
            throw StandingOrderImportError(problems: problems.list)
        }
        return try NewStandingOrder(cardNumber: number, restaurantCode: restaurant, weekdays: weekdays, meal: meal,
                                    startsOn: startsOn, endsOn: endsOn)
    }

    /// `add` inside the caller's transaction.
    static func insert(_ order: NewStandingOrder, minimumAge: Int, on db: PostgresConnection) throws -> StandingOrder {
        let number = order.cardNumber
        // Two orders of one person are registered one after the other, so that the overlap check holds.
        _ = try db.query("SELECT pg_advisory_xact_lock(hashtextextended(\("ledger.standing_order:" + number.value), 0))")
        guard let record = try Cards.find(number, on: db) else {
            throw LedgerRefusal.unregisteredCard(number)
        }
        if case .ineligible(let reason) = Eligibility.delivery(card: record.card, on: order.startsOn, minimumAge: minimumAge),
            reason.isPermanent {
            throw LedgerRefusal.noStandingOrder(number, reason)
        }
        let restaurant = try Restaurants.require(code: order.restaurantCode, on: db)
        let weekdays = order.weekdays.map { Int16($0) }
        if let overlapping = try db.query("""
            SELECT \(unsafeSQL: columns)
            FROM ledger.standing_orders so JOIN ledger.restaurants r ON r.id = so.restaurant_id
            WHERE so.card_no = \(number.value) AND so.meal = \(order.meal.rawValue) AND so.weekdays && \(weekdays)::smallint[]
              AND so.starts_on <= coalesce(\(order.endsOn)::date, 'infinity')
              AND coalesce(so.ends_on, 'infinity') >= \(order.startsOn)::date
            ORDER BY so.id LIMIT 1
            """).first(StandingOrder.self) {
            throw LedgerRefusal.overlappingStandingOrder(number, overlapping)
        }
        let id = try db.query("""
            INSERT INTO ledger.standing_orders (card_no, restaurant_id, weekdays, meal, starts_on, ends_on)
            VALUES (\(number.value), \(restaurant.id), \(weekdays)::smallint[], \(order.meal.rawValue),
                    \(order.startsOn)::date, \(order.endsOn)::date)
            RETURNING id
            """).single().decode("id", as: Int64.self)
        return try find(id, on: db)
    }

    /// Every standing order, or one restaurant's, by restaurant and id.
    public static func list(restaurant code: String? = nil, on db: PostgresConnection) throws -> [StandingOrder] {
        try db.query("""
            SELECT \(unsafeSQL: columns)
            FROM ledger.standing_orders so JOIN ledger.restaurants r ON r.id = so.restaurant_id
            WHERE \(code)::text IS NULL OR r.code = \(code)
            ORDER BY r.code, so.id
            """).decode(StandingOrder.self)
    }

    /// Pauses an order from `from` to `until`, both inclusive; deliveries resume the day after `until`. A pause
    /// replaces an earlier one.
    public static func pause(_ id: Int64, from: LocalDate, until: LocalDate, on db: PostgresConnection) throws -> StandingOrderChange {
        guard from <= until else {
            throw LedgerRefusal.invalid(.lastDay, reason: "the pause would end on \(until), before it starts on \(from): give --until on or after --from")
        }
        return try db.transaction { db in
            guard try db.query("""
                UPDATE ledger.standing_orders SET paused_from = \(from)::date, paused_until = \(until)::date WHERE id = \(id)
                """).affectedRows == 1
            else { throw LedgerRefusal.unknownStandingOrder(id) }
            return StandingOrderChange(order: try find(id, on: db),
                                       pendingDeliveries: try pending(id, after: from.adding(days: -1), through: until, on: db))
        }
    }

    /// Ends a pause at once. Returns the order, and whether it was paused.
    public static func resume(_ id: Int64, on db: PostgresConnection) throws -> (order: StandingOrder, wasPaused: Bool) {
        try db.transaction { db in
            guard let wasPaused = try db.query("""
                UPDATE ledger.standing_orders so SET paused_from = NULL, paused_until = NULL
                FROM (SELECT id, paused_from FROM ledger.standing_orders WHERE id = \(id) FOR UPDATE) AS old
                WHERE so.id = old.id
                RETURNING old.paused_from IS NOT NULL AS was_paused
                """).first?.decode("was_paused", as: Bool.self)
            else { throw LedgerRefusal.unknownStandingOrder(id) }
            return (try find(id, on: db), wasPaused)
        }
    }

    /// Sets the last day of an order (inclusive); it must not be before the order's first day.
    public static func end(_ id: Int64, on day: LocalDate, on db: PostgresConnection) throws -> StandingOrderChange {
        try db.transaction { db in
            let order = try find(id, on: db)
            guard order.startsOn <= day else {
                throw LedgerRefusal.invalid(.endDay, reason: "standing order \(id) starts on \(order.startsOn): give --on \(order.startsOn) or later (it then delivers on that day at most)")
            }
            _ = try db.query("UPDATE ledger.standing_orders SET ends_on = \(day)::date WHERE id = \(id)")
            return StandingOrderChange(order: try find(id, on: db), pendingDeliveries: try pending(id, after: day, through: nil, on: db))
        }
    }

    /// Generates the deliveries of `day` from the standing orders that cover it: started, not ended, not paused,
    /// on one of their weekdays, for a card delivery-eligible that day; of every restaurant, or of one. Each order
    /// gives at most one delivery a day, however often and however concurrently this runs (a unique key and
    /// `ON CONFLICT DO NOTHING`). Returns how many it created.
    public static func generate(
        on day: LocalDate, minimumAge: Int, restaurantID: Int64? = nil, on db: PostgresConnection
    ) throws -> Int {
        let candidates = try db.query("""
            SELECT so.id, c.card_no, c.category, c.status, c.birth_date::text, c.valid_from::text, c.valid_until::text
            FROM ledger.standing_orders so JOIN ledger.cards c ON c.card_no = so.card_no
            WHERE so.starts_on <= \(day)::date AND (so.ends_on IS NULL OR so.ends_on >= \(day)::date)
              AND NOT (so.paused_from IS NOT NULL AND \(day)::date BETWEEN so.paused_from AND so.paused_until)
              AND \(Int16(day.weekday))::smallint = ANY (so.weekdays)
              AND (\(restaurantID)::bigint IS NULL OR so.restaurant_id = \(restaurantID))
              AND NOT EXISTS (SELECT 1 FROM ledger.deliveries x WHERE x.standing_order_id = so.id AND x.scheduled_for = \(day)::date)
            """)
        let eligible = try candidates.compactMap { row -> Int64? in
            let card = try CardColumns(row).card(CardNumber(row.decode("card_no", as: String.self)))
            return Eligibility.delivery(card: card, on: day, minimumAge: minimumAge).isEligible ? try row.decode("id", as: Int64.self) : nil
        }
        guard !eligible.isEmpty else { return 0 }
        return try db.query("""
            INSERT INTO ledger.deliveries (id, restaurant_id, standing_order_id, card_no, scheduled_for, meal, created_at, updated_at)
            SELECT gen_random_uuid(), so.restaurant_id, so.id, so.card_no, \(day)::date, so.meal, now.t, now.t
            FROM ledger.standing_orders so, (SELECT clock_timestamp() AS t) AS now
            WHERE so.id = ANY (\(eligible)::bigint[])
            ORDER BY so.id
            ON CONFLICT (standing_order_id, scheduled_for) DO NOTHING
            """).affectedRows
    }

    /// One order; `not_found` when there is none.
    public static func find(_ id: Int64, on db: PostgresConnection) throws -> StandingOrder {
        guard let order = try db.query("""
            SELECT \(unsafeSQL: columns)
            FROM ledger.standing_orders so JOIN ledger.restaurants r ON r.id = so.restaurant_id
            WHERE so.id = \(id)
            """).first(StandingOrder.self)
        else { throw LedgerRefusal.unknownStandingOrder(id) }
        return order
    }

    /// Requested deliveries of an order on the days after `after` through `through` (or on), already generated.
    private static func pending(_ id: Int64, after: LocalDate, through: LocalDate?, on db: PostgresConnection) throws -> Int {
        try db.query("""
            SELECT count(*) FROM ledger.deliveries
            WHERE standing_order_id = \(id) AND status = 'requested'
              AND scheduled_for > \(after)::date AND (\(through)::date IS NULL OR scheduled_for <= \(through)::date)
            """).single().decode("count", as: Int.self)
    }

    private static let columns =
        "so.id, so.card_no, r.code, so.weekdays, so.meal, so.starts_on, so.ends_on, so.paused_from, so.paused_until"
}

extension StandingOrder: PostgresRowDecodable {
    /// From the columns of `StandingOrders.columns`.
    public init(_ row: PostgresRow) throws {
        self.init(
            id: try row.decode("id", as: Int64.self), cardNumber: try row.decode("card_no", as: String.self),
            restaurantCode: try row.decode("code", as: String.self),
            weekdays: try row.decode("weekdays", as: [Int16].self).map(Int.init),
            meal: try decodeEnum(MealKind.self, row, "meal"), startsOn: try row.decode("starts_on", as: LocalDate.self),
            endsOn: try row.decode("ends_on", as: LocalDate?.self), pausedFrom: try row.decode("paused_from", as: LocalDate?.self),
            pausedUntil: try row.decode("paused_until", as: LocalDate?.self))
    }
}

extension DeliveryIneligibility {
    /// A reason no day can change: not a veteran, or no birth date in the registry.
    var isPermanent: Bool {
        switch self {
        case .notVeteran, .noBirthDate: true
        case .tooYoung, .cardNotValid: false
        }
    }
}
