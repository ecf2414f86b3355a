import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl standing-orders …`: fixed recipients' standing orders and the deliveries generated from them.
    struct StandingOrdersCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "standing-orders", abstract: "Register, pause and end fixed recipients' standing orders.",
            discussion: "ledgerd generates today's and tomorrow's deliveries from the standing orders when it starts and every 10 minutes; 'generate' does it for any day by hand. Either way a standing order gives at most one delivery a day.",
            subcommands: [Add.self, List.self, Pause.self, Resume.self, End.self, Import.self, Generate.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Register a standing order.")
            @Option(help: "The recipient's card number; the card must be a veteran's.") var card: String
            @Option(help: "The code of the restaurant that delivers.") var restaurant: String
            @Option(help: "ISO weekdays, 1 Monday to 7 Sunday: 1,3,5 or 1;3;5.") var weekdays: String
            @Option(help: "breakfast, lunch or dinner.") var meal: String
            @Option(help: "The first day, YYYY-MM-DD.") var from: String
            @Option(help: "The last day, YYYY-MM-DD (default: no end).") var until: String?

            func run() throws {
                let order: NewStandingOrder
                do {
                    guard let meal = MealKind(rawValue: meal) else {
                        throw ValidationError("--meal '\(meal)' is not one of \(MealKind.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    order = try NewStandingOrder(
                        cardNumber: CardNumber(card), restaurantCode: restaurant, weekdays: StandingOrders.parseWeekdays(weekdays),
                        meal: meal, startsOn: dateOption(from, option: "--from"), endsOn: until.map { try dateOption($0, option: "--until") })
                } catch let error as DomainError {
                    throw ValidationError("--card: \(error.description)")
                } catch let refusal as LedgerRefusal {
                    throw ValidationError(refusal.message)
                }
                let added = try CommandSupport.withDatabase { db, configuration in
                    try StandingOrders.add(order, minimumAge: configuration.settings.deliveryMinimumAge, on: db)
                }
                print("registered standing order \(added.id): \(describe(added))")
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List standing orders, ended ones included.")
            @Option(help: "Only this restaurant's orders.") var restaurant: String?

            func run() throws {
                let orders = try CommandSupport.withDatabase { db, _ in try StandingOrders.list(restaurant: restaurant, on: db) }
                print(Table.render(
                    header: ["id", "card_no", "restaurant", "weekdays", "meal", "starts_on", "ends_on", "paused"],
                    rows: orders.map { order in
                        [String(order.id), order.cardNumber, order.restaurantCode, order.weekdays.map(String.init).joined(separator: ","),
                         order.meal.rawValue, order.startsOn.description, order.endsOn?.description ?? "-",
                         order.pausedFrom.map { "\($0) to \(order.pausedUntil.map(\.description) ?? "?")" } ?? "-"]
                    }))
            }
        }

        struct Pause: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Pause a standing order; deliveries resume on the day after --until.")
            @Argument(help: "The standing order's id ('standing-orders list').") var id: Int64
            @Option(help: "The last day without deliveries, YYYY-MM-DD.") var until: String
            @Option(help: "The first day without deliveries, YYYY-MM-DD (default: today in LEDGER_TZ).") var from: String?

            func run() throws {
                let until = try dateOption(until, option: "--until")
                let from = try from.map { try dateOption($0, option: "--from") }
                    ?? LocalDate.containing(Date(), in: CommandSupport.configuration().settings.timeZone)
                let change = try CommandSupport.withDatabase { db, _ in
                    try StandingOrders.pause(id, from: from, until: until, on: db)
                }
                print("standing order \(id) paused from \(from) until \(until); deliveries resume on \(until.next)")
                notePending(change)
            }
        }

        struct Resume: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "End a standing order's pause now.")
            @Argument(help: "The standing order's id.") var id: Int64

            func run() throws {
                let (_, wasPaused) = try CommandSupport.withDatabase { db, _ in try StandingOrders.resume(id, on: db) }
                print(wasPaused ? "standing order \(id) resumed" : "standing order \(id) was not paused; nothing changed")
            }
        }

        struct End: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Set a standing order's last day.")
            @Argument(help: "The standing order's id.") var id: Int64
            @Option(help: "The last day with a delivery, YYYY-MM-DD.") var on: String

            func run() throws {
                let day = try dateOption(on, option: "--on")
                let change = try CommandSupport.withDatabase { db, _ in try StandingOrders.end(id, on: day, on: db) }
                print("standing order \(id) ends on \(day): no deliveries after that day")
                notePending(change)
            }
        }

        struct Import: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import standing orders from CSV, all or nothing.",
                discussion: "Columns: \(StandingOrders.importColumns.joined(separator: ",")). A header line is optional. Weekdays are written 1;3;5, or \"1,3,5\" in quotes; ends_on may be empty. Any bad row prints 'line N: reason' for every bad row, imports nothing and exits 1.")
            @Argument(help: "The CSV file.") var file: String

            func run() throws {
                let text = try CommandSupport.readTextFile(file)
                let added = try CommandSupport.withDatabase { db, configuration in
                    do {
                        return try StandingOrders.importOrders(text, minimumAge: configuration.settings.deliveryMinimumAge, on: db)
                    } catch let error as StandingOrderImportError {
                        throw CommandSupport.refusedImport(error.problems)
                    }
                }
                print("imported \(added.count) standing orders")
            }
        }

        struct Generate: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Generate one day's deliveries from the standing orders (safe to run again).")
            @Option(help: "The day, YYYY-MM-DD.") var date: String

            func run() throws {
                let day = try dateOption(date, option: "--date")
                let created = try CommandSupport.withDatabase { db, configuration in
                    try StandingOrders.generate(on: day, minimumAge: configuration.settings.deliveryMinimumAge, on: db)
                }
                print("created \(created) deliveries for \(day)")
            }
        }
    }
}

/// A date option, or a usage error naming it.
func dateOption(_ text: String, option: String) throws -> LocalDate {
    do {
        return try LocalDate(parsing: text)
    } catch let error as DomainError {
        throw ValidationError("\(option): \(error.description)")
    }
}

private func describe(_ order: StandingOrder) -> String {
    "card \(order.cardNumber), \(order.meal.rawValue) from \(order.restaurantCode) on weekdays "
        + order.weekdays.map(String.init).joined(separator: ",") + ", from \(order.startsOn)"
        + (order.endsOn.map { " until \($0)" } ?? "")
}

private func notePending(_ change: StandingOrderChange) {
    guard change.pendingDeliveries > 0 else { return }
    print("note: \(change.pendingDeliveries) deliver\(change.pendingDeliveries == 1 ? "y was" : "ies were") already generated for days it no longer covers and \(change.pendingDeliveries == 1 ? "is" : "are") still requested: the restaurant should cancel \(change.pendingDeliveries == 1 ? "it" : "them")")
}
