import LedgerCore
import Testing

@Suite struct WelfareRuleTests {
    @Test("these observations raise an alert", arguments: [
        [Wellness.concern], [.ok, .concern], [.notHome, .concern], [.notHome, .notHome], [.ok, .notHome, .notHome],
        [.concern, .notHome, .notHome],
    ])
    func raisesAnAlert(observations: [Wellness]) {
        #expect(WelfareRule.shouldRaiseAlert(recentObservations: observations))
    }

    @Test("these observations raise no alert", arguments: [
        [], [Wellness.ok], [.notHome], [.concern, .ok], [.concern, .notHome], [.notHome, .ok], [.notHome, .ok, .notHome],
        [.notHome, .concern, .notHome], [.notHome, .notHome, .ok],
    ])
    func raisesNoAlert(observations: [Wellness]) {
        #expect(!WelfareRule.shouldRaiseAlert(recentObservations: observations))
    }
}
