public import Foundation
import LedgerCore

/// Settings shared by `ledgerd` and `ledgerctl`, read from the environment. Every key has a default.
///
/// | key | default |
/// |---|---|
/// | `DATABASE_URL` | empty: libpq's `PG*` variables and defaults |
/// | `LEDGER_TZ` | `Asia/Shanghai` |
/// | `LEDGER_DAILY_LIMIT` | 3 meals per card per local day |
/// | `LEDGER_LATE_DAYS` | 30 days after a close during which late entries are accepted |
/// | `LEDGER_MAX_CLOCK_SKEW_SECONDS` | 300 |
/// | `LEDGER_PROGRAMME_START` | 2023-01-01: no entry or delivery may claim an earlier local day |
/// | `LEDGER_DELIVERY_MIN_AGE` | 80 |
/// | `LEDGER_CERT_CYCLE_MONTHS` | 12 months from a survival certification to the next due date |
/// | `LEDGER_CERT_WINDOW_DAYS`, `LEDGER_CERT_EARLY_DAYS`, `LEDGER_CERT_EARLY_AGE` | asked 30 days before due, 60 from age 80 |
/// | `LEDGER_CERT_GRACE_DAYS` | 30 days after due before a person is overdue |
/// | `LEDGER_CERT_SAMPLE_BP` | 500: the share of home visits drawn for a check by phone |
/// | `LEDGER_POOL_SIZE` | 8 database connections |
/// | `LEDGER_MEAL_GROUPS` | 1 transaction of meals at a time; meals that arrive meanwhile are committed together |
/// | `LEDGER_ISSUER` | unset: the printed report names no issuing bureau |
public struct LedgerConfiguration: Sendable {
    public var databaseURL: String
    public var settings: LedgerSettings
    public var poolSize: Int
    /// How many groups of meals (group commit) may be written at once.
    public var mealGroupsInFlight: Int

    /// Reads the environment; a malformed value is refused with a message naming the key.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LedgerConfiguration {
        let reader = EnvironmentReader(environment: environment)
        let zoneName = reader.string("LEDGER_TZ") ?? "Asia/Shanghai"
        guard let timeZone = TimeZone(identifier: zoneName) else {
            throw ConfigurationError(key: "LEDGER_TZ", message: "'\(zoneName)' is not a time zone name such as Asia/Shanghai")
        }
        let programmeStart: LocalDate
        do {
            programmeStart = try reader.string("LEDGER_PROGRAMME_START").map(LocalDate.init(parsing:)) ?? BookingPolicy.defaultProgrammeStart
        } catch {
            throw ConfigurationError(key: "LEDGER_PROGRAMME_START", message: "\(error): give the programme's first day as YYYY-MM-DD")
        }
        let booking = BookingPolicy(
            timeZone: timeZone,
            lateWindow: .seconds(try reader.integer("LEDGER_LATE_DAYS", default: 30, range: 0...366) * 86_400),
            maxClockSkew: .seconds(try reader.integer("LEDGER_MAX_CLOCK_SKEW_SECONDS", default: 300, range: 0...86_400)),
            programmeStart: programmeStart)
        return LedgerConfiguration(
            databaseURL: reader.string("DATABASE_URL") ?? "",
            settings: LedgerSettings(
                booking: booking,
                dailyLimit: DailyLimit(maxMeals: try reader.integer("LEDGER_DAILY_LIMIT", default: 3, range: 1...10_000)),
                deliveryMinimumAge: try reader.integer("LEDGER_DELIVERY_MIN_AGE", default: 80, range: 0...150),
                certification: CertificationPolicy(
                    cycleMonths: try reader.integer("LEDGER_CERT_CYCLE_MONTHS", default: 12, range: 1...120),
                    windowDays: try reader.integer("LEDGER_CERT_WINDOW_DAYS", default: 30, range: 0...366),
                    earlyDays: try reader.integer("LEDGER_CERT_EARLY_DAYS", default: 60, range: 0...366),
                    earlyAge: try reader.integer("LEDGER_CERT_EARLY_AGE", default: 80, range: 0...150),
                    graceDays: try reader.integer("LEDGER_CERT_GRACE_DAYS", default: 30, range: 0...366),
                    sampleBasisPoints: try reader.integer("LEDGER_CERT_SAMPLE_BP", default: 500, range: 0...10_000)),
                issuer: reader.string("LEDGER_ISSUER")),
            poolSize: try reader.integer("LEDGER_POOL_SIZE", default: 8, range: 1...200),
            mealGroupsInFlight: try reader.integer("LEDGER_MEAL_GROUPS", default: 1, range: 1...200))
    }
}

/// A configuration value that could not be used.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let key: String
    public let message: String
    public var description: String { "\(key): \(message)" }

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }
}

/// Reads typed values from environment variables; empty counts as unset.
public struct EnvironmentReader: Sendable {
    /// The environment with the settings of the file named by `LEDGER_CONFIG` (lines `KEY=VALUE`, `#` comments,
    /// as in a systemd `EnvironmentFile`) underneath: a variable set in the environment wins over the file.
    public static func withConfigurationFile(_ environment: [String: String]) throws -> [String: String] {
        guard let path = environment["LEDGER_CONFIG"], !path.isEmpty else { return environment }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(key: "LEDGER_CONFIG", message: "cannot read \(path): check the path and its permissions")
        }
        var settings: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "="), line[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                equals != line.startIndex
            else {
                throw ConfigurationError(key: "LEDGER_CONFIG", message: "\(path) line \(number + 1): expected KEY=VALUE")
            }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            settings[String(line[..<equals])] = value
        }
        return settings.merging(environment) { _, fromEnvironment in fromEnvironment }
    }

    public let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func string(_ key: String) -> String? {
        environment[key].flatMap { $0.isEmpty ? nil : $0 }
    }

    public func integer(_ key: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = string(key) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigurationError(key: key, message: "'\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
