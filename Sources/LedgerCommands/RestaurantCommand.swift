import ArgumentParser
import LedgerCore
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl restaurant …`: partner restaurants and their subsidy terms.
    struct RestaurantCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restaurant", abstract: "Register restaurants and their subsidy terms.",
            subcommands: [Add.self, Terms.self, List.self, Show.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Register a restaurant.")
            @Option(help: "A short unique code, e.g. R01 (letters, digits, '-', '_').") var code: String
            @Option(help: "The restaurant's name.") var name: String
            @Option(help: "The community (社區) it serves.") var community: String
            @Option(help: "The price rate in basis points of the list price: 8500 means 15% off; at most 8500.") var rate: Int32

            func validate() throws {
                guard (1...8500).contains(rate) else {
                    throw ValidationError("--rate \(rate) is not allowed: the guest pays at most 8500 bp (85%) of the list price")
                }
            }

            func run() throws {
                let restaurant = try CommandSupport.withDatabase { db, _ in
                    try Restaurants.add(code: code, name: name, community: community, rate: Rate(basisPoints: rate), on: db)
                }
                print("registered restaurant \(restaurant.code) (\(restaurant.name)) at \(restaurant.rate.basisPoints) bp")
            }
        }

        struct Terms: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Set subsidy terms effective from a date.")
            @Option(help: "The restaurant's code.") var code: String
            @Option(help: "The first day the terms apply, YYYY-MM-DD.") var from: String
            @Option(help: "The share of the discounts the bureau repays, in basis points (0 to 10000).") var discountShare: Int32
            @Option(help: "The fee per delivered free meal, in fen.") var deliveryFee: Int64
            @Option(help: "An optional monthly cap on the subsidy, in fen.") var monthlyCap: Int64?

            func run() throws {
                let terms: SubsidyTerms
                do {
                    terms = try SubsidyTerms(effectiveFrom: LocalDate(parsing: from), discountShareBP: discountShare,
                                             deliveryFeeFen: deliveryFee, monthlyCapFen: monthlyCap)
                } catch let error as DomainError {
                    throw ValidationError(error.description)
                }
                try CommandSupport.withDatabase { db, _ in try Restaurants.setTerms(terms, code: code, on: db) }
                print("terms for \(code) from \(terms.effectiveFrom): \(discountShare) bp of discounts, \(deliveryFee) fen per delivery"
                      + (monthlyCap.map { ", capped at \($0) fen a month" } ?? ""))
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the registered restaurants.")

            func run() throws {
                let restaurants = try CommandSupport.withDatabase { db, _ in try Restaurants.list(on: db) }
                print(Table.render(
                    header: ["code", "name", "community", "rate_bp", "status"],
                    rows: restaurants.map { [$0.code, $0.name, $0.community, String($0.rate.basisPoints), $0.active ? "active" : "suspended"] }))
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show one restaurant, its terms and terminals.")
            @Option(help: "The restaurant's code.") var code: String

            func run() throws {
                let (restaurant, terms, terminals) = try CommandSupport.withDatabase { db, _ in
                    (try Restaurants.require(code: code, on: db), try Restaurants.terms(code: code, on: db),
                     try Terminals.list(restaurant: code, on: db))
                }
                print("\(restaurant.code)  \(restaurant.name)  (\(restaurant.community))  rate \(restaurant.rate.basisPoints) bp  \(restaurant.active ? "active" : "suspended")")
                print("\nsubsidy terms:")
                print(Table.render(
                    header: ["from", "discount_share_bp", "delivery_fee_fen", "monthly_cap_fen"],
                    rows: terms.map { [$0.terms.effectiveFrom.description, String($0.terms.discountShareBP),
                                       String($0.terms.deliveryFeeFen), $0.terms.monthlyCapFen.map(String.init) ?? "-"] }))
                print("\nterminals:")
                print(TerminalCommand.List.table(terminals))
            }
        }
    }
}
