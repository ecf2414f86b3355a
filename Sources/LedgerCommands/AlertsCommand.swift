import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl alerts …`: welfare alerts raised by deliveries, followed up by bureau staff.
    struct AlertsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "alerts", abstract: "Follow up welfare alerts (two not_home in a row, or one concern).",
            subcommands: [List.self, Ack.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show open alerts with the person's name, phone and address and their last 3 deliveries (personal data).")

            func run() throws {
                let (alerts, timeZone) = try CommandSupport.withDatabase { db, configuration in
                    let timeZone = configuration.settings.timeZone
                    let today = LocalDate.containing(Date(), in: timeZone)
                    return (try WelfareAlerts.open(today: today, on: db), timeZone)
                }
                guard !alerts.isEmpty else {
                    print("no open welfare alerts")
                    return
                }
                print(alerts.map { Self.render($0, timeZone: timeZone) }.joined(separator: "\n\n"))
            }

            /// One alert as a block: a heading line, the person, then their last deliveries as a table.
            static func render(_ alert: WelfareAlert, timeZone: TimeZone) -> String {
                let reason = switch alert.reason {
                case .concern: "concern: the delivery person was worried"
                case .notHomeTwice: "not_home_twice: nobody answered the door twice in a row"
                }
                let deliveries = alert.recentDeliveries.isEmpty ? "no deliveries up to today" : Table.render(
                    header: ["scheduled_for", "restaurant", "meal", "status", "wellness"],
                    rows: alert.recentDeliveries.map {
                        [$0.scheduledFor.description, $0.restaurantCode, $0.meal.rawValue, $0.status.rawValue, $0.wellness?.rawValue ?? "-"]
                    })
                return """
                    alert \(alert.id)  raised \(RFC3339.format(alert.raisedAt, in: timeZone))  \(reason)
                      \(alert.holderName)  card \(alert.cardNumber)  phone \(alert.phone ?? "-")  address \(alert.address ?? "-")
                    """ + "\n" + deliveries.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
            }
        }

        struct Ack: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Acknowledge an alert: record what was done; it is then closed.")
            @Argument(help: "The alert's id ('alerts list').") var id: Int64
            @Option(help: "What was done: who called or visited, what they found.") var note: String

            func validate() throws {
                guard !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw ValidationError("--note must say what was done about the alert")
                }
            }

            func run() throws {
                try CommandSupport.withDatabase { db, configuration in
                    try WelfareAlerts.acknowledge(id: id, note: note, timeZone: configuration.settings.timeZone, on: db)
                }
                print("acknowledged welfare alert \(id)")
            }
        }
    }
}
