import ArgumentParser
import LedgerCore
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl report`: a closed period's reports, from its stored run.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a closed period's reports again from its stored run (csv: subsidy and breaks files).")
        @Option(help: "The month, YYYY-MM.") var period: String
        @Option(help: "csv, html or json.") var format: ReportOptions.Format
        @Option(help: "Folder for the files (created when missing).") var out: String = "."
        @Option(help: "Language of the HTML report: zh or en.") var lang: String = "zh"

        func validate() throws {
            _ = try ReportOptions.period(period)
            _ = try ReportOptions.language(lang)
        }

        func run() throws {
            let month = try ReportOptions.period(period)
            guard let report = try CommandSupport.withDatabase({ db, _ in try Reconciliations.stored(period: month, on: db) }) else {
                throw OperatorError("period \(month) is not closed: reconcile it first (ledgerctl reconcile --period \(month))")
            }
            for file in try ReportOptions.write(report, formats: [format], language: try ReportOptions.language(lang), to: out) {
                print("wrote \(file)")
            }
        }
    }
}
