public import Foundation
public import LedgerCore
import Postgres

/// One meal of a group committed together: the request and the terminal that sent it.
struct MealSubmission: Sendable {
    let request: MealRequest
    let terminal: TerminalIdentity
}

extension Meals {
    /// Records a group of meals in the caller's `transaction`, and commits it, judging each exactly as if it had come
    /// alone, one after the other in the group's order: business rules 1 to 5 of docs/rules.md. A meal of a terminal
    /// revoked meanwhile is refused as `unauthorized`. Two round trips whatever the group's size: `BEGIN` with the context of every meal
    /// (`ledger.meal_contexts`, which locks the cards), then `ledger.post_meals` of every accepted meal with `COMMIT`.
    ///
    /// Returns one outcome per meal. `RaceLost` marks a meal to judge again in a later group: its id was written by
    /// another transaction meanwhile, or it was judged on a meal of this group that turned out not to be stored.
    /// A database error is thrown; see `Ledger` for what follows.
    static func record(
        _ group: [MealSubmission], settings: LedgerSettings, now: Date, on db: PostgresConnection
    ) throws -> [Result<Recorded<Meal>, any Error>] {
        let localDates = group.map { LocalDate.containing($0.request.occurredAt, in: settings.timeZone) }
        let fingerprints = group.map { $0.request.fingerprint(restaurantID: $0.terminal.restaurantID) }
        let contexts = try db.query("""
            SELECT existing_restaurant_id, existing_kind, existing_matches, card_found, card_category, card_status,
                   card_birth_date::text, card_valid_from::text, card_valid_until::text, meals_today, closed_periods, closed_ats,
                   terminal_rate_bp
            FROM ledger.meal_contexts(\(group.map(\.request.id))::uuid[], \(group.map(\.request.cardNumber.value))::text[],
                                      \(localDates.map(\.description))::date[], \(localDates.map(\.period.description))::text[],
                                      \(fingerprints)::text[], \(group.map(\.terminal.terminalID))::int8[])
            ORDER BY ordinal
            """).decode(MealContext.self)
        guard contexts.count == group.count else {
            throw PostgresError(kind: .decoding, message: "ledger.meal_contexts answered \(contexts.count) rows for \(group.count) meals")
        }

        var judge = GroupJudgement(settings: settings, now: now)
        var outcomes: [Result<Recorded<Meal>, any Error>] = []
        outcomes.reserveCapacity(group.count)
        for index in group.indices {
            outcomes.append(Result {
                try judge.judge(group[index], at: index, localDate: localDates[index], fingerprint: fingerprints[index],
                                context: contexts[index], on: db)
            })
        }

        let stored = Set(try insertAndCommit(judge.accepted, on: db))
        for lost in judge.accepted.indices where !stored.contains(judge.accepted[lost].meal.id) {
            let meal = judge.accepted[lost]
            // Another transaction stored this id first: judge it again, and whatever leaned on it being stored.
            for index in meal.index..<group.count where index == meal.index
                || judge.replayOf[index] == meal.index
                || (localDates[index] == localDates[meal.index] && group[index].request.cardNumber == group[meal.index].request.cardNumber
                    && outcomes[index].isOverDailyLimit) {
                outcomes[index] = .failure(RaceLost())
            }
        }
        return outcomes
    }

    /// Stores the accepted meals with one statement, the transaction's last, and commits with it (one round trip);
    /// returns the ids actually inserted. `ledger.post_meals` checks again what the database can know of each meal
    /// and creates the open periods they are booked into.
    private static func insertAndCommit(_ meals: [AcceptedMeal], on db: PostgresConnection) throws -> [UUID] {
        guard !meals.isEmpty else { return [] }
        return try db.queryAndCommit("""
            SELECT ledger.post_meals(
                \(meals.map(\.meal.id))::uuid[], \(meals.map(\.terminalID))::int8[], \(meals.map(\.meal.period.description))::text[],
                \(meals.map(\.meal.late))::bool[], \(meals.map(\.meal.occurredAt))::timestamptz[], \(meals.map(\.fingerprint))::text[],
                \(meals.map(\.meal.cardNumber))::text[], \(meals.map(\.meal.credential.rawValue))::text[],
                \(meals.map(\.category.rawValue))::text[], \(meals.map(\.localDate.description))::date[],
                \(meals.map(\.meal.gross))::int8[], \(meals.map(\.meal.rateBasisPoints))::int4[])
            """).map { try $0.decode("post_meals", as: UUID.self) }
    }
}

/// One row of `ledger.meal_contexts`: what one meal of a group is judged on.
private struct MealContext: PostgresRowDecodable {
    let existing: ExistingEntry?
    /// The card's columns, named `card_…`; nil when the registry has no such card.
    let card: CardColumns?
    let mealsToday: Int
    let closedPeriods: ClosedPeriods
    /// The rate of the terminal's restaurant, nil when the terminal has been revoked.
    let terminalRate: Int32?

    init(_ row: PostgresRow) throws {
        existing = try ExistingEntry(row)
        card = try row.decode("card_found", as: Bool.self) ? try CardColumns(row, prefix: "card_") : nil
        mealsToday = try row.decode("meals_today", as: Int.self)
        closedPeriods = try ClosedPeriods(row)
        terminalRate = try row.decode("terminal_rate_bp", as: Int32?.self)
    }
}

/// A meal judged acceptable, waiting for the group's `INSERT`.
private struct AcceptedMeal {
    let index: Int
    let meal: Meal
    let terminalID: Int64
    let fingerprint: String
    let category: CardCategory
    let localDate: LocalDate
}

/// The running state of judging a group in order: what the group itself has accepted so far counts as if stored.
private struct GroupJudgement {
    struct CardDay: Hashable {
        let card: CardNumber
        let day: LocalDate
    }

    let settings: LedgerSettings
    let now: Date
    private(set) var accepted: [AcceptedMeal] = []
    /// For a meal answered as a replay of an earlier meal of the group: that meal's index.
    private(set) var replayOf: [Int: Int] = [:]
    private var acceptedByID: [UUID: Int] = [:]
    private var acceptedPerCardDay: [CardDay: Int] = [:]

    init(settings: LedgerSettings, now: Date) {
        self.settings = settings
        self.now = now
    }

    mutating func judge(
        _ submission: MealSubmission, at index: Int, localDate: LocalDate, fingerprint: String, context: MealContext,
        on db: PostgresConnection
    ) throws -> Recorded<Meal> {
        let (request, terminal) = (submission.request, submission.terminal)
        // The terminal may have been revoked since its token was looked up; its restaurant's rate is read afresh.
        guard let rate = context.terminalRate else { throw LedgerRefusal.unauthorized }
        if let earlier = acceptedByID[request.id].map({ accepted[$0] }) {
            guard earlier.fingerprint == fingerprint else { throw LedgerRefusal.idReused(request.id) }
            replayOf[index] = earlier.index
            return .replayed(earlier.meal)
        }
        if let existing = context.existing {
            guard existing.restaurantID == terminal.restaurantID else { throw LedgerRefusal.idTakenElsewhere(request.id) }
            guard existing.kind == "meal", existing.matches else {
                throw LedgerRefusal.idReused(request.id)
            }
            return .replayed(try Meals.fetchMeal(request.id, on: db))
        }

        let category: CardCategory
        switch request.credential {
        case .militaryID:
            category = .activeServiceman
        case .preferentialCard:
            guard let card = context.card?.card(request.cardNumber) else {
                throw LedgerRefusal.unknownCard(request.cardNumber)
            }
            if case .ineligible(let reason) = Eligibility.meal(card: card, on: localDate) {
                throw LedgerRefusal.cardNotValid(reason)
            }
            category = card.category
        }

        let price = try Pricing.price(gross: request.gross, rate: Rate(basisPoints: rate))
        do {
            try price.checkPayable(request.claimedPayable)
        } catch let error as DomainError {
            throw LedgerRefusal.payableMismatch(error)
        }

        let (now, occurredAt) = (self.now, request.occurredAt)
        let (period, late) = try Meals.book(closed: context.closedPeriods, settings: settings) { policy, status in
            policy.book(occurredAt: occurredAt, now: now, periodStatus: status)
        }

        let cardDay = CardDay(card: request.cardNumber, day: localDate)
        let mealsSoFar = context.mealsToday + acceptedPerCardDay[cardDay, default: 0]
        guard settings.dailyLimit.allows(mealsSoFar: mealsSoFar) else {
            throw LedgerRefusal.dailyLimitReached(request.cardNumber, on: localDate, limit: settings.dailyLimit.maxMeals)
        }

        let meal = Meal(
            id: request.id, restaurantCode: terminal.restaurantCode, cardNumber: request.cardNumber.value,
            credential: request.credential, occurredAt: request.occurredAt, gross: price.gross,
            rateBasisPoints: rate, payable: price.payable, discount: price.discount,
            period: period, late: late)
        acceptedByID[request.id] = accepted.count
        acceptedPerCardDay[cardDay, default: 0] += 1
        accepted.append(AcceptedMeal(
            index: index, meal: meal, terminalID: terminal.terminalID,
            fingerprint: fingerprint, category: category, localDate: localDate))
        return .created(meal)
    }
}

extension Result where Failure == any Error {
    /// The ledger's refusal, when this is one.
    var refusal: LedgerRefusal? {
        guard case .failure(let error as LedgerRefusal) = self else { return nil }
        return error
    }

    /// Whether this is the refusal of a meal over its card's daily limit.
    var isOverDailyLimit: Bool {
        if case .dailyLimitReached? = refusal { true } else { false }
    }
}
