import Foundation
@testable import LedgerStore
import Logging
import Postgres
import TestSupport
import Testing

@Suite("migrations")
struct MigrationTests {
    @Test("migrations apply once; a second run changes nothing")
    func applyTwice() throws {
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            let migrations = try TestDatabase.migrations()
            let migrator = Migrator(migrations: migrations, logger: TestDatabase.logger)
            #expect(try migrator.migrate(db) == migrations.map(\.version))
            let schema = try db.query("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'ledger'").single().onlyValue(as: Int.self)
            #expect(try migrator.migrate(db) == [])
            #expect(try db.query("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'ledger'").single().onlyValue(as: Int.self) == schema)
            #expect(try db.query("SELECT count(*) FROM ledger.schema_migrations").single().onlyValue(as: Int.self) == migrations.count)
        }
    }

    @Test("an applied migration that was changed is refused with a clear message")
    func modifiedFileRefused() throws {
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            var migrations = try TestDatabase.migrations()
            try Migrator(migrations: migrations, logger: TestDatabase.logger).migrate(db)
            let first = migrations[0]
            migrations[0] = Migration(version: first.version, name: first.name, sql: first.sql + "\n-- edited\n")
            #expect(throws: MigrationError.modifiedAfterApply(version: first.version, name: first.name)) {
                try Migrator(migrations: migrations, logger: TestDatabase.logger).migrate(db)
            }
            #expect(MigrationError.modifiedAfterApply(version: 1, name: "core").description.contains("add a new migration"))
        }
    }

    @Test("a failing migration is rolled back whole and reported")
    func failingMigrationRollsBack() throws {
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            var migrations = try TestDatabase.migrations()
            migrations.append(Migration(version: 9999, name: "broken", sql: "CREATE TABLE ledger.half_done (x int); SELECT nonsense;"))
            #expect(throws: MigrationError.self) {
                try Migrator(migrations: migrations, logger: TestDatabase.logger).migrate(db)
            }
            #expect(try db.query("SELECT to_regclass('ledger.half_done') IS NULL").single().onlyValue(as: Bool.self))
            #expect(try db.query("SELECT count(*) FROM ledger.schema_migrations WHERE version = 9999").single().onlyValue(as: Int.self) == 0)
        }
    }

    @Test("concurrent migrate runs are safe")
    func concurrentRuns() async throws {
        try await ScratchDatabase.withScratchAsync { scratch in
            let migrations = try TestDatabase.migrations()
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let db = try scratch.connect()
                        defer { db.close() }
                        return try Migrator(migrations: migrations, logger: TestDatabase.logger).migrate(db)
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(applied.sorted() == migrations.map(\.version))
        }
    }

    @Test("the migration files load in version order")
    func loading() throws {
        let migrations = try TestDatabase.migrations()
        #expect(migrations.first?.version == 1)
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        #expect(throws: MigrationError.self) { try Migration.load(from: URL(fileURLWithPath: "/nonexistent")) }
    }
}

