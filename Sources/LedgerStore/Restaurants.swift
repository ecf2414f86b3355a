import Foundation
public import LedgerCore
public import Postgres

/// A partner restaurant.
public struct Restaurant: Sendable, Equatable {
    public let id: Int64
    public let code: String
    public let name: String
    public let community: String
    public let rate: Rate
    public let active: Bool
}

/// The bureau's subsidy terms for one restaurant, as stored.
public struct RestaurantTerms: Sendable, Equatable {
    public let restaurantCode: String
    public let terms: SubsidyTerms
}

/// Registering restaurants and their subsidy terms.
public enum Restaurants {
    /// Registers a restaurant; a code already in use is refused with `already_exists`.
    public static func add(
        code: String, name: String, community: String, rate: Rate, on db: PostgresConnection
    ) throws -> Restaurant {
        guard code.range(of: "^[A-Za-z0-9_-]{1,32}$", options: .regularExpression) != nil else {
            throw LedgerRefusal.invalid(.restaurantCode, reason: "restaurant code '\(code)' is not valid: use 1 to 32 letters, digits, '-' or '_'")
        }
        guard !name.isEmpty, name.count <= 200 else {
            throw LedgerRefusal.invalid(.restaurantName, reason: "the restaurant name must be 1 to 200 characters")
        }
        guard !community.isEmpty, community.count <= 200 else {
            throw LedgerRefusal.invalid(.community, reason: "the community must be 1 to 200 characters")
        }
        do {
            let row = try db.query("""
                INSERT INTO ledger.restaurants (code, name, community, rate_bp)
                VALUES (\(code), \(name), \(community), \(rate.basisPoints))
                RETURNING id, code, name, community, rate_bp, status = 'active' AS active
                """).single()
            return try Restaurant(row)
        } catch let error as PostgresError where error.isUniqueViolation {
            throw LedgerRefusal.restaurantExists(code: code)
        }
    }

    /// The restaurant with this code, or nil.
    public static func find(code: String, on db: PostgresConnection) throws -> Restaurant? {
        try db.query("SELECT id, code, name, community, rate_bp, status = 'active' AS active FROM ledger.restaurants WHERE code = \(code)")
            .first(Restaurant.self)
    }

    /// The restaurant with this code, or `not_found` with a message that says how to list them.
    public static func require(code: String, on db: PostgresConnection) throws -> Restaurant {
        guard let restaurant = try find(code: code, on: db) else {
            throw LedgerRefusal.unknownRestaurant(code: code)
        }
        return restaurant
    }

    /// Every restaurant, by code.
    public static func list(on db: PostgresConnection) throws -> [Restaurant] {
        try db.query("SELECT id, code, name, community, rate_bp, status = 'active' AS active FROM ledger.restaurants ORDER BY code")
            .decode(Restaurant.self)
    }

    /// Records subsidy terms effective from a date. Terms for the same restaurant and date are refused:
    /// they may already have been used for a closed month.
    public static func setTerms(_ terms: SubsidyTerms, code: String, on db: PostgresConnection) throws {
        let restaurant = try require(code: code, on: db)
        do {
            _ = try db.query("""
                INSERT INTO ledger.subsidy_terms (restaurant_id, effective_from, discount_share_bp, delivery_fee_fen, monthly_cap_fen)
                VALUES (\(restaurant.id), \(terms.effectiveFrom.description)::date, \(terms.discountShareBP),
                        \(terms.deliveryFeeFen), \(terms.monthlyCapFen))
                """)
        } catch let error as PostgresError where error.isUniqueViolation {
            throw LedgerRefusal.termsExist(restaurant: code, from: terms.effectiveFrom)
        }
    }

    /// The subsidy terms of every restaurant, or of one, oldest first.
    public static func terms(code: String? = nil, on db: PostgresConnection) throws -> [RestaurantTerms] {
        try db.query("""
            SELECT r.code, t.effective_from::text, t.discount_share_bp, t.delivery_fee_fen, t.monthly_cap_fen
            FROM ledger.subsidy_terms t JOIN ledger.restaurants r ON r.id = t.restaurant_id
            WHERE \(code)::text IS NULL OR r.code = \(code)
            ORDER BY r.code, t.effective_from
            """).decode(RestaurantTerms.self)
    }
}

extension Restaurant: PostgresRowDecodable {
    /// From the columns id, code, name, community, rate_bp and active.
    public init(_ row: PostgresRow) throws {
        self.init(
            id: try row.decode("id", as: Int64.self),
            code: try row.decode("code", as: String.self),
            name: try row.decode("name", as: String.self),
            community: try row.decode("community", as: String.self),
            rate: try Rate(basisPoints: row.decode("rate_bp", as: Int32.self)),
            active: try row.decode("active", as: Bool.self))
    }
}

extension RestaurantTerms: PostgresRowDecodable {
    /// From the columns code (the restaurant's), effective_from (as text), discount_share_bp, delivery_fee_fen and
    /// monthly_cap_fen.
    public init(_ row: PostgresRow) throws {
        self.init(
            restaurantCode: try row.decode("code", as: String.self),
            terms: try SubsidyTerms(
                effectiveFrom: LocalDate(parsing: row.decode("effective_from", as: String.self)),
                discountShareBP: row.decode("discount_share_bp", as: Int32.self),
                deliveryFeeFen: row.decode("delivery_fee_fen", as: Int64.self),
                monthlyCapFen: row.decode("monthly_cap_fen", as: Int64?.self)))
    }
}
