import Foundation
import HTTPTypes
import Hummingbird
import LedgerStore
import Mustache
import NIOCore

/// The pages of the console's navigation, in order.
enum Section: String, CaseIterable {
    case today = "/", alerts = "/alerts", cards = "/cards", standingOrders = "/standing-orders", activity = "/activity"
    case certifications = "/certifications"
    case month = "/month"

    var title: Strings.Key {
        switch self {
        case .today: .today
        case .alerts: .alerts
        case .cards: .cards
        case .standingOrders: .standingOrders
        case .activity: .activity
        case .certifications: .certifications
        case .month: .month
        }
    }
}

/// Renders the console's pages: a page's template inside the layout, in the request's language.
enum Page {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in Templates.all {
            // The templates are constants of this module: one that does not parse is a programming error.
            try! library.register(text, named: name)
        }
        return library
    }()

    /// A signed-in page of `section` (its navigation entry marked current).
    static func render(
        _ template: String, section: Section, title: Strings.Key? = nil, values: [String: Any], context: ConsoleRequestContext
    ) throws -> Response {
        let session = try context.requireSession()
        let language = context.language
        let nav = Section.allCases.map { entry -> [String: Any] in
            ["href": entry.rawValue, "label": Strings.text(entry.title, language), "current": entry == section]
        }
        var layout: [String: Any] = ["signedIn": true, "nav": nav, "login": session.staff.login, "csrf": session.csrfToken]
        if let flash = session.flash { layout[flash.isError ? "error" : "flash"] = flash.text }
        return html(template, title: Strings.text(title ?? section.title, language), values: values.merging(["csrf": session.csrfToken]) { $1 },
                    layout: layout, language: language)
    }

    /// A page outside a session (sign-in, a problem), with `status`.
    static func html(
        _ template: String, title: String, values: [String: Any], layout: [String: Any] = [:], language: Language,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var values = values
        values["t"] = Strings.all(language)
        let body = library.render(values, withTemplate: template) ?? ""
        var page = layout
        page["t"] = values["t"]
        page["lang"] = language.htmlCode
        page["css"] = Templates.css
        page["title"] = title
        page["body"] = body
        let text = library.render(page, withTemplate: "layout") ?? ""
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A short page that says what went wrong.
    static func problem(status: HTTPResponse.Status, message: String, language: Language) -> Response {
        html("problem", title: "\(status.code) \(status.reasonPhrase)", values: [:], layout: ["error": message],
             language: language, status: status)
    }

    /// 303 See Other: the browser follows with a GET (after a form, so that reloading does not post again).
    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}

/// Dates and times as the console shows them: in the ledger's time zone.
struct Clock: Sendable {
    let timeZone: TimeZone

    func format(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
                      parts.hour ?? 0, parts.minute ?? 0)
    }
}
