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

        /// The month a detach or attach moves.
        struct Month: ParsableArguments {
            @Argument(help: "The month, YYYY-MM.") var period: String

            func validate() throws { _ = try ReportOptions.period(period) }

            /// Moves the month's partitions by `move` and prints `done` after the month.
            func move(_ move: (Period, LedgerConnection) throws -> Void, done: String) throws {
                let month = try ReportOptions.period(period)
                try CommandSupport.withDatabase { db, _ in try move(month, db) }
                print("period \(month): \(done)")
            }
        }

        struct Detach: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Detach a closed month's partitions into the schema archive (the owner only); verify still checks it.")
            @OptionGroup var month: Month

            func run() throws {
                try month.move({ try Partitions.archive($0, on: $1) }, done: "partitions detached into archive.entries and archive.seal_lines")
            }
        }

        struct Attach: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Attach an archived month's partitions to ledger.entries and ledger.seal_lines again (the owner only).")
            @OptionGroup var month: Month

            func run() throws {
                try month.move({ try Partitions.restore($0, on: $1) }, done: "partitions attached to ledger.entries and ledger.seal_lines again")
            }
        }
    }
}
