import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import Logging
import NIOCore
import Postgres
import Synchronization
import TestSupport
import Testing

/// A settable clock for tests of time rules.
final class TestClock: Sendable {
    private let instant: Mutex<Date>
    init(_ text: String) { instant = Mutex(try! RFC3339.parse(text)) }
    var now: Date { instant.withLock { $0 } }
    func set(_ text: String) { instant.withLock { $0 = try! RFC3339.parse(text) } }
}

/// One test's world: its own restaurant(s), terminal token(s) and cards, with random codes so tests run in parallel
/// against one database without seeing each other.
struct TestWorld {
    let ledger: Ledger
    let clock: TestClock
    let restaurant: String
    let token: String

    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    /// A world whose clock starts at `now`, with one restaurant at `rate` basis points and one terminal.
    static func make(rate: Int32 = 8500, now: String = "2031-05-10T12:00:00+08:00", dailyLimit: Int = 3) throws -> TestWorld {
        let url = try TestDatabase.migrated()
        let clock = TestClock(now)
        let pool = PostgresPool(configuration: .init(conninfo: url, maxConnections: 4), logger: TestDatabase.logger)
        let settings = LedgerSettings(booking: BookingPolicy(timeZone: shanghai), dailyLimit: DailyLimit(maxMeals: dailyLimit))
        let ledger = Ledger(pool: pool, settings: settings, clock: { clock.now })
        let (restaurant, token) = try addRestaurant(rate: rate)
        return TestWorld(ledger: ledger, clock: clock, restaurant: restaurant, token: token)
    }

    /// Registers another restaurant with a terminal; returns its code and token.
    static func addRestaurant(rate: Int32 = 8500) throws -> (String, String) {
        let code = "T" + String(UUID().uuidString.prefix(8))
        return try TestDatabase.withConnection { db in
            _ = try Restaurants.add(code: code, name: "Test \(code)", community: "Test", rate: Rate(basisPoints: rate), on: db)
            return (code, try Terminals.add(restaurant: code, name: "till-1", on: db))
        }
    }

    /// Registers a card and returns its number.
    @discardableResult
    static func addCard(
        category: String = "veteran", status: String = "active", birthDate: String = "1940-01-01",
        validFrom: String = "", validUntil: String = ""
    ) throws -> String {
        let number = "C" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(15)
        let csv = "\(number),Test Holder,\(category),\(birthDate),13800000000,1 Test Road,Test,\(status),\(validFrom),\(validUntil)\n"
        try TestDatabase.withConnection { db in _ = try Cards.upsert(try Cards.parseImport(csv), on: db) }
        return String(number)
    }

    /// Runs `body` against the router, without sockets; closes the pool afterwards.
    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: buildRouter(ledger: ledger))
        do {
            try await app.test(.router, body)
        } catch {
            await ledger.pool.close()
            throw error
        }
        await ledger.pool.close()
    }
}

/// A decoded JSON answer.
struct Answer {
    let status: HTTPResponse.Status
    let json: [String: Any]

    subscript(key: String) -> Any? { json[key] }
    var error: String? { json["error"] as? String }
    var field: String? { json["field"] as? String }
}

extension TestClientProtocol {
    /// Sends `body` (a JSON object or raw text) with the terminal's token and decodes the answer.
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String?, body: Any? = nil) async throws -> Answer {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        var buffer: ByteBuffer?
        switch body {
        case let text as String: buffer = ByteBuffer(string: text)
        case let object?: buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
        case nil: buffer = nil
        }
        return try await execute(uri: uri, method: method, headers: headers, body: buffer) { response in
            let data = Data(response.body.readableBytesView)
            let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            return Answer(status: response.status, json: json)
        }
    }
}

/// A meal body with a fresh id.
func mealBody(card: String, at occurredAt: String = "2031-05-10T11:30:00+08:00", gross: Int64 = 2000,
              payable: Int64? = nil, credential: String? = nil, id: String = UUID().uuidString.lowercased()) -> [String: Any] {
    var body: [String: Any] = ["id": id, "card_no": card, "occurred_at": occurredAt, "gross_fen": gross]
    if let payable { body["payable_fen"] = payable }
    if let credential { body["credential"] = credential }
    return body
}

/// Meals in the ledger for a card, voided ones included, counted straight from the table.
func mealCount(card: String) throws -> Int {
    try TestDatabase.withConnection { db in
        try db.query("SELECT count(*) FROM ledger.entries WHERE kind = 'meal' AND card_no = \(card)").single().onlyValue(as: Int.self)
    }
}

/// Every entry of a restaurant, meals and voids.
func restaurantEntryCount(_ code: String) throws -> Int {
    try TestDatabase.withConnection { db in
        try db.query("""
            SELECT count(*) FROM ledger.entries e JOIN ledger.restaurants r ON r.id = e.restaurant_id WHERE r.code = \(code)
            """).single().onlyValue(as: Int.self)
    }
}

/// A JSON object as text, which can cross into concurrent tasks.
func jsonText(_ object: [String: Any]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
}
