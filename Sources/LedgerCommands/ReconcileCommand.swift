public import ArgumentParser
import Foundation
import LedgerCore
import LedgerReports
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl reconcile`: business rule 8, then the three report files.
    struct Reconcile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reconcile, seal and close a period (or prepare its close), and write its subsidy report.",
            discussion: """
                Statements are DIR/<restaurant code>.csv with the columns \(Statement.columns.joined(separator: ",")); a bad \
                statement prints 'FILE line N: reason' for every bad line, writes nothing and exits 1. Writes \
                subsidy-YYYY-MM.csv, breaks-YYYY-MM.csv and subsidy-YYYY-MM.html into --out. A closed period is not \
                reconciled again: its stored run is written out again, byte for byte. Under the close policy two-person \
                (ledgerctl close policy) it prepares the close instead, as 'ledgerctl close prepare' does, and exits 0: \
                another login approves it with 'ledgerctl close approve'.
                """)

        @OptionGroup var options: MonthReportOptions
        @Option(help: "Folder of the restaurants' statements, <code>.csv each.") var statements: String?
        @Flag(help: "Compute and write the reports without sealing, closing or storing anything.") var dryRun = false

        func run() throws {
            let month = try options.month()
            let language = try options.language()
            let parsed = try statements.map(Self.readStatements)
            let outcome = try ReportOptions.withReconciliation { db, configuration, helpers in
                let settings = configuration.settings
                if !dryRun, try Reconciliations.policy(on: db) == .twoPerson {
                    let proposal = try Reconciliations.prepare(period: month, statements: parsed, settings: settings, on: db,
                                                               helpers: helpers, logger: CommandSupport.logger)
                    return Outcome.proposal(proposal, try Reconciliations.signatures(of: proposal.report, timeZone: settings.timeZone, on: db))
                }
                let report = try Reconciliations.run(period: month, statements: parsed, dryRun: dryRun, settings: settings, on: db,
                                                     helpers: helpers, logger: CommandSupport.logger)
                // A dry run is nobody's proposal; a closed month shows who prepared and approved it, if two people did.
                return Outcome.report(report, dryRun ? nil : try Reconciliations.signatures(of: report, timeZone: settings.timeZone, on: db))
            }
            switch outcome {
            case .report(let report, let signatures):
                try ReportOptions.report(report, signatures: signatures, language: language, to: options.out)
            case .proposal(let proposal, let signatures):
                print("the close policy is two-person: the close of \(month) is prepared, not performed")
                try ReportOptions.proposal(proposal, signatures: signatures, language: language, to: options.out)
            }
        }

        /// What `reconcile` did, with who signed it: a dry run or a close (its report), or a prepared close.
        enum Outcome {
            case report(SubsidyReport, CloseSignatures?)
            case proposal(CloseProposal, CloseSignatures?)
        }

        /// Every `*.csv` of the folder, by restaurant code; all bad lines of all files are printed, then exit 1.
        static func readStatements(_ directory: String) throws -> [String: [StatementLine]] {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".csv") }.sorted()
            } catch {
                throw OperatorError("cannot read the statements folder \(directory): check the path")
            }
            var result: [String: [StatementLine]] = [:]
            var problems: [String] = []
            for name in names {
                let text = try CommandSupport.readTextFile((directory as NSString).appendingPathComponent(name))
                do {
                    result[String(name.dropLast(4))] = try Statement.parse(text)
                } catch {
                    problems += error.errors.map { "\(name) \($0)" }
                }
            }
            guard problems.isEmpty else {
                for problem in problems { printError(problem) }
                throw OperatorError("\(problems.count) bad statement line\(problems.count == 1 ? "" : "s"); nothing was reconciled or written")
            }
            return result
        }
    }
}

/// What `reconcile` and `report` share: option checks and writing the files.
enum ReportOptions {
    typealias Format = ReportFile.Format

    static func period(_ text: String) throws -> Period {
        do { return try Period(parsing: text) } catch let error as DomainError { throw ValidationError("--period: \(error.description)") }
    }

    static func language(_ text: String) throws -> ReportLanguage {
        guard let language = ReportLanguage(rawValue: text) else { throw ValidationError("--lang: zh or en") }
        return language
    }

    /// Runs `body` with a connection and two more that share the month-wide queries (totals, anomalies, seal) over
    /// the snapshot of the first.
    static func withReconciliation<T>(_ body: (LedgerConnection, LedgerConfiguration, [LedgerConnection]) throws -> T) throws -> T {
        try CommandSupport.withDatabase { db, configuration in
            try configuration.withConnection(logger: CommandSupport.logger) { first in
                try configuration.withConnection(logger: CommandSupport.logger) { second in
                    try body(db, configuration, [first, second])
                }
            }
        }
    }

    /// Writes the report files of a dry run or a close and prints its figures, the files and what became of the period.
    static func report(_ report: SubsidyReport, signatures: CloseSignatures?, language: ReportLanguage, to directory: String) throws {
        printFigures(report, files: try write(report, formats: [.csv, .html], language: language, signatures: signatures, to: directory))
        if let digest = report.digest, report.closed {
            print("period \(report.period) closed at \(report.closedAt ?? "-"), \(report.entries) entries, digest \(digest)")
        } else {
            print("dry run: period \(report.period) is still open; nothing was stored")
        }
    }

    /// Writes a prepared close's draft report files and prints its figures, how to approve it, and its digest on the
    /// last line.
    static func proposal(_ proposal: CloseProposal, signatures: CloseSignatures?, language: ReportLanguage, to directory: String) throws {
        let report = proposal.report
        printFigures(report, files: try write(report, formats: [.csv, .html], language: language, signatures: signatures, to: directory))
        print("""
            proposal for \(report.period) prepared by \(proposal.preparedBy) (the reports are drafts); an approver other than \
            \(proposal.preparedBy) closes the period with:
              ledgerctl close approve --period \(report.period) --proposal \(proposal.digest)
            or rejects it with: ledgerctl close reject --period \(report.period) --reason TEXT
            \(proposal.digest)
            """)
    }

    /// The figures per restaurant and TOTAL, the count of breaks and anomalies, and the files written.
    private static func printFigures(_ report: SubsidyReport, files: [String]) {
        let t = report.total
        print(Table.render(
            header: ["restaurant", "meals", "voided", "gross_fen", "discount_fen", "subsidy_fen"],
            rows: report.restaurants.map { [$0.code, String($0.meals), String($0.voidedMeals), String($0.grossFen), String($0.discountFen), String($0.subsidyFen)] }
                + [["TOTAL", String(t.meals), String(t.voidedMeals), String(t.gross), String(t.discount), String(t.subsidy)]]))
        print("\(report.breaks.count) breaks, \(report.anomalies.count) anomalies")
        for file in files { print("wrote \(file)") }
    }

    /// Writes the files of `formats` and returns their paths. CSV means both subsidy and breaks files.
    static func write(
        _ report: SubsidyReport, formats: [Format], language: ReportLanguage, signatures: CloseSignatures?, to directory: String
    ) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw OperatorError("cannot create the output folder \(directory)")
        }
        // The issuing bureau of the title block: LEDGER_ISSUER.
        let issuer = formats.contains(.html) ? try CommandSupport.configuration().settings.issuer : nil
        let files = report.files(formats, language: language, issuer: issuer, signatures: signatures)
        return try files.map { file in
            let path = (directory as NSString).appendingPathComponent(file.name)
            do {
                try Data(file.text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw OperatorError("cannot write \(path)")
            }
            return path
        }
    }
}

extension ReportFile.Format: ExpressibleByArgument {}
