/// What the rules need to know of a registered card.
public struct Card: Sendable, Hashable {
    public let number: CardNumber
    public let category: CardCategory
    public let status: CardStatus
    /// The holder's birth date; nil when the registry does not have it.
    public let birthDate: LocalDate?
    /// The first day the card is valid, inclusive; nil for no lower bound.
    public let validFrom: LocalDate?
    /// The last day the card is valid, inclusive; nil for no upper bound.
    public let validUntil: LocalDate?

    public init(
        number: CardNumber,
        category: CardCategory,
        status: CardStatus,
        birthDate: LocalDate? = nil,
        validFrom: LocalDate? = nil,
        validUntil: LocalDate? = nil
    ) {
        self.number = number
        self.category = category
        self.status = status
        self.birthDate = birthDate
        self.validFrom = validFrom
        self.validUntil = validUntil
    }
}
