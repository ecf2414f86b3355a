import ArgumentParser
import Foundation
import LedgerStore
import Logging

/// A failure an operator can act on: one line that says what went wrong and what to do.
struct OperatorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Opening the database and turning errors into one clear line.
enum CommandSupport {
    static let logger = Logger(label: "ledgerctl")

    static func configuration() throws -> LedgerConfiguration {
        do {
            return try LedgerConfiguration.fromEnvironment()
        } catch let error as ConfigurationError {
            throw OperatorError("configuration: \(error)")
        }
    }

    /// Connects with `DATABASE_URL` (or the `PG*` variables) and runs `body`; the connection is closed on every path.
    static func withDatabase<T>(_ body: (LedgerConnection, LedgerConfiguration) throws -> T) throws -> T {
        let configuration = try configuration()
        do {
            return try configuration.withConnection(logger: logger) { db in try body(db, configuration) }
        } catch let refusal as LedgerRefusal {
            throw OperatorError(refusal.message)
        } catch let error as LedgerUnavailable where error.couldNotConnect {
            throw OperatorError("cannot connect to the database: \(error.databaseMessage.replacingOccurrences(of: "\n", with: " ")) (check DATABASE_URL)")
        } catch let error as LedgerUnavailable {
            throw OperatorError("the database refused the operation: \(error.databaseMessage) (SQLSTATE \(error.sqlState ?? "none"))")
        }
    }

    /// The text of an import file, or an error that names it.
    static func readTextFile(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw OperatorError("cannot read \(path) as UTF-8 text: check the path and the file's encoding")
        }
    }

    /// Prints every bad line of a refused import to standard error and returns the error that ends the command.
    static func refusedImport(_ problems: [String]) -> OperatorError {
        for problem in problems { printError(problem) }
        return OperatorError("\(problems.count) bad line\(problems.count == 1 ? "" : "s"); nothing was imported")
    }
}
