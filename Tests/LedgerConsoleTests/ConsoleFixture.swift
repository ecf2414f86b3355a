import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerConsole
import LedgerCore
@testable import LedgerStore
import Logging
import NIOCore
import Postgres
import Synchronization
import TestSupport
import Testing

/// A clock the tests move on.
final class MovableClock: Sendable {
    private let instant = Mutex(Date())
    var now: Date { instant.withLock { $0 } }
    func advance(minutes: Int) { instant.withLock { $0 += Double(minutes * 60) } }
}

/// One test's console: a migrated scratch database with a restaurant, cards (one with an open welfare alert), a clerk
/// and an auditor login with passwords, and the console's router over it.
struct ConsoleFixture: Sendable {
    static let password = "clerk password 1"
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    /// The card with an open `concern` alert, and a second card without.
    static let alertCard = "CARD000001", quietCard = "CARD000002"

    let scratch: ScratchDatabase
    let clerk: String
    let auditor: String
    let clock: MovableClock
    let sessions: ConsoleSessions
    let alertID: Int64

    /// Runs `body` with a fresh fixture; drops the logins and the database afterwards, however it ends.
    static func with(_ body: @Sendable (ConsoleFixture) async throws -> Void) async throws {
        try await ScratchDatabase.withScratchAsync(migrated: true) { scratch in
            let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
            let (clerk, auditor) = ("clerk_" + suffix, "auditor_" + suffix)
            let db = try scratch.connect()
            defer {
                try? db.execute(script: "DROP ROLE IF EXISTS \(clerk); DROP ROLE IF EXISTS \(auditor)")
                db.close()
            }
            let alertID = try seed(db, clerk: clerk, auditor: auditor)
            let clock = MovableClock()
            let fixture = ConsoleFixture(
                scratch: scratch, clerk: clerk, auditor: auditor, clock: clock,
                sessions: ConsoleSessions(idleTimeout: .seconds(15 * 60), logger: TestDatabase.logger, clock: { clock.now }),
                alertID: alertID)
            do {
                try await body(fixture)
            } catch {
                await fixture.endSessions()
                throw error
            }
            await fixture.endSessions()
        }
    }

    private static func seed(_ db: PostgresConnection, clerk: String, auditor: String) throws -> Int64 {
        _ = try Restaurants.add(code: "R1", name: "东城食堂", community: "East", rate: Rate(basisPoints: 8500), on: db)
        let token = try Terminals.add(restaurant: "R1", name: "till", on: db)
        let terminal = try #require(try Terminals.authenticate(token: token, on: db))
        _ = try Cards.upsert(try Cards.parseImport("""
            \(alertCard),张老兵,veteran,1940-01-01,13800000001,1 Elm Street,East,active,,
            \(quietCard),李军属,veteran,1941-02-02,13800000002,2 Elm Street,East,active,,
            """), on: db)
        let settings = LedgerSettings(booking: BookingPolicy(timeZone: shanghai))
        let today = LocalDate.containing(Date(), in: shanghai)
        let delivery = UUID()
        _ = try db.transaction { db in
            try Deliveries.request(DeliveryRequest(id: delivery, cardNumber: CardNumber(alertCard), scheduledFor: today,
                                                   meal: .lunch, mealID: nil), by: terminal, settings: settings, on: db)
        }
        for (status, wellness) in [(DeliveryStatus.dispatched, Wellness?.none), (.failed, .concern)] {
            _ = try db.transaction { db in
                try Deliveries.recordEvent(DeliveryEventRequest(id: UUID(), deliveryID: delivery, status: status, at: Date(),
                                                                wellness: wellness, note: nil),
                                           by: terminal, settings: settings, now: Date(), on: db)
            }
        }
        try Staff.add(login: clerk, name: "王小明", role: .clerk, password: password, on: db)
        try db.execute(script: "CREATE ROLE \(auditor) LOGIN PASSWORD '\(password)' IN ROLE ledger_auditor")
        return try db.query("SELECT id FROM ledger.welfare_alerts WHERE card_no = \(alertCard)").single().decode("id", as: Int64.self)
    }

    func endSessions() async {
        clock.advance(minutes: 24 * 60)
        await sessions.sweep()
    }

    /// A query on the database as its owner.
    func query<T: PostgresDecodable>(_ sql: PostgresQuery, _ column: String, as type: T.Type = T.self) throws -> T {
        let db = try scratch.connect()
        defer { db.close() }
        return try db.query(sql).single().decode(column, as: T.self)
    }

    /// How many server processes `login` has, once it is `expected` or 5 s have passed (a closed connection's backend
    /// leaves pg_stat_activity a moment later).
    func backends(of login: String, expected: Int) async throws -> Int {
        let end = ContinuousClock.now + .seconds(5)
        while true {
            let count = try query("SELECT count(*) FROM pg_stat_activity WHERE usename = \(login)", "count", as: Int.self)
            if count == expected || ContinuousClock.now >= end { return count }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Runs `body` against the console's router, without sockets.
    func test(
        limits: SignInLimits = .init(), secure: Bool = false, settings: ConsoleSettings? = nil,
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        var configuration = try LedgerConfiguration.fromEnvironment(["DATABASE_URL": scratch.url])
        configuration.poolSize = 1
        let router = buildConsoleRouter(
            configuration: configuration, settings: settings ?? ConsoleSettings(secure: secure, signInLimits: limits), sessions: sessions,
            logger: TestDatabase.logger, clock: { clock.now })
        try await Application(router: router).test(.router, body)
    }
}

/// A browser's side of the console: the cookies it holds and the CSRF token of the last page.
final class Browser: Sendable {
    let client: any TestClientProtocol
    private let state = Mutex<(cookies: [String: String], csrf: String)>(([:], ""))

    init(_ client: any TestClientProtocol) { self.client = client }

    var csrf: String { state.withLock { $0.csrf } }
    func cookie(_ name: String) -> String? { state.withLock { $0.cookies[name] } }

    /// Sends a request with the cookies held; keeps the cookies set and the page's CSRF token.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, form: [String: String]? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        let cookies = state.withLock { $0.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if !cookies.isEmpty { headers[.cookie] = cookies }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: Self.encode(form))
        }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        let page = String(buffer: response.body)
        state.withLock { state in
            for header in response.headers[values: .setCookie] {
                let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let (name, value) = (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
                if value.isEmpty || header.contains("Max-Age=0") { state.cookies[name] = nil } else { state.cookies[name] = value }
            }
            if let match = page.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/) { state.csrf = String(match.1) }
        }
        return response
    }

    /// GET /login, then the sign-in form with its token.
    @discardableResult
    func signIn(_ login: String, password: String) async throws -> TestResponse {
        try await send(.get, "/login")
        return try await send(.post, "/login", form: ["csrf": csrf, "login": login, "password": password])
    }

    /// Posts a form of the signed-in pages with the page's CSRF token.
    @discardableResult
    func post(_ uri: String, _ form: [String: String]) async throws -> TestResponse {
        try await send(.post, uri, form: form.merging(["csrf": csrf]) { $1 })
    }

    static func encode(_ form: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return form.map { key, value in
            "\(key.addingPercentEncoding(withAllowedCharacters: allowed)!)=\(value.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var location: String? { headers[.location] }
}
