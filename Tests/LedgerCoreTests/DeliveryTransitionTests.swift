import LedgerCore
import Testing

@Suite struct DeliveryTransitionTests {
    static let legal: [(DeliveryStatus, DeliveryStatus)] = [
        (.requested, .dispatched), (.requested, .cancelled), (.dispatched, .delivered), (.dispatched, .failed),
    ]

    static var illegal: [(DeliveryStatus, DeliveryStatus)] {
        DeliveryStatus.allCases.flatMap { from in DeliveryStatus.allCases.map { to in (from, to) } }
            .filter { pair in !legal.contains { $0 == pair } }
    }

    @Test func illegalListCoversTheRest() {
        #expect(Self.illegal.count == 21)
    }

    @Test func requestedMayBeDispatchedOrCancelledWithoutWellness() throws {
        #expect(try DeliveryTransition.apply(from: .requested, to: .dispatched, wellness: nil) == .dispatched)
        #expect(try DeliveryTransition.apply(from: .requested, to: .cancelled, wellness: nil) == .cancelled)
    }

    @Test(arguments: [DeliveryStatus.delivered, .failed], Wellness.allCases)
    func dispatchedEndsDeliveredOrFailedWithWellness(to: DeliveryStatus, wellness: Wellness) throws {
        #expect(try DeliveryTransition.apply(from: .dispatched, to: to, wellness: wellness) == to)
    }

    @Test(arguments: [DeliveryStatus.delivered, .failed])
    func deliveredAndFailedNeedWellness(to: DeliveryStatus) {
        #expect(throws: DomainError.wellnessRequired(status: to)) {
            try DeliveryTransition.apply(from: .dispatched, to: to, wellness: nil)
        }
    }

    @Test(arguments: [DeliveryStatus.dispatched, .cancelled])
    func otherStatusesTakeNoWellness(to: DeliveryStatus) {
        #expect(throws: DomainError.wellnessNotAllowed(status: to)) {
            try DeliveryTransition.apply(from: .requested, to: to, wellness: .ok)
        }
    }

    @Test(arguments: illegal)
    func everyOtherMoveIsInvalid(from: DeliveryStatus, to: DeliveryStatus) {
        for wellness in [nil] + Wellness.allCases.map(Optional.some) {
            #expect(throws: DomainError.invalidTransition(from: from, to: to)) {
                try DeliveryTransition.apply(from: from, to: to, wellness: wellness)
            }
        }
    }
}
