import Foundation
import HTTPTypes
import HummingbirdTesting
import LedgerConsole
import LedgerCore
import LedgerStore
import Postgres
import TestSupport
import Testing

@Suite("staff console: the Certifications page")
struct CertificationPageTests {
    /// Gives the quiet card a certification a year and 40 days ago (overdue now) and the alert card none.
    static func overdueQuietCard(_ fixture: ConsoleFixture) throws {
        let db = try fixture.scratch.connect()
        defer { db.close() }
        _ = try db.query("""
            INSERT INTO ledger.certifications (id, card_no, method, certified_on, next_due)
            VALUES (gen_random_uuid(), \(ConsoleFixture.quietCard), 'in_person', current_date - 405, current_date - 40)
            """)
        _ = try Certifications.raiseOverdueNotices(on: LocalDate.containing(Date(), in: ConsoleFixture.shanghai),
                                                   policy: CertificationPolicy(), on: db)
    }

    @Test("the page lists the overdue and an open notice; a clerk records a certification, sets a first due date and acknowledges, as itself")
    func actions() async throws {
        try await ConsoleFixture.with { fixture in
            try Self.overdueQuietCard(fixture)
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                let page = try await browser.send(.get, "/certifications")
                #expect(page.status == .ok)
                #expect(page.text.contains("生存认证") && page.text.contains("已逾期") && page.text.contains("李军属"))
                #expect(page.text.contains("13800000002") && page.text.contains("/certifications/notices/"))
                #expect(page.text.contains("<label for=\"cert-method\">") && page.text.contains("<label for=\"due-on\">"))

                let firstDue = try await browser.post("/certifications/first-due", ["card": ConsoleFixture.alertCard, "due": "2099-01-31"])
                #expect(firstDue.status == .seeOther && firstDue.location == "/certifications")
                let setBy = try fixture.query("SELECT set_by::text AS who FROM ledger.certification_first_dues", "who", as: String.self)
                #expect(setBy == fixture.clerk)
                #expect(try await browser.send(.get, "/certifications").text.contains("已设定首次认证日期"))

                let today = LocalDate.containing(Date(), in: ConsoleFixture.shanghai).description
                let recorded = try await browser.post("/certifications/record", [
                    "card": ConsoleFixture.quietCard, "method": "proxy", "on": today, "proxy_name": "李小军", "proxy_relation": "儿子",
                ])
                #expect(recorded.status == .seeOther)
                let recordedBy = try fixture.query("SELECT recorded_by FROM ledger.certifications WHERE method = 'proxy'", "recorded_by", as: String.self)
                #expect(recordedBy == fixture.clerk)
                let after = try await browser.send(.get, "/certifications")
                #expect(after.text.contains("已登记认证") && after.text.contains("没有逾期未认证的人"))
                // Certifying closed the person's notice, as closed by the certification.
                let closedBy = try fixture.query("SELECT count(*) AS closed FROM ledger.certification_notices WHERE closed_by_certification IS NOT NULL", "closed", as: Int.self)
                #expect(closedBy == 1)
                #expect(after.text.contains("没有待处理的逾期通知"))
                let activity = try await browser.send(.get, "/activity")
                #expect(activity.text.contains("certification_recorded") && activity.text.contains("certification_first_due"))
            }
        }
    }

    @Test("a clerk acknowledges an open notice as itself")
    func acknowledge() async throws {
        try await ConsoleFixture.with { fixture in
            try Self.overdueQuietCard(fixture)
            let notice = try fixture.query("SELECT id FROM ledger.certification_notices", "id", as: Int64.self)
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                try await browser.send(.get, "/certifications")
                try await browser.post("/certifications/notices/\(notice)/acknowledge", ["note": "电话联系，下周来认证"])
                let who = try fixture.query("SELECT acknowledged_by FROM ledger.certification_notices WHERE id = \(notice)", "acknowledged_by", as: String.self)
                #expect(who == fixture.clerk)
                let page = try await browser.send(.get, "/certifications")
                #expect(page.text.contains("逾期通知已结案"))
                // Again: refused, in Chinese.
                try await browser.post("/certifications/notices/\(notice)/acknowledge", ["note": "again"])
                let refused = try await browser.send(.get, "/certifications")
                #expect(refused.text.contains("逾期通知 #\(notice) 已于") && refused.text.contains("未作任何更改"))
            }
        }
    }

    @Test("each refusal shows in Chinese, or in English after ?lang=en, and records nothing")
    func refusals() async throws {
        try await ConsoleFixture.with { fixture in
            try Self.overdueQuietCard(fixture)
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                try await browser.send(.get, "/certifications")
                let today = LocalDate.containing(Date(), in: ConsoleFixture.shanghai)
                let cases: [(String, [String: String], String, String)] = [
                    ("/certifications/first-due", ["card": ConsoleFixture.quietCard, "due": "2099-01-01"],
                     "已有认证记录", "already has a certification"),
                    ("/certifications/first-due", ["card": ConsoleFixture.alertCard, "due": today.adding(days: -1).description],
                     "早于今天", "is before today"),
                    ("/certifications/first-due", ["card": "NOSUCH0001", "due": "2099-01-01"],
                     "不在登记名册中", "is not in the registry"),
                    ("/certifications/record", ["card": ConsoleFixture.quietCard, "method": "proxy", "on": today.description],
                     "认证信息", "needs the proxy"),
                    ("/certifications/record", ["card": "NOSUCH0001", "method": "in_person", "on": today.description],
                     "不在登记名册中", "is not in the registry"),
                    ("/certifications/notices/999999/acknowledge", ["note": "x"], "没有编号为 999999 的逾期通知", "there is no certification notice 999999"),
                ]
                for language in ["zh", "en"] {
                    try await browser.send(.get, "/certifications?lang=\(language)")
                    for (action, form, chinese, english) in cases {
                        try await browser.post(action, form)
                        let page = try await browser.send(.get, "/certifications").text
                        #expect(page.contains(language == "zh" ? chinese : english), "\(action) \(form) in \(language)")
                        #expect(page.contains("role=\"alert\""), "\(action) \(form)")
                    }
                }
                let firstDues = try fixture.query("SELECT count(*) AS rows FROM ledger.certification_first_dues", "rows", as: Int.self)
                let certifications = try fixture.query("SELECT count(*) AS rows FROM ledger.certifications", "rows", as: Int.self)
                #expect(firstDues == 0 && certifications == 1)
            }
        }
    }

    @Test("a form without the CSRF token or with a wrong one is refused 403; an expired session goes to sign in; an auditor has no page")
    func guards() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                let signedOut = try await browser.send(.get, "/certifications")
                #expect(signedOut.status == .seeOther && signedOut.location == "/login")
                let auditor = try await browser.signIn(fixture.auditor, password: ConsoleFixture.password)
                #expect(auditor.status == .forbidden)
                #expect(try await browser.send(.get, "/certifications").location == "/login")

                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                try await browser.send(.get, "/certifications")
                let form = ["card": ConsoleFixture.alertCard, "method": "in_person", "on": LocalDate.containing(Date(), in: ConsoleFixture.shanghai).description]
                let missing = try await browser.send(.post, "/certifications/record", form: form)
                #expect(missing.status == .forbidden)
                let wrong = try await browser.send(.post, "/certifications/first-due",
                                                   form: ["csrf": String(repeating: "0", count: 64), "card": ConsoleFixture.alertCard, "due": "2099-01-01"])
                #expect(wrong.status == .forbidden)
                let rows = try fixture.query("SELECT (SELECT count(*) FROM ledger.certifications) + (SELECT count(*) FROM ledger.certification_first_dues) AS rows", "rows", as: Int.self)
                #expect(rows == 0)
                fixture.clock.advance(minutes: 16)
                let expired = try await browser.post("/certifications/record", form)
                #expect(expired.status == .seeOther && expired.location == "/login?expired=1")
                let still = try fixture.query("SELECT count(*) AS rows FROM ledger.certifications", "rows", as: Int.self)
                #expect(still == 0)
            }
        }
    }

    @Test("a standing order added, paused and ended in the console records the login that did it, shown in Activity")
    func standingOrderChangesRecordTheLogin() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                try await browser.send(.get, "/standing-orders")
                try await browser.post("/standing-orders", ["card": ConsoleFixture.quietCard, "restaurant": "R1", "weekdays": "1,3",
                                                            "meal": "lunch", "from": "2099-01-01"])
                let order = try fixture.query("SELECT id FROM ledger.standing_orders", "id", as: Int64.self)
                try await browser.post("/standing-orders/\(order)/pause", ["from": "2099-02-01", "until": "2099-02-10"])
                try await browser.post("/standing-orders/\(order)/end", ["on": "2099-06-30"])
                let db = try fixture.scratch.connect()
                defer { db.close() }
                let changes = try db.query("SELECT action, changed_by::text AS who FROM ledger.standing_order_changes ORDER BY id")
                let actions = try changes.map { try $0.decode("action", as: String.self) }
                let logins = Set(try changes.map { try $0.decode("who", as: String.self) })
                #expect(actions == ["added", "paused", "ended"])
                #expect(logins == [fixture.clerk])
                let activity = try await browser.send(.get, "/activity")
                #expect(activity.text.contains("standing_order_paused") && activity.text.contains("standing order \(order)"))
            }
        }
    }
}
