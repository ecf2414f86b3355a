import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The headers of every console response: a Content-Security-Policy that allows nothing from elsewhere and no script
/// at all (styles only inline), no framing, no sniffing, no referrer, and `no-store`: every page but sign-in shows
/// personal data, and the sign-in page carries a one-time token. Also picks the language: `?lang=en` or `?lang=zh`
/// (remembered in a cookie), else the cookie, else Chinese.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = ConsoleRequestContext
    let secure: Bool

    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let asked = request.uri.queryParameters.get("lang").flatMap(Language.init(code:))
        context.language = asked ?? request.cookies["lang"].flatMap { Language(code: $0.value) } ?? .chinese
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            response = Page.problem(status: error.status, message: error.body ?? error.status.reasonPhrase, language: context.language)
        }
        if let asked {
            response.setCookie(Cookie(name: "lang", value: asked.code, maxAge: 365 * 86_400, path: "/", secure: secure,
                                      httpOnly: true, sameSite: .strict))
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

/// Lets a request through only with a live session (else to the sign-in page, saying why); reads a posted form and
/// refuses it (403) unless it carries the session's CSRF token.
struct SessionGuard: RouterMiddleware {
    typealias Context = ConsoleRequestContext
    let sessions: ConsoleSessions

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let id = request.cookies[ConsoleCookie.session]?.value, let session = await sessions.use(id) else {
            let expired = request.cookies[ConsoleCookie.session] != nil
            return Page.redirect(to: expired ? "/login?expired=1" : "/login")
        }
        var context = context
        context.session = session
        if request.method == .post {
            context.form = try await FormFields.read(request, context: context)
            guard SecretToken.equal(context.form["csrf"] ?? "", session.csrfToken) else {
                throw HTTPError(.forbidden, message: Strings.text(.csrfRefused, context.language))
            }
        }
        return try await next(request, context)
    }
}

/// The console's cookie names.
enum ConsoleCookie {
    static let session = "console_session"
    /// The sign-in form's one-time token, compared with the form's field (the form comes before any session).
    static let signInToken = "console_signin"
}

/// The fields of an `application/x-www-form-urlencoded` body of at most 64 KiB.
enum FormFields {
    static func read(_ request: Request, context: ConsoleRequestContext) async throws -> [String: String] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 64 * 1024)
        } catch {
            throw HTTPError(.contentTooLarge, message: Strings.text(.formTooLarge, context.language))
        }
        return parse(String(buffer: buffer))
    }

    static func parse(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first else { continue }
            fields[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}
