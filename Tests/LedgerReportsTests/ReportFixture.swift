import Foundation
import LedgerCore
import LedgerReports

/// A month big enough to print on several pages: 14 restaurants, breaks and anomalies of every kind, two earlier months.
enum ReportFixture {
    static let period = "2026-11"
    static let closedAt = "2026-11-30T18:49:07.028109+08:00"
    static let digest = String(repeating: "3f9a", count: 16)
    static let issuer = "某某区退役军人事务局"
    static let signatures = CloseSignatures(
        preparedBy: "wangfang", preparedByName: "王芳", preparedAt: "2026-11-30T10:05:00+08:00",
        approvedBy: "lijun", approvedByName: "李军", approvedAt: "2026-11-30T18:49:07+08:00")
    static let names = ["东湖饭店", "拥军食堂", "老兵之家", "红星饺子馆", "八一面馆", "光荣小厨", "军民鱼水餐厅", "长征快餐",
                        "和平饭庄", "胜利包子铺", "向阳家常菜", "北关清真馆", "南门粥铺", "西城素食"]
    static var codes: [String] { names.indices.map { "R" + (($0 + 1) < 10 ? "0" : "") + String($0 + 1) } }

    static func id(_ n: Int) -> UUID {
        let hex = String(n, radix: 16)
        return UUID(uuidString: "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex)!
    }

    /// The month's report, open (a draft) unless `closed`; `history` false makes it the first month closed.
    /// The month's survival certification: home visits at two restaurants, three people overdue.
    static let certifications = CertificationSummary(
        homeVisits: [.init(restaurant: "R01", count: 12), .init(restaurant: "R03", count: 4)], overdueAtMonthEnd: 3)

    static func report(closed: Bool, history: Bool = true, distinct: Int64? = 97,
                       certifications: CertificationSummary? = certifications) -> SubsidyReport {
        let terms = try! SubsidyTerms(effectiveFrom: try! LocalDate(parsing: "2026-01-01"), discountShareBP: 5000, deliveryFeeFen: 300,
                                 monthlyCapFen: 50_000)
        let restaurants = zip(codes, names).enumerated().map { i, pair in
            let meals = Int64(40 + 3 * i)
            return RestaurantLine(
                code: pair.0, name: pair.1, meals: meals, voidedMeals: Int64(i % 3), lateEntries: Int64(i % 2), cardholders: Int64(8 + i),
                grossFen: meals * 1888, discountFen: meals * 283, payableFen: meals * 1605, deliveriesRequested: 5, deliveriesDelivered: 3,
                deliveriesFailed: 1, deliveriesCancelled: 1, terms: i == 13 ? nil : terms,
                splits: [MealSplit(credential: "preferential_card", category: "veteran", meals: meals - 10, grossFen: (meals - 10) * 1888, discountFen: (meals - 10) * 283),
                         MealSplit(credential: "preferential_card", category: "special_care", meals: 6, grossFen: 6 * 1888, discountFen: 6 * 283),
                         MealSplit(credential: "military_id", category: "active_serviceman", meals: 4, grossFen: 4 * 1888, discountFen: 4 * 283)])
        }
        var breaks: [ReconciliationBreak] = []
        for (i, code) in codes.enumerated() {
            breaks.append(ReconciliationBreak(restaurant: code, kind: .amountMismatch, entryID: id(100 + i), detail: "statement line 4: …",
                                              facts: .amountMismatch(line: 4, ledger: MealAmounts(grossFen: 1888, payableFen: 1605, voided: false),
                                                                     statement: MealAmounts(grossFen: 1880, payableFen: 1598, voided: true))))
            breaks.append(ReconciliationBreak(restaurant: code, kind: .duplicate, entryID: id(200 + i), detail: "statement line 9 repeats line 3",
                                              facts: .duplicate(line: 9, repeats: 3)))
            breaks.append(ReconciliationBreak(restaurant: code, kind: .missingInLedger, entryID: id(300 + i), detail: "statement line 12: …",
                                              facts: .missingInLedger(line: 12, grossFen: 2500)))
            breaks.append(ReconciliationBreak(restaurant: code, kind: .missingInStatement, entryID: id(400 + i), detail: "ledger meal of 1888 fen …",
                                              facts: .missingInStatement(grossFen: 1888)))
        }
        breaks.append(StatementMatch.noStatement(restaurant: "R14", meals: 7))
        var anomalies: [Anomaly] = []
        for i in 0..<10 {
            let card = "****" + String(1000 + i)
            anomalies.append(Anomaly(kind: .twoRestaurants, card: card, entryIDs: [id(500 + i), id(600 + i)], detail: "R01 at …",
                                     facts: .twoRestaurants(first: "R01", firstAt: "2026-11-03 12:05", second: "R02", secondAt: "2026-11-03 12:25", minutes: 20)))
            anomalies.append(Anomaly(kind: .overDailyLimit, card: card, entryIDs: (0..<4).map { id(700 + 10 * i + $0) }, detail: "4 meals on …",
                                     facts: .overDailyLimit(day: "2026-11-10", meals: 4, limit: 3)))
            anomalies.append(Anomaly(kind: .repeatedAmount, card: card, entryIDs: (0..<5).map { id(900 + 10 * i + $0) }, detail: "5 meals of 1888 fen",
                                     facts: .repeatedAmount(meals: 5, grossFen: 1888)))
            anomalies.append(Anomaly(kind: .cardNotValid, card: card, entryIDs: [id(1100 + i)], detail: "1 meal(s) …",
                                     facts: .cardNotValid(meals: 2, firstDay: "2026-11-04", lastDay: "2026-11-20",
                                                          registry: i % 2 == 0 ? nil : RegisteredCard(status: "suspended", validFrom: "2025-01-01", validUntil: nil))))
        }
        let earlier = history ? [PeriodTotals(period: "2026-09", discountFen: 1_200_000, subsidyFen: 600_000),
                                 PeriodTotals(period: "2026-10", discountFen: 1_350_000, subsidyFen: 640_000)] : []
        let open = SubsidyReport(period: period, closed: false, closedAt: nil, digest: nil, entries: 1300, timeZone: "Asia/Shanghai",
                                 dailyLimit: 3, restaurants: restaurants, breaks: breaks, anomalies: anomalies, history: earlier,
                                 distinctCardholders: distinct, certifications: certifications)
        return closed ? open.sealed(closedAt: closedAt, digest: digest) : open
    }
}
