public import Foundation
public import LedgerCore
public import Postgres

/// A survival certification that bureau staff record (`ledgerctl certifications record`), not yet checked.
public struct CertificationRequest: Sendable, Equatable {
    public let cardNumber: CardNumber
    public let method: CertificationMethod
    public let certifiedOn: LocalDate
    /// A proxy's name and relation to the holder: required with `proxy`, refused otherwise.
    public let proxyName: String?
    public let proxyRelation: String?
    /// The provincial system's reference: required with `online`.
    public let reference: String?
    public let note: String?

    public init(cardNumber: CardNumber, method: CertificationMethod, certifiedOn: LocalDate, proxyName: String? = nil,
                proxyRelation: String? = nil, reference: String? = nil, note: String? = nil) {
        self.cardNumber = cardNumber
        self.method = method
        self.certifiedOn = certifiedOn
        self.proxyName = proxyName
        self.proxyRelation = proxyRelation
        self.reference = reference
        self.note = note
    }
}

/// A certification as the ledger holds it.
public struct Certification: Sendable, Equatable {
    public let id: UUID
    public let cardNumber: String
    public let method: CertificationMethod
    public let certifiedOn: LocalDate
    /// The due date it set.
    public let nextDue: LocalDate
    /// The login that recorded it, or for a home visit the terminal (`restaurant/terminal`).
    public let recordedBy: String
}

/// A person asked to certify (their window is open), or overdue: personal data included, for bureau staff.
public struct DueCertification: Sendable, Equatable {
    public let cardNumber: String
    public let holderName: String
    public let phone: String?
    public let address: String?
    public let community: String?
    /// How and when the person last certified; nil when staff set a first due date and they have not certified yet.
    public let lastMethod: CertificationMethod?
    public let lastCertifiedOn: LocalDate?
    public let due: LocalDate
    /// Days from the day asked about to the due date; negative once it has passed.
    public let daysLeft: Int
    public let overdue: Bool
}

/// An open notice that a person is overdue, for staff to follow up.
public struct CertificationNotice: Sendable, Equatable {
    public let id: Int64
    public let cardNumber: String
    public let holderName: String
    public let phone: String?
    public let address: String?
    /// The due date the person missed.
    public let dueOn: LocalDate
    /// The card's due date now: later than `dueOn` when the person has certified since.
    public let currentDue: LocalDate?
    public let raisedAt: Date
}

/// A home-visit certification drawn for a check by phone.
public struct SampledCertification: Sendable, Equatable {
    public let id: UUID
    public let cardNumber: String
    public let holderName: String
    public let phone: String?
    public let certifiedOn: LocalDate
    public let restaurantCode: String?
    public let recordedBy: String
}

/// A month's certification figures for the monthly report: home visits per restaurant and the people overdue at the
/// month's end.
public struct CertificationFigures: Sendable, Equatable {
    /// Home-visit certifications made in the month, by restaurant code, in code order; restaurants without any are
    /// left out.
    public let homeVisitsByRestaurant: [RestaurantCount]
    /// People whose latest certification up to the month's last day left them overdue on that day.
    public let overdueAtMonthEnd: Int

    /// A count for one restaurant.
    public struct RestaurantCount: Sendable, Equatable {
        public let restaurantCode: String
        public let count: Int
    }
}

/// One row of a `certifications import` file.
public struct CertificationImportRow: Sendable, Equatable {
    public let line: Int
    public let cardNumber: CardNumber
    public let method: CertificationMethod
    public let certifiedOn: LocalDate
    public let reference: String?
}

/// Survival certification (business rule 10 of docs/rules.md): recording, due dates, overdue notices, sample checks.
public enum Certifications {
    /// The columns of an import file from the provincial system, in order; a first line equal to them is a header.
    public static let importColumns = ["card_no", "method", "certified_on", "reference"]

    /// Records a certification that bureau staff took, as the session's login. Refused when the card is not in the
    /// registry, the day is after `today`, or the method's details are missing or do not belong to it.
    public static func record(
        _ request: CertificationRequest, today: LocalDate, policy: CertificationPolicy, on db: PostgresConnection
    ) throws -> Certification {
        let details = try checkedDetails(of: request, today: today)
        return try LedgerRefusal.translatingRules {
            guard let row = try db.query("""
                INSERT INTO ledger.certifications (id, card_no, method, certified_on, next_due, proxy_name, proxy_relation,
                                                   reference, note)
                SELECT \(UUID()), c.card_no, \(request.method.rawValue), \(request.certifiedOn)::date,
                       ledger.certification_next_due(\(request.certifiedOn)::date,
                                                     ledger.certification_cycle_months(c.card_no, \(policy.cycleMonths))),
                       \(details.proxyName), \(details.proxyRelation), \(details.reference), \(details.note)
                FROM ledger.cards c WHERE c.card_no = \(request.cardNumber.value)
                RETURNING \(unsafeSQL: returnedColumns)
                """).first(Certification.self)
            else {
                throw LedgerRefusal.unregisteredCard(request.cardNumber)
            }
            return row
        }
    }

    private static let returnedColumns = "id, card_no, method, certified_on, next_due, recorded_by"

    /// The request's free-text details, trimmed, after checking that they fit its method and that its day has come.
    private static func checkedDetails(
        of request: CertificationRequest, today: LocalDate
    ) throws -> (proxyName: String?, proxyRelation: String?, reference: String?, note: String?) {
        func text(_ value: String?, _ name: String, length: ClosedRange<Int>) throws -> String? {
            guard let value else { return nil }
            do {
                return try FreeText.checked(value, length: length).nilIfEmpty
            } catch {
                throw LedgerRefusal.invalid(.certification, reason: "\(name): \(error.description)")
            }
        }
        func refuse(_ reason: String) -> LedgerRefusal { .invalid(.certification, reason: reason) }
        guard request.method != .registry else {
            throw refuse("the method registry is set only by 'ledgerctl cards import' (column certified_on); record how the holder certified: \(CertificationMethod.recordable.map(\.rawValue).joined(separator: ", "))")
        }
        guard request.certifiedOn <= today else {
            throw refuse("the certification's day \(request.certifiedOn) is after today (\(today)): give the day it was made")
        }
        let proxyName = try text(request.proxyName, "proxy name", length: 0...200)
        let proxyRelation = try text(request.proxyRelation, "proxy relation", length: 0...100)
        let reference = try text(request.reference, "reference", length: 0...200)
        let note = try text(request.note, "note", length: 0...1000)
        if request.method == .proxy, proxyName == nil || proxyRelation == nil {
            throw refuse("a certification by proxy needs the proxy's name and relation to the holder (--proxy-name, --proxy-relation)")
        }
        if request.method != .proxy, proxyName != nil || proxyRelation != nil {
            throw refuse("a proxy's name and relation belong only to the method proxy, not \(request.method.rawValue)")
        }
        if request.method == .online, reference == nil {
            throw refuse("an online certification needs the provincial system's reference (--reference)")
        }
        return (proxyName, proxyRelation, reference, note)
    }

    /// Records the home visit of a `delivered` event, in the event's transaction: the certification's id is the
    /// event's, its day the event's local day, and it is recorded by the terminal (`restaurant/terminal`).
    static func recordHomeVisit(
        eventID: UUID, card: String, on day: LocalDate, by terminal: TerminalIdentity, policy: CertificationPolicy,
        on db: PostgresConnection
    ) throws {
        _ = try db.query("""
            INSERT INTO ledger.certifications (id, card_no, method, certified_on, next_due, recorded_by, restaurant_id,
                                               delivery_event_id)
            VALUES (\(eventID), \(card), 'home_visit', \(day)::date,
                    ledger.certification_next_due(\(day)::date, ledger.certification_cycle_months(\(card), \(policy.cycleMonths))),
                    \(terminal.restaurantCode + "/" + terminal.terminalName), \(terminal.restaurantID), \(eventID))
            """)
    }

    /// Records the last certification days that a card registry import gives (`certified_on`), as method `registry`,
    /// for each card that has no certification on that day or later. Runs in the import's transaction.
    static func recordRegistryDays(
        _ days: [(card: String, day: LocalDate)], cycleMonths: Int, on db: PostgresConnection
    ) throws {
        guard !days.isEmpty else { return }
        _ = try db.query("""
            INSERT INTO ledger.certifications (id, card_no, method, certified_on, next_due)
            SELECT gen_random_uuid(), i.card_no, 'registry', i.day,
                   ledger.certification_next_due(i.day, ledger.certification_cycle_months(i.card_no, \(cycleMonths)))
            FROM unnest(\(days.map(\.card))::text[], \(days.map(\.day))::date[]) AS i(card_no, day)
            WHERE NOT EXISTS (SELECT 1 FROM ledger.certifications x WHERE x.card_no = i.card_no AND x.certified_on >= i.day)
            """)
    }

    /// Reads and checks an import file from the provincial system. Throws `CardImportError` (the same all-or-nothing
    /// report as `cards import`) listing every bad line; returns the rows otherwise.
    public static func parseImport(_ text: String, today: LocalDate) throws -> [CertificationImportRow] {
        try ImportFile.rows(
            text, headers: [importColumns], nothing: "the file holds no certifications",
            key: { [$0.cardNumber.value, $0.method.rawValue, $0.certifiedOn.description].joined(separator: ",") },
            duplicate: { "the same certification also appears on line \($0)" }
        ) { record in try importRow(record, today: today) }
    }

    /// One row of an import file; throws `CardImportError` with every problem of the row.
    private static func importRow(_ record: CSVRecord, today: LocalDate) throws -> CertificationImportRow {
        let fields = record.fields
        guard fields.count == importColumns.count else {
            throw CardImportError(problems: ["expected \(importColumns.count) fields (\(importColumns.joined(separator: ","))), found \(fields.count)"])
        }
        var problems = ImportRowProblems()
        let number = problems.check("card_no") { try CardNumber(fields[0]) }
        let method = CertificationMethod(rawValue: fields[1]).flatMap { CertificationMethod.recordable.contains($0) ? $0 : nil }
        if method == nil {
            problems.note("method: '\(fields[1])' is not one of \(CertificationMethod.recordable.map(\.rawValue).joined(separator: ", "))")
        }
        let day = problems.check("certified_on") { try LocalDate(parsing: fields[2].trimmingCharacters(in: .whitespaces)) }
        if let day, day > today {
            problems.note("certified_on: \(day) is after today (\(today))")
        }
        let reference = problems.check("reference") { try FreeText.checked(fields[3], length: 0...200) }?.nilIfEmpty
        if let method, method == .online || method == .proxy, reference == nil {
            problems.note("reference: the provincial system's reference is required for \(method.rawValue)")
        }
        guard problems.list.isEmpty, let number, let method, let day else {
            throw CardImportError(problems: problems.list)
        }
        return CertificationImportRow(line: record.line, cardNumber: number, method: method, certifiedOn: day, reference: reference)
    }

    /// Records the rows of an import in one transaction, as the session's login; a row equal to a certification
    /// already recorded (card, method, day and reference) is skipped, so that importing a file again adds nothing.
    /// Cards not in the registry refuse the whole import with `CardImportError`. Returns how many were recorded.
    public static func importRows(
        _ rows: [CertificationImportRow], policy: CertificationPolicy, on db: PostgresConnection
    ) throws -> Int {
        try db.transaction { db in
            let unknown = Set(try db.query("""
                SELECT i.card_no FROM unnest(\(rows.map(\.cardNumber.value))::text[]) AS i(card_no)
                WHERE NOT EXISTS (SELECT 1 FROM ledger.cards c WHERE c.card_no = i.card_no)
                """).map { try $0.decode("card_no", as: String.self) })
            let problems = rows.filter { unknown.contains($0.cardNumber.value) }.map {
                "line \($0.line): card_no: card \($0.cardNumber.value) is not in the registry; import it with 'ledgerctl cards import' first"
            }
            guard problems.isEmpty else { throw CardImportError(problems: problems) }
            return try LedgerRefusal.translatingRules {
                try db.query("""
                    INSERT INTO ledger.certifications (id, card_no, method, certified_on, next_due, reference)
                    SELECT gen_random_uuid(), i.card_no, i.method, i.day,
                           ledger.certification_next_due(i.day, ledger.certification_cycle_months(i.card_no, \(policy.cycleMonths))),
                           nullif(i.reference, '')
                    FROM unnest(\(rows.map(\.cardNumber.value))::text[], \(rows.map(\.method.rawValue))::text[],
                                \(rows.map(\.certifiedOn))::date[], \(rows.map { $0.reference ?? "" })::text[])
                         AS i(card_no, method, day, reference)
                    WHERE NOT EXISTS (
                        SELECT 1 FROM ledger.certifications x
                        WHERE x.card_no = i.card_no AND x.method = i.method AND x.certified_on = i.day
                          AND x.reference IS NOT DISTINCT FROM nullif(i.reference, ''))
                    """).affectedRows
            }
        }
    }

    /// Which people to list on `day`.
    public enum DueSelection: Sendable, Equatable {
        /// Those whose window is open: asked from `CertificationPolicy.askedFrom` on.
        case windowOpen
        /// Those due within this many days (or already past due).
        case within(days: Int)
        /// Only the overdue.
        case overdue
    }

    /// The people with a certification history and a card not revoked, selected as `selection` says on `day`,
    /// soonest due first.
    public static func due(
        on day: LocalDate, _ selection: DueSelection, policy: CertificationPolicy, on db: PostgresConnection
    ) throws -> [DueCertification] {
        let (mode, withinDays): (String, Int) = switch selection {
        case .windowOpen: ("window", 0)
        case .within(let days): ("within", days)
        case .overdue: ("overdue", 0)
        }
        return try db.query("""
            SELECT s.card_no, c.holder_name, c.phone, c.address, c.community, s.last_method, s.last_certified_on, s.next_due,
                   s.next_due - \(day)::date AS days_left,
                   ledger.certification_overdue(s.next_due, \(day)::date, \(policy.graceDays)) AS overdue
            FROM ledger.certification_status s JOIN ledger.cards c ON c.card_no = s.card_no
            WHERE c.status <> 'revoked' AND CASE \(mode)::text
                WHEN 'overdue' THEN ledger.certification_overdue(s.next_due, \(day)::date, \(policy.graceDays))
                WHEN 'within' THEN s.next_due <= \(day)::date + \(withinDays)::integer
                ELSE \(day)::date >= ledger.certification_asked_from(s.next_due, c.birth_date, \(day)::date,
                         \(policy.windowDays), \(policy.earlyDays), \(policy.earlyAge))
            END
            ORDER BY s.next_due, s.card_no
            """).decode(DueCertification.self)
    }

    /// Of these cards, those whose window is open on `day`, with their due dates: the recipients a courier should
    /// certify at that day's delivery.
    static func dueAmong(
        cards: [String], on day: LocalDate, policy: CertificationPolicy, on db: PostgresConnection
    ) throws -> [String: LocalDate] {
        guard !cards.isEmpty else { return [:] }
        let rows = try db.query("""
            SELECT s.card_no, s.next_due FROM ledger.certification_status s JOIN ledger.cards c ON c.card_no = s.card_no
            WHERE s.card_no = ANY(\(cards)::text[])
              AND \(day)::date >= ledger.certification_asked_from(s.next_due, c.birth_date, \(day)::date,
                      \(policy.windowDays), \(policy.earlyDays), \(policy.earlyAge))
            """)
        var due: [String: LocalDate] = [:]
        for row in rows {
            due[try row.decode("card_no", as: String.self)] = try row.decode("next_due", as: LocalDate.self)
        }
        return due
    }

    /// Raises a notice for each person overdue on `day` (card not revoked) who has no open notice and none for the
    /// same due date; returns how many were raised. Any number of daemons may run it: each notice is raised once.
    public static func raiseOverdueNotices(on day: LocalDate, policy: CertificationPolicy, on db: PostgresConnection) throws -> Int {
        try db.query("""
            INSERT INTO ledger.certification_notices (card_no, due_on)
            SELECT s.card_no, s.next_due FROM ledger.certification_status s JOIN ledger.cards c ON c.card_no = s.card_no
            WHERE c.status <> 'revoked' AND ledger.certification_overdue(s.next_due, \(day)::date, \(policy.graceDays))
            ORDER BY s.card_no
            ON CONFLICT DO NOTHING
            """).affectedRows
    }

    /// How many people (cards not revoked) are overdue on `day`.
    public static func overdueCount(on day: LocalDate, policy: CertificationPolicy, on db: PostgresConnection) throws -> Int {
        try db.query("""
            SELECT count(*) AS overdue FROM ledger.certification_status s JOIN ledger.cards c ON c.card_no = s.card_no
            WHERE c.status <> 'revoked' AND ledger.certification_overdue(s.next_due, \(day)::date, \(policy.graceDays))
            """).single().decode("overdue", as: Int.self)
    }

    /// Every open notice, oldest first, with the person's name, phone and address.
    public static func openNotices(on db: PostgresConnection) throws -> [CertificationNotice] {
        try db.query("""
            SELECT n.id, n.card_no, c.holder_name, c.phone, c.address, n.due_on, s.next_due AS current_due, n.raised_at
            FROM ledger.certification_notices n
            JOIN ledger.cards c ON c.card_no = n.card_no
            LEFT JOIN ledger.certification_status s ON s.card_no = n.card_no
            WHERE n.acknowledged_at IS NULL
            ORDER BY n.raised_at, n.id
            """).decode(CertificationNotice.self)
    }

    /// Closes an open notice with what was done, as the database user. A notice already acknowledged is refused
    /// with the earlier acknowledgement (its time told in `timeZone`) and stays as it was.
    public static func acknowledgeNotice(id: Int64, note: String, timeZone: TimeZone, on db: PostgresConnection) throws {
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...1000).contains(note.count) else {
            throw LedgerRefusal.invalid(.noticeNote, reason: "the note must say, in 1 to 1000 characters, what was done about the notice (who called or visited, whether the person certified)")
        }
        // The CTE's update is not visible to the outer select, which so reads the notice as it was before.
        let outcome = try db.query("""
            WITH closed AS (
                UPDATE ledger.certification_notices SET acknowledged_at = now(), acknowledged_by = current_user, ack_note = \(note)
                WHERE id = \(id) AND acknowledged_at IS NULL
                RETURNING id
            )
            SELECT n.id IS NOT NULL AS found, EXISTS (SELECT 1 FROM closed) AS closed, n.acknowledged_at, n.acknowledged_by,
                   n.ack_note, n.closed_by_certification IS NOT NULL AS by_certification
            FROM (SELECT 1) AS one LEFT JOIN ledger.certification_notices n ON n.id = \(id)
            """).single()
        guard try outcome.decode("found", as: Bool.self) else { throw LedgerRefusal.unknownNotice(id) }
        guard try !outcome.decode("closed", as: Bool.self), let earlier = try outcome.decode("acknowledged_at", as: Date?.self) else {
            return
        }
        if try outcome.decode("by_certification", as: Bool.self) {
            throw LedgerRefusal.noticeClosedByCertification(id, at: RFC3339.format(earlier, in: timeZone))
        }
        throw LedgerRefusal.noticeAcknowledged(
            id, at: RFC3339.format(earlier, in: timeZone), by: try outcome.decode("acknowledged_by", as: String?.self) ?? "unknown",
            note: try outcome.decode("ack_note", as: String?.self) ?? "")
    }

    /// The home-visit certifications made in `period` that the draw picks for a check by phone
    /// (`ledger.certification_sampled` of their ids at `policy.sampleBasisPoints`), in day order.
    public static func sample(period: Period, policy: CertificationPolicy, on db: PostgresConnection) throws -> [SampledCertification] {
        try db.query("""
            SELECT x.id, x.card_no, c.holder_name, c.phone, x.certified_on, r.code, x.recorded_by
            FROM ledger.certifications x
            JOIN ledger.cards c ON c.card_no = x.card_no
            LEFT JOIN ledger.restaurants r ON r.id = x.restaurant_id
            WHERE x.method = 'home_visit' AND x.certified_on BETWEEN \(period.firstDay)::date AND \(period.lastDay)::date
              AND ledger.certification_sampled(x.id, \(policy.sampleBasisPoints))
            ORDER BY x.certified_on, x.id
            """).decode(SampledCertification.self)
    }

    /// The figures of `period` for the monthly report (see `CertificationFigures`).
    public static func figures(period: Period, policy: CertificationPolicy, on db: PostgresConnection) throws -> CertificationFigures {
        let homeVisits = try db.query("""
            SELECT r.code, count(*) AS visits
            FROM ledger.certifications x JOIN ledger.restaurants r ON r.id = x.restaurant_id
            WHERE x.method = 'home_visit' AND x.certified_on BETWEEN \(period.firstDay)::date AND \(period.lastDay)::date
            GROUP BY r.code ORDER BY r.code
            """).map { row in
            CertificationFigures.RestaurantCount(
                restaurantCode: try row.decode("code", as: String.self), count: try row.decode("visits", as: Int.self))
        }
        // Each card's latest certification made by the month's last day, as ledger.certification_status takes it.
        let overdue = try db.query("""
            SELECT count(*) AS overdue FROM (
                SELECT DISTINCT ON (x.card_no) x.card_no, x.next_due
                FROM ledger.certifications x
                WHERE x.certified_on <= \(period.lastDay)::date
                ORDER BY x.card_no, x.certified_on DESC, x.recorded_at DESC
            ) latest JOIN ledger.cards c ON c.card_no = latest.card_no
            WHERE c.status <> 'revoked'
              AND ledger.certification_overdue(latest.next_due, \(period.lastDay)::date, \(policy.graceDays))
            """).single().decode("overdue", as: Int.self)
        return CertificationFigures(homeVisitsByRestaurant: homeVisits, overdueAtMonthEnd: overdue)
    }
}

/// Issue 15's loose ends: a first due date set by staff, the categories' cycles, the notices already closed.
extension Certifications {
    /// Sets the first due date of a card that has no certification yet, as the session's login
    /// (`ledger.set_first_certification_due`, sql/0021, which holds the card's rules whoever connects). Refused when
    /// the card is not registered, revoked or already certified, the day is before `today`, or the note is not text.
    public static func setFirstDue(
        card: CardNumber, due: LocalDate, note: String?, today: LocalDate, on db: PostgresConnection
    ) throws {
        guard due >= today else { throw LedgerRefusal.dueBeforeToday(due, today: today) }
        let note = try note.flatMap { text in
            do {
                return try FreeText.checked(text, length: 0...1000).nilIfEmpty
            } catch {
                throw LedgerRefusal.invalid(.certification, reason: "note: \(error)")
            }
        }
        try db.transaction { db in
            let found = try db.query("""
                SELECT c.status, EXISTS (SELECT 1 FROM ledger.certifications x WHERE x.card_no = c.card_no) AS certified
                FROM ledger.cards c WHERE c.card_no = \(card.value)
                """).first
            guard let found else { throw LedgerRefusal.unregisteredCard(card) }
            guard try found.decode("status", as: String.self) != CardStatus.revoked.rawValue else {
                throw LedgerRefusal.revokedCard(card)
            }
            guard try !found.decode("certified", as: Bool.self) else { throw LedgerRefusal.alreadyCertified(card) }
            _ = try LedgerRefusal.translatingRules {
                try db.query("SELECT ledger.set_first_certification_due(\(card.value), \(due)::date, \(note))")
            }
        }
    }

    /// A category's certification cycle: the one the bureau set, or nil when the default applies.
    public struct Cycle: Sendable, Equatable {
        public let category: CardCategory
        public let months: Int?
        public let setBy: String?
        public let setAt: Date?
    }

    /// Every category with its cycle, in the vocabulary's order.
    public static func cycles(on db: PostgresConnection) throws -> [Cycle] {
        var set: [String: (months: Int, by: String, at: Date)] = [:]
        for row in try db.query("SELECT category, months, set_by::text AS set_by, set_at FROM ledger.certification_cycles") {
            set[try row.decode("category", as: String.self)] = (
                try row.decode("months", as: Int.self), try row.decode("set_by", as: String.self),
                try row.decode("set_at", as: Date.self))
        }
        return CardCategory.allCases.map { category in
            let found = set[category.rawValue]
            return Cycle(category: category, months: found?.months, setBy: found?.by, setAt: found?.at)
        }
    }

    /// Sets a category's cycle as the session's login (`ledger.set_certification_cycle`: an approver or the owner).
    /// Certifications recorded from now on get their due date by it; those recorded keep theirs.
    public static func setCycle(_ category: CardCategory, months: Int, on db: PostgresConnection) throws {
        do {
            _ = try LedgerRefusal.translatingRules {
                try db.query("SELECT ledger.set_certification_cycle(\(category.rawValue), \(months))")
            }
        } catch let error as PostgresError where error.sqlState == "42501" {
            // Clerks are not granted the function at all (sql/0021).
            throw LedgerRefusal.refusedByRule("only an approver (ledger_approver) or the owner may set a certification cycle: ask an approver to set it")
        }
    }

    /// A notice that is closed: acknowledged by a person, or closed by the certification that moved the due date.
    public struct ClosedNotice: Sendable, Equatable {
        public let id: Int64
        public let cardNumber: String
        public let holderName: String
        public let dueOn: LocalDate
        public let closedAt: Date
        /// The login that acknowledged it; nil when a certification closed it.
        public let acknowledgedBy: String?
        public let note: String
        /// The certification that closed it, when one did.
        public let closedByCertification: UUID?
    }

    /// The `limit` notices closed last, latest first.
    public static func closedNotices(limit: Int, on db: PostgresConnection) throws -> [ClosedNotice] {
        try db.query("""
            SELECT n.id, n.card_no, c.holder_name, n.due_on, n.acknowledged_at, n.acknowledged_by, n.ack_note,
                   n.closed_by_certification
            FROM ledger.certification_notices n JOIN ledger.cards c ON c.card_no = n.card_no
            WHERE n.acknowledged_at IS NOT NULL
            ORDER BY n.acknowledged_at DESC, n.id DESC LIMIT \(limit)
            """).map { row in
            ClosedNotice(
                id: try row.decode("id", as: Int64.self), cardNumber: try row.decode("card_no", as: String.self),
                holderName: try row.decode("holder_name", as: String.self), dueOn: try row.decode("due_on", as: LocalDate.self),
                closedAt: try row.decode("acknowledged_at", as: Date.self),
                acknowledgedBy: try row.decode("acknowledged_by", as: String?.self),
                note: try row.decode("ack_note", as: String.self),
                closedByCertification: try row.decode("closed_by_certification", as: UUID?.self))
        }
    }
}

extension Certification: PostgresRowDecodable {
    /// From the columns id, card_no, method, certified_on, next_due and recorded_by.
    public init(_ row: PostgresRow) throws {
        self.init(
            id: try row.decode("id", as: UUID.self), cardNumber: try row.decode("card_no", as: String.self),
            method: try decodeEnum(CertificationMethod.self, row, "method"),
            certifiedOn: try row.decode("certified_on", as: LocalDate.self), nextDue: try row.decode("next_due", as: LocalDate.self),
            recordedBy: try row.decode("recorded_by", as: String.self))
    }
}

extension DueCertification: PostgresRowDecodable {
    public init(_ row: PostgresRow) throws {
        self.init(
            cardNumber: try row.decode("card_no", as: String.self), holderName: try row.decode("holder_name", as: String.self),
            phone: try row.decode("phone", as: String?.self), address: try row.decode("address", as: String?.self),
            community: try row.decode("community", as: String?.self),
            lastMethod: try row.decode("last_method", as: String?.self).map { try decodeEnum(CertificationMethod.self, $0) },
            lastCertifiedOn: try row.decode("last_certified_on", as: LocalDate?.self),
            due: try row.decode("next_due", as: LocalDate.self), daysLeft: try row.decode("days_left", as: Int.self),
            overdue: try row.decode("overdue", as: Bool.self))
    }
}

extension CertificationNotice: PostgresRowDecodable {
    public init(_ row: PostgresRow) throws {
        self.init(
            id: try row.decode("id", as: Int64.self), cardNumber: try row.decode("card_no", as: String.self),
            holderName: try row.decode("holder_name", as: String.self), phone: try row.decode("phone", as: String?.self),
            address: try row.decode("address", as: String?.self), dueOn: try row.decode("due_on", as: LocalDate.self),
            currentDue: try row.decode("current_due", as: LocalDate?.self), raisedAt: try row.decode("raised_at", as: Date.self))
    }
}

extension SampledCertification: PostgresRowDecodable {
    public init(_ row: PostgresRow) throws {
        self.init(
            id: try row.decode("id", as: UUID.self), cardNumber: try row.decode("card_no", as: String.self),
            holderName: try row.decode("holder_name", as: String.self), phone: try row.decode("phone", as: String?.self),
            certifiedOn: try row.decode("certified_on", as: LocalDate.self),
            restaurantCode: try row.decode("code", as: String?.self), recordedBy: try row.decode("recorded_by", as: String.self))
    }
}
