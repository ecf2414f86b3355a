public import Foundation
public import LedgerCore
public import Postgres

/// Where a month's partitions of `ledger.entries` and `ledger.seal_lines` are (sql/0023).
public enum PartitionPlace: String, Sendable, Equatable {
    /// A partition of `ledger.entries`: the live ledger.
    case attached
    /// Detached for the archive, a partition of `archive.entries`: still verified and shown by the audit views.
    case archived
}

/// One month's partitions as `ledgerctl partitions list` shows them.
public struct MonthPartition: Sendable, Equatable, PostgresRowDecodable {
    public let period: Period
    public let place: PartitionPlace
    /// The month's entries.
    public let entries: Int64
    /// Bytes on disk of the month's entries and seal lines, indexes included.
    public let bytes: Int64
    /// Whether the period is closed (a month without a period row is not).
    public let closed: Bool

    /// From the columns of `ledger.month_partitions()`: period, place, entries, bytes, closed.
    public init(_ row: PostgresRow) throws {
        period = try Period(parsing: row.decode("period", as: String.self))
        guard let place = PartitionPlace(rawValue: try row.decode("place", as: String.self)) else {
            throw PostgresError(kind: .decoding, message: "ledger.month_partitions returned an unknown place")
        }
        self.place = place
        entries = try row.decode("entries")
        bytes = try row.decode("bytes")
        closed = try row.decode("closed")
    }
}

/// The monthly partitions of the entries and their seal lines (sql/0023): made ahead, listed, archived and restored.
public enum Partitions {
    /// How many months after the current one `ledgerctl migrate` and `ledgerd`'s scheduler keep partitions for.
    public static let monthsAhead = 3

    /// Makes the partitions of the current month (in `timeZone`) and of `monthsAhead` months after it, and of every
    /// period row without them; returns how many months after the current one have partitions, in a row.
    public static func ensure(monthsAhead: Int = monthsAhead, timeZone: TimeZone, on db: PostgresConnection) throws -> Int {
        try db.query("SELECT ledger.ensure_partitions(\(monthsAhead), \(timeZone.identifier)) AS ahead")
            .single().decode("ahead", as: Int.self)
    }

    /// Every month's partitions, attached or archived, in period order.
    public static func list(on db: PostgresConnection) throws -> [MonthPartition] {
        try db.query("SELECT period, place, entries, bytes, closed FROM ledger.month_partitions() ORDER BY period")
            .decode(MonthPartition.self)
    }

    /// Detaches a closed month's partitions from `ledger.entries` and `ledger.seal_lines` into the schema `archive`,
    /// in one statement; refused (`LedgerRefusal.refusedByRule`) for a period that is not closed or not attached.
    public static func archive(_ period: Period, on db: PostgresConnection) throws {
        try LedgerRefusal.translatingRules {
            _ = try db.query("SELECT ledger.archive_period(\(period.description))")
        }
    }

    /// Attaches an archived month's partitions to `ledger.entries` and `ledger.seal_lines` again.
    public static func restore(_ period: Period, on db: PostgresConnection) throws {
        try LedgerRefusal.translatingRules {
            _ = try db.query("SELECT ledger.restore_period(\(period.description))")
        }
    }
}
