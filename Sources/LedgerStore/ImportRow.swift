import Foundation
import LedgerCore

/// Collects what is wrong with one row of an import file, field by field, so that every problem of the row is
/// reported at once as `column: reason`.
struct ImportRowProblems {
    private(set) var list: [String] = []

    /// The parsed value, or nil after noting why `column` could not be read.
    mutating func check<T>(_ column: String, _ parse: () throws -> T) -> T? {
        do {
            return try parse()
        } catch let error as DomainError {
            list.append("\(column): \(error.description)")
        } catch let error as LedgerRefusal {
            list.append("\(column): \(error.message)")
        } catch {
            list.append("\(column): \(error)")
        }
        return nil
    }

    /// An optional date: empty text is `.some(nil)`, a bad date is nil after noting it.
    mutating func optionalDate(_ column: String, _ text: String) -> LocalDate?? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return .some(nil) }
        return check(column) { try LocalDate(parsing: text) }.map { .some($0) }
    }

    mutating func note(_ problem: String) {
        list.append(problem)
    }
}
