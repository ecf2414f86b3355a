import Foundation
import Synchronization
import LedgerCore
import LedgerReports
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
                    digest = ledger.period_digest_v3(\(period)), seal_version = 3
                WHERE period = \(period)
                """)
        }
    }

    /// A clerk's close prepared as `ledgerctl close prepare` does: the month's dry run, stored as its proposal.
    static func prepareForReal(_ db: PostgresConnection) throws -> CloseProposal {
        try Reconciliations.prepare(period: Period(parsing: period), statements: nil, settings: ReconciliationTests.settings, on: db)
    }

    /// An approver's close as `ledgerctl close approve` does: approve, reconcile again, seal, store, close.
    static func approveForReal(_ db: PostgresConnection, digest: String? = nil) throws -> SubsidyReport {
        try Reconciliations.approve(period: Period(parsing: period), digest: digest, settings: ReconciliationTests.settings, on: db)
    }

    /// The message of the store's refusal of `body`; nil, with an issue recorded, when `body` succeeds or fails otherwise.
    static func ruleRefusal(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> String? {
        do {
            try body()
            Issue.record("expected a refusal, but there was none", sourceLocation: sourceLocation)
        } catch LedgerRefusal.refusedByRule(let message) {
            return message
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        return nil
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
                    let proposal = try Self.prepareForReal(clerk)
                    #expect(proposal.digest.count == 64)
                    #expect(try proposal.preparedBy == Self.login(of: clerk))
                    #expect(!proposal.report.closed && proposal.report.entries == 2)
                    // The clerk's and then the approver's login read the month's certification figures too.
                    #expect(proposal.report.certifications == CertificationSummary(homeVisits: [], overdueAtMonthEnd: 0))
                    let closed = try Self.approveForReal(approver, digest: proposal.digest)
                    #expect(try Self.status(fixture) == "closed")
                    #expect(closed.closed && closed.restaurants == proposal.report.restaurants)
                    #expect(try Reconciliations.stored(period: Period(parsing: Self.period), on: fixture.db) == closed)
                    let verified = try fixture.db.query("SELECT audit.verify_period(\(Self.period)) AS ok").single().decode("ok", as: Bool.self)
                    #expect(verified)
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
                    AuditFixture.expectRefusal("LD003", saying: "only an approver") { try Self.approveAndClose(clerk) }
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
                    _ = try Self.approveForReal(approver, digest: try Self.prepareForReal(clerk).digest)
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

    @Test("prepare is refused before the month is computed when a proposal is pending or the period is closed")
    func prepareRefusedEarly() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_clerk") { clerk in
                _ = try Self.prepareForReal(clerk)
                let pending = Self.ruleRefusal { _ = try Self.prepareForReal(clerk) }
                #expect(pending?.contains("pending already") == true, "\(pending ?? "")")
                let closedMonth = Self.ruleRefusal {
                    _ = try Reconciliations.prepare(period: Period(parsing: "2031-04"), statements: nil,
                                                    settings: ReconciliationTests.settings, on: clerk)
                }
                #expect(closedMonth?.contains("closed already") == true, "\(closedMonth ?? "")")
                #expect(try fixture.db.query("SELECT count(*) AS n FROM ledger.close_proposals").single().decode("n", as: Int64.self) == 1)
            }
        }
    }

    @Test("the approval's own dry run refuses a proposal that the terms, the registry or an earlier close changed since")
    func approvalRecomputes() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_clerk") { clerk in
                try fixture.asLogin(grantedRole: "ledger_approver") { approver in
                    let proposal = try Self.prepareForReal(clerk)
                    // New terms from the month's first day: nothing the fingerprint counts, but the subsidy changes.
                    _ = try fixture.db.query("""
                        INSERT INTO ledger.subsidy_terms (restaurant_id, effective_from, discount_share_bp, delivery_fee_fen)
                        SELECT id, '2031-05-01', 5000, 500 FROM ledger.restaurants WHERE code = 'R1'
                        """)
                    let message = Self.ruleRefusal { _ = try Self.approveForReal(approver, digest: proposal.digest) }
                    #expect(message?.contains("the ledger changed since the proposal was prepared: the figures of R1 differ") == true,
                            "\(message ?? "")")
                    #expect(try Self.status(fixture) == "open")
                    // The refusal undid the approval with everything else: the proposal is still pending.
                    let state = try fixture.db.query("SELECT state FROM ledger.close_proposals").single().decode("state", as: String.self)
                    #expect(state == "pending")
                }
            }
        }
    }

    @Test("what the approving transaction stores must be what was proposed, to the fen, or nothing closes")
    func storedResultsMatchTheProposal() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_clerk") { clerk in
                try fixture.asLogin(grantedRole: "ledger_approver") { approver in
                    // A report that is not the month's: approving it and closing by hand stores no matching run.
                    _ = try Self.prepare(clerk)
                    AuditFixture.expectRefusal("LD003", saying: "stored its report differently") { try Self.approveAndClose(approver) }
                    _ = try clerk.query("SELECT ledger.reject_close(\(Self.period), 'not the month')")

                    // The month's real proposal, stored by hand with its report as proposed but one fen more in a subsidy line.
                    let proposal = try Self.prepareForReal(clerk)
                    let forge = {
                        try approver.transaction { tx in
                            _ = try tx.query("SELECT ledger.approve_close(\(Self.period), \(proposal.digest))")
                            _ = try tx.query("""
                                WITH run AS (
                                    INSERT INTO ledger.reconciliation_runs (period, started_at, finished_at, entries, digest, seal_version)
                                    VALUES (\(Self.period), now(), now(), 2, ledger.period_digest_v3(\(Self.period)), 3) RETURNING id),
                                report AS (
                                    INSERT INTO ledger.reconciliation_reports (run_id, report)
                                    SELECT run.id, p.report FROM run, ledger.close_proposals p WHERE p.digest = \(proposal.digest))
                                INSERT INTO ledger.subsidy_lines (run_id, restaurant_id, meals, voided_meals, cardholders, gross_fen,
                                    discount_fen, payable_fen, deliveries_delivered, discount_subsidy_fen, delivery_subsidy_fen, subsidy_fen)
                                SELECT run.id, r.id, (x->>'meals')::bigint, (x->>'voidedMeals')::bigint, (x->>'cardholders')::bigint,
                                       (x->>'grossFen')::bigint, (x->>'discountFen')::bigint, (x->>'payableFen')::bigint,
                                       (x->>'deliveriesDelivered')::bigint, (x->>'discountSubsidyFen')::bigint,
                                       (x->>'deliverySubsidyFen')::bigint, (x->>'subsidyFen')::bigint + 1
                                FROM run, ledger.close_proposals p, jsonb_array_elements(p.report::jsonb->'restaurants') x
                                JOIN ledger.restaurants r ON r.code = x->>'code'
                                WHERE p.digest = \(proposal.digest)
                                """)
                            _ = try tx.query("""
                                UPDATE ledger.periods SET status = 'closed', closed_at = now(), entries = 2,
                                    digest = ledger.period_digest_v3(\(Self.period)), seal_version = 3
                                WHERE period = \(Self.period)
                                """)
                        }
                    }
                    AuditFixture.expectRefusal("LD003", saying: "stored its subsidy lines differently", proposal.digest) { try forge() }
                    #expect(try Self.status(fixture) == "open")
                    // The close itself stores what was proposed: accepted.
                    _ = try Self.approveForReal(approver, digest: proposal.digest)
                    #expect(try Self.status(fixture) == "closed")
                }
            }
        }
    }

    @Test("a prepare racing an approval: one month, closed once; the second clerk is told why")
    func prepareRacesApproval() throws {
        try AuditFixture.with { fixture in
            try fixture.asLogin(grantedRole: "ledger_clerk") { clerk in
                try fixture.asLogin(grantedRole: "ledger_clerk") { otherClerk in
                    try fixture.asLogin(grantedRole: "ledger_approver") { approver in
                        let digest = try Self.prepareForReal(clerk).digest
                        let outcomes = Mutex<[String: String]>([:])
                        let group = DispatchGroup()
                        let racers: [(String, @Sendable () throws -> Void)] = [
                            ("approve", { _ = try Self.approveForReal(approver, digest: digest) }),
                            ("prepare", { _ = try Self.prepareForReal(otherClerk) }),
                        ]
                        for (name, act) in racers {
                            DispatchQueue.global().async(group: group) {
                                let outcome: String
                                do {
                                    try act()
                                    outcome = "done"
                                } catch LedgerRefusal.refusedByRule(let message) {
                                    outcome = message
                                } catch {
                                    outcome = "\(error)"
                                }
                                outcomes.withLock { $0[name] = outcome }
                            }
                        }
                        let finished = group.wait(timeout: .now() + 120)
                        try #require(finished == .success, "the racing prepare and approval did not finish in time")
                        let results = outcomes.withLock { $0 }
                        #expect(results["approve"] == "done", "\(results)")
                        let prepared = results["prepare"] ?? ""
                        #expect(prepared.contains("pending already") || prepared.contains("closed already"), "\(prepared)")
                        let counts = try fixture.db.query("""
                            SELECT (SELECT count(*) FROM ledger.close_proposals) AS proposals,
                                   (SELECT count(*) FROM ledger.reconciliation_runs WHERE period = \(Self.period)) AS runs
                            """).single()
                        #expect(try counts.decode("proposals", as: Int64.self) == 1)
                        #expect(try counts.decode("runs", as: Int64.self) == 1)
                        #expect(try Self.status(fixture) == "closed")
                    }
                }
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
