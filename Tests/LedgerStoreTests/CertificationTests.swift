import Foundation
import LedgerCore
@testable import LedgerStore
import Postgres
import TestSupport
import Testing

@Suite("survival certification", .serialized)
struct CertificationTests {
    static let policy = CertificationPolicy()
    static let today = try! LocalDate(parsing: "2031-05-20")

    /// The registry of these tests: an elderly veteran with a certification on 2030-06-10 (from the import), a younger
    /// one with 2030-06-10 as well, one with none, and a revoked card with an old one. `CERT000001`'s holder and
    /// address are planted, to be looked for in the audit view.
    static let registry = """
        card_no,name,category,birth_date,phone,address,community,status,valid_from,valid_until,certified_on
        CERT000001,Zhao Plantedname,veteran,1940-01-01,13955500001,77 Hiddenlane,East,active,,,2030-06-10
        CERT000002,Qian Holder,veteran,1960-01-01,13955500002,2 Elm,East,active,,,2030-06-10
        CERT000003,Sun Holder,veteran,1940-01-01,13955500003,3 Elm,East,active,,,
        CERT000004,Li Holder,special_care,1950-01-01,13955500004,4 Elm,West,revoked,,,2020-01-01
        """

    /// A migrated scratch database with the registry above and restaurant R1; `body` gets a superuser connection.
    func withRegistry(_ body: (ScratchDatabase, PostgresConnection) throws -> Void) throws {
        try ScratchDatabase.withScratch(migrated: true) { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            _ = try Restaurants.add(code: "R1", name: "One", community: "East", rate: Rate(basisPoints: 8500), on: db)
            _ = try Cards.upsert(try Cards.parseImport(Self.registry), on: db)
            try body(scratch, db)
        }
    }

    func count(_ db: PostgresConnection, _ card: String) throws -> Int {
        try db.query("SELECT count(*) FROM ledger.certifications WHERE card_no = \(card)").single().onlyValue(as: Int.self)
    }

    /// The refusal `body` throws, or nil with an issue recorded.
    func refusal(_ body: () throws -> Void) -> LedgerRefusal? {
        do {
            try body()
            Issue.record("expected a refusal")
        } catch let refusal as LedgerRefusal {
            return refusal
        } catch {
            Issue.record("unexpected error \(error)")
        }
        return nil
    }

    @Test("the import's certified_on is the first certification; a card without one has no due date and is never listed")
    func registryDates() throws {
        try withRegistry { _, db in
            let first = try db.query("SELECT method, certified_on::text, next_due::text FROM ledger.certifications WHERE card_no = 'CERT000001'")
            #expect(first.count == 1)
            #expect(try first.single().decode("method", as: String.self) == "registry")
            #expect(try first.single().decode("next_due", as: String.self) == "2031-06-10")
            #expect(try count(db, "CERT000003") == 0)
            // Importing the same registry again records nothing more; an older date does not move the due date back.
            _ = try Cards.upsert(try Cards.parseImport(Self.registry), on: db)
            _ = try Cards.upsert(try Cards.parseImport("CERT000001,Zhao Plantedname,veteran,1940-01-01,,,East,active,,,2029-01-01"), on: db)
            #expect(try count(db, "CERT000001") == 1)
            let listed = try Certifications.due(on: Self.today, .within(days: 3650), policy: Self.policy, on: db).map(\.cardNumber)
            #expect(listed == ["CERT000001", "CERT000002"])
        }
    }

    @Test("each method is recorded with its details and moves the due date; every refusal records nothing")
    func methods() throws {
        try withRegistry { _, db in
            func record(_ method: CertificationMethod, card: String = "CERT000003", on day: String = "2031-05-01",
                        proxyName: String? = nil, proxyRelation: String? = nil, reference: String? = nil) throws -> Certification {
                try Certifications.record(
                    CertificationRequest(cardNumber: CardNumber(card), method: method, certifiedOn: LocalDate(parsing: day),
                                         proxyName: proxyName, proxyRelation: proxyRelation, reference: reference, note: "at the counter"),
                    today: Self.today, policy: Self.policy, on: db)
            }
            let inPerson = try record(.inPerson, on: "2031-01-31")
            #expect(inPerson.nextDue.description == "2032-01-31")
            #expect(!inPerson.recordedBy.isEmpty)
            #expect(try record(.proxy, on: "2031-02-01", proxyName: "Sun Junior", proxyRelation: "son").nextDue.description == "2032-02-01")
            #expect(try record(.online, on: "2031-03-01", reference: "PROV-1").method == .online)
            #expect(try record(.homeVisit, on: "2031-04-30").nextDue.description == "2032-04-30")
            #expect(try count(db, "CERT000003") == 4)

            let refusals: [(String, () throws -> Void)] = [
                ("proxy without a name", { _ = try record(.proxy, proxyRelation: "son") }),
                ("proxy details with another method", { _ = try record(.inPerson, proxyName: "A", proxyRelation: "son") }),
                ("online without reference", { _ = try record(.online) }),
                ("a day after today", { _ = try record(.inPerson, on: "2031-05-21") }),
                ("the registry's method", { _ = try record(.registry) }),
            ]
            for (what, body) in refusals {
                let refused = refusal(body)
                guard case .invalid(.certification, _) = refused else {
                    Issue.record("\(what): \(String(describing: refused))")
                    continue
                }
            }
            let unknown = refusal { _ = try record(.inPerson, card: "NOSUCHCARD") }
            let unknownCard = try CardNumber("NOSUCHCARD")
            #expect(unknown == .unregisteredCard(unknownCard))
            #expect(try count(db, "CERT000003") == 4)
            let latest = try Certifications.due(on: Self.today, .within(days: 3650), policy: Self.policy, on: db)
                .first { $0.cardNumber == "CERT000003" }
            #expect(latest?.lastMethod == .homeVisit)
            #expect(latest?.due.description == "2032-04-30")
        }
    }

    @Test("a category's cycle in the database wins over the configured one")
    func categoryCycle() throws {
        try withRegistry { _, db in
            _ = try db.query("INSERT INTO ledger.certification_cycles (category, months) VALUES ('veteran', 6)")
            let recorded = try Certifications.record(
                CertificationRequest(cardNumber: CardNumber("CERT000003"), method: .inPerson, certifiedOn: LocalDate(parsing: "2030-08-31")),
                today: Self.today, policy: Self.policy, on: db)
            #expect(recorded.nextDue.description == "2031-02-28")
        }
    }

    @Test("the provincial import lists every bad row and records nothing; a second import of a good file adds nothing")
    func importFile() throws {
        try withRegistry { _, db in
            let bad = """
                card_no,method,certified_on,reference
                CERT000002,online,2031-04-01,PROV-9
                CERT000002,by_pigeon,2031-04-01,
                CERT000002,online,2031-04-31,PROV-1
                CERT000002,online,2031-04-02,
                CERT000002,in_person,2031-06-01,
                CERT000002,online,2031-04-01,PROV-9
                CERT000002,in_person
                """
            do {
                _ = try Certifications.parseImport(bad, today: Self.today)
                Issue.record("a file with bad rows was accepted")
            } catch let error as CardImportError {
                let lines = error.problems.map { String($0.prefix(7)) }
                #expect(lines == ["line 3:", "line 4:", "line 5:", "line 6:", "line 7:", "line 8:"])
                #expect(error.problems[0].contains("by_pigeon"))
                #expect(error.problems[2].contains("reference"))
                #expect(error.problems[3].contains("after today"))
                #expect(error.problems[4].contains("line 2"))
            }
            let unknownCard = try Certifications.parseImport("NOSUCHCARD,in_person,2031-04-01,\nCERT000002,in_person,2031-04-01,", today: Self.today)
            do {
                _ = try Certifications.importRows(unknownCard, policy: Self.policy, on: db)
                Issue.record("an unknown card was imported")
            } catch let error as CardImportError {
                #expect(error.problems == ["line 1: card_no: card NOSUCHCARD is not in the registry; import it with 'ledgerctl cards import' first"])
            }
            #expect(try count(db, "CERT000002") == 1)

            let good = try Certifications.parseImport("CERT000002,online,2031-04-01,PROV-9\nCERT000002,proxy,2031-04-02,PROV-10", today: Self.today)
            #expect(try Certifications.importRows(good, policy: Self.policy, on: db) == 2)
            #expect(try Certifications.importRows(good, policy: Self.policy, on: db) == 0)
            #expect(try count(db, "CERT000002") == 3)
        }
    }

    @Test("who is asked: from 60 days before due at 80 and over, 30 days otherwise; overdue after the grace days")
    func dueLists() throws {
        try withRegistry { _, db in
            // Both due 2031-06-10. On 2031-04-20 (51 days before) only the elderly holder is asked.
            let day = try LocalDate(parsing: "2031-04-20")
            let asked = try Certifications.due(on: day, .windowOpen, policy: Self.policy, on: db)
            #expect(asked.map(\.cardNumber) == ["CERT000001"])
            #expect(asked.first?.daysLeft == 51)
            #expect(asked.first?.holderName == "Zhao Plantedname")
            let later = try Certifications.due(on: LocalDate(parsing: "2031-05-12"), .windowOpen, policy: Self.policy, on: db)
            #expect(later.map(\.cardNumber) == ["CERT000001", "CERT000002"])
            // Overdue from 2031-07-11 (due 2031-06-10 plus 30 days); the revoked card never is.
            #expect(try Certifications.due(on: LocalDate(parsing: "2031-07-10"), .overdue, policy: Self.policy, on: db).isEmpty)
            let overdue = try Certifications.due(on: LocalDate(parsing: "2031-07-11"), .overdue, policy: Self.policy, on: db)
            #expect(overdue.map(\.cardNumber) == ["CERT000001", "CERT000002"])
            let allOverdue = overdue.allSatisfy { $0.overdue && $0.daysLeft == -31 }
            #expect(allOverdue)
            let within = try Certifications.due(on: LocalDate(parsing: "2031-05-01"), .within(days: 40), policy: Self.policy, on: db)
            #expect(within.map(\.cardNumber) == ["CERT000001", "CERT000002"])
            #expect(try Certifications.due(on: LocalDate(parsing: "2031-05-01"), .within(days: 39), policy: Self.policy, on: db).isEmpty)
            // The delivery marks of a day: only those asked that day.
            let marks = try Certifications.dueAmong(cards: ["CERT000001", "CERT000002", "CERT000003"], on: day, policy: Self.policy, on: db)
            let dueDay = try LocalDate(parsing: "2031-06-10")
            #expect(marks == ["CERT000001": dueDay])
        }
    }

    @Test("overdue notices are raised once per person and due date, and acknowledged once")
    func notices() throws {
        try withRegistry { _, db in
            let overdueDay = try LocalDate(parsing: "2031-07-11")
            #expect(try Certifications.raiseOverdueNotices(on: LocalDate(parsing: "2031-07-10"), policy: Self.policy, on: db) == 0)
            #expect(try Certifications.raiseOverdueNotices(on: overdueDay, policy: Self.policy, on: db) == 2)
            #expect(try Certifications.raiseOverdueNotices(on: overdueDay.next, policy: Self.policy, on: db) == 0)
            #expect(try Certifications.overdueCount(on: overdueDay, policy: Self.policy, on: db) == 2)
            let open = try Certifications.openNotices(on: db)
            #expect(open.map(\.cardNumber) == ["CERT000001", "CERT000002"])
            #expect(open.first?.dueOn.description == "2031-06-10")
            let notice = try #require(open.first)

            let zone = TimeZone(identifier: "Asia/Shanghai")!
            let blank = refusal { try Certifications.acknowledgeNotice(id: notice.id, note: "  ", timeZone: zone, on: db) }
            guard case .invalid(.noticeNote, _) = blank else {
                Issue.record("a blank note: \(String(describing: blank))")
                return
            }
            try Certifications.acknowledgeNotice(id: notice.id, note: "called; she certifies online tomorrow", timeZone: zone, on: db)
            let again = refusal { try Certifications.acknowledgeNotice(id: notice.id, note: "again", timeZone: zone, on: db) }
            guard case .noticeAcknowledged(notice.id, _, _, "called; she certifies online tomorrow") = again else {
                Issue.record("a second acknowledgement: \(String(describing: again))")
                return
            }
            let unknown = refusal { try Certifications.acknowledgeNotice(id: 999_999, note: "x", timeZone: zone, on: db) }
            #expect(unknown == .unknownNotice(999_999))
            // Acknowledged, and still overdue for the same due date: not raised again.
            #expect(try Certifications.raiseOverdueNotices(on: overdueDay.next, policy: Self.policy, on: db) == 0)
            #expect(try Certifications.openNotices(on: db).map(\.cardNumber) == ["CERT000002"])
            // Certifying late and missing the next due date raises a new one.
            _ = try Certifications.record(
                CertificationRequest(cardNumber: CardNumber("CERT000001"), method: .inPerson, certifiedOn: LocalDate(parsing: "2031-07-12")),
                today: overdueDay.next, policy: Self.policy, on: db)
            #expect(try Certifications.raiseOverdueNotices(on: LocalDate(parsing: "2032-08-12"), policy: Self.policy, on: db) == 1)
        }
    }

    @Test("the sample check is drawn from the certification's id: the same twice, about the share asked")
    func sample() throws {
        try withRegistry { _, db in
            let draw = try db.query("""
                SELECT count(*) FILTER (WHERE ledger.certification_sampled(id, 500)) AS drawn,
                       count(*) FILTER (WHERE ledger.certification_sampled(id, 500) = ledger.certification_sampled(id, 500)) AS same,
                       count(*) FILTER (WHERE ledger.certification_sampled(id, 0)) AS none,
                       count(*) FILTER (WHERE ledger.certification_sampled(id, 10000)) AS every
                FROM (SELECT md5(i::text)::uuid AS id FROM generate_series(1, 10000) i) ids
                """).single()
            let drawn = try draw.decode("drawn", as: Int.self)
            #expect((400...600).contains(drawn), "\(drawn) of 10000 at 5%")
            #expect(try draw.decode("same", as: Int.self) == 10000)
            #expect(try draw.decode("none", as: Int.self) == 0)
            #expect(try draw.decode("every", as: Int.self) == 10000)

            for day in 1...28 {
                _ = try Certifications.record(
                    CertificationRequest(cardNumber: CardNumber("CERT000003"), method: .homeVisit,
                                         certifiedOn: LocalDate(year: 2031, month: 4, day: day)),
                    today: Self.today, policy: Self.policy, on: db)
            }
            let april = try Period(parsing: "2031-04")
            let all = try Certifications.sample(period: april, policy: CertificationPolicy(sampleBasisPoints: 10_000), on: db)
            #expect(all.count == 28)
            let first = try Certifications.sample(period: april, policy: CertificationPolicy(sampleBasisPoints: 3000), on: db)
            let second = try Certifications.sample(period: april, policy: CertificationPolicy(sampleBasisPoints: 3000), on: db)
            #expect(first == second)
            #expect(first.count < 28)
            #expect(try Certifications.sample(period: april, policy: CertificationPolicy(sampleBasisPoints: 0), on: db).isEmpty)
        }
    }

    @Test("the monthly figures: home visits per restaurant, and the people overdue at the month's end")
    func figures() throws {
        try withRegistry { _, db in
            let july = try Certifications.figures(period: Period(parsing: "2031-07"), policy: Self.policy, on: db)
            #expect(july.overdueAtMonthEnd == 2)
            #expect(july.homeVisitsByRestaurant.isEmpty)
            let june = try Certifications.figures(period: Period(parsing: "2031-06"), policy: Self.policy, on: db)
            #expect(june.overdueAtMonthEnd == 0)
        }
    }

    @Test("the auditor reads audit.certifications without personal data, and not the table; certifications are final")
    func auditorAndFinality() throws {
        try withRegistry { scratch, db in
            _ = try Certifications.record(
                CertificationRequest(cardNumber: CardNumber("CERT000001"), method: .proxy, certifiedOn: LocalDate(parsing: "2031-05-02"),
                                     proxyName: "Zhao Plantedproxy", proxyRelation: "daughter", note: "Plantednote"),
                today: Self.today, policy: Self.policy, on: db)
            try scratch.withLogin(grantedRole: "ledger_auditor") { url in
                let auditor = try PostgresConnection.connect(url, logger: TestDatabase.logger)
                defer { auditor.close() }
                let rows = try auditor.query("SELECT c::text AS line FROM audit.certifications c")
                    .map { try $0.decode("line", as: String.self) }
                #expect(rows.count == 4)
                let planted = ["CERT000001", "Zhao", "Planted", "Hiddenlane", "13955500001", "daughter"]
                let leaks = rows.filter { line in planted.contains { line.contains($0) } }
                #expect(leaks.isEmpty, "\(leaks)")
                AuditFixture.expectRefusal("42501") { _ = try auditor.query("SELECT * FROM ledger.certifications") }
                AuditFixture.expectRefusal("42501") { _ = try auditor.query("SELECT * FROM ledger.certification_notices") }
            }
            AuditFixture.expectRefusal("23001", saying: "ledger.certifications is append-only", "record a new certification") {
                _ = try db.query("UPDATE ledger.certifications SET note = 'changed'")
            }
            AuditFixture.expectRefusal("23001", saying: "ledger.certifications is append-only") {
                _ = try db.query("DELETE FROM ledger.certifications")
            }
            // The daemon's role records home visits only.
            try scratch.withLogin(grantedRole: "ledger_app") { url in
                let app = try PostgresConnection.connect(url, logger: TestDatabase.logger)
                defer { app.close() }
                AuditFixture.expectRefusal("LD003", saying: "home visits only") {
                    _ = try app.query("""
                        INSERT INTO ledger.certifications (id, card_no, method, certified_on, next_due, recorded_by)
                        VALUES (gen_random_uuid(), 'CERT000002', 'in_person', '2031-05-01', '2032-05-01', 'app')
                        """)
                }
                _ = try app.query("""
                    INSERT INTO ledger.certifications (id, card_no, method, certified_on, next_due, recorded_by)
                    VALUES (gen_random_uuid(), 'CERT000002', 'home_visit', '2031-05-01', '2032-05-01', 'R1/till')
                    """)
            }
        }
    }

    @Test("as a ledger_app login, the daemon records a home visit, shows due dates, marks deliveries and raises notices")
    func daemonRole() async throws {
        try await ScratchDatabase.withScratchAsync { scratch in
            let token = try scratch.migrateWithRestaurantR1(cards: Self.registry)
            try await scratch.withLogin(grantedRole: "ledger_app") { appURL in
                let pool = PostgresPool(configuration: .init(conninfo: appURL, maxConnections: 2), logger: TestDatabase.logger)
                let now = try RFC3339.parse("2031-07-11T12:00:00+08:00")
                let ledger = Ledger(pool: pool, settings: LedgerSettings(booking: BookingPolicy(timeZone: TimeZone(identifier: "Asia/Shanghai")!)),
                                    clock: { now })
                do {
                    let terminal = try #require(try await ledger.authenticate(token: token))
                    let day = try LocalDate(parsing: "2031-07-11")
                    let delivery = UUID()
                    _ = try await ledger.requestDelivery(
                        DeliveryRequest(id: delivery, cardNumber: CardNumber("CERT000003"), scheduledFor: day, meal: .lunch, mealID: nil),
                        by: terminal)
                    let at = try RFC3339.parse("2031-07-11T11:00:00+08:00")
                    _ = try await ledger.recordDeliveryEvent(
                        DeliveryEventRequest(id: UUID(), deliveryID: delivery, status: .dispatched, at: at, wellness: nil, note: nil), by: terminal)
                    _ = try await ledger.recordDeliveryEvent(
                        DeliveryEventRequest(id: UUID(), deliveryID: delivery, status: .delivered, at: at, wellness: .ok, note: nil,
                                             certification: .homeVisit), by: terminal)
                    let check = try await ledger.checkCard(CardNumber("CERT000003"), by: terminal)
                    #expect(check.certificationDue?.description == "2032-07-11")
                    let marks = try await ledger.certificationsDue(cards: ["CERT000001", "CERT000003"], on: day)
                    #expect(Set(marks.keys) == ["CERT000001"])
                    let round = try await ledger.raiseCertificationNotices(on: day)
                    #expect(round.raised == 2)
                    #expect(round.overdue == 2)
                } catch {
                    await pool.close()
                    throw error
                }
                await pool.close()
            }
        }
    }
}
