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

    private struct DistinctCardholdersRow {
        let cardholders: Int64
        init(_ row: PostgresRow) throws { cardholders = try row.decode("cardholders") }
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
            -- The cardholders of a restaurant: the cards with a meal of the period there that no void of the period undid.
            holders AS (
                SELECT restaurant_id, count(*) AS cardholders
                FROM (SELECT DISTINCT restaurant_id, card_no FROM ledger.live_meals(\(p))) c
                GROUP BY restaurant_id
            ),
            grouped AS (
                SELECT restaurant_id, credential, category, grouping(credential, category) AS whole,
                       sum(meals)::bigint AS meals, sum(voided)::bigint AS voided, sum(late)::bigint AS late,
                       coalesce(sum(gross), 0)::bigint AS gross, coalesce(sum(discount), 0)::bigint AS discount,
                       coalesce(sum(payable), 0)::bigint AS payable, coalesce(sum(meals - voided), 0)::bigint AS kept
                FROM sums
                GROUP BY GROUPING SETS ((restaurant_id), (restaurant_id, credential, category))
            )
            SELECT r.code AS restaurant, g.credential, g.category, g.whole, g.meals, g.voided, g.late,
                   coalesce(h.cardholders, 0) AS cardholders, g.gross, g.discount, g.payable, g.kept
            FROM grouped g
            JOIN ledger.restaurants r ON r.id = g.restaurant_id
            LEFT JOIN holders h ON h.restaurant_id = g.restaurant_id AND g.whole <> 0
            ORDER BY r.code, g.whole DESC, g.credential, g.category
            """)
        for row in try rows.map(TotalsRow.init) {
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
        // A hash aggregate of the cards, then a count: count(DISTINCT) would sort the month's meals instead.
        totals.distinctCardholders = try DistinctCardholdersRow(db.query("""
            SELECT count(*) AS cardholders FROM (SELECT card_no FROM ledger.live_meals(\(p)) GROUP BY card_no) c
            """).single()).cardholders
        return totals
    }
}
