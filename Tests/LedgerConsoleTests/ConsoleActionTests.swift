import Foundation
import HTTPTypes
import HummingbirdTesting
import LedgerConsole
import LedgerStore
import Postgres
import TestSupport
import Testing

@Suite("staff console: pages and actions")
struct ConsoleActionTests {
    @Test("a follow-up step and the acknowledgement are recorded as the clerk's own login, shown and in the activity")
    func followUpAndAcknowledge() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                let alerts = try await browser.send(.get, "/alerts")
                #expect(alerts.text.contains("张老兵") && alerts.text.contains("13800000001") && alerts.text.contains("1 Elm Street"))
                let step = try await browser.post("/alerts/\(fixture.alertID)/followups", ["step": "called", "note": "打了电话，无人接听"])
                #expect(step.status == .seeOther && step.location == "/alerts")
                let recordedBy = try fixture.query("SELECT recorded_by::text AS who FROM ledger.welfare_followups WHERE alert_id = \(fixture.alertID)", "who", as: String.self)
                #expect(recordedBy == fixture.clerk)
                let after = try await browser.send(.get, "/alerts")
                #expect(after.text.contains("已记录跟进步骤") && after.text.contains("打了电话，无人接听") && after.text.contains("已电话联系"))
                try await browser.post("/alerts/\(fixture.alertID)/acknowledge", ["note": "上门探视，老人安好"])
                let acknowledgedBy = try fixture.query("SELECT acknowledged_by FROM ledger.welfare_alerts WHERE id = \(fixture.alertID)", "acknowledged_by", as: String.self)
                #expect(acknowledgedBy == fixture.clerk)
                let history = try await browser.send(.get, "/alerts")
                #expect(history.text.contains("预警已结案") && history.text.contains("上门探视，老人安好"))
                let activity = try await browser.send(.get, "/activity")
                #expect(activity.text.contains("welfare_followup") && activity.text.contains("welfare_acknowledged") && activity.text.contains(fixture.clerk))
                let db = try fixture.scratch.connect()
                defer { db.close() }
                for statement in ["UPDATE ledger.welfare_followups SET note = 'changed'", "DELETE FROM ledger.welfare_followups"] {
                    do {
                        _ = try db.query(PostgresQuery(unsafeSQL: statement))
                        Issue.record("\(statement) was allowed: the follow-up steps must be append-only")
                    } catch let error as PostgresError {
                        #expect(error.sqlState == "23001" && error.message.contains("record a new follow-up step instead"), "\(error)")
                    }
                }
            }
        }
    }

    @Test("a staff login acknowledges as itself and once, even by hand in SQL: the row records its login, then stays")
    func acknowledgementIsOwnAndFinal() async throws {
        try await ConsoleFixture.with { fixture in
            let clerk = try PostgresConnection.connect(fixture.scratch.url, logger: TestDatabase.logger,
                                                       credentials: (fixture.clerk, ConsoleFixture.password))
            defer { clerk.close() }
            _ = try clerk.query("""
                UPDATE ledger.welfare_alerts SET acknowledged_at = '2000-01-01', acknowledged_by = 'someone_else', ack_note = 'seen'
                WHERE id = \(fixture.alertID)
                """)
            let who = try fixture.query("SELECT acknowledged_by FROM ledger.welfare_alerts WHERE id = \(fixture.alertID)", "acknowledged_by", as: String.self)
            #expect(who == fixture.clerk)
            let year = try fixture.query("SELECT extract(year FROM acknowledged_at)::int AS year FROM ledger.welfare_alerts WHERE id = \(fixture.alertID)", "year", as: Int.self)
            #expect(year > 2000)
            do {
                _ = try clerk.query("UPDATE ledger.welfare_alerts SET ack_note = 'rewritten' WHERE id = \(fixture.alertID)")
                Issue.record("an acknowledged alert's note was rewritten")
            } catch let error as PostgresError {
                #expect(error.sqlState == "LD003" && error.message.contains("already acknowledged"), "\(error)")
            }
            let note = try fixture.query("SELECT ack_note FROM ledger.welfare_alerts WHERE id = \(fixture.alertID)", "ack_note", as: String.self)
            #expect(note == "seen")
        }
    }

    @Test("a form without the CSRF token, or with a wrong one, is refused (403) and records nothing")
    func csrf() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                try await browser.send(.get, "/alerts")
                let missing = try await browser.send(.post, "/alerts/\(fixture.alertID)/acknowledge", form: ["note": "done"])
                #expect(missing.status == .forbidden && missing.text.contains("安全令牌"))
                let wrong = try await browser.send(.post, "/alerts/\(fixture.alertID)/acknowledge",
                                                   form: ["note": "done", "csrf": String(repeating: "a", count: 64)])
                #expect(wrong.status == .forbidden)
                let open = try fixture.query("SELECT count(*) FROM ledger.welfare_alerts WHERE acknowledged_at IS NULL", "count", as: Int.self)
                #expect(open == 1)
            }
        }
    }

    @Test("a follow-up without a note, or with an unknown step, is refused with a message and records nothing")
    func badFollowUp() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                try await browser.send(.get, "/alerts")
                try await browser.post("/alerts/\(fixture.alertID)/followups", ["step": "called", "note": "  "])
                #expect(try await browser.send(.get, "/alerts").text.contains("请填写：note"))
                try await browser.post("/alerts/\(fixture.alertID)/followups", ["step": "prayed", "note": "x"])
                #expect(try await browser.send(.get, "/alerts").text.contains("step: not one of"))
                let steps = try fixture.query("SELECT count(*) FROM ledger.welfare_followups", "count", as: Int.self)
                #expect(steps == 0)
            }
        }
    }

    @Test("cards: search by name or number, suspend and reactivate with a reason, recorded with the login")
    func suspendAndReactivate() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                #expect(try await browser.send(.get, "/cards?q=李军").text.contains(ConsoleFixture.quietCard))
                #expect(try await browser.send(.get, "/cards?q=CARD000002").text.contains("李军属"))
                #expect(try await browser.send(.get, "/cards?q=%25").text.contains("没有找到"))
                let page = try await browser.send(.get, "/cards/\(ConsoleFixture.quietCard)")
                #expect(page.text.contains("13800000002") && page.text.contains("暂停使用"))
                try await browser.post("/cards/\(ConsoleFixture.quietCard)/status", ["status": "suspended", "reason": ""])
                #expect(try await browser.send(.get, "/cards/\(ConsoleFixture.quietCard)").text.contains("请填写：reason"))
                #expect(try fixture.query("SELECT status FROM ledger.cards WHERE card_no = \(ConsoleFixture.quietCard)", "status", as: String.self) == "active")
                try await browser.post("/cards/\(ConsoleFixture.quietCard)/status", ["status": "suspended", "reason": "住院"])
                #expect(try fixture.query("SELECT status FROM ledger.cards WHERE card_no = \(ConsoleFixture.quietCard)", "status", as: String.self) == "suspended")
                let changedBy = try fixture.query("SELECT changed_by::text AS who FROM ledger.card_status_changes", "who", as: String.self)
                #expect(changedBy == fixture.clerk)
                try await browser.post("/cards/\(ConsoleFixture.quietCard)/status", ["status": "suspended", "reason": "again"])
                #expect(try await browser.send(.get, "/cards/\(ConsoleFixture.quietCard)").text.contains("already suspended"))
                try await browser.post("/cards/\(ConsoleFixture.quietCard)/status", ["status": "active", "reason": "出院"])
                #expect(try fixture.query("SELECT status FROM ledger.cards WHERE card_no = \(ConsoleFixture.quietCard)", "status", as: String.self) == "active")
                #expect(try await browser.send(.get, "/activity").text.contains("card_suspended"))
                #expect(try await browser.send(.get, "/cards/NOPE0000").status == .notFound)
            }
        }
    }

    @Test("standing orders: add, pause, resume and end, and a bad one refused with a message")
    func standingOrders() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                try await browser.send(.get, "/standing-orders")
                try await browser.post("/standing-orders", [
                    "card": ConsoleFixture.quietCard, "restaurant": "R1", "weekdays": "1,3,5", "meal": "lunch", "from": "2031-01-01",
                ])
                let listed = try await browser.send(.get, "/standing-orders")
                #expect(listed.text.contains("已添加固定送餐") && listed.text.contains("1,3,5"))
                let id = try fixture.query("SELECT id FROM ledger.standing_orders", "id", as: Int64.self)
                try await browser.post("/standing-orders/\(id)/pause", ["from": "2031-02-01", "until": "2031-02-10"])
                #expect(try fixture.query("SELECT paused_until::text AS day FROM ledger.standing_orders", "day", as: String.self) == "2031-02-10")
                try await browser.post("/standing-orders/\(id)/resume", [:])
                #expect(try fixture.query("SELECT paused_until IS NULL AS resumed FROM ledger.standing_orders", "resumed", as: Bool.self))
                try await browser.post("/standing-orders/\(id)/end", ["on": "2031-12-31"])
                #expect(try fixture.query("SELECT ends_on::text AS day FROM ledger.standing_orders", "day", as: String.self) == "2031-12-31")
                try await browser.post("/standing-orders", [
                    "card": ConsoleFixture.quietCard, "restaurant": "R1", "weekdays": "9", "meal": "lunch", "from": "2031-01-01",
                ])
                #expect(try await browser.send(.get, "/standing-orders").text.contains("is not a list of weekdays"))
                #expect(try fixture.query("SELECT count(*) FROM ledger.standing_orders", "count", as: Int.self) == 1)
            }
        }
    }

    @Test("Today lists the day's deliveries per restaurant, not_home and concern first; another day by ?day=")
    func today() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                let today = try await browser.send(.get, "/")
                #expect(today.text.contains("class=\"flag\">concern"))
                let empty = try await browser.send(.get, "/?day=2030-01-01")
                #expect(empty.text.contains("这一天没有送餐"))
                #expect(try await browser.send(.get, "/?day=yesterday").status == .badRequest)
            }
        }
    }
}
