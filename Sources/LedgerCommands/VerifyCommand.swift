import ArgumentParser
import LedgerCore
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl verify`: recomputes a closed period's seal.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute a closed period's seal: exit 0 when it matches, 1 when not, 2 when the period is not closed.")
        @Option(help: "The month, YYYY-MM.") var period: String

        func validate() throws { _ = try ReportOptions.period(period) }

        func run() throws {
            let month = try ReportOptions.period(period)
            switch try CommandSupport.withDatabase({ db, _ in try Reconciliations.verify(period: month, on: db) }) {
            case .intact(let digest):
                print("period \(month): seal intact, digest \(digest)")
            case .broken(let stored, let recomputed):
                print("period \(month): SEAL BROKEN: stored digest \(stored), entries now hash to \(recomputed)")
                throw ExitCode(1)
            case .notClosed:
                printError("period \(month) is not closed: there is no seal to verify (ledgerctl reconcile --period \(month))")
                throw ExitCode(2)
            }
        }
    }
}
