import ArgumentParser
import Foundation
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
            let (check, differences) = try CommandSupport.withDatabase { db, _ -> (SealCheck, [SealLineDifference]) in
                let check = try Reconciliations.verify(period: month, on: db)
                guard case .broken = check else { return (check, []) }
                return (check, try Reconciliations.sealLineDifferences(period: month, on: db))
            }
            switch check {
            case .intact(let digest):
                print("period \(month): seal intact, digest \(digest)")
            case .broken(let stored, let recomputed):
                print("period \(month): SEAL BROKEN: stored digest \(stored), entries now hash to \(recomputed)")
                Self.describe(differences)
                throw ExitCode(1)
            case .notClosed:
                printError("period \(month) is not closed: there is no seal to verify (ledgerctl reconcile --period \(month))")
                throw ExitCode(2)
            }
        }

        /// The entries that differ from their stored lines, the first 100 of them, or why none is named.
        private static func describe(_ differences: [SealLineDifference]) {
            guard !differences.isEmpty else {
                print("every entry is as it was written: the stored digest, or the stored lines with the entries, were changed")
                return
            }
            for difference in differences.prefix(100) {
                let entry = difference.entryID.uuidString.lowercased()
                switch difference.kind {
                case .changed: print("entry \(entry): changed since it was written")
                case .unsealed: print("entry \(entry): written with triggers off (no line was stored)")
                case .removed: print("entry \(entry): removed (its line is stored, the entry is gone)")
                }
            }
            if differences.count > 100 { print("… and \(differences.count - 100) more") }
        }
    }
}
