import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl partitions …`: the monthly partitions of the entries (sql/0023), listed, archived and restored.
    struct PartitionsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "partitions", abstract: "List the monthly partitions of the entries; archive a closed month's, or bring them back.",
            subcommands: [List.self, Detach.self, Attach.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show each month's partitions: period, entries, size, attached or archived, closed or open.")

            func run() throws {
                let months = try CommandSupport.withDatabase { db, _ in try Partitions.list(on: db) }
                print(Table.render(
                    header: ["period", "entries", "bytes", "place", "period_status"],
                    rows: months.map {
                        [$0.period.description, String($0.entries), String($0.bytes), $0.place.rawValue, $0.closed ? "closed" : "open"]
                    }))
            }
        }

        struct Detach: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Detach a closed month's partitions into the schema archive (the owner only); verify still checks it.")
            @Argument(help: "The month, YYYY-MM.") var period: String

            func validate() throws { _ = try ReportOptions.period(period) }

            func run() throws {
                let month = try ReportOptions.period(period)
                try CommandSupport.withDatabase { db, _ in try Partitions.archive(month, on: db) }
                print("period \(month): partitions detached into archive.entries and archive.seal_lines")
            }
        }

        struct Attach: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Attach an archived month's partitions to ledger.entries and ledger.seal_lines again (the owner only).")
            @Argument(help: "The month, YYYY-MM.") var period: String

            func validate() throws { _ = try ReportOptions.period(period) }

            func run() throws {
                let month = try ReportOptions.period(period)
                try CommandSupport.withDatabase { db, _ in try Partitions.restore(month, on: db) }
                print("period \(month): partitions attached to ledger.entries and ledger.seal_lines again")
            }
        }
    }
}
