import Foundation
import LedgerCore
@testable import LedgerStore
import Postgres
import TestSupport
import Testing

/// PRODUCT.md §4.9, held by the database (sql/0017): whatever a login sends over SQL, a month closes only when one
/// login prepared it and another approved it, in the approval's own transaction, with the ledger as it was prepared.
@Suite("two-person close, in the database")
struct TwoPersonCloseTests {
    static let period = "2031-05"
    static let report = #"{"period":"2031-05","restaurants":[]}"#

    static func prepare(_ db: PostgresConnection, report: String = report) throws -> String {
        try db.query("SELECT ledger.prepare_close(\(period), \(report), NULL) AS digest").single().decode("digest", as: String.self)
    }

    /// Approves the pending proposal and sets the period closed in one transaction, as `ledgerctl close approve` does.
    static func approveAndClose(_ db: PostgresConnection, digest: String? = nil) throws {
        try db.transaction { tx in
            _ = try tx.query("SELECT ledger.approve_close(\(period), \(digest))")
            _ = try tx.query("""
                UPDATE ledger.periods SET status = 'closed', closed_at = now(),
                    entries = (SELECT count(*) FROM ledger.entries WHERE period = \(period)),
                    digest = ledger.period_digest_v2(\(period)), seal_version = 2
                WHERE period = \(period)
                """)
        }
    }

    /// Sets the period closed with a plain UPDATE, as someone going around the approval would.
    static func closeByHand(_ db: PostgresConnection) throws {
        try db.execute(script: "UPDATE ledger.periods SET status = 'closed', closed_at = now(), entries = 0, digest = repeat('0', 64) WHERE period = '\(period)'")
    }

    static func login(of db: PostgresConnection) throws -> String {
        try db.query("SELECT session_user::text AS login").single().decode("login", as: String.self)
    }

    static func status(_ fixture: AuditFixture) throws -> String {
        try fixture.db.query("SELECT status FROM ledger.periods WHERE period = \(period)").single().decode("status", as: String.self)
    }

    @Test("a clerk prepares, another login approves, and the period closes; audit shows both acts and both logins")
    func prepareThenApprove() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_clerk") { clerk in
                try fixture.asLogin(grantedRole: "ledger_approver") { approver in
                    let digest = try Self.prepare(clerk)
                    #expect(digest.count == 64)
                    try Self.approveAndClose(approver, digest: digest)
                    #expect(try Self.status(fixture) == "closed")
                    let actions = try fixture.db.query("""
                        SELECT action, actor, proposal_digest FROM audit.close_actions WHERE period = \(Self.period) ORDER BY at, action DESC
                        """).map { try [$0.decode("action", as: String.self), $0.decode("actor", as: String.self)] }
                    #expect(actions == [["prepared", try Self.login(of: clerk)], ["approved", try Self.login(of: approver)]])
                    let periods = try fixture.db.query("SELECT prepared_by, approved_by FROM audit.periods WHERE period = \(Self.period)").single()
                    #expect(try periods.decode("prepared_by", as: String.self) == Self.login(of: clerk))
                    #expect(try periods.decode("approved_by", as: String.self) == Self.login(of: approver))
                }
            }
        }
    }

    @Test("a clerk's and an approver's logins may compute the month's dry run, with helpers sharing its snapshot, as the close needs")
    func staffMayComputeTheDryRun() throws {
        try AuditFixture.with { fixture in
            for role in ["ledger_clerk", "ledger_approver"] {
                try fixture.asLogin(grantedRole: role) { staff in
                    try fixture.asLogin(grantedRole: role) { helper in
                        let report = try Reconciliations.run(
                            period: Period(parsing: Self.period), statements: nil, dryRun: true, settings: ReconciliationTests.settings,
                            on: staff, helpers: [helper])
                        #expect(report.period == Self.period, "\(role)")
                        #expect(!report.closed)
                        #expect(report.entries > 0, "\(role) saw no entries")
                    }
                }
            }
            #expect(try Self.status(fixture) == "open")
        }
    }

    @Test("the preparer's login cannot approve, even holding both roles; a second pending proposal is refused")
    func selfApprovalAndSecondProposal() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_clerk") { both in
                try fixture.db.execute(script: "GRANT ledger_approver TO \(try Self.login(of: both))")
                try fixture.asLogin(grantedRole: "ledger_clerk") { otherClerk in
                    _ = try Self.prepare(both)
                    AuditFixture.expectRefusal("LD003", saying: "pending already") { _ = try Self.prepare(otherClerk) }
                    AuditFixture.expectRefusal("LD003", saying: "another approver") { try Self.approveAndClose(both) }
                    // Not even the owner can record an approval by the preparer: the row's check holds for everyone.
                    AuditFixture.expectRefusal("23514") {
                        _ = try fixture.db.query("""
                            UPDATE ledger.close_proposals SET state = 'approved', decided_by = prepared_by, decided_at = now(),
                                decided_in = pg_current_xact_id() WHERE period = \(Self.period)
                            """)
                    }
                    #expect(try Self.status(fixture) == "open")
                }
            }
        }
    }

    @Test("clerks cannot approve, approvers cannot prepare, and the daemon and auditors can do neither")
    func rolesAreSeparate() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_clerk") { clerk in
                try fixture.asLogin(grantedRole: "ledger_approver") { approver in
                    AuditFixture.expectRefusal("LD003", saying: "only a clerk") { _ = try Self.prepare(approver) }
                    _ = try Self.prepare(clerk)
                    AuditFixture.expectRefusal("42501", saying: "approve_close") { try Self.approveAndClose(clerk) }
                    for role in ["ledger_app", "ledger_auditor"] {
                        try fixture.asLogin(grantedRole: role) { other in
                            AuditFixture.expectRefusal("42501") { _ = try Self.prepare(other) }
                            AuditFixture.expectRefusal("42501") { try Self.approveAndClose(other) }
                            AuditFixture.expectRefusal("42501") { _ = try other.query("SELECT ledger.reject_close(\(Self.period), 'no')") }
                        }
                    }
                    #expect(try Self.status(fixture) == "open")
                }
            }
        }
    }

    @Test("no proposal, another proposal's digest and a ledger changed since preparing are refused, saying what to do")
    func approvalRefusals() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_clerk") { clerk in
                try fixture.asLogin(grantedRole: "ledger_approver") { approver in
                    AuditFixture.expectRefusal("LD003", saying: "no proposal is pending") { try Self.approveAndClose(approver) }
                    _ = try Self.prepare(clerk)
                    AuditFixture.expectRefusal("LD003", saying: "not \(String(repeating: "0", count: 64))") {
                        try Self.approveAndClose(approver, digest: String(repeating: "0", count: 64))
                    }
                    // A meal arrives between prepare and approve.
                    try fixture.meal(UUID(), at: "R1", card: AuditFixture.card1, period: Self.period, occurred: "2031-05-21T12:00:00+08:00", gross: 1500)
                    AuditFixture.expectRefusal("LD003", saying: "changed since the proposal", "1 meals booked into 2031-05") {
                        try Self.approveAndClose(approver)
                    }
                    #expect(try Self.status(fixture) == "open")
                    // Rejected with a reason, prepared again, approved.
                    AuditFixture.expectRefusal("LD003", saying: "reason") { _ = try approver.query("SELECT ledger.reject_close(\(Self.period), ' ')") }
                    _ = try approver.query("SELECT ledger.reject_close(\(Self.period), 'a meal came in after the proposal')")
                    _ = try Self.prepare(clerk)
                    try Self.approveAndClose(approver)
                    #expect(try Self.status(fixture) == "closed")
                    let acts = try fixture.db.query("SELECT action, reason FROM audit.close_actions WHERE period = \(Self.period) ORDER BY at, action DESC")
                        .map { try "\($0.decode("action", as: String.self)) \($0.decode("reason", as: String?.self) ?? "")" }
                    #expect(acts == ["prepared ", "rejected a meal came in after the proposal", "prepared ", "approved "])
                }
            }
        }
    }

    @Test("a period is set closed, and a run's results stored, only in the approval's own transaction by the approving login")
    func onlyTheApprovalCloses() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_approver") { approver in
                AuditFixture.expectRefusal("42501", saying: "approved close") { try Self.closeByHand(approver) }
                AuditFixture.expectRefusal("42501") {
                    _ = try approver.query("""
                        INSERT INTO ledger.reconciliation_runs (period, started_at, finished_at, entries, digest, seal_version)
                        VALUES (\(Self.period), now(), now(), 0, repeat('0', 64), 2)
                        """)
                }
                try fixture.asLogin(grantedRole: "ledger_clerk") { clerk in
                    _ = try Self.prepare(clerk)
                    // An approval committed in one transaction does not let a later one close the period.
                    _ = try approver.query("SELECT ledger.approve_close(\(Self.period), NULL)")
                    AuditFixture.expectRefusal("42501") { try Self.closeByHand(approver) }
                }
                #expect(try Self.status(fixture) == "open")
            }
            // The owner still may: migrations, repairs and the policy `single` run as the owner.
            try Self.closeByHand(fixture.db)
            #expect(try Self.status(fixture) == "closed")
        }
    }

    @Test("a proposal's content never changes, it is decided once, and none is deleted, whoever asks")
    func proposalsAreFinal() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_clerk") { clerk in
                _ = try Self.prepare(clerk)
                AuditFixture.expectRefusal("23001") {
                    _ = try fixture.db.query("UPDATE ledger.close_proposals SET report = 'forged' WHERE period = \(Self.period)")
                }
                _ = try clerk.query("SELECT ledger.reject_close(\(Self.period), 'wrong statements')")
                for statement in [
                    "UPDATE ledger.close_proposals SET state = 'pending', decided_by = NULL, decided_at = NULL",
                    "UPDATE ledger.close_proposals SET reason = 'another reason'",
                    "DELETE FROM ledger.close_proposals",
                    "TRUNCATE ledger.close_proposals",
                ] {
                    AuditFixture.expectRefusal("23001") { _ = try fixture.db.query(PostgresQuery(unsafeSQL: statement)) }
                }
                #expect(try fixture.db.query("SELECT reason FROM ledger.close_proposals").single().decode("reason", as: String.self) == "wrong statements")
            }
        }
    }

    @Test("a new database starts two-person; one that had closed a period keeps closing alone until told otherwise")
    func policyOnMigration() throws {
        try AuditFixture.with { fixture in
            let policy = try fixture.db.query("SELECT policy FROM ledger.close_policy").single().decode("policy", as: String.self)
            #expect(policy == "two-person")
        }
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            let all = try TestDatabase.migrations()
            let before = all.filter { $0.version < 17 }
            try Migrator(migrations: before, logger: TestDatabase.logger).migrate(db)
            try db.execute(script: """
                INSERT INTO ledger.periods (period, status, closed_at, entries, digest, seal_version)
                VALUES ('2031-01', 'closed', now(), 0, ledger.seal_digest('2031-01', 2::smallint), 2)
                """)
            try Migrator(migrations: all, logger: TestDatabase.logger).migrate(db)
            #expect(try db.query("SELECT policy FROM ledger.close_policy").single().decode("policy", as: String.self) == "single")
        }
    }
}
