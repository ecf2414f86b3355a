import Foundation
public import LedgerCore
public import Postgres

/// One row of the card registry, personal data included: for bureau staff only.
public struct CardRecord: Sendable, Equatable {
    public let card: Card
    public let holderName: String
    public let phone: String?
    public let address: String?
    public let community: String?
    /// The holder's last survival certification as the import gave it (column `certified_on`), nil when not given.
    public var certifiedOn: LocalDate? = nil
}

/// Why `cards import` imported nothing: every bad line, each as `line N: reason`.
public struct CardImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public let problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}

/// The district's card registry.
public enum Cards {
    /// The columns of an import file, in order; a first line equal to them is a header and is skipped.
    public static let importColumns = [
        "card_no", "name", "category", "birth_date", "phone", "address", "community", "status", "valid_from", "valid_until",
    ]

    /// The optional eleventh column of an import file: the holder's last survival certification.
    public static let certifiedOnColumn = "certified_on"

    /// Reads and checks an import file. Throws `CardImportError` listing every bad line; returns the records otherwise.
    public static func parseImport(_ text: String) throws -> [CardRecord] {
        try ImportFile.rows(
            text, headers: [importColumns, importColumns + [certifiedOnColumn]], nothing: "the file holds no cards",
            key: \.card.number.value, duplicate: { "the card number also appears on line \($0)" }
        ) { record in try parseRow(record.fields) }
    }

    static func parseRow(_ fields: [String]) throws -> CardRecord {
        guard fields.count == importColumns.count || fields.count == importColumns.count + 1 else {
            throw CardImportError(problems: ["expected \(importColumns.count) fields (\(importColumns.joined(separator: ","))), or \(importColumns.count + 1) with \(certifiedOnColumn), found \(fields.count)"])
        }
        var problems = ImportRowProblems()
        func text(_ index: Int, _ column: String, length: ClosedRange<Int>) -> String? {
            problems.check(column) { try FreeText.checked(fields[index], length: length) }
        }
        let number = problems.check("card_no") { try CardNumber(fields[0]) }
        let name = text(1, "name", length: 1...200)
        let (phone, address, community) = (text(4, "phone", length: 0...50), text(5, "address", length: 0...500),
                                            text(6, "community", length: 0...200))
        let category = CardCategory(rawValue: fields[2])
        if category == nil {
            problems.note("category: '\(fields[2])' is not one of \(CardCategory.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let birthDate = problems.optionalDate("birth_date", fields[3])
        let status = CardStatus(rawValue: fields[7])
        if status == nil {
            problems.note("status: '\(fields[7])' is not one of \(CardStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let validFrom = problems.optionalDate("valid_from", fields[8])
        let validUntil = problems.optionalDate("valid_until", fields[9])
        let certifiedOn = fields.count > importColumns.count ? problems.optionalDate(certifiedOnColumn, fields[10]) : .some(nil)
        if let from = validFrom ?? nil, let until = validUntil ?? nil, from > until {
            problems.note("valid_until \(until) is before valid_from \(from)")
        }
        guard problems.list.isEmpty, let number, let name, let phone, let address, let community, let category, let status,
              let birthDate, let validFrom, let validUntil, let certifiedOn
        else {
            throw CardImportError(problems: problems.list)
        }
        return CardRecord(
            card: Card(number: number, category: category, status: status, birthDate: birthDate,
                       validFrom: validFrom, validUntil: validUntil),
            holderName: name, phone: phone.nilIfEmpty, address: address.nilIfEmpty, community: community.nilIfEmpty,
            certifiedOn: certifiedOn)
    }

    /// Inserts or updates every card in one transaction, through COPY; returns how many rows were written. A card's
    /// `certifiedOn` is recorded as a certification of method `registry` unless it has one on that day or later, its
    /// next due date `certificationCycleMonths` later (or its category's cycle, sql/0019).
    public static func upsert(
        _ cards: [CardRecord], certificationCycleMonths: Int = CertificationPolicy().cycleMonths, on db: PostgresConnection
    ) throws -> Int {
        try db.transaction { db in
            try db.execute(script: """
                CREATE TEMPORARY TABLE card_import (LIKE ledger.cards INCLUDING DEFAULTS) ON COMMIT DROP;
                ALTER TABLE card_import DROP CONSTRAINT IF EXISTS card_import_pkey;
                """)
            _ = try db.copyIn(
                "COPY card_import (card_no, holder_name, category, birth_date, phone, address, community, status, valid_from, valid_until) FROM STDIN",
                rows: cards.lazy.map { record in
                    [record.card.number.value, record.holderName, record.card.category.rawValue,
                     record.card.birthDate?.description, record.phone, record.address, record.community,
                     record.card.status.rawValue, record.card.validFrom?.description, record.card.validUntil?.description]
                })
            let written = try db.query("""
                INSERT INTO ledger.cards (card_no, holder_name, category, birth_date, phone, address, community, status, valid_from, valid_until)
                SELECT card_no, holder_name, category, birth_date, phone, address, community, status, valid_from, valid_until
                FROM card_import
                ON CONFLICT (card_no) DO UPDATE SET
                    holder_name = EXCLUDED.holder_name, category = EXCLUDED.category, birth_date = EXCLUDED.birth_date,
                    phone = EXCLUDED.phone, address = EXCLUDED.address, community = EXCLUDED.community,
                    status = EXCLUDED.status, valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until,
                    updated_at = now()
                """).affectedRows
            try Certifications.recordRegistryDays(
                cards.compactMap { record in record.certifiedOn.map { (card: record.card.number.value, day: $0) } },
                cycleMonths: certificationCycleMonths, on: db)
            return written
        }
    }

    /// The registry row of one card, personal data included, or nil.
    public static func find(_ number: CardNumber, on db: PostgresConnection) throws -> CardRecord? {
        try db.query("""
            SELECT card_no, category, status, birth_date::text, valid_from::text, valid_until::text,
                   holder_name, phone, address, community
            FROM ledger.cards WHERE card_no = \(number.value)
            """).first(CardRecord.self)
    }

    /// Counts of registered cards by category and status, for the operator.
    public static func summary(on db: PostgresConnection) throws -> [(category: String, status: String, count: Int64)] {
        try db.query("SELECT category, status, count(*) FROM ledger.cards GROUP BY 1, 2 ORDER BY 1, 2").map { row in
            (try row.decode("category", as: String.self), try row.decode("status", as: String.self),
             try row.decode("count", as: Int64.self))
        }
    }
}

/// A card's registry columns, read by name: category, status, birth_date, valid_from and valid_until (dates as
/// text), each name behind a prefix (`card_category`, … for the prefix `card_`).
struct CardColumns {
    let category: CardCategory
    let status: CardStatus
    let birthDate: LocalDate?
    let validFrom: LocalDate?
    let validUntil: LocalDate?

    init(_ row: PostgresRow, prefix: String = "") throws {
        func date(_ name: String) throws -> LocalDate? {
            try row.decode(prefix + name, as: String?.self).map { try LocalDate(parsing: $0) }
        }
        guard let category = CardCategory(rawValue: try row.decode(prefix + "category", as: String.self)),
            let status = CardStatus(rawValue: try row.decode(prefix + "status", as: String.self))
        else { throw PostgresError(kind: .decoding, message: "unexpected card category or status in the registry") }
        self.category = category
        self.status = status
        birthDate = try date("birth_date")
        validFrom = try date("valid_from")
        validUntil = try date("valid_until")
    }

    /// The card `number` with these columns.
    func card(_ number: CardNumber) -> Card {
        Card(number: number, category: category, status: status, birthDate: birthDate, validFrom: validFrom,
             validUntil: validUntil)
    }
}

extension CardRecord: PostgresRowDecodable {
    /// From the columns card_no, those of `CardColumns`, holder_name, phone, address and community.
    public init(_ row: PostgresRow) throws {
        self.init(
            card: try CardColumns(row).card(CardNumber(row.decode("card_no", as: String.self))),
            holderName: try row.decode("holder_name", as: String.self),
            phone: try row.decode("phone", as: String?.self),
            address: try row.decode("address", as: String?.self),
            community: try row.decode("community", as: String?.self))
    }
}

extension String {
    /// Nil for the empty string: an empty column of an import is no value.
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
