import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl terminal …`: restaurant terminals and their tokens.
    struct TerminalCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "terminal", abstract: "Register and revoke restaurant terminals.",
            subcommands: [Add.self, Revoke.self, List.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register a terminal; its token is printed once, on the last line.")
            @Option(help: "The restaurant's code.") var restaurant: String
            @Option(help: "A name for the terminal, unique among the restaurant's live terminals.") var name: String

            func run() throws {
                let token = try CommandSupport.withDatabase { db, _ in
                    try Terminals.add(restaurant: restaurant, name: name, on: db)
                }
                print("registered terminal \(name) of \(restaurant); its token is shown only now, keep it safe:")
                print(token)
            }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a terminal; its token stops working at once.")
            @Option(help: "The restaurant's code.") var restaurant: String
            @Option(help: "The terminal's name.") var name: String

            func run() throws {
                try CommandSupport.withDatabase { db, _ in try Terminals.revoke(restaurant: restaurant, name: name, on: db) }
                print("revoked terminal \(name) of \(restaurant)")
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List terminals, revoked ones included.")
            @Option(help: "Only this restaurant's terminals.") var restaurant: String?

            func run() throws {
                let terminals = try CommandSupport.withDatabase { db, _ in try Terminals.list(restaurant: restaurant, on: db) }
                print(Self.table(terminals))
            }

            static func table(_ terminals: [TerminalRecord]) -> String {
                let utc = TimeZone(identifier: "UTC")!
                return Table.render(
                    header: ["restaurant", "name", "created_at", "revoked_at"],
                    rows: terminals.map { [$0.restaurantCode, $0.name, RFC3339.format($0.createdAt, in: utc),
                                           $0.revokedAt.map { RFC3339.format($0, in: utc) } ?? "-"] })
            }
        }
    }
}
