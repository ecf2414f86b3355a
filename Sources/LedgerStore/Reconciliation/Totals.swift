import LedgerCore
import LedgerReports
import Postgres

extension Reconciliations {
    /// The meal figures of a period per restaurant code: in all, and split by credential and category.
    struct Totals: Sendable {
        struct Figures { var meals: Int64 = 0, voided: Int64 = 0, late: Int64 = 0, cardholders: Int64 = 0, gross: Int64 = 0, discount: Int64 = 0, payable: Int64 = 0 }
        var figures: [String: Figures] = [:]
        var splits: [String: [MealSplit]] = [:]
        /// The cards with a meal of the period that no void of the period undid, counted once however many
        /// restaurants they ate at.
        var distinctCardholders: Int64 = 0
    }

    /// A row of the totals query: a restaurant's figures (`whole`), or those of one credential and category of it.
    private struct TotalsRow {
        let restaurant: String
        let credential: String?
        let category: String?
        let whole: Bool
        let meals: Int64, voided: Int64, late: Int64, cardholders: Int64, gross: Int64, discount: Int64, payable: Int64
        /// The meals less those the period's voids undid.
        let kept: Int64
        /// The period's cardholders, the same on every row (Totals.distinctCardholders).
        let distinctCardholders: Int64

        init(_ row: PostgresRow) throws {
            restaurant = try row.decode("restaurant")
            credential = try row.decode("credential", as: String?.self)
            category = try row.decode("category", as: String?.self)
            whole = try row.decode("whole", as: Int.self) != 0
            meals = try row.decode("meals")
            voided = try row.decode("voided")
            late = try row.decode("late")
            cardholders = try row.decode("cardholders")
            gross = try row.decode("gross")
            discount = try row.decode("discount")
            payable = try row.decode("payable")
            kept = try row.decode("kept")
            distinctCardholders = try row.decode("distinct_cardholders")
        }
    }

    /// Rule 8, step 2: totals per restaurant, and per restaurant, credential and category.
    static func totals(period: Period, on db: PostgresConnection) throws -> Totals {
        let p = period.description
        var totals = Totals()
        let rows = try db.query("""
            -- The meals undone by this period's voids (few: found through the voids' index), whatever their period.
            WITH voided AS (
                SELECT m.restaurant_id, m.credential, coalesce(m.category, '-') AS category, m.gross_fen, m.discount_fen, m.payable_fen
                FROM ledger.entries v JOIN ledger.entries m ON m.id = v.voided_entry_id
                WHERE v.kind = 'void' AND v.period = \(p)
            ),
            -- The period's meals per restaurant, credential and category, less the meals its voids undid.
            sums AS (
                SELECT restaurant_id, credential, coalesce(category, '-') AS category, count(*) AS meals, 0 AS voided,
                       count(*) FILTER (WHERE late) AS late, sum(gross_fen) AS gross, sum(discount_fen) AS discount,
                       sum(payable_fen) AS payable
                FROM ledger.entries WHERE kind = 'meal' AND period = \(p)
                GROUP BY 1, 2, 3
                UNION ALL
                SELECT restaurant_id, credential, category, 0, count(*), 0, -sum(gross_fen), -sum(discount_fen), -sum(payable_fen)
                FROM voided GROUP BY 1, 2, 3
            ),
            -- Each restaurant and card with a meal of the period there that no void of the period undid, once. Card
            -- numbers compared bytewise ("C"): the same pairs, but a sort, if the planner picks one, without the
            -- locale's rules (a third faster on a month of two million meals).
            pairs AS MATERIALIZED (
                SELECT DISTINCT restaurant_id, card_no COLLATE "C" AS card_no FROM ledger.live_meals(\(p))
            ),
            -- The cardholders of each restaurant, and of the period (a card counted once however many restaurants it
            -- ate at), from the pairs rather than from the month's meals again.
            holders AS (SELECT restaurant_id, count(*) AS cardholders FROM pairs GROUP BY restaurant_id),
            everyone AS (SELECT count(*) AS cardholders FROM (SELECT card_no FROM pairs GROUP BY card_no) c),
            grouped AS (
                SELECT restaurant_id, credential, category, grouping(credential, category) AS whole,
                       sum(meals)::bigint AS meals, sum(voided)::bigint AS voided, sum(late)::bigint AS late,
                       coalesce(sum(gross), 0)::bigint AS gross, coalesce(sum(discount), 0)::bigint AS discount,
                       coalesce(sum(payable), 0)::bigint AS payable, coalesce(sum(meals - voided), 0)::bigint AS kept
                FROM sums
                GROUP BY GROUPING SETS ((restaurant_id), (restaurant_id, credential, category))
            )
            SELECT r.code AS restaurant, g.credential, g.category, g.whole, g.meals, g.voided, g.late,
                   coalesce(h.cardholders, 0) AS cardholders, g.gross, g.discount, g.payable, g.kept,
                   (SELECT e.cardholders FROM everyone e) AS distinct_cardholders
            FROM grouped g
            JOIN ledger.restaurants r ON r.id = g.restaurant_id
            LEFT JOIN holders h ON h.restaurant_id = g.restaurant_id AND g.whole <> 0
            ORDER BY r.code, g.whole DESC, g.credential, g.category
            """)
        for row in try rows.map(TotalsRow.init) {
            totals.distinctCardholders = row.distinctCardholders
            if row.whole {
                totals.figures[row.restaurant] = Totals.Figures(
                    meals: row.meals, voided: row.voided, late: row.late, cardholders: row.cardholders,
                    gross: row.gross, discount: row.discount, payable: row.payable)
            } else {
                guard let credential = row.credential, let category = row.category else {
                    throw PostgresError(kind: .decoding, message: "the totals query returned a split without its credential and category")
                }
                totals.splits[row.restaurant, default: []].append(MealSplit(
                    credential: credential, category: category, meals: row.kept, grossFen: row.gross, discountFen: row.discount))
            }
        }
        return totals
    }
}
