import Foundation
import LedgerCore
@testable import LedgerStore
import Postgres
import TestSupport
import Testing

/// Rule 10's day arithmetic exists in LedgerCore (CertificationPolicy) and in SQL (sql/0019's ledger.certification_*
/// functions): the same cases, fed to both, get the expected answers.
@Suite("certification rules: Swift and SQL agree")
struct CertificationRuleAgreementTests {
    /// Certified on, cycle months, next due: month ends and 29 February clamp to the target month's last day.
    static let dueCases: [(String, Int, String)] = [
        ("2025-03-10", 12, "2026-03-10"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2025-01-31", 1, "2025-02-28"),
        ("2025-03-31", 1, "2025-04-30"),
        ("2023-03-31", 11, "2024-02-29"),
        ("2024-12-15", 1, "2025-01-15"),
        ("2024-08-31", 12, "2025-08-31"),
        ("2024-10-31", 6, "2025-04-30"),
    ]

    /// Due, birth date, day asked about, and the first day the person is asked (30 days before, 60 from age 80).
    static let askedCases: [(String, String?, String, String)] = [
        ("2024-09-01", "1944-06-01", "2024-05-31", "2024-08-02"),  // 79 that day: the usual window
        ("2024-09-01", "1944-06-01", "2024-06-01", "2024-07-03"),  // 80 that day: the early window
        ("2024-09-01", nil, "2024-08-10", "2024-08-02"),           // no birth date: the usual window
        ("2025-04-15", "1945-02-28", "2025-02-27", "2025-03-16"),  // the day before the 80th birthday
        ("2025-04-15", "1945-02-28", "2025-02-28", "2025-02-14"),
        ("2025-04-15", "1944-02-29", "2024-02-28", "2025-03-16"),  // born 29 February: 80 only on 29 February 2024
        ("2025-04-15", "1944-02-29", "2024-02-29", "2025-02-14"),
        ("2025-04-15", "1950-01-01", "2025-03-20", "2025-03-16"),
    ]

    /// Due, day, overdue (30 grace days).
    static let overdueCases: [(String, String, Bool)] = [
        ("2025-01-31", "2025-01-31", false), ("2025-01-31", "2025-03-02", false), ("2025-01-31", "2025-03-03", true),
        ("2024-02-29", "2024-03-30", false), ("2024-02-29", "2024-03-31", true),
    ]

    @Test("next due dates across month ends and 29 February, the early window at 80, overdue after the grace days")
    func sameAnswers() throws {
        let policy = CertificationPolicy()
        try TestDatabase.withConnection { db in
            for (on, months, expected) in Self.dueCases {
                let swift = CertificationPolicy.nextDue(after: try LocalDate(parsing: on), months: months).description
                let sql = try db.query("SELECT ledger.certification_next_due(\(on)::date, \(months))::text AS due")
                    .single().decode("due", as: String.self)
                #expect(swift == expected && sql == expected, "\(on) + \(months) months: Swift \(swift), SQL \(sql)")
            }
            for (due, born, day, expected) in Self.askedCases {
                let swift = policy.askedFrom(due: try LocalDate(parsing: due), birthDate: try born.map(LocalDate.init(parsing:)),
                                             on: try LocalDate(parsing: day)).description
                let sql = try db.query("""
                    SELECT ledger.certification_asked_from(\(due)::date, \(born)::date, \(day)::date, \(policy.windowDays),
                                                           \(policy.earlyDays), \(policy.earlyAge))::text AS asked
                    """).single().decode("asked", as: String.self)
                #expect(swift == expected && sql == expected, "due \(due), born \(born ?? "-"), on \(day): Swift \(swift), SQL \(sql)")
            }
            for (due, day, expected) in Self.overdueCases {
                let swift = policy.isOverdue(due: try LocalDate(parsing: due), on: try LocalDate(parsing: day))
                let sql = try db.query("SELECT ledger.certification_overdue(\(due)::date, \(day)::date, \(policy.graceDays)) AS overdue")
                    .single().decode("overdue", as: Bool.self)
                #expect(swift == expected && sql == expected, "due \(due) on \(day): Swift \(swift), SQL \(sql)")
            }
        }
    }
}
