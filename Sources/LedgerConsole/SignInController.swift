import Foundation
import HTTPTypes
import Hummingbird
import LedgerStore
import Logging

/// `/login` and `/logout`. The password goes to PostgreSQL in the connection as the login (`StaffSession`), and no
/// further: the console keeps the connection, not the password.
struct SignInController: Sendable {
    let configuration: LedgerConfiguration
    let settings: ConsoleSettings
    let sessions: ConsoleSessions
    let limiter: SignInLimiter
    let logger: Logger

    func addOpenRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("/login") { request, context in
            let expired = request.uri.queryParameters.get("expired") != nil
            return form(context, login: "", error: expired ? Strings.text(.sessionExpired, context.language) : nil)
        }
        router.post("/login") { request, context in try await signIn(request, context: context) }
    }

    func addSignedInRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.post("/logout") { _, context in
            let session = try context.requireSession()
            await sessions.end(session.id)
            var response = Page.redirect(to: "/login")
            response.setCookie(cookie(ConsoleCookie.session, value: "", maxAge: 0))
            return response
        }
    }

    private func signIn(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let fields = try await FormFields.read(request, context: context)
        let language = context.language
        guard let token = request.cookies[ConsoleCookie.signInToken]?.value, SecretToken.equal(fields["csrf"] ?? "", token) else {
            return form(context, login: "", error: Strings.text(.csrfRefused, language), status: .forbidden)
        }
        let login = (fields["login"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = fields["password"] ?? ""
        if let wait = limiter.wait(login: login, address: context.clientAddress) {
            let minutes = String((wait.components.seconds + 59) / 60)
            logger.warning("console sign-in refused: too many failures", metadata: [
                "console.login": "\(login)", "console.client": "\(context.clientAddress)",
            ])
            var response = form(context, login: login, error: Strings.text(.tooManyAttempts, language)
                .replacingOccurrences(of: "%@", with: minutes), status: .tooManyRequests)
            response.headers[.retryAfter] = String(wait.components.seconds)
            return response
        }
        let staff: StaffSession
        do {
            staff = try await StaffSession.signIn(login: login, password: password, configuration: configuration, logger: logger)
        } catch let refusal as StaffSignInRefusal {
            limiter.recordFailure(login: login, address: context.clientAddress)
            logger.notice("console sign-in refused", metadata: [
                "console.login": "\(login)", "console.client": "\(context.clientAddress)", "console.reason": "\(refusal)",
            ])
            return form(context, login: login, error: refusal.message, status: refusal == .wrongPassword ? .unauthorized : .forbidden)
        } catch let error as LedgerUnavailable {
            return form(context, login: login, error: "the database cannot be reached (\(error.databaseMessage)): try again shortly, or tell the administrator",
                        status: .serviceUnavailable)
        }
        let session = await sessions.open(staff)
        var response = Page.redirect(to: "/")
        response.setCookie(cookie(ConsoleCookie.session, value: session.id))
        response.setCookie(cookie(ConsoleCookie.signInToken, value: "", maxAge: 0))
        return response
    }

    /// The sign-in form with a new one-time token, in the form and in a cookie, which the post must match.
    private func form(
        _ context: ConsoleRequestContext, login: String, error: String?, status: HTTPResponse.Status = .ok
    ) -> Response {
        let token = SecretToken.make()
        var response = Page.html(
            "login", title: Strings.text(.signIn, context.language), values: ["token": token, "login": login],
            layout: error.map { ["error": $0] } ?? [:], language: context.language, status: status)
        response.setCookie(cookie(ConsoleCookie.signInToken, value: token))
        return response
    }

    /// HttpOnly, SameSite=Strict, the whole console's path, Secure under HTTPS.
    private func cookie(_ name: String, value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: settings.secure, httpOnly: true, sameSite: .strict)
    }
}
