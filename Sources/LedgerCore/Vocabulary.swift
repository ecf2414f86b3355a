/// Who a card holder is (docs/rules.md, "Words").
public enum CardCategory: String, Sendable, Hashable, Codable, CaseIterable {
    /// 現役軍人.
    case activeServiceman = "active_serviceman"
    /// 退役軍人.
    case veteran
    /// 優撫對象: martyrs' families, disabled servicemen and the like.
    case specialCare = "special_care"
}

/// The registry's status of a card.
public enum CardStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case active
    case suspended
    case revoked
}

/// What the guest showed: a registered preferential-treatment card, or a military ID checked on sight.
public enum Credential: String, Sendable, Hashable, Codable, CaseIterable {
    case preferentialCard = "preferential_card"
    case militaryID = "military_id"
}

/// The meal a delivery brings.
public enum MealKind: String, Sendable, Hashable, Codable, CaseIterable {
    case breakfast
    case lunch
    case dinner
}

/// What the delivery person observed of the recipient.
public enum Wellness: String, Sendable, Hashable, Codable, CaseIterable {
    case ok
    case concern
    case notHome = "not_home"
}

/// Where a delivery stands in its life cycle (see `DeliveryTransition`).
public enum DeliveryStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case requested
    case dispatched
    case delivered
    case failed
    case cancelled
}
