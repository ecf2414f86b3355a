import Foundation
@testable import LedgerConsole
import Testing

@Suite("sign-in limiter")
struct SignInLimiterTests {
    @Test("failures under ever new logins are forgotten once out of the window: the table does not grow without bound")
    func forgetsOldFailures() {
        let clock = MovableClock()
        let limiter = SignInLimiter(limits: SignInLimits(), clock: { clock.now })
        for index in 0..<(SignInLimiter.forgetBeyond / 2) {
            limiter.recordFailure(login: "spray\(index)", address: "192.0.2.1")
        }
        #expect(limiter.remembered == SignInLimiter.forgetBeyond / 2 + 1)
        clock.advance(minutes: 16)
        for index in 0..<(SignInLimiter.forgetBeyond / 2) {
            limiter.recordFailure(login: "again\(index)", address: "192.0.2.2")
        }
        let remembered = limiter.remembered
        #expect(remembered <= SignInLimiter.forgetBeyond / 2 + 2, "\(remembered) remembered")
    }

    @Test("past the limit a login waits until its oldest failure leaves the window")
    func waitsForTheWindow() {
        let clock = MovableClock()
        let limiter = SignInLimiter(limits: SignInLimits(perLogin: 2, perAddress: 100), clock: { clock.now })
        limiter.recordFailure(login: "clerk", address: "a")
        #expect(limiter.wait(login: "clerk", address: "b") == nil)
        clock.advance(minutes: 5)
        limiter.recordFailure(login: "CLERK", address: "a")
        let wait = limiter.wait(login: "clerk", address: "c")
        #expect(wait == .seconds(600))
        clock.advance(minutes: 10)
        #expect(limiter.wait(login: "clerk", address: "c") == nil)
    }
}
