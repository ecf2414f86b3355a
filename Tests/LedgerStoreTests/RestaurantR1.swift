import LedgerCore
import LedgerStore
import Postgres
import TestSupport

extension ScratchDatabase {
    /// Migrates this database and registers restaurant R1 (rate 8500 bp), its terminal `till` and the cards of
    /// `cards`, an import file; returns the terminal's token.
    func migrateWithRestaurantR1(cards: String) throws -> String {
        let db = try connect()
        defer { db.close() }
        try TestDatabase.migrate(db)
        _ = try Restaurants.add(code: "R1", name: "One", community: "C", rate: Rate(basisPoints: 8500), on: db)
        let token = try Terminals.add(restaurant: "R1", name: "till", on: db)
        _ = try Cards.upsert(try Cards.parseImport(cards), on: db)
        return token
    }
}

extension ScratchDatabase {
    /// A migrated scratch database holding a restaurant of each code (rate 8500, one terminal "till"), on one
    /// connection; dropped after `body`.
    static func withRestaurants(_ codes: [String], _ body: (PostgresConnection) throws -> Void) throws {
        try withScratch(migrated: true) { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            for code in codes {
                _ = try Restaurants.add(code: code, name: "Restaurant \(code)", community: "C", rate: Rate(basisPoints: 8500), on: db)
                _ = try Terminals.add(restaurant: code, name: "till", on: db)
            }
            try body(db)
        }
    }
}
