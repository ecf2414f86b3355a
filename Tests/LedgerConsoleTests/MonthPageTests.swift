import Foundation
import HTTPTypes
import HummingbirdOTP
import HummingbirdTesting
import LedgerConsole
import LedgerCore
import LedgerStore
import Postgres
import TestSupport
import Testing

/// The Month page (issue 16): the month's figures and close state, the two-person close's acts through the console,
/// held by the database whatever the form, and the report's downloads. One test at a time: each migrates a scratch
/// database and computes a month, and ten at once slow the timing tests of the daemon (OutageTests, SignalTests) that
/// run beside them.
@Suite("staff console: the month and its close", .serialized)
struct MonthPageTests {
    static let month = "2031-05"

    @Test("open, prepared, rejected and closed: each state shown with its figures; approve and reject only to approvers")
    func monthInEachState() async throws {
        try await Self.withClerkAndApprover { fixture, clerk, checker, approver in
            let open = try await clerk.send(.get, "/month?period=\(Self.month)")
            #expect(open.status == .ok)
            #expect(open.text.contains("未结账") && open.text.contains("提交结账") && open.text.contains("东城食堂"), "\(open.text)")
            #expect(open.text.contains("<td>2</td>") && open.text.contains("36.00") && open.text.contains("<svg role=\"img\""))
            #expect(open.text.contains("未收到该餐厅的对账单"), "a month prepared without statements has a break per restaurant")
            #expect(open.text.contains("草稿"))

            let prepared = try await clerk.post("/month/prepare", ["period": Self.month])
            #expect(prepared.status == .seeOther && prepared.location == "/month?period=\(Self.month)")
            let digest = try fixture.pendingDigest(Self.month)
            let clerkView = try await clerk.send(.get, "/month?period=\(Self.month)")
            #expect(clerkView.text.contains("已提交结账申请") && clerkView.text.contains("待审核") && clerkView.text.contains(digest))
            #expect(clerkView.text.contains(fixture.clerk) && !clerkView.text.contains("/month/approve"))
            let approverView = try await checker.send(.get, "/month?period=\(Self.month)")
            #expect(approverView.text.contains("action=\"/month/approve\"") && approverView.text.contains("action=\"/month/reject\""))
            #expect(!approverView.text.contains("name=\"code\""), "TOTP is off: no code field")

            try await checker.post("/month/reject", ["period": Self.month, "reason": "缺少东城食堂的对账单"])
            let rejected = try await clerk.send(.get, "/month?period=\(Self.month)")
            #expect(rejected.text.contains("上次结账申请被退回") && rejected.text.contains("缺少东城食堂的对账单") && rejected.text.contains(approver))
            #expect(rejected.text.contains("提交结账"))

            try await clerk.post("/month/prepare", ["period": Self.month])
            let again = try fixture.pendingDigest(Self.month)
            _ = try await checker.send(.get, "/month?period=\(Self.month)")
            let approved = try await checker.post("/month/approve", ["period": Self.month, "proposal": again])
            #expect(approved.status == .seeOther)
            #expect(try fixture.periodStatus(Self.month) == "closed")
            let closed = try await clerk.send(.get, "/month?period=\(Self.month)")
            let seal = try fixture.query("SELECT digest FROM ledger.periods WHERE period = \(Self.month)", "digest", as: String.self)
            #expect(closed.text.contains("已结账") && closed.text.contains(seal) && closed.text.contains(approver), "\(closed.text)")
            #expect(!closed.text.contains("草稿") && !closed.text.contains("/month/prepare"))
            let english = try await clerk.send(.get, "/month?period=\(Self.month)&lang=en")
            #expect(english.text.contains("Closed") && english.text.contains("Figures per restaurant"))
        }
    }

    @Test("without a period the page shows the month before this one; a malformed period is a 400 that says the format")
    func defaultPeriod() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                let page = try await browser.send(.get, "/month")
                let previous = Period.containing(fixture.clock.now, in: ConsoleFixture.shanghai).previous.description
                #expect(page.status == .ok && page.text.contains("value=\"\(previous)\""))
                let bad = try await browser.send(.get, "/month?period=2031-13")
                #expect(bad.status == .badRequest && bad.text.contains("YYYY-MM"))
            }
        }
    }

    @Test("a clerk approving and the preparer approving are refused by the database, the reason shown, nothing changed")
    func approvalRefusals() async throws {
        try await ConsoleFixture.with { fixture in
            try fixture.mealsInMonth()
            try await fixture.withStaff([.clerk, .approver]) { both in
                try await fixture.test { client in
                    let preparer = Browser(client), clerk = Browser(client)
                    try await preparer.signIn(both, password: ConsoleFixture.password)
                    try await clerk.signIn(fixture.clerk, password: ConsoleFixture.password)
                    _ = try await preparer.send(.get, "/month?period=\(Self.month)")
                    try await preparer.post("/month/prepare", ["period": Self.month])
                    let digest = try fixture.pendingDigest(Self.month)

                    // In English, as ledgerctl words the database's refusals.
                    _ = try await clerk.send(.get, "/month?period=\(Self.month)&lang=en")
                    try await clerk.post("/month/approve", ["period": Self.month, "proposal": digest])
                    let told = try await clerk.send(.get, "/month?period=\(Self.month)")
                    #expect(told.text.contains("role=\"alert\"") && told.text.contains("only an approver approves a close"), "\(told.text)")
                    #expect(try fixture.periodStatus(Self.month) == "open" && fixture.pendingDigest(Self.month) == digest)

                    _ = try await preparer.send(.get, "/month?period=\(Self.month)&lang=en")
                    try await preparer.post("/month/approve", ["period": Self.month, "proposal": digest])
                    let own = try await preparer.send(.get, "/month?period=\(Self.month)")
                    #expect(own.text.contains("role=\"alert\"") && own.text.contains("prepared this proposal: another approver must approve it"), "\(own.text)")
                    #expect(try fixture.periodStatus(Self.month) == "open" && fixture.pendingDigest(Self.month) == digest)
                }
            }
        }
    }

    @Test("reject without a reason is refused and the proposal stays; with a reason the month is open again")
    func rejectNeedsAReason() async throws {
        try await Self.withClerkAndApprover { fixture, clerk, checker, approver in
            try await clerk.post("/month/prepare", ["period": Self.month])
            let digest = try fixture.pendingDigest(Self.month)
            _ = try await checker.send(.get, "/month?period=\(Self.month)")
            try await checker.post("/month/reject", ["period": Self.month, "reason": "  "])
            let refused = try await checker.send(.get, "/month?period=\(Self.month)")
            #expect(refused.text.contains("请填写：reason"), "\(refused.text)")
            #expect(try fixture.pendingDigest(Self.month) == digest)
            try await checker.post("/month/reject", ["period": Self.month, "reason": "数字不对"])
            let state = try fixture.query("SELECT state FROM ledger.close_proposals WHERE digest = \(digest)", "state", as: String.self)
            #expect(state == "rejected")
        }
    }

    @Test("every act of the month needs the session's CSRF token: missing or wrong is 403 and changes nothing")
    func csrfOnEachAct() async throws {
        try await Self.withClerkAndApprover { fixture, clerk, checker, approver in
            for token in [nil, String(repeating: "0", count: 64)] {
                var form = ["period": Self.month]
                form["csrf"] = token
                let refused = try await clerk.send(.post, "/month/prepare", form: form)
                #expect(refused.status == .forbidden && refused.text.contains("安全令牌"))
            }
            #expect(try fixture.proposalCount(Self.month) == 0)
            try await clerk.post("/month/prepare", ["period": Self.month])
            let digest = try fixture.pendingDigest(Self.month)
            for action in ["approve", "reject"] {
                for token in [nil, String(repeating: "0", count: 64)] {
                    var form = ["period": Self.month, "proposal": digest, "reason": "不对"]
                    form["csrf"] = token
                    let refused = try await checker.send(.post, "/month/\(action)", form: form)
                    #expect(refused.status == .forbidden, "\(action) with token \(token ?? "none")")
                }
            }
            #expect(try fixture.pendingDigest(Self.month) == digest && fixture.periodStatus(Self.month) == "open")
        }
    }

    @Test("an expired session's approval goes to the sign-in page and changes nothing")
    func expiredSession() async throws {
        try await Self.withClerkAndApprover { fixture, clerk, checker, approver in
            try await clerk.post("/month/prepare", ["period": Self.month])
            let digest = try fixture.pendingDigest(Self.month)
            try await checker.signIn(approver, password: ConsoleFixture.password)
            _ = try await checker.send(.get, "/month?period=\(Self.month)")
            fixture.clock.advance(minutes: 16)
            let late = try await checker.post("/month/approve", ["period": Self.month, "proposal": digest])
            #expect(late.status == .seeOther && late.location == "/login?expired=1")
            #expect(try fixture.periodStatus(Self.month) == "open" && fixture.pendingDigest(Self.month) == digest)
        }
    }

    @Test("downloads: CSV and HTML as ledgerctl writes them, a draft while open, with Content-Disposition; an unknown file is 404")
    func downloads() async throws {
        try await ConsoleFixture.with { fixture in
            try fixture.mealsInMonth()
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                let csv = try await browser.send(.get, "/month/download?period=\(Self.month)&file=subsidy-\(Self.month).csv")
                #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(csv.headers[.contentDisposition] == "attachment; filename=\"subsidy-\(Self.month).csv\"")
                #expect(csv.text.hasPrefix("period,restaurant,meals,") && csv.text.contains("\(Self.month),R1,2,"), "\(csv.text)")
                let breaks = try await browser.send(.get, "/month/download?period=\(Self.month)&file=breaks-\(Self.month).csv")
                #expect(breaks.status == .ok && breaks.text.contains("R1"))
                let html = try await browser.send(.get, "/month/download?period=\(Self.month)&file=subsidy-\(Self.month).html")
                #expect(html.status == .ok && html.headers[.contentType] == "text/html; charset=utf-8")
                #expect(html.text.hasPrefix("<!DOCTYPE html>") && html.text.contains("草稿"))
                let unknown = try await browser.send(.get, "/month/download?period=\(Self.month)&file=secrets.txt")
                #expect(unknown.status == .notFound)
            }
        }
    }

    @Test("the PDF: printed by Chromium through print-pdf.py; without Chromium, or not set up, a 503 that says what to do")
    func pdfDownload() async throws {
        try await ConsoleFixture.with { fixture in
            try fixture.mealsInMonth()
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("scripts/lib/print-pdf.py").path
            try Self.ensureChromium()
            let uri = "/month/download?period=\(Self.month)&file=subsidy-\(Self.month).pdf"
            try await fixture.test(settings: ConsoleSettings(pdf: PDFSettings(script: script, timeoutSeconds: 120))) { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                let pdf = try await browser.send(.get, uri)
                #expect(pdf.status == .ok && pdf.headers[.contentType] == "application/pdf", "\(pdf.text.prefix(500))")
                #expect(pdf.text.hasPrefix("%PDF-") && pdf.headers[.contentDisposition] == "attachment; filename=\"subsidy-\(Self.month).pdf\"")
            }
            try await fixture.test(settings: ConsoleSettings(pdf: PDFSettings(script: script, browser: "no-such-chromium"))) { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                let missing = try await browser.send(.get, uri)
                #expect(missing.status == .serviceUnavailable && missing.text.contains("Chromium (no-such-chromium) is not installed"))
            }
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                let unset = try await browser.send(.get, uri)
                #expect(unset.status == .serviceUnavailable && unset.text.contains("LEDGER_CONSOLE_PDF_SCRIPT"))
            }
        }
    }

    @Test("TOTP required: a missing, unenrolled, wrong or reused code is refused with its message; a valid one approves")
    func totpRequired() async throws {
        try await Self.withClerkAndApprover(settings: ConsoleSettings(approvalTOTP: true)) { fixture, clerk, checker, approver in
            try await clerk.post("/month/prepare", ["period": Self.month])
            let digest = try fixture.pendingDigest(Self.month)
            let page = try await checker.send(.get, "/month?period=\(Self.month)")
            #expect(page.text.contains("name=\"code\"") && page.text.contains("autocomplete=\"one-time-code\""))

            let attempt = { (code: String?) async throws -> String in
                var form = ["period": Self.month, "proposal": digest]
                form["code"] = code
                try await checker.post("/month/approve", form)
                return try await checker.send(.get, "/month?period=\(Self.month)").text
            }
            #expect(try await attempt(nil).contains("请填写动态验证码"))
            #expect(try await attempt("123456").contains("尚未登记动态验证码"))
            let db = try fixture.scratch.connect()
            defer { db.close() }
            _ = try StaffTOTP.enroll(login: approver, on: db)
            let secret = try fixture.query("SELECT secret FROM ledger.staff_totp WHERE login = \(approver)", "secret", as: String.self)
            // The console checks codes at its clock's time: the fixture's, which stands still.
            let code = TOTP(secret: secret).compute(date: fixture.clock.now)
            let wrong = String(format: "%06d", (code + 500_000) % 1_000_000)
            #expect(try await attempt(wrong).contains("动态验证码不正确"))
            #expect(try fixture.periodStatus(Self.month) == "open")
            let valid = String(format: "%06d", code)
            #expect(try await attempt(valid).contains("已审核通过"))
            #expect(try fixture.periodStatus(Self.month) == "closed")

            // The same code once more, for the next month's close: refused as used.
            try await clerk.post("/month/prepare", ["period": "2031-06"])
            let next = try fixture.pendingDigest("2031-06")
            _ = try await checker.send(.get, "/month?period=2031-06")
            try await checker.post("/month/approve", ["period": "2031-06", "proposal": next, "code": valid])
            let reused = try await checker.send(.get, "/month?period=2031-06")
            #expect(reused.text.contains("该动态验证码已使用过"), "\(reused.text)")
            #expect(try fixture.periodStatus("2031-06") == "open")
        }
    }

    @Test("the secret table is the owner's: a staff login reads only its own secret, through the function")
    func secretsAreTheOwners() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.withStaff([.approver]) { approver in
                let owner = try fixture.scratch.connect()
                defer { owner.close() }
                _ = try StaffTOTP.enroll(login: approver, on: owner)
                let other = try PostgresConnection.connect(fixture.scratch.url, logger: TestDatabase.logger,
                                                           credentials: (approver, ConsoleFixture.password))
                defer { other.close() }
                do {
                    _ = try other.query("SELECT secret FROM ledger.staff_totp")
                    Issue.record("an approver read ledger.staff_totp")
                } catch let error as PostgresError {
                    #expect(error.sqlState == "42501")
                }
                let own = try other.query("SELECT count(*) AS n FROM ledger.own_totp_secret()").single().decode("n", as: Int.self)
                #expect(own == 1)
                let clerk = try PostgresConnection.connect(fixture.scratch.url, logger: TestDatabase.logger,
                                                           credentials: (fixture.clerk, ConsoleFixture.password))
                defer { clerk.close() }
                do {
                    _ = try clerk.query("SELECT * FROM ledger.own_totp_secret()")
                    Issue.record("a clerk called own_totp_secret")
                } catch let error as PostgresError {
                    #expect(error.sqlState == "42501")
                }
            }
        }
    }

    /// Runs `body` with two meals in `month`, an approver login, and two browsers signed in: the fixture's clerk and the
    /// approver.
    static func withClerkAndApprover(
        settings: ConsoleSettings? = nil, _ body: @escaping @Sendable (ConsoleFixture, Browser, Browser, String) async throws -> Void
    ) async throws {
        try await ConsoleFixture.with { fixture in
            try fixture.mealsInMonth()
            try await fixture.withStaff([.approver]) { approver in
                try await fixture.test(settings: settings) { client in
                    let clerk = Browser(client), checker = Browser(client)
                    try await clerk.signIn(fixture.clerk, password: ConsoleFixture.password)
                    try await checker.signIn(approver, password: ConsoleFixture.password)
                    // A page of the session, for its CSRF token.
                    for browser in [clerk, checker] { try await browser.send(.get, "/month?period=\(month)") }
                    try await body(fixture, clerk, checker, approver)
                }
            }
        }
    }

    /// Installs Chromium with apt-get when it is missing, as scripts/report-pdf does (the PDF test needs it).
    static func ensureChromium() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "source scripts/lib/common.sh && ensure_tool chromium && ensure_tool python3"]
        process.currentDirectoryURL = root
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "chromium is missing and could not be installed")
    }
}

extension ConsoleFixture {
    /// Two meals of 18.00 yuan at R1 in `MonthPageTests.month`, as a terminal would have posted them.
    func mealsInMonth() throws {
        let db = try scratch.connect()
        defer { db.close() }
        _ = try db.query("INSERT INTO ledger.periods (period) VALUES ('2031-05') ON CONFLICT DO NOTHING")
        for (day, id) in [("2031-05-10", UUID()), ("2031-05-11", UUID())] {
            let occurred = "\(day) 12:00:00+08"
            _ = try db.query("""
                INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                    card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
                SELECT \(id), 'meal', r.id, t.id, '2031-05', false, \(occurred)::timestamptz, sha256(convert_to(\(id.uuidString), 'UTF8')),
                       \(Self.alertCard), 'preferential_card', 'veteran', \(day)::date, 1800, 8500, 1530, 270
                FROM ledger.restaurants r JOIN ledger.terminals t ON t.restaurant_id = r.id WHERE r.code = 'R1'
                """)
        }
    }

    /// Runs `body` with a new staff login (the console's password) holding `roles`; drops it afterwards.
    func withStaff(_ roles: [StaffRole], _ body: (String) async throws -> Void) async throws {
        let login = "staff_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        let db = try scratch.connect()
        defer {
            try? db.execute(script: "DROP OWNED BY \(login); DROP ROLE IF EXISTS \(login)")
            db.close()
        }
        for role in roles { try Staff.add(login: login, name: "审核员", role: role, password: Self.password, on: db) }
        do {
            try await body(login)
        } catch {
            await endSessions()
            throw error
        }
        await endSessions()
    }

    func pendingDigest(_ period: String) throws -> String {
        try query("SELECT digest FROM ledger.close_proposals WHERE period = \(period) AND state = 'pending'", "digest", as: String.self)
    }

    func proposalCount(_ period: String) throws -> Int {
        try query("SELECT count(*) AS n FROM ledger.close_proposals WHERE period = \(period)", "n", as: Int.self)
    }

    /// The period's status, `open` when the ledger has no row for it.
    func periodStatus(_ period: String) throws -> String {
        try query("SELECT coalesce((SELECT status FROM ledger.periods WHERE period = \(period)), 'open') AS status", "status", as: String.self)
    }
}
