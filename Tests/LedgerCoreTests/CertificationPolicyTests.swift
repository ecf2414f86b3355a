import LedgerCore
import Testing

/// The day rules of survival certification are fed to Swift and SQL alike in
/// Tests/LedgerStoreTests/CertificationRuleAgreementTests.swift.
@Suite("survival certification rules")
struct CertificationPolicyTests {
    @Test("a home visit certifies only a delivered event that saw the holder")
    func homeVisit() {
        #expect(CertificationPolicy.homeVisitAllowed(status: .delivered, wellness: .ok))
        #expect(CertificationPolicy.homeVisitAllowed(status: .delivered, wellness: .concern))
        #expect(!CertificationPolicy.homeVisitAllowed(status: .delivered, wellness: .notHome))
        #expect(!CertificationPolicy.homeVisitAllowed(status: .failed, wellness: .ok))
        #expect(!CertificationPolicy.homeVisitAllowed(status: .dispatched, wellness: nil))
    }
}
