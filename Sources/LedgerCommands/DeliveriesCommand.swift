import ArgumentParser
import LedgerCore
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl deliveries …`: figures of the free deliveries.
    struct DeliveriesCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deliveries", abstract: "Figures of the free deliveries.",
            subcommands: [Summary.self])

        struct Summary: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Per restaurant, the deliveries scheduled in a month: requested (all), delivered, failed, cancelled, distinct recipients.")
            @Option(help: "The month, YYYY-MM, of the deliveries' scheduled days.") var period: String

            func run() throws {
                let month: Period
                do {
                    month = try Period(parsing: period)
                } catch let error as DomainError {
                    throw ValidationError("--period: \(error.description)")
                }
                let figures = try CommandSupport.withDatabase { db, _ in try Deliveries.figures(period: month, on: db) }
                guard figures.contains(where: { $0.restaurantCode != nil }) else {
                    print("no deliveries scheduled in \(month)")
                    return
                }
                print(Table.render(
                    header: ["restaurant", "requested", "delivered", "failed", "cancelled", "recipients"],
                    rows: figures.map { line in
                        [line.restaurantCode ?? "TOTAL"] + [line.requested, line.delivered, line.failed, line.cancelled, line.recipients].map(String.init)
                    }))
            }
        }
    }
}
