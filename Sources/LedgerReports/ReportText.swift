import Foundation
import LedgerCore

/// The words of the printed report in its language: labels, dates, and the sentences told from the facts of breaks
/// and anomalies. Chinese sentences use Chinese punctuation; money is in yuan.
struct ReportText {
    let language: ReportLanguage
    /// The programme's time zone, in which every date is shown.
    let timeZone: TimeZone

    init(_ language: ReportLanguage, timeZone: TimeZone) {
        self.language = language
        self.timeZone = timeZone
    }

    private func t(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }

    var title: String { t("双拥餐厅优待补贴结算报告", "Double-support restaurants: subsidy settlement report") }
    var periodLabel: String { t("结算期间", "Period") }
    var draftMark: String { t("草稿", "DRAFT") }
    var draftNotice: String { t("草稿：本期尚未经审核结账，数字仍可能变化，仅供核对，不作付款依据。",
                                "DRAFT: this period has not been approved and closed; its figures may still change. For checking only, not for payment.") }
    var summary: String { t("汇总", "Summary") }
    var restaurant: String { t("餐厅", "Restaurant") }
    var meals: String { t("就餐笔数", "Meals") }
    var voided: String { t("撤销笔数", "Voided") }
    var late: String { t("补记笔数", "Late entries") }
    var cardholders: String { t("持证人数", "Cardholders") }
    var gross: String { t("原价", "Gross") }
    var discount: String { t("优惠", "Discount") }
    var payable: String { t("实收", "Paid") }
    var delivered: String { t("送达次数", "Delivered") }
    var discountSubsidy: String { t("优惠补贴", "Discount subsidy") }
    var deliverySubsidy: String { t("送餐补贴", "Delivery subsidy") }
    var subsidy: String { t("补贴合计", "Subsidy") }
    var total: String { t("合计", "TOTAL") }
    var moneyUnit: String { t("金额单位：元", "Amounts in yuan") }
    var moneyNote: String { t("金额以元为单位，保留两位小数；撤销的就餐不计金额。补贴按当期第一天有效的补贴标准计算，月度合计一次取整，并适用月度上限。",
                              "Amounts in yuan with two decimals; voided meals carry no money. Subsidies use the terms in force on the period's first day, rounded once on the monthly total, with the monthly cap applied.") }
    func cardholderNote(distinct: Int64, summed: Int64) -> String {
        t("合计行的持证人数为去重人数：同一人在几家餐厅就餐只计一次。各餐厅持证人数相加为 \(summed) 人，本期实际就餐 \(distinct) 人。",
          "The TOTAL's cardholders count each person once, however many restaurants they ate at: the restaurants' counts add up to \(summed), \(distinct) distinct people ate this period.")
    }
    var cardholderSummedNote: String { t("合计行的持证人数为各餐厅人数相加：同一人在两家餐厅就餐计两次（本报告生成时未保存去重人数）。",
                                         "The TOTAL's cardholders add up the restaurants' counts: a person who ate at two restaurants counts twice (this report was stored before the distinct count was kept).") }
    var chart: String { t("各餐厅优惠与补贴", "Discounts and subsidies per restaurant") }
    var history: String { t("与往月比较", "Comparison with previous months") }
    func onlyMonth(_ period: String) -> String {
        t("\(month(period))之前没有已结账的月份，暂无往月数据可比较。", "No month before \(month(period)) was closed: there is none to compare with.")
    }
    var perRestaurant: String { t("分餐厅明细", "Per restaurant") }
    var terms: String { t("补贴标准", "Terms") }
    var noTerms: String { t("本期无补贴标准，不予补贴。", "No terms in force: no subsidy.") }
    var none: String { t("无", "None") }
    var deliveries: String { t("免费送餐", "Free deliveries") }
    var credential: String { t("证件类型", "Credential") }
    var category: String { t("类别", "Category") }
    var breaks: String { t("对账差异", "Reconciliation breaks") }
    var anomalies: String { t("异常情况", "Anomalies") }
    func counted(_ heading: String, _ count: Int) -> String { t("\(heading)（\(count) 条）", "\(heading) (\(count))") }
    var kind: String { t("类型", "Kind") }
    var entry: String { t("记录编号", "Entry") }
    var detail: String { t("说明", "Detail") }
    var card: String { t("证号尾号", "Card") }
    var anomalyNote: String { t("异常规则：同一证件30分钟内在两家餐厅就餐；单日就餐超过限额；就餐日证件无效（按结算时的证件库判断，证件库不保留历史）；同一证件同一金额当月出现5次及以上。",
                                "Rules: the same card at two restaurants within 30 minutes; more meals in a local day than the limit; card not valid on the meal's day (judged on the registry as it stands at reconciliation, which keeps no history); the same card with the same gross amount 5 times or more in the month.") }
    var certification: String { t("生存认证", "Survival certification") }
    var homeVisits: String { t("上门认证次数", "Home-visit certifications") }
    var noHomeVisits: String { t("本月无送餐上门认证。", "No certification at a home visit this month.") }
    func overdueAtMonthEnd(_ people: Int64, month period: String) -> String {
        t("截至\(month(period))末，逾期未认证 \(people) 人；上门认证由送餐员在送达时记录。",
          "At the end of \(month(period)), \(people) people were overdue; couriers record home-visit certifications at delivery.")
    }
    var seal: String { t("封存", "Seal") }
    var entries: String { t("记录条数", "Entries") }
    var closedAt: String { t("结账时间", "Closed at") }
    var digest: String { t("封存摘要", "Digest") }
    var notClosed: String { t("未结账", "Not closed") }
    /// How to check the seal; `code` marks up a command (as `<code>` in the HTML).
    func sealNote(_ code: (String) -> String) -> String {
        t("任何人可用数据库命令 \(code("SELECT audit.verify_period('期间')")) 复核，应返回真（或运行 \(code("ledgerctl verify"))）；摘要的算法见数据库审计说明。",
          "Anyone can check it with SQL: \(code("SELECT audit.verify_period('period')")) must return true (or run \(code("ledgerctl verify"))); \(code("sql/audit/README.md")) gives the recipe to recompute the digest.")
    }
    var signatures: String { t("签署", "Signatures") }
    var preparedBy: String { t("制表", "Prepared by") }
    var approvedBy: String { t("审核", "Approved by") }
    var stamp: String { t("签章", "Signature and seal") }
    var date: String { t("日期", "Date") }
    var pending: String { t("待审核", "Pending approval") }
    var draftNotSigned: String { t("草稿不签章", "Not to be signed: draft") }
    func closedBySinglePolicy(_ at: String) -> String {
        t("本期于 \(at) 由一人结账（单人结账制度），请在下方手工签署。", "This period was closed by one person at \(at) (single-person policy): sign below by hand.")
    }
    /// The rows left out of a list; `code` marks up the file's name.
    func more(_ count: Int, file: String, _ code: (String) -> String) -> String {
        t("另有 \(count) 条未列出，见文件 \(code(file))。", "\(count) more not listed here: see \(code(file)).")
    }
    var originalDetail: String { t("原文：", "") }

    func word(_ key: String) -> String {
        switch key {
        case "preferential_card": return t("优待证", "preferential card")
        case "military_id": return t("军人证件", "military ID")
        case "active_serviceman": return t("现役军人", "active serviceman")
        case "veteran": return t("退役军人", "veteran")
        case "special_care": return t("优抚对象", "special care")
        case "-": return t("未分类", "none")
        case "missing_in_ledger": return t("账中缺失", "missing in ledger")
        case "missing_in_statement": return t("对账单缺失", "missing in statement")
        case "amount_mismatch": return t("金额不符", "amount mismatch")
        case "duplicate": return t("重复", "duplicate")
        case "no_statement": return t("未交对账单", "no statement")
        case "two_restaurants_30min": return t("30分钟内两家餐厅", "two restaurants within 30 min")
        case "over_daily_limit": return t("超过每日限额", "over daily limit")
        case "card_not_valid": return t("证件无效", "card not valid")
        case "repeated_amount": return t("相同金额重复", "repeated amount")
        case "active": return t("有效", "active")
        case "suspended": return t("暂停", "suspended")
        case "revoked": return t("注销", "revoked")
        default: return key
        }
    }

    // MARK: Money, dates and zones

    func yuan(_ fen: Int64) -> String { t("\(Yuan.format(fen)) 元", "\(Yuan.format(fen)) yuan") }

    /// `YYYY-MM` as 2026年11月 or November 2026.
    func month(_ period: String) -> String {
        let parts = period.split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else { return period }
        return t("\(year)年\(month)月", "\(Self.englishMonths[month - 1]) \(year)")
    }

    /// `YYYY-MM-DD` as 2026年11月3日 or 3 November 2026.
    func day(_ text: String) -> String {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month)
        else { return text }
        return t("\(year)年\(month)月\(day)日", "\(day) \(Self.englishMonths[month - 1]) \(year)")
    }

    /// `YYYY-MM-DD HH:MM` (already local) as 2026年11月3日 12:05.
    func localTime(_ text: String) -> String {
        let parts = text.split(separator: " ")
        guard parts.count == 2 else { return text }
        return day(String(parts[0])) + " " + parts[1]
    }

    /// An RFC 3339 time as 2026年11月30日 18:49 in the programme's time zone.
    func time(_ rfc3339: String) -> String {
        guard let date = try? RFC3339.parse(rfc3339) else { return rfc3339 }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        guard let year = c.year, let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute else { return rfc3339 }
        let clock = (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        return t("\(year)年\(month)月\(day)日 \(clock)", "\(day) \(Self.englishMonths[month - 1]) \(year) \(clock)")
    }

    /// The zone in words: 北京时间 for China's zones, else its name in the language or its offset from UTC.
    var zoneInWords: String {
        if Self.chinaZones.contains(timeZone.identifier) { return t("北京时间", "Beijing time") }
        let locale = Locale(identifier: language == .zh ? "zh_Hans" : "en")
        if let name = timeZone.localizedName(for: .generic, locale: locale), !name.isEmpty, name != timeZone.identifier { return name }
        let seconds = timeZone.secondsFromGMT(), hours = abs(seconds) / 3600, minutes = abs(seconds) % 3600 / 60
        let offset = (seconds < 0 ? "-" : "+") + "\(hours)" + (minutes == 0 ? "" : ":" + (minutes < 10 ? "0" : "") + "\(minutes)")
        return t("协调世界时\(offset)", "UTC\(offset)")
    }

    var timesIn: String { t("时间均为\(zoneInWords)", "times in \(zoneInWords)") }

    private static let chinaZones: Set<String> = ["Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"]
    private static let englishMonths = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                                        "October", "November", "December"]

    // MARK: Sentences from facts

    /// A break told from its facts; `place` names a restaurant by its code.
    func sentence(_ facts: BreakFacts) -> String {
        switch facts {
        case .noStatement(let meals):
            return t("未收到该餐厅的对账单，\(meals) 笔就餐未能核对。", "No statement from this restaurant: \(meals) meals unmatched.")
        case .duplicate(let line, let repeats):
            return t("对账单第 \(line) 行与第 \(repeats) 行重复。", "Statement line \(line) repeats line \(repeats).")
        case .missingInLedger(let line, let grossFen):
            return t("对账单第 \(line) 行（原价 \(yuan(grossFen))）在账中没有记录。",
                     "Statement line \(line) (gross \(yuan(grossFen))) is not in the ledger.")
        case .missingInStatement(let grossFen):
            return t("账中一笔原价 \(yuan(grossFen))的就餐不在对账单中。", "A ledger meal of \(yuan(grossFen)) gross is not in the statement.")
        case .amountMismatch(let line, let ledger, let statement):
            var differences: [String] = []
            if ledger.grossFen != statement.grossFen {
                differences.append(t("原价账中 \(yuan(ledger.grossFen))、对账单 \(yuan(statement.grossFen))",
                                     "gross \(yuan(ledger.grossFen)) in the ledger, \(yuan(statement.grossFen)) in the statement"))
            }
            if ledger.payableFen != statement.payableFen {
                differences.append(t("实收账中 \(yuan(ledger.payableFen))、对账单 \(yuan(statement.payableFen))",
                                     "paid \(yuan(ledger.payableFen)) in the ledger, \(yuan(statement.payableFen)) in the statement"))
            }
            if ledger.voided != statement.voided {
                differences.append(t("账中\(voidWord(ledger.voided))、对账单\(voidWord(statement.voided))",
                                     "\(voidWord(ledger.voided)) in the ledger, \(voidWord(statement.voided)) in the statement"))
            }
            return t("对账单第 \(line) 行与账不符：", "Statement line \(line) differs from the ledger: ")
                + differences.joined(separator: t("；", "; ")) + t("。", ".")
        }
    }

    /// An anomaly told from its facts; `name` gives a restaurant's name from its code.
    func sentence(_ facts: AnomalyFacts, name: (String) -> String) -> String {
        switch facts {
        case .overDailyLimit(let day, let meals, let limit):
            return t("\(self.day(day))就餐 \(meals) 次，超过每日限额 \(limit) 次。",
                     "\(meals) meals on \(self.day(day)), more than the daily limit of \(limit).")
        case .repeatedAmount(let meals, let grossFen):
            return t("当月 \(meals) 次就餐原价均为 \(yuan(grossFen))。", "\(meals) meals this month all of \(yuan(grossFen)) gross.")
        case .twoRestaurants(let first, let firstAt, let second, let secondAt, let minutes):
            return t("\(localTime(firstAt)) 在\(name(first))就餐，\(localTime(secondAt)) 又在\(name(second))就餐，相隔 \(minutes) 分钟。",
                     "At \(name(first)) at \(localTime(firstAt)), then at \(name(second)) at \(localTime(secondAt)), \(minutes) min apart.")
        case .cardNotValid(let meals, let firstDay, let lastDay, let registry):
            let span = firstDay == lastDay ? day(firstDay) : t("\(day(firstDay))至\(day(lastDay))", "\(day(firstDay)) to \(day(lastDay))")
            guard let registry else {
                return t("\(span)就餐 \(meals) 次；证件库中无此证件。", "\(meals) meals \(span); the card is not in the registry.")
            }
            let from = registry.validFrom.map(day) ?? t("不限", "open"), until = registry.validUntil.map(day) ?? t("不限", "open")
            return t("\(span)就餐 \(meals) 次；证件库现状：\(word(registry.status))，有效期自\(from)至\(until)。",
                     "\(meals) meals \(span); the registry now: \(word(registry.status)), valid from \(from) to \(until).")
        }
    }

    private func voidWord(_ voided: Bool) -> String { voided ? t("已撤销", "voided") : t("未撤销", "not voided") }

    /// A discount share in basis points as a percentage: 5000 → 50.00%.
    func percent(_ basisPoints: Int32) -> String {
        "\(basisPoints / 100).\(basisPoints % 100 < 10 ? "0" : "")\(basisPoints % 100)%"
    }

    /// A restaurant's terms in one sentence.
    func terms(from: String, shareBP: Int32, feeFen: Int64, capFen: Int64?, capped: Bool) -> String {
        let cap = capFen.map(yuan) ?? t("无", "none")
        return t("自\(day(from))起：优惠补贴比例 \(percent(shareBP))；每次送餐补贴 \(yuan(feeFen))；月度上限 \(cap)",
                 "From \(day(from)): discount share \(percent(shareBP)); fee per delivery \(yuan(feeFen)); monthly cap \(cap)")
            + (capped ? t("（本期已按上限封顶）。", " (cap applied this period).") : t("。", "."))
    }

    func deliveryFigures(requested: Int64, delivered: Int64, failed: Int64, cancelled: Int64) -> String {
        t("申请 \(requested) 次；送达 \(delivered) 次；未送达 \(failed) 次；取消 \(cancelled) 次。",
          "Requested \(requested); delivered \(delivered); failed \(failed); cancelled \(cancelled).")
    }

    func mealFigures(meals: Int64, voided: Int64, late: Int64) -> String {
        t("就餐 \(meals) 笔；撤销 \(voided) 笔；补记 \(late) 笔。", "Meals \(meals); voided \(voided); late entries \(late).")
    }

    /// `inner` in the language's parentheses: （…） or (…).
    func parenthesized(_ inner: String) -> String { t("（\(inner)）", " (\(inner))") }

    var listSeparator: String { t("；", "; ") }
    var colon: String { t("：", ": ") }
}
