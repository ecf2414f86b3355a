import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

extension Ledgerctl.CertificationsCommand {
    /// `certifications set-due`: a first due date for a card with no certification yet.
    struct SetDue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-due",
            abstract: "Set the first due date of a card that has no certification yet.",
            discussion: "Recorded with the login and the time (ledger.certification_first_dues, append-only: setting it again records a new date, the latest counts). The card is then listed by 'due', shows certification_due in the card check, and raises a notice when overdue, until its first certification. Refused for a card not registered, revoked, or already certified (its due date follows from that certification), and for a day before today.")
        @Option(help: "The card number.") var card: String
        @Option(help: "The first due date, YYYY-MM-DD (today or later).") var due: String
        @Option(help: "Why this date, for the record.") var note: String?

        func parsed() throws -> (CardNumber, LocalDate) {
            do {
                return (try CardNumber(card), try LocalDate(parsing: due))
            } catch let error as DomainError {
                throw ValidationError(error.description)
            }
        }

        func validate() throws { _ = try parsed() }

        func run() throws {
            let (number, day) = try parsed()
            try CommandSupport.withDatabase { db, configuration in
                try Certifications.setFirstDue(card: number, due: day, note: note,
                                               today: Ledgerctl.CertificationsCommand.today(configuration), on: db)
            }
            print("card \(number.value) is due to certify on \(day)")
        }
    }

    /// `certifications cycle`: the categories' cycles, or one set.
    struct Cycle: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List each category's certification cycle, or set one (an approver or the owner).",
            discussion: "A category without a cycle of its own uses LEDGER_CERT_CYCLE_MONTHS (default 12). A new cycle sets the due date of the certifications recorded from then on; those recorded keep theirs. Every change is kept with its login (ledger.certification_cycle_changes).")
        @Option(help: "The category to set: active_serviceman, veteran or special_care.") var category: String?
        @Option(help: "Its cycle in months, 1 to 120.") var months: Int?

        func parsed() throws -> (CardCategory, Int)? {
            switch (category, months) {
            case (nil, nil):
                return nil
            case (let category?, let months?):
                guard let value = CardCategory(rawValue: category) else {
                    throw ValidationError("--category must be one of \(CardCategory.allCases.map(\.rawValue).joined(separator: ", ")); '\(category)' is not")
                }
                guard (1...120).contains(months) else { throw ValidationError("--months must be 1 to 120, not \(months)") }
                return (value, months)
            default:
                throw ValidationError("give --category and --months together to set a cycle, or neither to list them")
            }
        }

        func validate() throws { _ = try parsed() }

        func run() throws {
            let change = try parsed()
            let (cycles, defaultMonths, timeZone) = try CommandSupport.withDatabase { db, configuration in
                if case let (category, months)? = change { try Certifications.setCycle(category, months: months, on: db) }
                return (try Certifications.cycles(on: db), configuration.settings.certification.cycleMonths,
                        configuration.settings.timeZone)
            }
            if case let (category, months)? = change { print("certification cycle of \(category.rawValue) set to \(months) months") }
            print(Table.render(header: ["category", "months", "set_by", "set_at"], rows: cycles.map { cycle in
                [cycle.category.rawValue, cycle.months.map(String.init) ?? "\(defaultMonths) (LEDGER_CERT_CYCLE_MONTHS)",
                 cycle.setBy ?? "-", cycle.setAt.map { RFC3339.format($0, in: timeZone) } ?? "-"]
            }))
        }
    }
}
