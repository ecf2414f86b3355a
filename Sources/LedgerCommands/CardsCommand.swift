import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

extension Ledgerctl {
    /// `ledgerctl cards …`: the district's card registry.
    struct CardsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cards", abstract: "Import and look up preferential-treatment cards.",
            subcommands: [Import.self, Show.self, Summary.self])

        struct Import: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import cards from CSV, all or nothing.",
                discussion: "Columns: \(Cards.importColumns.joined(separator: ",")), and optionally \(Cards.certifiedOnColumn) (the holder's last survival certification, or empty). A header line is optional. Cards already registered are updated. Any bad row prints 'line N: reason' for every bad row, imports nothing and exits 1.")
            @Argument(help: "The CSV file.") var file: String

            func run() throws {
                let text = try CommandSupport.readTextFile(file)
                let records: [CardRecord]
                do {
                    records = try Cards.parseImport(text)
                } catch let error as CardImportError {
                    throw CommandSupport.refusedImport(error.problems)
                }
                let written = try CommandSupport.withDatabase { db, configuration in
                    try Cards.upsert(records, certificationCycleMonths: configuration.settings.certification.cycleMonths, on: db)
                }
                print("imported \(written) cards")
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show one card's registry entry (personal data).")
            @Argument(help: "The card number.") var cardNo: String

            func run() throws {
                let number: CardNumber
                do { number = try CardNumber(cardNo) } catch let error as DomainError { throw ValidationError(error.description) }
                guard let record = try CommandSupport.withDatabase({ db, _ in try Cards.find(number, on: db) }) else {
                    throw OperatorError("card \(number.masked) is not in the registry")
                }
                let card = record.card
                print(Table.render(header: ["field", "value"], rows: [
                    ["card_no", card.number.value], ["name", record.holderName], ["category", card.category.rawValue],
                    ["status", card.status.rawValue], ["birth_date", card.birthDate?.description ?? "-"],
                    ["phone", record.phone ?? "-"], ["address", record.address ?? "-"], ["community", record.community ?? "-"],
                    ["valid_from", card.validFrom?.description ?? "-"], ["valid_until", card.validUntil?.description ?? "-"],
                ]))
            }
        }

        struct Summary: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Count registered cards by category and status.")

            func run() throws {
                let rows = try CommandSupport.withDatabase { db, _ in try Cards.summary(on: db) }
                print(Table.render(header: ["category", "status", "cards"], rows: rows.map { [$0.category, $0.status, String($0.count)] }))
            }
        }
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
