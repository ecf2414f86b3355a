import ArgumentParser
import LedgerCore
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl report`: a closed period's reports, from its stored run.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a closed period's reports again from its stored run (csv: subsidy and breaks files).")
        @OptionGroup var options: MonthReportOptions
        @Option(help: "csv, html or json.") var format: ReportOptions.Format

        func run() throws {
            let month = try options.month()
            let stored = try CommandSupport.withDatabase { db, configuration in
                try Reconciliations.stored(period: month, on: db).map { report in
                    (report, try Reconciliations.signatures(of: report, timeZone: configuration.settings.timeZone, on: db))
                }
            }
            guard let (report, signatures) = stored else {
                throw OperatorError("period \(month) is not closed: reconcile it first (ledgerctl reconcile --period \(month))")
            }
            let files = try ReportOptions.write(report, formats: [format], language: try options.language(), signatures: signatures,
                                                to: options.out)
            for file in files { print("wrote \(file)") }
        }
    }
}
