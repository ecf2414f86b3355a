import Foundation
import LedgerCore

/// The language of the printed report.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case zh
    case en
}

extension SubsidyReport {
    /// `subsidy-YYYY-MM.html`: a self-contained page (inline CSS and SVG, no external assets) for an official to print
    /// and sign. Every figure comes from the report, so the same report gives the same bytes.
    public func html(language: ReportLanguage = .zh) -> String {
        let l = Labels(language)
        var h = ""
        h += "<!DOCTYPE html>\n<html lang=\"\(language == .zh ? "zh-Hans" : "en")\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<title>\(esc(l.title)) \(period)</title>\n<style>\n"
        h += """
            @page { size: A4; margin: 16mm 14mm; }
            body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; color: #111; margin: 0 auto; max-width: 1000px; padding: 16px; font-size: 13px; }
            h1 { font-size: 22px; text-align: center; margin: 4px 0 2px; }
            h2 { font-size: 16px; border-bottom: 2px solid #333; padding-bottom: 2px; margin-top: 22px; }
            h3 { font-size: 14px; margin: 14px 0 4px; }
            .sub { text-align: center; color: #444; margin-bottom: 10px; }
            table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; page-break-inside: avoid; }
            th, td { border: 1px solid #888; padding: 3px 6px; }
            th { background: #eee; font-weight: 600; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            tr.total td { font-weight: 700; background: #f5f5f5; }
            .digest { font-family: monospace; font-size: 12px; word-break: break-all; }
            .dry { border: 2px solid #b00; color: #b00; padding: 6px; text-align: center; font-weight: 700; }
            .sign { display: flex; justify-content: space-between; margin-top: 36px; gap: 24px; }
            .sign div { flex: 1; border-top: 1px solid #333; padding-top: 4px; }
            .small { font-size: 11px; color: #444; }

            """
        h += "</style>\n</head>\n<body>\n"
        h += "<h1>\(esc(l.title))</h1>\n<div class=\"sub\">\(esc(l.period)) \(period) · \(esc(l.timeZone)) \(esc(timeZone))</div>\n"
        if !closed { h += "<div class=\"dry\">\(esc(l.dryRun))</div>\n" }

        // Summary.
        let t = total
        h += "<h2>\(esc(l.summary))</h2>\n<table>\n"
        h += "<tr><th>\(esc(l.restaurant))</th><th>\(esc(l.meals))</th><th>\(esc(l.voided))</th><th>\(esc(l.cardholders))</th><th>\(esc(l.gross))</th><th>\(esc(l.discount))</th><th>\(esc(l.payable))</th><th>\(esc(l.delivered))</th><th>\(esc(l.discountSubsidy))</th><th>\(esc(l.deliverySubsidy))</th><th>\(esc(l.subsidy))</th></tr>\n"
        for r in restaurants {
            h += "<tr><td>\(esc(r.code)) \(esc(r.name))</td>" + num(r.meals) + num(r.voidedMeals) + num(r.cardholders) + money(r.grossFen)
                + money(r.discountFen) + money(r.payableFen) + num(r.deliveriesDelivered) + money(r.discountSubsidyFen)
                + money(r.deliverySubsidyFen) + money(r.subsidyFen) + "</tr>\n"
        }
        h += "<tr class=\"total\"><td>\(esc(l.total))</td>" + num(t.meals) + num(t.voidedMeals) + num(t.cardholders) + money(t.gross)
            + money(t.discount) + money(t.payable) + num(t.delivered) + money(t.discountSubsidy) + money(t.deliverySubsidy)
            + money(t.subsidy) + "</tr>\n</table>\n"
        h += "<p class=\"small\">\(esc(l.moneyNote))</p>\n"

        // Chart.
        h += "<h2>\(esc(l.chart))</h2>\n" + barChart(labels: l)
        h += "<h2>\(esc(l.history))</h2>\n" + historyChart(labels: l)

        // Per restaurant.
        h += "<h2>\(esc(l.perRestaurant))</h2>\n"
        for r in restaurants {
            h += "<h3>\(esc(r.code)) · \(esc(r.name))</h3>\n<table>\n"
            let terms: String
            if let from = r.termsFrom, let share = r.discountShareBP, let fee = r.deliveryFeeFen {
                terms = "\(esc(l.termsFrom)) \(from); \(esc(l.share)) \(share / 100).\(share % 100 < 10 ? "0" : "")\(share % 100)%; "
                    + "\(esc(l.fee)) \(Yuan.format(fee)); \(esc(l.cap)) \(r.monthlyCapFen.map(Yuan.format) ?? esc(l.none))"
                    + (r.capped ? " <strong>(\(esc(l.capApplied)))</strong>" : "")
            } else {
                terms = esc(l.noTerms)
            }
            h += "<tr><th>\(esc(l.terms))</th><td colspan=\"4\">\(terms)</td></tr>\n"
            h += "<tr><th>\(esc(l.meals)) / \(esc(l.voided)) / \(esc(l.late))</th><td class=\"n\" colspan=\"4\">\(r.meals) / \(r.voidedMeals) / \(r.lateEntries)</td></tr>\n"
            h += "<tr><th>\(esc(l.deliveries))</th><td class=\"n\" colspan=\"4\">\(esc(l.requested)) \(r.deliveriesRequested) · \(esc(l.delivered)) \(r.deliveriesDelivered) · \(esc(l.failed)) \(r.deliveriesFailed) · \(esc(l.cancelled)) \(r.deliveriesCancelled)</td></tr>\n"
            h += "<tr><th>\(esc(l.credential))</th><th>\(esc(l.category))</th><th>\(esc(l.meals))</th><th>\(esc(l.gross))</th><th>\(esc(l.discount))</th></tr>\n"
            for s in r.splits {
                h += "<tr><td>\(esc(l.word(s.credential)))</td><td>\(esc(l.word(s.category)))</td>" + num(s.meals) + money(s.grossFen) + money(s.discountFen) + "</tr>\n"
            }
            h += "</table>\n"
        }

        // Breaks and anomalies.
        h += "<h2>\(esc(l.breaks)) (\(breaks.count))</h2>\n"
        if breaks.isEmpty {
            h += "<p>\(esc(l.none))</p>\n"
        } else {
            h += "<table>\n<tr><th>\(esc(l.restaurant))</th><th>\(esc(l.kind))</th><th>\(esc(l.entry))</th><th>\(esc(l.detail))</th></tr>\n"
            for b in breaks.prefix(Self.htmlListLimit) {
                h += "<tr><td>\(esc(b.restaurant))</td><td>\(esc(l.word(b.kind.rawValue)))</td><td class=\"digest\">\(b.entryID.map { $0.uuidString.lowercased() } ?? "")</td><td>\(esc(b.detail))</td></tr>\n"
            }
            h += "</table>\n"
            if breaks.count > Self.htmlListLimit { h += "<p class=\"small\">\(esc(l.more(breaks.count - Self.htmlListLimit, file: "breaks-\(period).csv")))</p>\n" }
        }
        h += "<h2>\(esc(l.anomalies)) (\(anomalies.count))</h2>\n"
        if !anomalies.isEmpty {
            h += "<p>" + AnomalyKind.allCases.map { kind in "\(esc(l.word(kind.rawValue))): \(anomalies.filter { $0.kind == kind }.count)" }.joined(separator: " · ") + "</p>\n"
        }
        if anomalies.isEmpty {
            h += "<p>\(esc(l.none))</p>\n"
        } else {
            h += "<table>\n<tr><th>\(esc(l.kind))</th><th>\(esc(l.card))</th><th>\(esc(l.entry))</th><th>\(esc(l.detail))</th></tr>\n"
            for a in anomalies.prefix(Self.htmlListLimit) {
                var ids = a.entryIDs.prefix(3).map { $0.uuidString.lowercased() }.joined(separator: "<br>")
                if a.entryIDs.count > 3 { ids += "<br>+\(a.entryIDs.count - 3)" }
                h += "<tr><td>\(esc(l.word(a.kind.rawValue)))</td><td>\(esc(a.card))</td><td class=\"digest\">\(ids)</td><td>\(esc(a.detail))</td></tr>\n"
            }
            h += "</table>\n"
            if anomalies.count > Self.htmlListLimit { h += "<p class=\"small\">\(esc(l.more(anomalies.count - Self.htmlListLimit, file: "subsidy-\(period).json")))</p>\n" }
        }
        h += "<p class=\"small\">\(esc(l.anomalyNote))</p>\n"

        // Seal and signatures.
        h += "<h2>\(esc(l.seal))</h2>\n<table>\n"
        h += "<tr><th>\(esc(l.entries))</th><td class=\"n\">\(entries)</td></tr>\n"
        h += "<tr><th>\(esc(l.closedAt))</th><td>\(esc(closedAt ?? l.notClosed))</td></tr>\n"
        h += "<tr><th>\(esc(l.digest))</th><td class=\"digest\">\(esc(digest ?? l.notClosed))</td></tr>\n</table>\n"
        h += "<p class=\"small\">\(esc(l.sealNote))</p>\n"
        h += "<div class=\"sign\"><div>\(esc(l.preparedBy))</div><div>\(esc(l.reviewedBy))</div><div>\(esc(l.approvedBy))</div></div>\n"
        h += "</body>\n</html>\n"
        return h
    }

    /// Breaks and anomalies listed in the printed report; the CSV and JSON files hold all of them.
    static let htmlListLimit = 200

    private func num(_ value: Int64) -> String { "<td class=\"n\">\(value)</td>" }
    private func money(_ fen: Int64) -> String { "<td class=\"n\">\(Yuan.format(fen))</td>" }

    /// Two bars per restaurant, discount and subsidy, scaled with integer arithmetic.
    private func barChart(labels l: Labels) -> String {
        let rowHeight = 34, left = 150, width = 560, top = 28
        let maxValue = max(1, restaurants.map { max($0.discountFen, $0.subsidyFen) }.max() ?? 1)
        let height = top + rowHeight * restaurants.count + 10
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + width + 140)\" height=\"\(height)\" role=\"img\" aria-label=\"\(esc(l.chart))\">\n"
        s += "<rect x=\"\(left)\" y=\"4\" width=\"12\" height=\"12\" fill=\"#4a7ab5\"/><text x=\"\(left + 16)\" y=\"15\" font-size=\"12\">\(esc(l.discount))</text>\n"
        s += "<rect x=\"\(left + 140)\" y=\"4\" width=\"12\" height=\"12\" fill=\"#d08a2c\"/><text x=\"\(left + 156)\" y=\"15\" font-size=\"12\">\(esc(l.subsidy))</text>\n"
        for (i, r) in restaurants.enumerated() {
            let y = top + i * rowHeight
            let dw = Int(max(0, r.discountFen) * Int64(width) / maxValue), sw = Int(max(0, r.subsidyFen) * Int64(width) / maxValue)
            s += "<text x=\"\(left - 6)\" y=\"\(y + 18)\" font-size=\"12\" text-anchor=\"end\">\(esc(r.code))</text>\n"
            s += "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(dw)\" height=\"13\" fill=\"#4a7ab5\"/>"
            s += "<text x=\"\(left + dw + 4)\" y=\"\(y + 11)\" font-size=\"11\">\(Yuan.format(r.discountFen))</text>\n"
            s += "<rect x=\"\(left)\" y=\"\(y + 15)\" width=\"\(sw)\" height=\"13\" fill=\"#d08a2c\"/>"
            s += "<text x=\"\(left + sw + 4)\" y=\"\(y + 26)\" font-size=\"11\">\(Yuan.format(r.subsidyFen))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// Total discount and subsidy of the earlier closed periods and this one.
    private func historyChart(labels l: Labels) -> String {
        let t = total
        let months = history + [PeriodTotals(period: period, discountFen: t.discount, subsidyFen: t.subsidy)]
        let columnWidth = 90, chartHeight = 160, top = 24, left = 20
        let maxValue = max(1, months.map { max($0.discountFen, $0.subsidyFen) }.max() ?? 1)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + columnWidth * months.count + 20)\" height=\"\(top + chartHeight + 40)\" role=\"img\" aria-label=\"\(esc(l.history))\">\n"
        s += "<line x1=\"\(left)\" y1=\"\(top + chartHeight)\" x2=\"\(left + columnWidth * months.count)\" y2=\"\(top + chartHeight)\" stroke=\"#333\"/>\n"
        for (i, m) in months.enumerated() {
            let x = left + i * columnWidth + 10
            let dh = Int(max(0, m.discountFen) * Int64(chartHeight) / maxValue), sh = Int(max(0, m.subsidyFen) * Int64(chartHeight) / maxValue)
            s += "<rect x=\"\(x)\" y=\"\(top + chartHeight - dh)\" width=\"30\" height=\"\(dh)\" fill=\"#4a7ab5\"/>\n"
            s += "<rect x=\"\(x + 34)\" y=\"\(top + chartHeight - sh)\" width=\"30\" height=\"\(sh)\" fill=\"#d08a2c\"/>\n"
            s += "<text x=\"\(x + 32)\" y=\"\(top + chartHeight + 16)\" font-size=\"12\" text-anchor=\"middle\"\(m.period == period ? " font-weight=\"bold\"" : "")>\(m.period)</text>\n"
            s += "<text x=\"\(x + 32)\" y=\"\(top + chartHeight + 32)\" font-size=\"10\" text-anchor=\"middle\">\(Yuan.format(m.subsidyFen))</text>\n"
        }
        s += "</svg>\n"
        s += "<table>\n<tr><th>\(esc(l.period))</th><th>\(esc(l.discount))</th><th>\(esc(l.subsidy))</th></tr>\n"
        for m in months {
            s += "<tr><td>\(m.period)</td>" + money(m.discountFen) + money(m.subsidyFen) + "</tr>\n"
        }
        return s + "</table>\n"
    }
}

private func esc(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}

private struct Labels {
    let language: ReportLanguage
    init(_ language: ReportLanguage) { self.language = language }
    private func t(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }

    var title: String { t("双拥餐厅优待补贴结算报告", "Double-support restaurants: subsidy settlement report") }
    var period: String { t("结算期间", "Period") }
    var timeZone: String { t("时区", "time zone") }
    var dryRun: String { t("试算（未结账、未封存）：仅供核对，不作付款依据", "DRY RUN (not sealed, not closed): for checking only, not for payment") }
    var summary: String { t("汇总", "Summary") }
    var restaurant: String { t("餐厅", "Restaurant") }
    var meals: String { t("就餐笔数", "Meals") }
    var voided: String { t("撤销", "Voided") }
    var late: String { t("补记", "Late") }
    var cardholders: String { t("持证人数", "Cardholders") }
    var gross: String { t("原价（元）", "Gross (yuan)") }
    var discount: String { t("优惠（元）", "Discount (yuan)") }
    var payable: String { t("实收（元）", "Paid (yuan)") }
    var delivered: String { t("已送达", "Delivered") }
    var requested: String { t("申请", "Requested") }
    var failed: String { t("未送达", "Failed") }
    var cancelled: String { t("取消", "Cancelled") }
    var deliveries: String { t("免费送餐", "Free deliveries") }
    var discountSubsidy: String { t("优惠补贴（元）", "Discount subsidy (yuan)") }
    var deliverySubsidy: String { t("送餐补贴（元）", "Delivery subsidy (yuan)") }
    var subsidy: String { t("补贴合计（元）", "Subsidy (yuan)") }
    var total: String { t("合计", "TOTAL") }
    var moneyNote: String { t("金额以元为单位，保留两位小数；撤销的就餐不计金额。补贴按当期第一天有效的补贴标准计算，月度合计一次取整，并适用月度上限。",
                              "Amounts in yuan with two decimals; voided meals carry no money. Subsidies use the terms in force on the period's first day, rounded once on the monthly total, with the monthly cap applied.") }
    var chart: String { t("各餐厅优惠与补贴", "Discounts and subsidies per restaurant") }
    var history: String { t("与往月比较", "Comparison with previous months") }
    var perRestaurant: String { t("分餐厅明细", "Per restaurant") }
    var terms: String { t("补贴标准", "Terms") }
    var termsFrom: String { t("自", "from") }
    var share: String { t("优惠补贴比例", "discount share") }
    var fee: String { t("每次送餐补贴（元）", "fee per delivery (yuan)") }
    var cap: String { t("月度上限（元）", "monthly cap (yuan)") }
    var capApplied: String { t("已按上限封顶", "cap applied") }
    var noTerms: String { t("本期无补贴标准，不予补贴", "no terms in force: no subsidy") }
    var none: String { t("无", "none") }
    var credential: String { t("证件类型", "Credential") }
    var category: String { t("类别", "Category") }
    var breaks: String { t("对账差异", "Reconciliation breaks") }
    var anomalies: String { t("异常情况", "Anomalies") }
    var kind: String { t("类型", "Kind") }
    var entry: String { t("记录编号", "Entry") }
    var detail: String { t("说明", "Detail") }
    var card: String { t("证号尾号", "Card") }
    var anomalyNote: String { t("异常规则：同一证件30分钟内在两家餐厅就餐；单日就餐超过限额；就餐日证件无效（按结算时的证件库判断，证件库不保留历史）；同一证件同一金额当月出现5次及以上。",
                                "Rules: the same card at two restaurants within 30 minutes; more meals in a local day than the limit; card not valid on the meal's day (judged on the registry as it stands at reconciliation, which keeps no history); the same card with the same gross amount 5 times or more in the month.") }
    var seal: String { t("封存", "Seal") }
    var entries: String { t("记录条数", "Entries") }
    var closedAt: String { t("结账时间", "Closed at") }
    var digest: String { t("封存摘要（SHA-256）", "Digest (SHA-256)") }
    var notClosed: String { t("未结账", "not closed") }
    var sealNote: String { t("任何人可用 SQL 复核：SELECT audit.verify_period('期间') 应返回 true（或 ledgerctl verify）；摘要的算法见 sql/audit/README.md。", "Anyone can check it with SQL: SELECT audit.verify_period('period') must return true (or ledgerctl verify); sql/audit/README.md gives the recipe to recompute the digest.") }
    var preparedBy: String { t("制表人（签字）", "Prepared by (signature)") }
    var reviewedBy: String { t("审核人（签字）", "Reviewed by (signature)") }
    var approvedBy: String { t("批准人（签字、盖章）", "Approved by (signature, seal)") }

    func more(_ count: Int, file: String) -> String {
        t("另有 \(count) 条未列出，见 \(file)。", "\(count) more not listed here: see \(file).")
    }

    func word(_ key: String) -> String {
        switch key {
        case "preferential_card": return t("优待证", "preferential card")
        case "military_id": return t("军人证件", "military ID")
        case "active_serviceman": return t("现役军人", "active serviceman")
        case "veteran": return t("退役军人", "veteran")
        case "special_care": return t("优抚对象", "special care")
        case "missing_in_ledger": return t("账中缺失", "missing in ledger")
        case "missing_in_statement": return t("对账单缺失", "missing in statement")
        case "amount_mismatch": return t("金额不符", "amount mismatch")
        case "duplicate": return t("重复", "duplicate")
        case "no_statement": return t("未交对账单", "no statement")
        case "two_restaurants_30min": return t("30分钟内两家餐厅", "two restaurants within 30 min")
        case "over_daily_limit": return t("超过每日限额", "over daily limit")
        case "card_not_valid": return t("证件无效", "card not valid")
        case "repeated_amount": return t("相同金额重复", "repeated amount")
        default: return key
        }
    }
}
