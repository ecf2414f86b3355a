/// How a survival certification (生存認證) was made (business rule 10).
public enum CertificationMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// At the bureau or a counter, in person.
    case inPerson = "in_person"
    /// By a proxy, whose name and relation are recorded.
    case proxy
    /// Online, in the provincial system; its reference is recorded.
    case online
    /// By a courier who saw the holder at a delivery, or a visit of bureau staff.
    case homeVisit = "home_visit"
    /// The last certification the card registry gave (`cards import`, column `certified_on`); how it was made is
    /// not known.
    case registry

    /// The methods a person can certify by; `registry` only comes with an import of the card registry.
    public static let recordable: [CertificationMethod] = [.inPerson, .proxy, .online, .homeVisit]
}

/// Business rule 10: when a cardholder must certify again, when they are asked, when they are overdue.
public struct CertificationPolicy: Sendable, Equatable {
    /// Months from one certification to the next due date, unless the database sets a cycle for the card's category.
    public var cycleMonths: Int
    /// Days before the due date from which a person under `earlyAge` is asked to certify.
    public var windowDays: Int
    /// Days before the due date from which a person aged `earlyAge` or more is asked (a window that opens earlier).
    public var earlyDays: Int
    /// The age, on the day asked about, from which the early window applies.
    public var earlyAge: Int
    /// Days after the due date before a person counts as overdue and a notice is raised.
    public var graceDays: Int
    /// The share of home-visit certifications drawn for a check by phone, in basis points (500 = 5%).
    public var sampleBasisPoints: Int

    public init(cycleMonths: Int = 12, windowDays: Int = 30, earlyDays: Int = 60, earlyAge: Int = 80, graceDays: Int = 30,
                sampleBasisPoints: Int = 500) {
        self.cycleMonths = cycleMonths
        self.windowDays = windowDays
        self.earlyDays = earlyDays
        self.earlyAge = earlyAge
        self.graceDays = graceDays
        self.sampleBasisPoints = sampleBasisPoints
    }

    /// The next due date after a certification on `certifiedOn`: `months` calendar months later, the day of the
    /// month kept, or the target month's last day when it has no such day (31 January + 1 month is 28 or 29
    /// February; 29 February + 12 months is 28 February). SQL: `ledger.certification_next_due`.
    public static func nextDue(after certifiedOn: LocalDate, months: Int) -> LocalDate {
        let monthIndex = certifiedOn.year * 12 + (certifiedOn.month - 1) + months
        let (year, month) = (monthIndex / 12, monthIndex % 12 + 1)
        let lastDay = LocalDate(daysSinceEpoch: LocalDate(unchecked: month == 12 ? year + 1 : year, month % 12 + 1, 1).daysSinceEpoch - 1).day
        return LocalDate(unchecked: year, month, min(certifiedOn.day, lastDay))
    }

    /// The first day a person due on `due` is asked to certify, judged on `day`: `earlyDays` before the due date
    /// when they are `earlyAge` or older on `day` (age from the birth date, as `Eligibility.age`), `windowDays`
    /// before otherwise or when the birth date is unknown. SQL: `ledger.certification_asked_from`.
    public func askedFrom(due: LocalDate, birthDate: LocalDate?, on day: LocalDate) -> LocalDate {
        let elderly = birthDate.map { Eligibility.age(born: $0, on: day) >= earlyAge } ?? false
        return due.adding(days: -(elderly ? earlyDays : windowDays))
    }

    /// Whether a person due on `due` is overdue on `day`: the day is after the due date plus the grace days.
    /// SQL: `ledger.certification_overdue`.
    public func isOverdue(due: LocalDate, on day: LocalDate) -> Bool {
        day > due.adding(days: graceDays)
    }

    /// Whether a home visit may certify with a `delivered` or `failed` event: only a delivery that reached the
    /// holder in person, so `delivered` with a wellness other than `not_home`.
    public static func homeVisitAllowed(status: DeliveryStatus, wellness: Wellness?) -> Bool {
        status == .delivered && wellness != nil && wellness != .notHome
    }
}
