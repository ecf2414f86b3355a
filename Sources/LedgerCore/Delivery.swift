/// Business rule 6: the life cycle of a free delivery.
///
/// `requested → dispatched → delivered | failed`, or `requested → cancelled`. Nothing else, and
/// nothing leaves `delivered`, `failed` or `cancelled`. `delivered` and `failed` carry a wellness
/// observation; no other status does.
public enum DeliveryTransition {
    /// The status after moving from `from` to `to` with `wellness`, which is `to`.
    ///
    /// Throws `DomainError.invalidTransition` for a move the life cycle does not allow, then
    /// `wellnessRequired` or `wellnessNotAllowed` when the observation does not fit the new status.
    public static func apply(from: DeliveryStatus, to: DeliveryStatus, wellness: Wellness?) throws -> DeliveryStatus {
        switch (from, to) {
        case (.requested, .dispatched), (.requested, .cancelled), (.dispatched, .delivered), (.dispatched, .failed):
            break
        default:
            throw DomainError.invalidTransition(from: from, to: to)
        }
        let needsWellness = to == .delivered || to == .failed
        if needsWellness && wellness == nil {
            throw DomainError.wellnessRequired(status: to)
        }
        if !needsWellness && wellness != nil {
            throw DomainError.wellnessNotAllowed(status: to)
        }
        return to
    }
}
