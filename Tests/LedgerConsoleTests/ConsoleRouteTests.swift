import Foundation
import HTTPTypes
import HummingbirdTesting
import LedgerConsole
import LedgerStore
import Testing

@Suite("staff console: sign-in and sessions")
struct ConsoleSignInTests {
    @Test("a clerk signs in with their PostgreSQL password: an HttpOnly, SameSite=Strict session cookie, then Today")
    func clerkSignsIn() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                let form = try await browser.send(.get, "/login")
                #expect(form.status == .ok)
                #expect(form.text.contains("name=\"login\"") && form.text.contains("name=\"password\"") && form.text.contains("<label for=\"login\">"))
                let signedIn = try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                #expect(signedIn.status == .seeOther && signedIn.location == "/")
                let sessionCookies = signedIn.headers[values: .setCookie].filter { $0.hasPrefix("console_session=") }
                let cookie = try #require(sessionCookies.first)
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"))
                let today = try await browser.send(.get, "/")
                #expect(today.status == .ok)
                #expect(today.text.contains("东城食堂") && today.text.contains("张老兵") && today.text.contains(fixture.clerk))
                #expect(await fixture.sessions.count == 1)
                let backends = try await fixture.backends(of: fixture.clerk, expected: 1)
                #expect(backends == 1)
            }
        }
    }

    @Test("under HTTPS the console's cookies are Secure as well")
    func secureCookies() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test(secure: true) { client in
                let browser = Browser(client)
                let form = try await browser.send(.get, "/login")
                let signedIn = try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                let cookies = form.headers[values: .setCookie] + signedIn.headers[values: .setCookie]
                #expect(cookies.count >= 3)
                let insecure = cookies.filter { !$0.contains("; Secure") }
                #expect(insecure.isEmpty, "\(insecure)")
            }
        }
    }

    @Test("every page carries the security headers: CSP without outside sources, no framing, no-store")
    func securityHeaders() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                for page in ["/login", "/", "/alerts", "/cards?q=CARD", "/standing-orders", "/activity"] {
                    let response = try await browser.send(.get, page)
                    #expect(response.status == .ok, "\(page)")
                    #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true, "\(page)")
                    #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(page)")
                    #expect(response.headers[.cacheControl] == "no-store", "\(page)")
                    #expect(!response.text.contains("http://") && !response.text.contains("https://"), "\(page) names an outside asset")
                }
            }
        }
    }

    @Test("a wrong password is refused (401) and no session opens")
    func wrongPassword() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                let response = try await browser.signIn(fixture.clerk, password: "not it")
                #expect(response.status == .unauthorized)
                #expect(response.text.contains("the login or the password is wrong"))
                #expect(browser.cookie("console_session") == nil)
                #expect(await fixture.sessions.count == 0)
            }
        }
    }

    @Test("an auditor login is refused, with its right password: it is not staff")
    func auditorRefused() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let response = try await Browser(client).signIn(fixture.auditor, password: ConsoleFixture.password)
                #expect(response.status == .forbidden)
                #expect(response.text.contains("not bureau staff"))
                #expect(await fixture.sessions.count == 0)
                let backends = try await fixture.backends(of: fixture.auditor, expected: 0)
                #expect(backends == 0)
            }
        }
    }

    @Test("a login PostgreSQL checks no password for (trust: the cluster's owner here) is refused, saying why")
    func trustRefused() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let response = try await Browser(client).signIn("postgres", password: "anything at all")
                #expect(response.status == .forbidden)
                #expect(response.text.contains("checks no password"))
                #expect(await fixture.sessions.count == 0)
            }
        }
    }

    @Test("the sign-in form without its token, or with another, is refused (403) before any password is tried")
    func signInNeedsItsToken() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.send(.get, "/login")
                let missing = try await browser.send(.post, "/login", form: ["login": fixture.clerk, "password": ConsoleFixture.password])
                #expect(missing.status == .forbidden)
                try await browser.send(.get, "/login")
                let wrong = try await browser.send(.post, "/login", form: [
                    "csrf": String(repeating: "0", count: 64), "login": fixture.clerk, "password": ConsoleFixture.password,
                ])
                #expect(wrong.status == .forbidden)
                #expect(await fixture.sessions.count == 0)
            }
        }
    }

    @Test("after 5 failures for one login, sign-in is refused (429) for 15 minutes, even with the right password")
    func tooManyAttempts() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                for _ in 1...5 {
                    #expect(try await browser.signIn(fixture.clerk, password: "guess").status == .unauthorized)
                }
                let refused = try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers[.retryAfter] != nil)
                #expect(await fixture.sessions.count == 0)
                fixture.clock.advance(minutes: 16)
                #expect(try await browser.signIn(fixture.clerk, password: ConsoleFixture.password).status == .seeOther)
            }
        }
    }

    @Test("after 3 failures from one address over several logins, that address is refused (limits per address)")
    func tooManyAttemptsFromOneAddress() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test(limits: SignInLimits(perLogin: 5, perAddress: 3)) { client in
                let browser = Browser(client)
                for login in ["nobody_a", "nobody_b", "nobody_c"] {
                    let failed = try await browser.signIn(login, password: "guess")
                    #expect(failed.status == .unauthorized)
                }
                let refused = try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                #expect(refused.status == .tooManyRequests)
            }
        }
    }

    @Test("a session idle for the timeout ends: its connection closes and the next page is the sign-in, saying why")
    func expiredSession() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                fixture.clock.advance(minutes: 14)
                #expect(try await browser.send(.get, "/").status == .ok)
                fixture.clock.advance(minutes: 15)
                let expired = try await browser.send(.get, "/alerts")
                #expect(expired.status == .seeOther && expired.location == "/login?expired=1")
                #expect(await fixture.sessions.count == 0)
                let page = try await browser.send(.get, "/login?expired=1")
                #expect(page.text.contains("已自动退出"))
                let backends = try await fixture.backends(of: fixture.clerk, expected: 0)
                #expect(backends == 0)
            }
        }
    }

    @Test("without a session every page and action goes to the sign-in page")
    func noSession() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                for (method, page) in [(HTTPRequest.Method.get, "/"), (.get, "/alerts"), (.get, "/activity"),
                                       (.post, "/alerts/\(fixture.alertID)/acknowledge")] {
                    let response = try await browser.send(method, page, form: method == .post ? ["note": "x"] : nil)
                    #expect(response.status == .seeOther && response.location == "/login", "\(page)")
                }
            }
        }
    }

    @Test("sign-out ends the session and closes its connection; its cookie no longer opens a page")
    func signOut() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                let session = try #require(browser.cookie("console_session"))
                try await browser.send(.get, "/")
                #expect(try await browser.post("/logout", [:]).location == "/login")
                #expect(await fixture.sessions.count == 0)
                let again = try await client.execute(uri: "/", method: .get, headers: [.cookie: "console_session=\(session)"])
                #expect(again.status == .seeOther)
                let backends = try await fixture.backends(of: fixture.clerk, expected: 0)
                #expect(backends == 0)
            }
        }
    }

    @Test("Chinese by default, English with ?lang=en, remembered in a cookie")
    func language() async throws {
        try await ConsoleFixture.with { fixture in
            try await fixture.test { client in
                let browser = Browser(client)
                #expect(try await browser.send(.get, "/login").text.contains("<html lang=\"zh-Hans\">"))
                #expect(try await browser.send(.get, "/login?lang=en").text.contains("Sign in"))
                try await browser.signIn(fixture.clerk, password: ConsoleFixture.password)
                let today = try await browser.send(.get, "/")
                #expect(today.text.contains("<html lang=\"en\">") && today.text.contains("Welfare alerts"))
            }
        }
    }
}
