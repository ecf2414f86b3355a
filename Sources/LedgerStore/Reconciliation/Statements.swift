import Foundation
import LedgerCore
import Postgres

extension Reconciliations {
    /// A meal of the period as a statement is matched against it; voided when a void of the period undid it (it is
    /// not among `ledger.live_meals`).
    private struct StatementMealRow {
        let line: LedgerMealLine

        init(_ row: PostgresRow) throws {
            line = LedgerMealLine(id: try row.decode("id"), grossFen: try row.decode("gross_fen"),
                                  payableFen: try row.decode("payable_fen"), voided: try row.decode("voided"))
        }
    }

    /// Rule 8, step 3: the statements against the ledger, one restaurant at a time. A restaurant without a statement
    /// has one `no_statement` break.
    static func statementBreaks(
        period: Period, codes: [String], statements: [String: [StatementLine]]?, figures: [String: Totals.Figures],
        on db: PostgresConnection
    ) throws -> [ReconciliationBreak] {
        let p = period.description
        var breaks: [ReconciliationBreak] = []
        for code in codes {
            guard let statement = statements?[code] else {
                breaks.append(StatementMatch.noStatement(restaurant: code, meals: figures[code]?.meals ?? 0))
                continue
            }
            let ledger = try db.query("""
                SELECT e.id, e.gross_fen, e.payable_fen,
                       NOT EXISTS (SELECT 1 FROM ledger.live_meals(\(p)) l WHERE l.id = e.id) AS voided
                FROM ledger.entries e JOIN ledger.restaurants r ON r.id = e.restaurant_id
                WHERE e.kind = 'meal' AND e.period = \(p) AND r.code = \(code)
                """).map { try StatementMealRow($0).line }
            breaks += StatementMatch.breaks(restaurant: code, ledger: ledger, statement: statement)
        }
        return breaks
    }
}
