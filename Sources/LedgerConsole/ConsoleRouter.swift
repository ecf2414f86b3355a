public import Foundation
public import Hummingbird
import LedgerCore
public import LedgerStore
public import Logging

/// The staff console's routes: `/login` open; every page and action behind a session, every form checked for the
/// session's CSRF token; security headers on every response.
public func buildConsoleRouter(
    configuration: LedgerConfiguration, settings: ConsoleSettings, sessions: ConsoleSessions, logger: Logger,
    clock: @escaping @Sendable () -> Date = { Date() }
) -> Router<ConsoleRequestContext> {
    let router = Router(context: ConsoleRequestContext.self)
    router.add(middleware: SecurityHeaders(secure: settings.secure))
    let limiter = SignInLimiter(limits: settings.signInLimits, clock: clock)
    let signIn = SignInController(configuration: configuration, settings: settings, sessions: sessions, limiter: limiter,
                                  logger: logger)
    signIn.addOpenRoutes(to: router)
    let pages = router.group().add(middleware: SessionGuard(sessions: sessions))
    signIn.addSignedInRoutes(to: pages)
    let actions = StaffActions(sessions: sessions)
    let time = Clock(timeZone: configuration.settings.timeZone)
    TodayPage(time: time, clock: clock).addRoutes(to: pages)
    AlertsController(actions: actions, time: time, clock: clock).addRoutes(to: pages)
    CardsController(actions: actions, time: time).addRoutes(to: pages)
    StandingOrdersController(actions: actions, minimumAge: configuration.settings.deliveryMinimumAge).addRoutes(to: pages)
    ActivityPage(time: time).addRoutes(to: pages)
    CertificationsController(actions: actions, time: time, clock: clock, policy: configuration.settings.certification)
        .addRoutes(to: pages)
    MonthController(actions: actions, settings: configuration.settings, approvalTOTP: settings.approvalTOTP,
                    printer: ReportPrinter(settings: settings.pdf), time: time, clock: clock).addRoutes(to: pages)
    return router
}

/// Runs a staff member's act on their own connection and goes back to the page, with a message saying it was done, or
/// why it was refused (nothing changed then).
struct StaffActions: Sendable {
    let sessions: ConsoleSessions

    func act(
        _ context: ConsoleRequestContext, done: Strings.Key, back: String,
        _ body: @escaping @Sendable (PostedForm, LedgerConnection) throws -> Void
    ) async throws -> Response {
        let session = try context.requireSession()
        let form = PostedForm(fields: context.form, language: context.language)
        let flash: Flash
        do {
            try await session.staff.run { db in try body(form, db) }
            flash = Flash(text: Strings.text(done, context.language), isError: false)
        } catch let refusal as LedgerRefusal {
            flash = Flash(text: Strings.refusal(refusal, context.language), isError: true)
        } catch let error as DomainError {
            flash = Flash(text: error.description, isError: true)
        } catch let problem as FormProblem {
            flash = Flash(text: problem.message, isError: true)
        } catch let error as LedgerUnavailable {
            flash = Flash(text: "the database could not do it (\(error.databaseMessage)): try again, or tell the administrator",
                          isError: true)
        }
        await sessions.tell(session.id, flash)
        return Page.redirect(to: back)
    }

    /// Reads the page's data on the member's connection; a database failure is a 503 page that says so.
    static func read<T: Sendable>(
        _ context: ConsoleRequestContext, _ body: @escaping @Sendable (LedgerConnection) throws -> T
    ) async throws -> T {
        do {
            return try await context.requireSession().staff.run(body)
        } catch let error as LedgerUnavailable {
            throw HTTPError(.serviceUnavailable, message: "the database could not answer (\(error.databaseMessage)): try again shortly")
        }
    }
}

/// A posted form's fields, checked by the session guard for the CSRF token.
struct PostedForm: Sendable {
    let fields: [String: String]
    let language: Language

    /// The field, trimmed; missing or empty, it is refused with a message naming it.
    func required(_ name: String) throws -> String {
        guard let value = optional(name) else {
            throw FormProblem(message: Strings.text(.missingField, language).replacingOccurrences(of: "%@", with: name))
        }
        return value
    }

    /// The field, trimmed; nil when missing or empty.
    func optional(_ name: String) -> String? {
        let value = (fields[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    /// A date field (YYYY-MM-DD, as a date input sends it).
    func date(_ name: String) throws -> LocalDate {
        try LocalDate(parsing: try required(name))
    }
}

/// A form the console refuses before asking the database: what is wrong, for the person who sent it.
struct FormProblem: Error {
    let message: String
}
