import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
@testable import LedgerServer
import LedgerStore
import Logging
import NIOCore
import Postgres
import Synchronization
import Testing

/// The API's edges: methods, HEAD, media types, duplicate keys, the Authorization scheme and failed-token limits.
@Suite("the API's edges")
struct EdgeTests {
    @Test("a route asked with a method it does not take is 405 with Allow; an unknown path stays 404")
    func methodNotAllowed() async throws {
        let world = try TestWorld.make()
        try await world.test { client in
            for (method, path, allow) in [(HTTPRequest.Method.put, "/v1/meals", "POST"), (.delete, "/healthz", "GET, HEAD"),
                                          (.get, "/v1/meals/6f1c1e84-2d39-4bd5-9a57-1b2b0f6a1c11/void", "POST"),
                                          (.post, "/v1/cards/CARD0001", "GET"), (.patch, "/v1/deliveries", "GET, POST")] {
                try await client.execute(uri: path, method: method) { response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                    let allowed = Set((response.headers[.allow] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                    let expected = Set(allow.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                    #expect(allowed == expected, "\(method) \(path)")
                    #expect(String(buffer: response.body).contains("\"method_not_allowed\""))
                }
            }
            let unknown = try await client.call(.get, "/v1/nothing/here", token: world.token)
            #expect(unknown.status == .notFound)
            #expect(unknown.error == "not_found")
        }
    }

    @Test("HEAD /healthz is 200 without a body")
    func headHealth() async throws {
        let world = try TestWorld.make()
        try await world.test { client in
            try await client.execute(uri: "/healthz", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
            }
        }
    }

    @Test("a body that is not declared JSON is 415 and changes nothing; JSON with charset=utf-8, or no Content-Type, is read",
          arguments: [("text/plain", 415), ("application/x-www-form-urlencoded", 415), ("application/json; charset=latin1", 415),
                      ("application/jsonx", 415), ("application/json", 201), ("Application/JSON; charset=UTF-8", 201), (nil, 201)]
          as [(String?, Int)])
    func mediaTypes(contentType: String?, status: Int) async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            var headers: HTTPFields = [.authorization: "Bearer \(world.token)"]
            if let contentType { headers[.contentType] = contentType }
            let body = try JSONSerialization.data(withJSONObject: mealBody(card: card, at: "2031-05-10T11:30:00+08:00"))
            try await client.execute(uri: "/v1/meals", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
                #expect(response.status.code == status)
                if status == 415 { #expect(String(buffer: response.body).contains("\"unsupported_media_type\"")) }
            }
            #expect(try mealCount(card: card) == (status == 201 ? 1 : 0))
        }
    }

    @Test("a key twice in one object is 400 invalid_json naming the key, at any depth and however escaped; nothing is stored",
          arguments: [#""gross_fen":2000,"gross_fen":1"#, #""gross_fen":2000,"\u0067ross_fen":1"#])
    func duplicateKeys(fields: String) async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let body = #"{"id":"\#(UUID().uuidString)","card_no":"\#(card)","occurred_at":"2031-05-10T11:30:00+08:00",\#(fields)}"#
            let answer = try await client.call(.post, "/v1/meals", token: world.token, body: body)
            #expect(answer.status == .badRequest)
            #expect(answer.error == "invalid_json")
            #expect((answer["message"] as? String)?.contains("\"gross_fen\"") == true)
            #expect(try mealCount(card: card) == 0)

            let item = #"{"id":"\#(UUID().uuidString)","card_no":"\#(card)","card_no":"X","occurred_at":"2031-05-10T11:30:00+08:00","gross_fen":10}"#
            let batch = try await client.call(.post, "/v1/meals/batch", token: world.token, body: #"{"meals":[\#(item)]}"#)
            #expect(batch.status == .badRequest)
            #expect(batch.error == "invalid_json")
            #expect(try mealCount(card: card) == 0)
        }
    }

    @Test("the duplicate-key scan: same keys in different objects are fine; strings and arrays do not confuse it")
    func duplicateScan() throws {
        func scan(_ text: String) -> String? {
            guard case .duplicateKey(let key) = JSONBody.scan(Data(text.utf8)) else { return nil }
            return key
        }
        #expect(scan(#"{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}"#) == nil)
        #expect(scan(#"{"a":"\"a\":","b":["a","a"]}"#) == nil)
        #expect(scan(#"{"a":{"b":1,"b":2}}"#) == "b")
        #expect(scan(#"[{"x":1},{"y":1,"y":2}]"#) == "y")
        #expect(scan(#"{"a\\":1,"a\\":2}"#) == #"a\"#)
        #expect(scan(#"{"é":1,"\u00e9":2}"#) == "é")
        // Deeper than the scan goes is left to the decoder, which refuses it.
        #expect(scan(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)) == nil)
    }

    @Test("a NUL character in any string is 400 validation_failed naming its field, not 503; nothing is stored")
    func nulCharacters() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            let meal = try await client.call(.post, "/v1/meals", token: world.token, body: mealBody(card: card))
            let mealID = try #require(meal["id"] as? String)
            let void = try await client.call(.post, "/v1/meals/\(mealID)/void", token: world.token,
                                             body: #"{"id":"\#(UUID().uuidString)","reason":"wrong\u0000card"}"#)
            #expect(void.status == .badRequest)
            #expect(void.error == "validation_failed")
            #expect(void.field == "reason")
            let nested = try await client.call(.post, "/v1/meals/batch", token: world.token,
                                               body: #"{"meals":[{"id":"\#(UUID().uuidString)","card_no":"\#(card)\u0000"}]}"#)
            #expect(nested.status == .badRequest)
            #expect(nested.field == "card_no")
            #expect(try mealCount(card: card) == 1)
        }
        #expect(JSONBody.scan(Data(#"{"a":"x\\u0000"}"#.utf8)) == nil, "an escaped backslash before u0000 is no NUL")
        #expect(JSONBody.scan(Data(#"{"a\u0000":1}"#.utf8)) == .nul(field: "a\u{0}"))
    }

    @Test("100,000-level nesting is still refused cleanly with 400 invalid_json")
    func deepNesting() async throws {
        let world = try TestWorld.make()
        try await world.test { client in
            let body = #"{"a":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
            let answer = try await client.call(.post, "/v1/meals/batch", token: world.token, body: body)
            #expect(answer.status == .badRequest)
            #expect(answer.error == "invalid_json")
        }
    }

    @Test("the Authorization scheme is case-insensitive", arguments: ["bearer", "BEARER", "Bearer", "bEaReR"])
    func bearerScheme(scheme: String) async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        try await world.test { client in
            try await client.execute(uri: "/v1/cards/\(card)", method: .get, headers: [.authorization: "\(scheme) \(world.token)"]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/cards/\(card)", method: .get, headers: [.authorization: "Basic \(world.token)"]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test("after N failed token attempts from an address, its requests are 429 with Retry-After, a good token included")
    func failedTokenLimit() async throws {
        let world = try TestWorld.make()
        let card = try TestWorld.addCard()
        let app = Application(router: buildRouter(ledger: world.ledger, authLimits: AuthLimits(failures: 3, windowSeconds: 60)))
        try await app.test(.router) { client in
            #expect(try await client.call(.get, "/v1/cards/\(card)", token: world.token).status == .ok)
            for _ in 0..<3 {
                #expect(try await client.call(.get, "/v1/cards/\(card)", token: "ldg_wrong").status == .unauthorized)
            }
            for token in ["ldg_wrong", world.token] {
                try await client.execute(uri: "/v1/cards/\(card)", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                    #expect(response.status == .tooManyRequests)
                    let retryAfter = Int(response.headers[.retryAfter] ?? "") ?? 0
                    #expect((1...60).contains(retryAfter))
                    #expect(String(buffer: response.body).contains("\"too_many_requests\""))
                }
            }
        }
        await world.ledger.pool.close()
    }

    @Test("a throttled address is refused without a database round trip")
    func throttledWithoutDatabase() async throws {
        // A database that cannot be reached: a token lookup would answer 503.
        let pool = PostgresPool(configuration: .init(conninfo: "postgresql://postgres@127.0.0.1:1/none", maxConnections: 1),
                                logger: Logger(label: "test"))
        let ledger = Ledger(pool: pool, settings: LedgerSettings(booking: BookingPolicy(timeZone: TestWorld.shanghai)))
        let app = Application(router: buildRouter(ledger: ledger, authLimits: AuthLimits(failures: 1, windowSeconds: 60)))
        try await app.test(.router) { client in
            let withoutToken = try await client.call(.get, "/v1/cards/CARD0001", token: nil)
            #expect(withoutToken.status == .unauthorized)
            let throttled = try await client.call(.get, "/v1/cards/CARD0001", token: "ldg_x")
            #expect(throttled.status == .tooManyRequests)
        }
        await pool.close()
    }

    @Test("the limiter forgets an address when its window ends and never tracks more than its bound")
    func limiterBounds() {
        let limiter = FailedTokenLimiter(limits: AuthLimits(failures: 2, windowSeconds: 10), maxAddresses: 100)
        let start = ContinuousClock.now
        limiter.recordFailure("a", now: start)
        #expect(limiter.retryAfter("a", now: start) == nil)
        limiter.recordFailure("a", now: start + .seconds(1))
        #expect(limiter.retryAfter("a", now: start + .seconds(2)) == 8)
        #expect(limiter.retryAfter("a", now: start + .seconds(10)) == nil)
        for index in 0..<1000 { limiter.recordFailure("10.0.\(index / 256).\(index % 256)", now: start + .milliseconds(index)) }
        #expect(limiter.trackedAddresses <= 100)
        // The newest addresses are the ones kept.
        limiter.recordFailure("10.0.3.231", now: start + .seconds(1))
        #expect(limiter.retryAfter("10.0.3.231", now: start + .seconds(1)) != nil)
    }
}

/// A log handler that keeps every line, for tests that count them.
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[(Logger.Level, String)]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withLock { $0.append((event.level, "\(event.message)")) }
    }

    var messages: [(Logger.Level, String)] { lines.withLock { $0 } }
}

@Suite("database outage log")
struct OutageLogTests {
    @Test("a thousand failures make one warning at once and one summary with their count; a quiet interval ends it")
    func summarised() {
        let captured = CapturedLog()
        // The interval's end is played by calling summarise(): the timer (an hour away) never fires in the test.
        // SignalTests' outage test sees the timer's lines from a real ledgerd.
        let log = OutageLog(interval: .seconds(3600), logger: Logger(label: "test") { _ in captured })
        struct Refused: Error {}
        for _ in 0..<1000 { log.record(Refused()) }
        #expect(captured.messages.count == 1)
        #expect(captured.messages.first?.0 == .warning)
        log.summarise()
        #expect(captured.messages.count == 2)
        #expect(captured.messages.last?.1.contains("database unavailable: 999 more 503 answers in the last 3600 s") == true)
        log.record(Refused())
        #expect(captured.messages.count == 2, "still the same outage: counted, not logged")
        log.summarise()
        #expect(captured.messages.last?.1.contains(": 1 more 503 answer in") == true)
        log.summarise()
        #expect(captured.messages.count == 3, "a quiet interval ends the outage without a line")
        log.record(Refused())
        #expect(captured.messages.count == 4, "a new outage is logged at once")
        #expect(captured.messages.last?.1.hasPrefix("database unavailable: answering 503") == true)
    }
}
