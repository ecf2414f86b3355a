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

/// The all-or-nothing reading of an import file that `cards import` and `certifications import` share.
enum ImportFile {
    /// Reads `text` as CSV, skipping a first line equal to one of `headers`, and parses each record with `row`. A row
    /// whose `key` repeats an earlier row's is bad too, as `duplicate(first line)` says. Throws `CardImportError`
    /// listing every bad line as `line N: reason`, or `nothing` when no row is left; returns the rows otherwise.
    static func rows<Row>(
        _ text: String, headers: [[String]], nothing: String, key: (Row) -> String, duplicate: (Int) -> String,
        _ row: (CSVRecord) throws -> Row
    ) throws -> [Row] {
        let records: [CSVRecord]
        do {
            records = try CSVReader.records(text)
        } catch let error as CSVError {
            throw CardImportError(problems: [error.description])
        }
        var problems: [String] = []
        var rows: [Row] = []
        var firstLineOf: [String: Int] = [:]
        for record in records {
            if record.line == records.first?.line, headers.contains(record.fields) { continue }
            do {
                let parsed = try row(record)
                if let first = firstLineOf[key(parsed)] {
                    throw CardImportError(problems: [duplicate(first)])
                }
                firstLineOf[key(parsed)] = record.line
                rows.append(parsed)
            } catch let error as CardImportError {
                problems.append("line \(record.line): \(error.problems.joined(separator: "; "))")
            }
        }
        guard problems.isEmpty else { throw CardImportError(problems: problems) }
        guard !rows.isEmpty else { throw CardImportError(problems: [nothing]) }
        return rows
    }
}
