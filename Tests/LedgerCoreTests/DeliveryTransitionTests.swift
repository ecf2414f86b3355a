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

    @Test("the invalid moves listed are all 21 the legal ones leave")
    func illegalListCoversTheRest() {
        #expect(Self.illegal.count == 21)
    }

    @Test("a requested delivery may be dispatched or cancelled, without wellness")
    func requestedMayBeDispatchedOrCancelledWithoutWellness() throws {
        #expect(try DeliveryTransition.apply(from: .requested, to: .dispatched, wellness: nil) == .dispatched)
        #expect(try DeliveryTransition.apply(from: .requested, to: .cancelled, wellness: nil) == .cancelled)
    }

    @Test(
        "a dispatched delivery ends delivered or failed, with wellness",
        arguments: [DeliveryStatus.delivered, .failed], Wellness.allCases)
    func dispatchedEndsDeliveredOrFailedWithWellness(to: DeliveryStatus, wellness: Wellness) throws {
        #expect(try DeliveryTransition.apply(from: .dispatched, to: to, wellness: wellness) == to)
    }

    @Test("delivered and failed need a wellness observation", arguments: [DeliveryStatus.delivered, .failed])
    func deliveredAndFailedNeedWellness(to: DeliveryStatus) {
        #expect(throws: DomainError.wellnessRequired(status: to)) {
            try DeliveryTransition.apply(from: .dispatched, to: to, wellness: nil)
        }
    }

    @Test("the other statuses take no wellness observation", arguments: [DeliveryStatus.dispatched, .cancelled])
    func otherStatusesTakeNoWellness(to: DeliveryStatus) {
        #expect(throws: DomainError.wellnessNotAllowed(status: to)) {
            try DeliveryTransition.apply(from: .requested, to: to, wellness: .ok)
        }
    }

    @Test("every other move is an invalid transition", arguments: illegal)
    func everyOtherMoveIsInvalid(from: DeliveryStatus, to: DeliveryStatus) {
        for wellness in [nil] + Wellness.allCases.map(Optional.some) {
            #expect(throws: DomainError.invalidTransition(from: from, to: to)) {
                try DeliveryTransition.apply(from: from, to: to, wellness: wellness)
            }
        }
    }
}
