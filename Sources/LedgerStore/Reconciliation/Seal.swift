import LedgerCore
import Logging
import Postgres

extension Reconciliations {
    private struct DigestRow {
        let digest: String?
        init(_ row: PostgresRow) throws { digest = try row.decode("digest", as: String?.self) }
    }

    /// The period's digest by the current seal recipe, version 3 (sql/0026_seal_v3.sql): from the line hashes stored
    /// as the entries were written (sql/0012_seal_lines.sql), or, when they are not one per entry of the period, from
    /// the entries themselves.
    static func seal(period: Period, on db: PostgresConnection, logger: Logger?) throws -> String {
        let p = period.description
        if let digest = try DigestRow(db.query("SELECT ledger.period_digest_v3_stored(\(p)) AS digest").single()).digest {
            return digest
        }
        logger?.warning("""
            the stored seal lines are not one per entry of the period (an entry was written with triggers off, or removed), \
            so the seal is computed from the entries as they are; SELECT * FROM ledger.seal_line_differences('\(p)') lists them
            """, metadata: ["period": "\(p)"])
        // Seal version 3's recipe over the entries themselves (ledger.seal_digest(p, 3) would be the same, but it also
        // names version 1's recipe, which the approvers who close a month may not run).
        guard let digest = try DigestRow(db.query("SELECT ledger.period_digest_v3(\(p)) AS digest").single()).digest else {
            throw PostgresError(kind: .decoding, message: "ledger.period_digest_v3 returned no digest for \(p)")
        }
        return digest
    }
}
