import ArgumentParser
import LedgerCore
import LedgerReports

/// The options of the commands that write a month's reports (`reconcile`, `close prepare`, `close approve`,
/// `report`): the month, the folder of the files and the language of the HTML report.
struct MonthReportOptions: ParsableArguments {
    @Option(help: "The month, YYYY-MM.") var period: String
    @Option(help: "Folder for the report files (created when missing).") var out: String = "."
    @Option(help: "Language of the HTML report: zh (Simplified Chinese) or en.") var lang: String = "zh"

    func validate() throws {
        _ = try month()
        _ = try language()
    }

    func month() throws -> Period { try ReportOptions.period(period) }

    func language() throws -> ReportLanguage { try ReportOptions.language(lang) }
}
