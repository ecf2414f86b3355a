import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

@Suite("ledgerctl standing-orders, alerts, deliveries")
struct DeliveryCommandTests {
    /// A restaurant with a random code and a terminal; returns the code and the token.
    static func restaurant() throws -> (code: String, token: String) {
        _ = try Executables.ledgerctl("migrate")
        let code = "DLV" + UUID().uuidString.prefix(6)
        #expect(try Executables.ledgerctl("restaurant", "add", "--code", code, "--name", "送餐", "--community", "C", "--rate", "8500").status == 0)
        return (code, try Executables.ledgerctl("terminal", "add", "--restaurant", code, "--name", "till").lastLine)
    }

    /// Registers a veteran's card with the holder's personal data; returns its number.
    static func card(name: String = "Test Holder", phone: String = "13700000000", address: String = "3 Test Road") throws -> String {
        let number = "DLV" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(number).csv")
        try "\(number),\(name),veteran,1935-01-01,\(phone),\"\(address)\",East,active,,\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try Executables.ledgerctl("cards", "import", file.path).status == 0)
        return number
    }

    /// The Monday of the first full week of March of a random far-future year, as `YYYY-MM-DD` with `offset` days added.
    static func randomMonday() -> (Int) -> String {
        let year = Int.random(in: 3000...9000)
        var components = DateComponents(year: year, month: 3, day: 1, hour: 12)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        while calendar.component(.weekday, from: calendar.date(from: components)!) != 2 { components.day! += 1 }
        let monday = calendar.date(from: components)!
        return { offset in
            let day = calendar.date(byAdding: .day, value: offset, to: monday)!
            let parts = calendar.dateComponents([.year, .month, .day], from: day)
            return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        }
    }

    @Test("standing-orders add, list, generate, pause, resume, end; generation happens once")
    func standingOrders() throws {
        let (code, _) = try Self.restaurant()
        let card = try Self.card()
        let day = Self.randomMonday()

        let badDays = try Executables.ledgerctl("standing-orders", "add", "--card", card, "--restaurant", code, "--weekdays", "1,8",
                                                "--meal", "lunch", "--from", day(0))
        #expect(badDays.status != 0)
        #expect(badDays.stderr.contains("weekday"))
        let badMeal = try Executables.ledgerctl("standing-orders", "add", "--card", card, "--restaurant", code, "--weekdays", "1",
                                                "--meal", "brunch", "--from", day(0))
        #expect(badMeal.status != 0)
        #expect(badMeal.stderr.contains("breakfast, lunch, dinner"))

        let added = try Executables.ledgerctl("standing-orders", "add", "--card", card, "--restaurant", code, "--weekdays", "1;2;3;4;5",
                                              "--meal", "lunch", "--from", day(0), "--until", day(40))
        #expect(added.status == 0, "\(added.stderr)")
        let idWithColon = added.stdout.split(separator: " ").dropFirst(3).first
        let id = String(try #require(idWithColon).dropLast())
        #expect(added.stdout.hasPrefix("registered standing order \(id):"))
        let overlap = try Executables.ledgerctl("standing-orders", "add", "--card", card, "--restaurant", code, "--weekdays", "3",
                                                "--meal", "lunch", "--from", day(7))
        #expect(overlap.status != 0)
        #expect(overlap.stderr.contains("already has standing order \(id)"))

        let list = try Executables.ledgerctl("standing-orders", "list", "--restaurant", code)
        #expect(list.stdout.contains(card))
        #expect(list.stdout.contains("1,2,3,4,5"))

        #expect(try Executables.ledgerctl("standing-orders", "generate", "--date", day(0)).stdout == "created 1 deliveries for \(day(0))\n")
        #expect(try Executables.ledgerctl("standing-orders", "generate", "--date", day(0)).stdout == "created 0 deliveries for \(day(0))\n")
        #expect(try Executables.ledgerctl("standing-orders", "generate", "--date", day(5)).stdout.hasPrefix("created 0"), "a Saturday")

        let paused = try Executables.ledgerctl("standing-orders", "pause", id, "--from", day(1), "--until", day(2))
        #expect(paused.status == 0)
        #expect(paused.stdout.contains("deliveries resume on \(day(3))"))
        #expect(try Executables.ledgerctl("standing-orders", "generate", "--date", day(1)).stdout.hasPrefix("created 0"))
        #expect(try Executables.ledgerctl("standing-orders", "generate", "--date", day(3)).stdout.hasPrefix("created 1"))
        #expect(try Executables.ledgerctl("standing-orders", "list", "--restaurant", code).stdout.contains("\(day(1)) to \(day(2))"))
        #expect(try Executables.ledgerctl("standing-orders", "resume", id).stdout == "standing order \(id) resumed\n")
        #expect(try Executables.ledgerctl("standing-orders", "generate", "--date", day(2)).stdout.hasPrefix("created 1"))

        #expect(try Executables.ledgerctl("standing-orders", "generate", "--date", day(7)).stdout.hasPrefix("created 1"))
        let ended = try Executables.ledgerctl("standing-orders", "end", id, "--on", day(4))
        #expect(ended.status == 0)
        #expect(ended.stdout.contains("1 delivery was already generated"))
        #expect(try Executables.ledgerctl("standing-orders", "generate", "--date", day(8)).stdout.hasPrefix("created 0"))
        let tooEarly = try Executables.ledgerctl("standing-orders", "end", id, "--on", day(-1))
        #expect(tooEarly.status != 0)
        #expect(tooEarly.stderr.contains("starts on \(day(0))"))
        #expect(try Executables.ledgerctl("standing-orders", "pause", "999999999", "--until", day(1)).stderr.contains("no standing order 999999999"))
    }

    @Test("standing-orders import is all or nothing, 'line N: reason' for every bad line, exit 1")
    func importOrders() throws {
        let (code, _) = try Self.restaurant()
        let (first, second) = (try Self.card(), try Self.card())
        let day = Self.randomMonday()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let bad = directory.appendingPathComponent("bad.csv")
        try """
            card_no,restaurant,weekdays,meal,starts_on,ends_on
            \(first),\(code),1;3;5,lunch,\(day(0)),\(day(60))
            \(second),\(code),"2,9",lunch,\(day(0)),\(day(60))
            \(second),\(code),2,lunch,\(day(0)),\(day(-5))
            """.write(to: bad, atomically: true, encoding: .utf8)
        let refused = try Executables.ledgerctl("standing-orders", "import", bad.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("line 3: weekdays:"))
        #expect(refused.stderr.contains("line 4: the order ends on \(day(-5))"))
        #expect(refused.stderr.contains("2 bad lines; nothing was imported"))
        #expect(try Executables.ledgerctl("standing-orders", "list", "--restaurant", code).stdout == "(none)\n")

        let good = directory.appendingPathComponent("good.csv")
        try """
            \(first),\(code),1;3;5,lunch,\(day(0)),\(day(60))
            \(second),\(code),"2,4",dinner,\(day(0)),\(day(60))
            """.write(to: good, atomically: true, encoding: .utf8)
        let imported = try Executables.ledgerctl("standing-orders", "import", good.path)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout == "imported 2 standing orders\n")
        #expect(try Executables.ledgerctl("standing-orders", "generate", "--date", day(1)).stdout.hasPrefix("created 1"), "a Tuesday: the second")
    }

    @Test("ledgerd raises an alert and logs it masked; alerts list shows the person; ack once; summary counts")
    func alertsEndToEnd() async throws {
        let (code, token) = try Self.restaurant()
        let name = "Alert Holder \(Int.random(in: 1000...9999))"
        let card = try Self.card(name: name, phone: "13912345678", address: "9 Quiet Lane, Flat 1")
        let daemon = try Daemon(environment: ["LEDGER_LOG_LEVEL": "info"])
        defer { _ = daemon.stop() }
        try await daemon.waitUntilServing()

        let today = Self.today()
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        var deliveries: [String] = []
        for minutesAgo in [3, 2] {
            let id = UUID().uuidString.lowercased()
            let at = RFC3339Text.format(Date().addingTimeInterval(Double(-60 * minutesAgo)), in: zone)
            let created = try await daemon.request("POST", "/v1/deliveries", token: token, body: #"{"id":"\#(id)","card_no":"\#(card)","scheduled_for":"\#(today)","meal":"lunch"}"#)
            #expect(created.status == 201, "\(created.body)")
            #expect(try await daemon.request("POST", "/v1/deliveries/\(id)/events", token: token, body: #"{"id":"\#(UUID())","status":"dispatched","at":"\#(at)"}"#).status == 201)
            let failed = try await daemon.request("POST", "/v1/deliveries/\(id)/events", token: token, body: #"{"id":"\#(UUID())","status":"failed","at":"\#(at)","wellness":"not_home","note":"no answer"}"#)
            #expect(failed.status == 201, "\(failed.body)")
            deliveries.append(id)
        }
        let list = try await daemon.request("GET", "/v1/deliveries?date=\(today)", token: token)
        #expect(list.status == 200)
        let missing = deliveries.filter { !list.body.contains($0) }
        #expect(missing.isEmpty)
        #expect(try await daemon.request("GET", "/metrics").body.contains("ledger_welfare_alerts_open"))

        // The warning names the alert and the masked card, never the person.
        let raisedLine = daemon.log.split(separator: "\n").first { $0.contains("welfare alert raised") && $0.contains("****\(card.suffix(4))") }
        let warning = try #require(raisedLine)
        #expect(warning.contains("warning"))
        #expect(!warning.contains(card) && !warning.contains(name) && !warning.contains("13912345678"))
        let alertField = warning.split(separator: " ").first { $0.hasPrefix("ledger.alert_id=") }
        let alertID = String(try #require(alertField?.split(separator: "=").last))

        let alerts = try Executables.ledgerctl("alerts", "list")
        #expect(alerts.status == 0)
        let cardBlock = alerts.stdout.components(separatedBy: "\n\n").first { $0.contains(card) }
        let block = try #require(cardBlock)
        #expect(block.hasPrefix("alert \(alertID)  raised "))
        #expect(block.contains("not_home_twice"))
        #expect(block.contains(name) && block.contains("13912345678") && block.contains("9 Quiet Lane, Flat 1"))
        #expect(block.components(separatedBy: "failed").count - 1 == 2)
        #expect(block.contains("not_home"))
        #expect(block.contains(code))

        let missingNote = try Executables.ledgerctl("alerts", "ack", alertID)
        #expect(missingNote.status != 0)
        let ack = try Executables.ledgerctl("alerts", "ack", alertID, "--note", "called the neighbour: in hospital since Monday")
        #expect(ack.status == 0, "\(ack.stderr)")
        #expect(ack.stdout == "acknowledged welfare alert \(alertID)\n")
        let again = try Executables.ledgerctl("alerts", "ack", alertID, "--note", "again")
        #expect(again.status == 1)
        #expect(again.stderr.contains("already acknowledged"))
        #expect(again.stderr.contains("in hospital since Monday"))
        #expect(!(try Executables.ledgerctl("alerts", "list").stdout.contains(card)))

        let summary = try Executables.ledgerctl("deliveries", "summary", "--period", String(today.prefix(7)))
        #expect(summary.status == 0)
        let restaurantLine = summary.stdout.split(separator: "\n").first { $0.hasPrefix(code) }
        let line = try #require(restaurantLine)
        #expect(line.split(separator: " ").map(String.init) == [code, "2", "0", "2", "0", "1"])
        #expect(summary.stdout.contains("TOTAL"))
        #expect(try Executables.ledgerctl("deliveries", "summary", "--period", "2031-13").status != 0)
        #expect(daemon.stop() == 0)
    }

    /// Today in Asia/Shanghai, `YYYY-MM-DD`.
    static func today() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}

/// RFC 3339 with the zone's offset, as terminals send it.
enum RFC3339Text {
    static func format(_ date: Date, in zone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        return formatter.string(from: date)
    }
}

