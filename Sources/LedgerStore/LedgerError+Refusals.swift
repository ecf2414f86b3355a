import LedgerCore

extension LedgerError {
    /// The answer for a card number the district's registry does not hold (meals and deliveries alike).
    static func unknownCard(_ number: CardNumber) -> LedgerError {
        LedgerError(.unknownCard, "card \(number.masked) is not in the district's registry: check the number, or ask the holder to register at the veterans-affairs bureau", field: "card_no")
    }
}

extension LedgerError {
    /// The answer for a time (`field`) more than `maxSkew` ahead of the server's clock.
    static func clockSkew(field: String, maxSkew: Duration) -> LedgerError {
        LedgerError(.clockSkew, "\(field) is more than \(maxSkew) ahead of the server's clock: set the terminal's clock right and send again", field: field)
    }

    /// The answer to a request whose token is unknown or whose terminal was revoked.
    public static let unauthorized = LedgerError(.unauthorized, "a valid terminal token is required: send 'Authorization: Bearer <token>' with the token printed by 'ledgerctl terminal add'")
}
