import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl close …`: business rule 9, a month closed by two people.
    struct CloseCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "close", abstract: "Prepare, approve or reject a month's close, and set the close policy.",
            discussion: """
                Under the two-person policy a clerk (a login in ledger_clerk) prepares a period's close: a dry run \
                stored as its proposal. Another login, an approver (ledger_approver), approves it, which closes the \
                period as reconcile does, or rejects it with a reason. The database refuses approval by the preparer, \
                a second pending proposal, and an approval after the ledger changed. Run each as your own login \
                (DATABASE_URL or PGUSER).
                """,
            subcommands: [Policy.self, Prepare.self, Approve.self, Reject.self, Status.self])

        struct Policy: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show the close policy, or set it (two-person or single) as the ledger's owner.")
            @Argument(help: "two-person or single; omitted: show the policy in force.") var policy: String?

            func validate() throws {
                if let policy, ClosePolicy(rawValue: policy) == nil { throw ValidationError("the policy is two-person or single") }
            }

            func run() throws {
                let wanted = policy.flatMap(ClosePolicy.init(rawValue:))
                let now = try CommandSupport.withDatabase { db, _ in
                    if let wanted { try Reconciliations.setPolicy(wanted, on: db) }
                    return try Reconciliations.policy(on: db)
                }
                print("close policy: \(now.rawValue)")
            }
        }

        struct Prepare: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "As a clerk: reconcile a period as a dry run, store it as the period's proposal, write the draft reports.",
                discussion: "Prints the proposal's digest on the last line; an approver names it with close approve --proposal.")
            @OptionGroup var options: MonthReportOptions
            @Option(help: "Folder of the restaurants' statements, <code>.csv each.") var statements: String?

            func run() throws {
                let month = try options.month()
                let parsed = try statements.map(Reconcile.readStatements)
                let (proposal, signatures) = try ReportOptions.withReconciliation { db, configuration, helpers in
                    let proposal = try Reconciliations.prepare(period: month, statements: parsed, settings: configuration.settings, on: db,
                                                               helpers: helpers, logger: CommandSupport.logger)
                    return (proposal, try Reconciliations.signatures(of: proposal.report, timeZone: configuration.settings.timeZone, on: db))
                }
                try ReportOptions.proposal(proposal, signatures: signatures, language: try options.language(), to: options.out)
            }
        }

        struct Approve: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "As an approver other than the preparer: close the period as proposed, and write the final reports.")
            @OptionGroup var options: MonthReportOptions
            @Option(help: "The digest of the proposal you reviewed; refused when the pending one is another.") var proposal: String?

            func validate() throws {
                if let proposal, proposal.count != 64 || !proposal.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
                    throw ValidationError("--proposal: the 64 lowercase hex digits that close prepare printed")
                }
            }

            func run() throws {
                let month = try options.month()
                let (report, signatures) = try ReportOptions.withReconciliation { db, configuration, helpers in
                    let report = try Reconciliations.approve(period: month, digest: proposal, settings: configuration.settings, on: db,
                                                             helpers: helpers, logger: CommandSupport.logger)
                    return (report, try Reconciliations.signatures(of: report, timeZone: configuration.settings.timeZone, on: db))
                }
                try ReportOptions.report(report, signatures: signatures, language: try options.language(), to: options.out)
            }
        }

        struct Reject: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Reject a period's pending proposal with a reason; the period is open again for a new one.")
            @Option(help: "The month, YYYY-MM.") var period: String
            @Option(help: "Why, for the clerk who prepares again.") var reason: String

            func validate() throws {
                _ = try ReportOptions.period(period)
            }

            func run() throws {
                let month = try ReportOptions.period(period)
                try CommandSupport.withDatabase { db, _ in try Reconciliations.reject(period: month, reason: reason, on: db) }
                print("rejected the proposal for \(month); a clerk may prepare it again (ledgerctl close prepare --period \(month))")
            }
        }

        struct Status: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show where each period's close stands: open, prepared (with its proposal) or closed.")
            @Option(help: "Only this month, YYYY-MM.") var period: String?

            func validate() throws {
                if let period { _ = try ReportOptions.period(period) }
            }

            func run() throws {
                let month = try period.map(ReportOptions.period)
                let (states, policy, zone) = try CommandSupport.withDatabase { db, configuration in
                    (try Reconciliations.closeStates(period: month, on: db), try Reconciliations.policy(on: db),
                     configuration.settings.timeZone)
                }
                let time = { (date: Date?) in date.map { RFC3339.format($0, in: zone) } ?? "-" }
                print("close policy: \(policy.rawValue)")
                print(Table.render(
                    header: ["period", "state", "proposal", "prepared_by", "prepared_at", "decided", "decided_by", "decided_at", "reason"],
                    rows: states.map { state in
                        let latest = state.latest
                        return [state.period, state.stage.rawValue, latest.map { String($0.digest.prefix(12)) } ?? "-",
                                latest?.preparedBy ?? "-", time(latest?.preparedAt), latest.map { $0.state } ?? "-",
                                latest?.decidedBy ?? "-", time(latest?.decidedAt), latest?.reason ?? "-"]
                    }))
                if month != nil, let latest = states.first?.latest {
                    print("proposal \(latest.digest)")
                }
            }
        }
    }
}
