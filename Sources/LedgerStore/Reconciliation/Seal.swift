import LedgerCore
import Logging
import Postgres

extension Reconciliations {
    private struct DigestRow {
        let digest: String?
        init(_ row: PostgresRow) throws { digest = try row.decode("digest", as: String?.self) }
    }

    /// The period's digest by the current seal recipe: from the line hashes stored as the entries were written
    /// (sql/0012_seal_lines.sql), or, when they are not one per entry of the period, from the entries themselves.
    static func seal(period: Period, on db: PostgresConnection, logger: Logger?) throws -> String {
        let p = period.description
        if let digest = try DigestRow(db.query("SELECT ledger.period_digest_v2_stored(\(p)) AS digest").single()).digest {
            return digest
        }
        logger?.warning("""
            the stored seal lines are not one per entry of the period (an entry was written with triggers off, or removed), \
            so the seal is computed from the entries as they are; SELECT * FROM ledger.seal_line_differences('\(p)') lists them
            """, metadata: ["period": "\(p)"])
        guard let digest = try DigestRow(db.query("SELECT ledger.seal_digest(\(p), \(sealVersion)) AS digest").single()).digest else {
            throw PostgresError(kind: .decoding, message: "ledger.seal_digest returned no digest for \(p)")
        }
        return digest
    }
}
