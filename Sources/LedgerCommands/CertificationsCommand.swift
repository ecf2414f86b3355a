import ArgumentParser
import Foundation
import LedgerCore
import LedgerReports
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl certifications …`: survival certification (生存認證), business rule 10.
    struct CertificationsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "certifications",
            abstract: "Record survival certifications, list who is due or overdue, follow up overdue notices.",
            discussion: "A person is asked to certify once the card has a certification history (a certified_on in 'cards import', or any certification recorded here or by a courier's home visit) or a first due date set by staff ('set-due'). Each certification sets the next due date (LEDGER_CERT_CYCLE_MONTHS, default 12, or the category's cycle in ledger.certification_cycles).",
            subcommands: [Record.self, Import.self, Due.self, Sample.self, Notices.self, Acknowledge.self, SetDue.self, Cycle.self])

        /// Today in the programme's time zone.
        static func today(_ configuration: LedgerConfiguration) -> LocalDate {
            LocalDate.containing(Date(), in: configuration.settings.timeZone)
        }

        struct Record: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Record a survival certification; prints the card's next due date.")
            @Option(help: "The card number.") var card: String
            @Option(help: "How: in_person, proxy, online or home_visit.") var method: String
            @Option(help: "The day it was made, YYYY-MM-DD (not after today).") var on: String
            @Option(help: "With proxy: the proxy's name.") var proxyName: String?
            @Option(help: "With proxy: the proxy's relation to the holder.") var proxyRelation: String?
            @Option(help: "The provincial system's reference (required with online).") var reference: String?
            @Option(help: "A note for the record.") var note: String?

            func request() throws -> CertificationRequest {
                let number: CardNumber
                let day: LocalDate
                do {
                    number = try CardNumber(card)
                    day = try LocalDate(parsing: on)
                } catch let error as DomainError {
                    throw ValidationError(error.description)
                }
                guard let method = CertificationMethod(rawValue: method), CertificationMethod.recordable.contains(method) else {
                    throw ValidationError("--method must be one of \(CertificationMethod.recordable.map(\.rawValue).joined(separator: ", ")); '\(method)' is not")
                }
                return CertificationRequest(cardNumber: number, method: method, certifiedOn: day, proxyName: proxyName,
                                            proxyRelation: proxyRelation, reference: reference, note: note)
            }

            func validate() throws { _ = try request() }

            func run() throws {
                let request = try request()
                let recorded = try CommandSupport.withDatabase { db, configuration in
                    try Certifications.record(request, today: CertificationsCommand.today(configuration),
                                              policy: configuration.settings.certification, on: db)
                }
                print("recorded \(recorded.method.rawValue) certification of card \(recorded.cardNumber) on \(recorded.certifiedOn); next due \(recorded.nextDue)")
            }
        }

        struct Import: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import certifications from the provincial system's CSV, all or nothing.",
                discussion: "Columns: \(Certifications.importColumns.joined(separator: ",")). A header line is optional. method is in_person, proxy, online or home_visit; reference is required for online and proxy. Any bad row prints 'line N: reason' for every bad row, imports nothing and exits 1. A row already recorded (same card, method, day and reference) is skipped, so a file can be imported again.")
            @Argument(help: "The CSV file.") var file: String

            func run() throws {
                let text = try CommandSupport.readTextFile(file)
                let (recorded, total) = try CommandSupport.withDatabase { db, configuration in
                    do {
                        let rows = try Certifications.parseImport(text, today: CertificationsCommand.today(configuration))
                        return (try Certifications.importRows(rows, policy: configuration.settings.certification, on: db), rows.count)
                    } catch let error as CardImportError {
                        throw CommandSupport.refusedImport(error.problems)
                    }
                }
                print("imported \(recorded) certifications (\(total - recorded) already recorded)")
            }
        }

        struct Due: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List who must certify (personal data): by default those asked now, soonest due first.",
                discussion: "A person is asked from LEDGER_CERT_WINDOW_DAYS (30) before the due date, or LEDGER_CERT_EARLY_DAYS (60) when aged LEDGER_CERT_EARLY_AGE (80) or more; overdue means more than LEDGER_CERT_GRACE_DAYS (30) past due. Revoked cards are left out. days_left is negative past the due date.")
            @Option(help: "Instead: everyone due within this many days, or already past due.") var within: Int?
            @Flag(help: "Only the overdue.") var overdue = false
            @Option(help: "table (default) or csv (for the pension system).") var format: OutputFormat = .table

            enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
                case table, csv
            }

            func validate() throws {
                if let within, within < 0 { throw ValidationError("--within must be 0 or more days") }
                if within != nil && overdue { throw ValidationError("give --within or --overdue, not both") }
            }

            static let columns = ["card_no", "name", "phone", "address", "community", "last_method", "last_certified_on",
                                  "due", "days_left", "overdue"]

            func run() throws {
                let selection: Certifications.DueSelection = overdue ? .overdue : within.map { Certifications.DueSelection.within(days: $0) } ?? .windowOpen
                let people = try CommandSupport.withDatabase { db, configuration in
                    try Certifications.due(on: CertificationsCommand.today(configuration), selection,
                                           policy: configuration.settings.certification, on: db)
                }
                let rows = people.map { person in
                    [person.cardNumber, person.holderName, person.phone ?? "", person.address ?? "", person.community ?? "",
                     person.lastMethod?.rawValue ?? "", person.lastCertifiedOn?.description ?? "", person.due.description,
                     String(person.daysLeft), person.overdue ? "yes" : "no"]
                }
                switch format {
                case .csv:
                    print(([Self.columns] + rows).map { $0.map(CSVWriter.field).joined(separator: ",") }.joined(separator: "\n"))
                case .table:
                    print(rows.isEmpty ? "nobody is due" : Table.render(header: Self.columns, rows: rows.map { $0.map { $0.isEmpty ? "-" : $0 } }))
                }
            }
        }

        struct Sample: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the home-visit certifications of a month drawn for a check by phone (personal data).",
                discussion: "LEDGER_CERT_SAMPLE_BP (500 = 5%) of them, drawn from each certification's id: the same ones every time.")
            @Option(help: "The month, YYYY-MM (default: this month in LEDGER_TZ).") var period: String?

            func run() throws {
                let month: Period?
                do {
                    month = try period.map(Period.init(parsing:))
                } catch let error as DomainError {
                    throw ValidationError("--period: \(error.description)")
                }
                let (drawn, asked) = try CommandSupport.withDatabase { db, configuration in
                    let asked = month ?? CertificationsCommand.today(configuration).period
                    return (try Certifications.sample(period: asked, policy: configuration.settings.certification, on: db), asked)
                }
                guard !drawn.isEmpty else {
                    print("no home-visit certification of \(asked) is drawn for a check")
                    return
                }
                print(Table.render(header: ["certification", "card_no", "name", "phone", "certified_on", "restaurant", "recorded_by"],
                                   rows: drawn.map {
                    [$0.id.uuidString.lowercased(), $0.cardNumber, $0.holderName, $0.phone ?? "-", $0.certifiedOn.description,
                     $0.restaurantCode ?? "-", $0.recordedBy]
                }))
            }
        }

        struct Notices: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show open notices of people overdue for their certification (personal data).",
                discussion: "ledgerd raises them in its scheduler's rounds: one per person and missed due date. A certification that moves the person's due date past the missed one and past today closes the notice ('closed_by certification' with --closed).")
            @Flag(help: "Instead: the 50 notices closed last, by a person's acknowledgement or by a certification.") var closed = false

            func run() throws {
                if closed { return try showClosed() }
                let (notices, timeZone) = try CommandSupport.withDatabase { db, configuration in
                    (try Certifications.openNotices(on: db), configuration.settings.timeZone)
                }
                guard !notices.isEmpty else {
                    print("no open certification notices")
                    return
                }
                print(Table.render(header: ["notice", "raised", "card_no", "name", "phone", "address", "missed_due", "due_now"],
                                   rows: notices.map {
                    [String($0.id), RFC3339.format($0.raisedAt, in: timeZone), $0.cardNumber, $0.holderName, $0.phone ?? "-",
                     $0.address ?? "-", $0.dueOn.description, $0.currentDue?.description ?? "-"]
                }))
            }

            private func showClosed() throws {
                let (notices, timeZone) = try CommandSupport.withDatabase { db, configuration in
                    (try Certifications.closedNotices(limit: 50, on: db), configuration.settings.timeZone)
                }
                guard !notices.isEmpty else {
                    print("no closed certification notices")
                    return
                }
                print(Table.render(header: ["notice", "closed", "card_no", "name", "missed_due", "closed_by", "certification_or_note"],
                                   rows: CertificationsCommand.closedRows(notices, timeZone: timeZone)))
            }
        }

        /// The closed notices, latest first.
        private static func closedRows(_ notices: [Certifications.ClosedNotice], timeZone: TimeZone) -> [[String]] {
            notices.map {
                [String($0.id), RFC3339.format($0.closedAt, in: timeZone), $0.cardNumber, $0.holderName, $0.dueOn.description,
                 $0.acknowledgedBy ?? "certification", $0.closedByCertification?.uuidString.lowercased() ?? $0.note]
            }
        }

        struct Acknowledge: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Acknowledge a certification notice: record what was done; it is then closed.")
            @Argument(help: "The notice's id ('certifications notices').") var id: Int64
            @Option(help: "What was done: who called or visited, whether the person certified.") var note: String

            func run() throws {
                try CommandSupport.withDatabase { db, configuration in
                    try Certifications.acknowledgeNotice(id: id, note: note, timeZone: configuration.settings.timeZone, on: db)
                }
                print("acknowledged certification notice \(id)")
            }
        }
    }
}
