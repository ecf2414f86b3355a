public import Foundation
public import Postgres

/// Who is calling: a live terminal and its restaurant, found from a bearer token.
public struct TerminalIdentity: Sendable, Equatable {
    public let terminalID: Int64
    public let terminalName: String
    public let restaurantID: Int64
    public let restaurantCode: String
    public let rateBasisPoints: Int32
    public let restaurantActive: Bool
}

/// A terminal as the operator sees it.
public struct TerminalRecord: Sendable, Equatable {
    public let restaurantCode: String
    public let name: String
    public let createdAt: Date
    public let revokedAt: Date?
}

/// Terminals and their bearer tokens. A token is shown once, when it is made; only its SHA-256 is stored.
public enum Terminals {
    /// Registers a terminal and returns its new token.
    public static func add(restaurant code: String, name: String, on db: PostgresConnection) throws -> String {
        guard !name.isEmpty, name.count <= 100 else {
            throw LedgerRefusal.invalid(.terminalName, reason: "the terminal name must be 1 to 100 characters")
        }
        let restaurant = try Restaurants.require(code: code, on: db)
        let token = newToken()
        do {
            _ = try db.query("""
                INSERT INTO ledger.terminals (restaurant_id, name, token_sha256)
                VALUES (\(restaurant.id), \(name), sha256(convert_to(\(token), 'UTF8')))
                """)
        } catch let error as PostgresError where error.isUniqueViolation {
            throw LedgerRefusal.terminalExists(restaurant: code, name: name)
        }
        return token
    }

    /// Revokes a live terminal; its token stops working with the next request.
    public static func revoke(restaurant code: String, name: String, on db: PostgresConnection) throws {
        let revoked = try db.query("""
            UPDATE ledger.terminals t SET revoked_at = now()
            FROM ledger.restaurants r
            WHERE r.id = t.restaurant_id AND r.code = \(code) AND t.name = \(name) AND t.revoked_at IS NULL
            """).affectedRows
        guard revoked == 1 else {
            throw LedgerRefusal.unknownTerminal(restaurant: code, name: name)
        }
    }

    /// Every terminal, revoked ones included, by restaurant and name.
    public static func list(restaurant code: String? = nil, on db: PostgresConnection) throws -> [TerminalRecord] {
        try db.query("""
            SELECT r.code, t.name, t.created_at, t.revoked_at
            FROM ledger.terminals t JOIN ledger.restaurants r ON r.id = t.restaurant_id
            WHERE \(code)::text IS NULL OR r.code = \(code)
            ORDER BY r.code, t.name, t.created_at
            """).decode(TerminalRecord.self)
    }

    /// The live terminal that holds this token, or nil for an unknown or revoked token.
    public static func authenticate(token: String, on db: PostgresConnection) throws -> TerminalIdentity? {
        try authenticate(tokens: [token], on: db)[0]
    }

    /// For each token, the live terminal that holds it, or nil; one query for them all.
    static func authenticate(tokens: [String], on db: PostgresConnection) throws -> [TerminalIdentity?] {
        var terminals = [TerminalIdentity?](repeating: nil, count: tokens.count)
        let plausible = tokens.indices.filter { !tokens[$0].isEmpty && tokens[$0].utf8.count <= 256 }
        guard !plausible.isEmpty else { return terminals }
        let rows = try db.query("""
            SELECT k.ordinal, t.id AS terminal_id, t.name AS terminal_name, r.id AS restaurant_id, r.code AS restaurant_code,
                   r.rate_bp, r.status = 'active' AS restaurant_active
            FROM unnest(\(plausible.map { tokens[$0] })::text[]) WITH ORDINALITY AS k(token, ordinal)
            JOIN ledger.terminals t ON t.token_sha256 = sha256(convert_to(k.token, 'UTF8')) AND t.revoked_at IS NULL
            JOIN ledger.restaurants r ON r.id = t.restaurant_id
            """)
        for row in rows {
            terminals[plausible[try row.decode("ordinal", as: Int.self) - 1]] = try TerminalIdentity(row)
        }
        return terminals
    }

    /// 32 random bytes from the system's generator, as 64 hex digits behind a recognisable prefix.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "ldg_" + bytes.map { String(format: "%02x", $0) }.joined()
    }
}

extension TerminalIdentity: PostgresRowDecodable {
    /// From the columns terminal_id, terminal_name, restaurant_id, restaurant_code, rate_bp and restaurant_active.
    public init(_ row: PostgresRow) throws {
        self.init(
            terminalID: try row.decode("terminal_id", as: Int64.self),
            terminalName: try row.decode("terminal_name", as: String.self),
            restaurantID: try row.decode("restaurant_id", as: Int64.self),
            restaurantCode: try row.decode("restaurant_code", as: String.self),
            rateBasisPoints: try row.decode("rate_bp", as: Int32.self),
            restaurantActive: try row.decode("restaurant_active", as: Bool.self))
    }
}

extension TerminalRecord: PostgresRowDecodable {
    /// From the columns code (the restaurant's), name, created_at and revoked_at.
    public init(_ row: PostgresRow) throws {
        self.init(
            restaurantCode: try row.decode("code", as: String.self),
            name: try row.decode("name", as: String.self),
            createdAt: try row.decode("created_at", as: Date.self),
            revokedAt: try row.decode("revoked_at", as: Date?.self))
    }
}
