public import Foundation
public import LedgerCore
public import Postgres

/// How `ledgerctl verify` found a period.
public enum SealCheck: Sendable, Equatable {
    /// The period has no row or is still open: there is no seal to check.
    case notClosed
    case intact(digest: String)
    case broken(stored: String, recomputed: String)
}

/// An entry of a broken period whose line is not the one stored when it was written (sql/0012_seal_lines.sql).
public struct SealLineDifference: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The entry is not as it was written.
        case changed
        /// No line was stored for the entry: it was written with triggers off.
        case unsealed
        /// A line is stored for an entry that is gone.
        case removed
    }

    public let entryID: UUID
    public let kind: Kind
}

extension Reconciliations {
    private struct SealCheckRow {
        let stored: String
        let recomputed: String
        init(_ row: PostgresRow) throws {
            stored = try row.decode("digest")
            recomputed = try row.decode("recomputed")
        }
    }

    private struct SealLineDifferenceRow {
        let difference: SealLineDifference
        init(_ row: PostgresRow) throws {
            let kind = try row.decode("difference", as: String.self)
            guard let known = SealLineDifference.Kind(rawValue: kind) else {
                throw PostgresError(kind: .decoding, message: "ledger.seal_line_differences returned an unknown difference \(kind)")
            }
            difference = SealLineDifference(entryID: try row.decode("entry_id"), kind: known)
        }
    }

    /// Recomputes the seal of a closed period, by the recipe of the version it was sealed with, and compares it with
    /// the stored digest.
    public static func verify(period: Period, on db: PostgresConnection) throws -> SealCheck {
        guard let row = try db.query("""
            SELECT digest, ledger.seal_digest(period, seal_version) AS recomputed
            FROM ledger.periods WHERE period = \(period.description) AND status = 'closed'
            """).first.map(SealCheckRow.init) else { return .notClosed }
        return row.stored == row.recomputed ? .intact(digest: row.stored) : .broken(stored: row.stored, recomputed: row.recomputed)
    }

    /// The entries of `period` whose line differs from the one stored when they were written, in id order: what
    /// changed, when a seal no longer matches. Empty when every entry is as it was written.
    public static func sealLineDifferences(period: Period, on db: PostgresConnection) throws -> [SealLineDifference] {
        try db.query("SELECT entry_id, difference FROM ledger.seal_line_differences(\(period.description))")
            .map { try SealLineDifferenceRow($0).difference }
    }
}
