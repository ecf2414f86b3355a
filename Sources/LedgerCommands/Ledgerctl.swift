public import ArgumentParser
import LedgerStore

/// `ledgerctl`: the bureau's command line. Each subcommand lives in its own file.
public struct Ledgerctl: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ledgerctl",
        abstract: "Administer the double-support restaurant ledger.",
        discussion: "Reads DATABASE_URL (a libpq connection string or URI) or the PG* variables, and LEDGER_TZ.",
        version: "ledgerctl \(LedgerVersion.current)",
        subcommands: [Migrate.self, RestaurantCommand.self, TerminalCommand.self, CardsCommand.self, StandingOrdersCommand.self,
                      AlertsCommand.self, DeliveriesCommand.self, Reconcile.self, CloseCommand.self, Verify.self, Report.self, StaffCommand.self,
                      CertificationsCommand.self,
                      PartitionsCommand.self])

    public init() {}
}
