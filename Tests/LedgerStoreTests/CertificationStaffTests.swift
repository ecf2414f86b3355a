import Foundation
import LedgerCore
@testable import LedgerStore
import Postgres
import TestSupport
import Testing

/// Issue 15's loose ends (sql/0021): a first due date set by staff, the categories' cycles, notices closed by a
/// certification. Dates are relative to the database's today, which decides whether a notice closes.
@Suite("survival certification: first due dates, cycles, notices closed by certifying", .serialized)
struct CertificationStaffTests {
    static let policy = CertificationPolicy()
    static let zone = TimeZone(identifier: "UTC")!
    let fixture = CertificationTests()

    func today(_ db: PostgresConnection) throws -> LocalDate {
        try db.query("SELECT current_date AS today").single().decode("today", as: LocalDate.self)
    }

    func firstDues(_ db: PostgresConnection) throws -> Int {
        try db.query("SELECT count(*) FROM ledger.certification_first_dues").single().onlyValue(as: Int.self)
    }

    @Test("a first due date puts a card with no certification on the lists, in the card check and under notices")
    func firstDue() throws {
        try fixture.withRegistry { scratch, db in
            let today = try today(db)
            let card = try CardNumber("CERT000003")
            try scratch.withLogin(grantedRole: "ledger_clerk") { url in
                let clerk = try PostgresConnection.connect(url, logger: TestDatabase.logger)
                defer { clerk.close() }
                try Certifications.setFirstDue(card: card, due: today.adding(days: 10), note: " first visit promised ", today: today, on: clerk)
                let row = try db.query("SELECT set_by::text AS set_by, note FROM ledger.certification_first_dues WHERE card_no = 'CERT000003'").single()
                #expect(try row.decode("set_by", as: String.self) == URLComponents(string: url)?.user)
                #expect(try row.decode("note", as: String.self) == "first visit promised")
            }
            let listed = try Certifications.due(on: today, .within(days: 30), policy: Self.policy, on: db)
                .first { $0.cardNumber == "CERT000003" }
            #expect(listed?.due == today.adding(days: 10))
            #expect(listed?.lastMethod == nil && listed?.lastCertifiedOn == nil)
            let check = try db.query("SELECT next_due FROM ledger.certification_status WHERE card_no = 'CERT000003'").single()
            #expect(try check.decode("next_due", as: LocalDate.self) == today.adding(days: 10))
            // Overdue after the grace days: a notice, like any due date.
            let late = today.adding(days: 10 + Self.policy.graceDays + 1)
            #expect(try Certifications.raiseOverdueNotices(on: late, policy: Self.policy, on: db) >= 1)
            let noticed = try Certifications.openNotices(on: db).contains { $0.cardNumber == "CERT000003" }
            #expect(noticed)
            // Setting it again records a new row; the latest counts.
            try Certifications.setFirstDue(card: card, due: today.adding(days: 20), note: nil, today: today, on: db)
            #expect(try firstDues(db) == 2)
            #expect(try db.query("SELECT next_due FROM ledger.certification_status WHERE card_no = 'CERT000003'").single()
                .decode("next_due", as: LocalDate.self) == today.adding(days: 20))
            // The first certification takes over.
            _ = try Certifications.record(CertificationRequest(cardNumber: card, method: .inPerson, certifiedOn: today),
                                          today: today, policy: Self.policy, on: db)
            let status = try db.query("SELECT last_method, next_due FROM ledger.certification_status WHERE card_no = 'CERT000003'").single()
            #expect(try status.decode("last_method", as: String.self) == "in_person")
        }
    }

    @Test("a first due date is refused for a certified, revoked or unknown card and a past day, and records nothing")
    func firstDueRefusals() throws {
        try fixture.withRegistry { scratch, db in
            let today = try today(db)
            let cases: [(String, LocalDate, LedgerRefusal)] = [
                ("CERT000001", today, .alreadyCertified(try CardNumber("CERT000001"))),
                ("CERT000004", today, .revokedCard(try CardNumber("CERT000004"))),
                ("NOSUCH0001", today, .unregisteredCard(try CardNumber("NOSUCH0001"))),
                ("CERT000003", today.adding(days: -1), .dueBeforeToday(today.adding(days: -1), today: today)),
            ]
            for (card, day, expected) in cases {
                let refused = fixture.refusal {
                    try Certifications.setFirstDue(card: try CardNumber(card), due: day, note: nil, today: today, on: db)
                }
                #expect(refused == expected)
            }
            #expect(try firstDues(db) == 0)
            // The database holds the card's rules whoever calls it, and an auditor may not call it at all.
            do {
                _ = try db.query("SELECT ledger.set_first_certification_due('CERT000001', current_date, NULL)")
                Issue.record("a first due date for a certified card was stored")
            } catch let error as PostgresError {
                #expect(error.sqlState == "LD003" && error.message.contains("already has a certification"), "\(error)")
            }
            try scratch.withLogin(grantedRole: "ledger_auditor") { url in
                let auditor = try PostgresConnection.connect(url, logger: TestDatabase.logger)
                defer { auditor.close() }
                do {
                    _ = try auditor.query("SELECT ledger.set_first_certification_due('CERT000003', current_date, NULL)")
                    Issue.record("an auditor set a first due date")
                } catch let error as PostgresError {
                    #expect(error.sqlState == "42501", "\(error)")
                }
            }
            #expect(try firstDues(db) == 0)
        }
    }

    @Test("a category's cycle is set by an approver or the owner, each change kept; a clerk is refused")
    func cycles() throws {
        try fixture.withRegistry { scratch, db in
            #expect(try Certifications.cycles(on: db).map(\.months) == [nil, nil, nil])
            try scratch.withLogin(grantedRole: "ledger_approver") { url in
                let approver = try PostgresConnection.connect(url, logger: TestDatabase.logger)
                defer { approver.close() }
                try Certifications.setCycle(.veteran, months: 6, on: approver)
                let veteran = try Certifications.cycles(on: approver).first { $0.category == .veteran }
                #expect(veteran?.months == 6 && veteran?.setBy == URLComponents(string: url)?.user)
            }
            try Certifications.setCycle(.veteran, months: 24, on: db)
            #expect(try db.query("SELECT count(*) FROM ledger.certification_cycle_changes").single().onlyValue(as: Int.self) == 2)
            let recorded = try Certifications.record(
                CertificationRequest(cardNumber: CardNumber("CERT000003"), method: .inPerson, certifiedOn: LocalDate(parsing: "2030-08-31")),
                today: CertificationTests.today, policy: Self.policy, on: db)
            #expect(recorded.nextDue.description == "2032-08-31")
            try scratch.withLogin(grantedRole: "ledger_clerk") { url in
                let clerk = try PostgresConnection.connect(url, logger: TestDatabase.logger)
                defer { clerk.close() }
                let refused = fixture.refusal { try Certifications.setCycle(.veteran, months: 3, on: clerk) }
                guard case .refusedByRule(let message) = refused else {
                    Issue.record("a clerk setting a cycle: \(String(describing: refused))")
                    return
                }
                #expect(message.contains("only an approver"))
            }
            let kept = try Certifications.cycles(on: db).first { $0.category == .veteran }
            #expect(kept?.months == 24)
        }
    }

    @Test("certifying closes the open notice as closed by that certification; not raised again; an acknowledged one stays")
    func noticesClosedByCertifying() throws {
        try fixture.withRegistry { _, db in
            let today = try today(db)
            // Two people overdue today: due 60 days ago.
            _ = try db.query("INSERT INTO ledger.cards (card_no, holder_name, category, status) VALUES ('CERT000005', 'Zhou Holder', 'veteran', 'active')")
            let missed = today.adding(days: -60)
            for card in ["CERT000005", "CERT000003"] {
                _ = try db.query("""
                    INSERT INTO ledger.certifications (id, card_no, method, certified_on, next_due)
                    VALUES (gen_random_uuid(), \(card), 'in_person', \(missed.adding(days: -365))::date, \(missed)::date)
                    """)
            }
            #expect(try Certifications.raiseOverdueNotices(on: today, policy: Self.policy, on: db) >= 2)
            let open = try Certifications.openNotices(on: db)
            let firstFound = open.first { $0.cardNumber == "CERT000005" }
            let secondFound = open.first { $0.cardNumber == "CERT000003" }
            let first = try #require(firstFound)
            let second = try #require(secondFound)
            try Certifications.acknowledgeNotice(id: second.id, note: "called, will come", timeZone: Self.zone, on: db)
            // An old certification recorded late leaves the due date in the past: the notice stays open.
            _ = try Certifications.record(
                CertificationRequest(cardNumber: CardNumber("CERT000005"), method: .inPerson, certifiedOn: missed.adding(days: -340)),
                today: today, policy: Self.policy, on: db)
            let stillOpen = try Certifications.openNotices(on: db).contains { $0.id == first.id }
            #expect(stillOpen)
            // Certifying today closes it, by that certification.
            for card in ["CERT000005", "CERT000003"] {
                _ = try Certifications.record(CertificationRequest(cardNumber: CardNumber(card), method: .inPerson, certifiedOn: today),
                                              today: today, policy: Self.policy, on: db)
            }
            let openAfter = try Certifications.openNotices(on: db).contains { $0.id == first.id }
            #expect(!openAfter)
            let closed = try Certifications.closedNotices(limit: 10, on: db)
            let firstClosed = closed.first { $0.id == first.id }
            let byCertification = try #require(firstClosed)
            let latest = try db.query("SELECT last_id FROM ledger.certification_status WHERE card_no = 'CERT000005'").single()
            let latestID = try latest.decode("last_id", as: UUID.self)
            #expect(byCertification.closedByCertification == latestID)
            #expect(byCertification.acknowledgedBy == nil)
            let secondClosed = closed.first { $0.id == second.id }
            let acknowledged = try #require(secondClosed)
            #expect(acknowledged.closedByCertification == nil && acknowledged.acknowledgedBy != nil)
            #expect(acknowledged.note == "called, will come")
            // Not raised again, and not acknowledged by a person afterwards.
            #expect(try Certifications.raiseOverdueNotices(on: today, policy: Self.policy, on: db) == 0)
            let again = fixture.refusal {
                try Certifications.acknowledgeNotice(id: first.id, note: "called", timeZone: Self.zone, on: db)
            }
            guard case .noticeClosedByCertification(first.id, _) = again else {
                Issue.record("acknowledging a notice a certification closed: \(String(describing: again))")
                return
            }
        }
    }

    @Test("a staff login certifies and acknowledges as itself, even by hand in SQL; an acknowledgement is final")
    func asThemselves() throws {
        try fixture.withRegistry { scratch, db in
            let today = try today(db)
            _ = try db.query("INSERT INTO ledger.certification_notices (card_no, due_on) VALUES ('CERT000003', \(today.adding(days: -90))::date)")
            try scratch.withLogin(grantedRole: "ledger_approver") { url in
                let login = URLComponents(string: url)?.user ?? "?"
                let approver = try PostgresConnection.connect(url, logger: TestDatabase.logger)
                defer { approver.close() }
                _ = try approver.query("""
                    INSERT INTO ledger.certifications (id, card_no, method, certified_on, next_due, recorded_by)
                    VALUES (gen_random_uuid(), 'CERT000002', 'in_person', \(today)::date, \(today.adding(days: 365))::date, 'someone_else')
                    """)
                let recordedBy = try db.query("SELECT recorded_by FROM ledger.certifications WHERE card_no = 'CERT000002' AND method = 'in_person'")
                    .single().decode("recorded_by", as: String.self)
                #expect(recordedBy == login)
                _ = try approver.query("""
                    UPDATE ledger.certification_notices SET acknowledged_at = '2000-01-01', acknowledged_by = 'someone_else', ack_note = 'seen'
                    WHERE card_no = 'CERT000003'
                    """)
                let acknowledgedBy = try db.query("SELECT acknowledged_by FROM ledger.certification_notices WHERE card_no = 'CERT000003'")
                    .single().decode("acknowledged_by", as: String.self)
                #expect(acknowledgedBy == login)
                do {
                    _ = try approver.query("UPDATE ledger.certification_notices SET ack_note = 'rewritten' WHERE card_no = 'CERT000003'")
                    Issue.record("an acknowledged notice's note was rewritten")
                } catch let error as PostgresError {
                    #expect(error.sqlState == "LD003" && error.message.contains("already closed"), "\(error)")
                }
            }
        }
    }
}
