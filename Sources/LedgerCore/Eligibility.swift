/// Why a card may not be used for a discounted meal on a day.
public enum MealIneligibility: Sendable, Hashable {
    case cardSuspended
    case cardRevoked
    /// The day is before the card's first valid day.
    case notYetValid(validFrom: LocalDate)
    /// The day is after the card's last valid day.
    case expired(validUntil: LocalDate)

    /// A sentence for the cashier.
    public var message: String {
        switch self {
        case .cardSuspended:
            "the card is suspended; the holder should contact the veterans-affairs bureau"
        case .cardRevoked:
            "the card has been revoked and can no longer be used"
        case .notYetValid(let validFrom):
            "the card is valid only from \(validFrom)"
        case .expired(let validUntil):
            "the card was valid until \(validUntil); the holder should renew it at the veterans-affairs bureau"
        }
    }
}

/// Whether a card may be used for a discounted meal.
public enum MealEligibility: Sendable, Hashable {
    case eligible
    case ineligible(MealIneligibility)

    public var isEligible: Bool { self == .eligible }
}

/// Why a card holder may not have a free delivery on a day.
public enum DeliveryIneligibility: Sendable, Hashable {
    /// Free delivery is for veterans only.
    case notVeteran(CardCategory)
    /// The holder is younger than the minimum age on that day.
    case tooYoung(age: Int, minimumAge: Int)
    /// The card itself may not be used that day.
    case cardNotValid(MealIneligibility)
    /// The registry has no birth date, so age cannot be checked.
    case noBirthDate

    /// A sentence for the cashier.
    public var message: String {
        switch self {
        case .notVeteran(let category):
            "free delivery is for elderly veterans only; this card's category is \(category.rawValue)"
        case .tooYoung(let age, let minimumAge):
            "free delivery is for veterans aged \(minimumAge) or more; the holder is \(age)"
        case .cardNotValid(let reason):
            reason.message
        case .noBirthDate:
            "the card registry has no birth date for the holder; bureau staff must add it before deliveries"
        }
    }
}

/// Whether a card holder may have a free delivery.
public enum DeliveryEligibility: Sendable, Hashable {
    case eligible
    case ineligible(DeliveryIneligibility)

    public var isEligible: Bool { self == .eligible }
}

/// Who may use the programme on a given local day (business rules 2 and 6).
public enum Eligibility {
    /// A card may be used for a meal on `day` when it is active and `day` lies within its validity
    /// (both ends inclusive). Reasons are checked in the order revoked, suspended, not yet valid, expired.
    public static func meal(card: Card, on day: LocalDate) -> MealEligibility {
        switch card.status {
        case .revoked: return .ineligible(.cardRevoked)
        case .suspended: return .ineligible(.cardSuspended)
        case .active: break
        }
        if let validFrom = card.validFrom, day < validFrom {
            return .ineligible(.notYetValid(validFrom: validFrom))
        }
        if let validUntil = card.validUntil, day > validUntil {
            return .ineligible(.expired(validUntil: validUntil))
        }
        return .eligible
    }

    /// Free delivery on `day` is for elderly veterans: category `veteran`, a card usable that day
    /// (as for `meal`), and aged at least `minimumAge` that day; someone turning 80 that day qualifies.
    /// Reasons are checked in the order category, card, birth date, age.
    public static func delivery(card: Card, on day: LocalDate, minimumAge: Int = 80) -> DeliveryEligibility {
        guard card.category == .veteran else {
            return .ineligible(.notVeteran(card.category))
        }
        if case .ineligible(let reason) = meal(card: card, on: day) {
            return .ineligible(.cardNotValid(reason))
        }
        guard let birthDate = card.birthDate else {
            return .ineligible(.noBirthDate)
        }
        let age = age(born: birthDate, on: day)
        guard age >= minimumAge else {
            return .ineligible(.tooYoung(age: age, minimumAge: minimumAge))
        }
        return .eligible
    }

    /// Completed years from `born` to `day`: one more on each birthday.
    ///
    /// Someone born on 29 February has their birthday on 1 March in common years, the usual legal
    /// convention: on 28 February of a common year they are still the younger age.
    /// Negative when `day` precedes `born`.
    public static func age(born: LocalDate, on day: LocalDate) -> Int {
        let hadBirthday = (day.month, day.day) >= (born.month, born.day)
        return day.year - born.year - (hadBirthday ? 0 : 1)
    }
}
