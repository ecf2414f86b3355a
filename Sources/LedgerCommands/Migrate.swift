import ArgumentParser
import Foundation
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl migrate`: brings the schema to the latest version; safe to run again.
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring the database schema to the latest version and make the monthly partitions ahead (safe to run again).")

        @Option(help: "The folder of numbered migrations (default: LEDGER_SQL_DIR, ./sql, or the source tree's sql/).")
        var sqlDir: String?

        func run() throws {
            let directory = sqlDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? Migration.defaultDirectory()
            let (applied, monthsAhead) = try CommandSupport.withDatabase { db, configuration in
                do {
                    let migrator = Migrator(migrations: try Migration.load(from: directory), logger: CommandSupport.logger)
                    let applied = try migrator.migrate(db)
                    return (applied, try Partitions.ensure(timeZone: configuration.settings.timeZone, on: db))
                } catch let error as MigrationError {
                    throw OperatorError(error.description)
                }
            }
            print(applied.isEmpty ? "schema is up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))")
            print("monthly partitions made \(monthsAhead) months ahead")
        }
    }
}
