import Foundation
import LedgerCore

/// The language of the printed report.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case zh
    case en
}

extension SubsidyReport {
    /// `subsidy-YYYY-MM.html`: a self-contained page (inline CSS and SVG, no external assets) for an official to print
    /// on A4 and sign. Every figure comes from the report, so the same report, issuer and signatures give the same bytes.
    ///
    /// Until the period is closed every printed page says 草稿 (DRAFT); once closed the signature block names who
    /// prepared and who approved it (`signatures`, nil for a period closed by one person: lines left to sign by hand).
    /// `issuer` is the issuing bureau of the title block (`LEDGER_ISSUER`). Page numbers are the printer's
    /// (scripts/report-pdf, docs/reports.md).
    public func html(language: ReportLanguage = .zh, issuer: String? = nil, signatures: CloseSignatures? = nil) -> String {
        let text = ReportText(language, timeZone: TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0)!)
        var h = ""
        h += "<!DOCTYPE html>\n<html lang=\"\(language == .zh ? "zh-Hans" : "en")\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"report-state\" content=\"\(closed ? "final" : "draft")\">\n"
        h += "<title>\(esc(text.title)) \(esc(text.month(period)))</title>\n<style>\n\(Self.styleSheet)</style>\n</head>\n"
        h += "<body class=\"\(closed ? "final" : "draft")\">\n"
        if !closed {
            // Fixed elements repeat on every printed page.
            h += "<div class=\"draft-mark\" aria-hidden=\"true\">\(esc(text.draftMark))</div>\n"
        }
        h += "<header class=\"title-block\">\n"
        if let issuer, !issuer.isEmpty { h += "<div class=\"issuer\">\(esc(issuer))</div>\n" }
        h += "<h1>\(esc(text.title))</h1>\n"
        h += "<div class=\"sub\">\(esc(text.periodLabel))\(esc(text.colon))\(esc(text.month(period)))\(esc(text.listSeparator))\(esc(text.timesIn))</div>\n"
        if !closed { h += "<p class=\"dry\">\(esc(text.draftNotice))</p>\n" }
        h += "</header>\n"
        h += summarySection(text)
        h += "<section class=\"keep\">\n<h2>\(esc(text.chart))</h2>\n" + barChart(text) + "</section>\n"
        h += historySection(text)
        h += restaurantsSection(text)
        h += breaksSection(text)
        h += anomaliesSection(text)
        h += certificationSection(text)
        h += sealSection(text)
        h += signatureSection(text, signatures: signatures)
        h += "</body>\n</html>\n"
        return h
    }

    /// Breaks and anomalies listed in the printed report; the CSV and JSON files hold all of them.
    static let htmlListLimit = 200

    /// A4 portrait. Headings stay with what follows them, small tables and rows are not split, table headers repeat on
    /// every page; column headers, kinds and entry ids (small monospace) do not wrap.
    static let styleSheet = """
        @page { size: A4 portrait; margin: 16mm 12mm 18mm; }
        html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; color: #111; margin: 0 auto; max-width: 186mm; padding: 0; font-size: 11px; line-height: 1.45; }
        h1 { font-size: 20px; text-align: center; margin: 2px 0 2px; }
        h2 { font-size: 15px; border-bottom: 2px solid #333; padding-bottom: 2px; margin: 18px 0 6px; }
        h3 { font-size: 13px; margin: 12px 0 4px; }
        h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
        .issuer { text-align: center; font-size: 15px; font-weight: 600; letter-spacing: 2px; }
        .sub { text-align: center; color: #333; margin-bottom: 8px; }
        section.keep, section.restaurant, figure, .sign-block { break-inside: avoid; page-break-inside: avoid; }
        figure { margin: 0; }
        table { border-collapse: collapse; width: 100%; margin: 4px 0 6px; }
        thead { display: table-header-group; }
        tr, td, th { break-inside: avoid; page-break-inside: avoid; }
        th, td { border: 1px solid #888; padding: 2px 4px; vertical-align: top; }
        th { background: #eee; font-weight: 600; word-break: keep-all; text-align: center; }
        th.label { text-align: left; width: 18%; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        table.summary { font-size: 10px; }
        table.summary th, table.summary td { padding: 2px 3px; }
        tr.total td { font-weight: 700; background: #f5f5f5; }
        caption { caption-side: top; text-align: right; font-size: 10px; color: #444; }
        code, .id { font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", monospace; }
        .id { font-size: 8px; white-space: nowrap; }
        td.kind, td.ids, td.card { white-space: nowrap; }
        .digest { font-family: "DejaVu Sans Mono", monospace; font-size: 9px; overflow-wrap: anywhere; }
        .dry { border: 2px solid #b00; color: #b00; padding: 4px; text-align: center; font-weight: 700; margin: 6px 0; }
        .draft-mark { position: fixed; top: 40%; left: 0; right: 0; text-align: center; font-size: 96px; font-weight: 700; color: rgba(176, 0, 0, 0.12); letter-spacing: 24px; z-index: 10; pointer-events: none; }
        .small { font-size: 10px; color: #333; }
        table.sign td { height: 30px; }
        table.sign td.line { width: 28%; }

        """

    private func summarySection(_ text: ReportText) -> String {
        let t = total
        var h = "<section>\n<h2>\(esc(text.summary))</h2>\n<table class=\"summary\">\n<caption>\(esc(text.moneyUnit))</caption>\n<thead><tr>"
        for label in [text.restaurant, text.meals, text.voided, text.cardholders, text.gross, text.discount, text.payable, text.delivered,
                      text.discountSubsidy, text.deliverySubsidy, text.subsidy] {
            h += "<th>\(esc(label))</th>"
        }
        h += "</tr></thead>\n<tbody>\n"
        for r in restaurants {
            h += "<tr><td>\(esc(r.code)) \(esc(r.name))</td>" + num(r.meals) + num(r.voidedMeals) + num(r.cardholders) + money(r.grossFen)
                + money(r.discountFen) + money(r.payableFen) + num(r.deliveriesDelivered) + money(r.discountSubsidyFen)
                + money(r.deliverySubsidyFen) + money(r.subsidyFen) + "</tr>\n"
        }
        h += "<tr class=\"total\"><td>\(esc(text.total))</td>" + num(t.meals) + num(t.voidedMeals) + num(distinctCardholders ?? t.cardholders)
            + money(t.gross) + money(t.discount) + money(t.payable) + num(t.delivered) + money(t.discountSubsidy) + money(t.deliverySubsidy)
            + money(t.subsidy) + "</tr>\n</tbody>\n</table>\n"
        let note = distinctCardholders.map { text.cardholderNote(distinct: $0, summed: t.cardholders) } ?? text.cardholderSummedNote
        h += "<p class=\"small\">\(esc(note))</p>\n<p class=\"small\">\(esc(text.moneyNote))</p>\n</section>\n"
        return h
    }

    private func historySection(_ text: ReportText) -> String {
        var h = "<section class=\"keep\">\n<h2>\(esc(text.history))</h2>\n"
        guard !history.isEmpty else { return h + "<p>\(esc(text.onlyMonth(period)))</p>\n</section>\n" }
        let t = total
        let months = history + [PeriodTotals(period: period, discountFen: t.discount, subsidyFen: t.subsidy)]
        h += historyChart(months, text)
        h += "<table>\n<thead><tr><th>\(esc(text.periodLabel))</th><th>\(esc(text.discount))</th><th>\(esc(text.subsidy))</th></tr></thead>\n<tbody>\n"
        for m in months {
            h += "<tr><td>\(esc(text.month(m.period)))</td>" + money(m.discountFen) + money(m.subsidyFen) + "</tr>\n"
        }
        return h + "</tbody>\n</table>\n<p class=\"small\">\(esc(text.moneyUnit))</p>\n</section>\n"
    }

    private func restaurantsSection(_ text: ReportText) -> String {
        var h = "<h2>\(esc(text.perRestaurant))</h2>\n"
        for r in restaurants {
            // The section keeps a restaurant's heading with its table on one page.
            h += "<section class=\"restaurant\">\n<h3>\(esc(r.code)) \(esc(r.name))</h3>\n<table>\n"
            let terms: String
            if let from = r.termsFrom, let share = r.discountShareBP, let fee = r.deliveryFeeFen {
                terms = text.terms(from: from, shareBP: share, feeFen: fee, capFen: r.monthlyCapFen, capped: r.capped)
            } else {
                terms = text.noTerms
            }
            h += "<tr><th class=\"label\">\(esc(text.terms))</th><td colspan=\"4\">\(esc(terms))</td></tr>\n"
            h += "<tr><th class=\"label\">\(esc(text.meals))</th><td colspan=\"4\">\(esc(text.mealFigures(meals: r.meals, voided: r.voidedMeals, late: r.lateEntries)))</td></tr>\n"
            h += "<tr><th class=\"label\">\(esc(text.deliveries))</th><td colspan=\"4\">\(esc(text.deliveryFigures(requested: r.deliveriesRequested, delivered: r.deliveriesDelivered, failed: r.deliveriesFailed, cancelled: r.deliveriesCancelled)))</td></tr>\n"
            h += "<tr><th class=\"label\">\(esc(text.credential))</th><th>\(esc(text.category))</th><th>\(esc(text.meals))</th><th>\(esc(text.gross))</th><th>\(esc(text.discount))</th></tr>\n"
            for s in r.splits {
                h += "<tr><td>\(esc(text.word(s.credential)))</td><td>\(esc(text.word(s.category)))</td>" + num(s.meals) + money(s.grossFen)
                    + money(s.discountFen) + "</tr>\n"
            }
            h += "</table>\n</section>\n"
        }
        return h
    }

    /// Home-visit certifications per restaurant and the people overdue at the month's end; nothing for a report
    /// stored before they were kept.
    private func certificationSection(_ text: ReportText) -> String {
        guard let certifications else { return "" }
        var h = "<section class=\"keep\">\n<h2>\(esc(text.certification))</h2>\n"
        h += "<p>\(esc(text.overdueAtMonthEnd(certifications.overdueAtMonthEnd, month: period)))</p>\n"
        if certifications.homeVisits.isEmpty {
            h += "<p>\(esc(text.noHomeVisits))</p>\n"
        } else {
            let names = restaurantNames
            h += "<table>\n<thead><tr><th>\(esc(text.restaurant))</th><th>\(esc(text.homeVisits))</th></tr></thead>\n<tbody>\n"
            for line in certifications.homeVisits {
                h += "<tr><td>\(esc(line.restaurant)) \(esc(names[line.restaurant] ?? ""))</td>" + num(line.count) + "</tr>\n"
            }
            h += "</tbody>\n</table>\n"
        }
        return h + "</section>\n"
    }

    private func breaksSection(_ text: ReportText) -> String {
        var h = "<section>\n<h2>\(esc(text.counted(text.breaks, breaks.count)))</h2>\n"
        guard !breaks.isEmpty else { return h + "<p>\(esc(text.none))</p>\n</section>\n" }
        let rows = breaks.prefix(Self.htmlListLimit).map { b in
            let detail = b.facts.map { esc(text.sentence($0)) } ?? original(b.detail, text)
            return "<tr><td>\(esc(b.restaurant))</td><td class=\"kind\">\(esc(text.word(b.kind.rawValue)))</td><td class=\"ids\">\(b.entryID.map(entryID) ?? "")</td><td>\(detail)</td></tr>\n"
        }
        h += listTable([text.restaurant, text.kind, text.entry, text.detail], rows: rows, count: breaks.count, file: "breaks-\(period).csv", text)
        return h + "</section>\n"
    }

    private func anomaliesSection(_ text: ReportText) -> String {
        var h = "<section>\n<h2>\(esc(text.counted(text.anomalies, anomalies.count)))</h2>\n"
        if anomalies.isEmpty {
            h += "<p>\(esc(text.none))</p>\n"
        } else {
            let counts = AnomalyKind.allCases.map { kind in
                text.word(kind.rawValue) + text.colon + String(anomalies.filter { $0.kind == kind }.count)
            }
            h += "<p>\(esc(counts.joined(separator: text.listSeparator)))</p>\n"
            let names = restaurantNames
            let rows = anomalies.prefix(Self.htmlListLimit).map { a in
                var ids = a.entryIDs.prefix(3).map(entryID).joined(separator: "<br>")
                if a.entryIDs.count > 3 { ids += "<br>+\(a.entryIDs.count - 3)" }
                let detail = a.facts.map { esc(text.sentence($0, name: { code in names[code].map { "\(code) \($0)" } ?? code })) }
                    ?? original(a.detail, text)
                return "<tr><td class=\"kind\">\(esc(text.word(a.kind.rawValue)))</td><td class=\"card\">\(esc(a.card))</td><td class=\"ids\">\(ids)</td><td>\(detail)</td></tr>\n"
            }
            h += listTable([text.kind, text.card, text.entry, text.detail], rows: rows, count: anomalies.count,
                           file: "subsidy-\(period).json", text)
        }
        return h + "<p class=\"small\">\(esc(text.anomalyNote))</p>\n</section>\n"
    }

    /// A table of the first `htmlListLimit` rows of a list of `count`, and the file that holds the rest.
    private func listTable(_ headers: [String], rows: [String], count: Int, file: String, _ text: ReportText) -> String {
        var h = "<table>\n<thead><tr>" + headers.map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        h += rows.joined() + "</tbody>\n</table>\n"
        if count > Self.htmlListLimit {
            h += "<p class=\"small\">\(text.more(count - Self.htmlListLimit, file: file, code))</p>\n"
        }
        return h
    }

    private func sealSection(_ text: ReportText) -> String {
        var h = "<section class=\"keep\">\n<h2>\(esc(text.seal))</h2>\n<table>\n"
        h += "<tr><th class=\"label\">\(esc(text.entries))</th><td class=\"n\">\(entries)</td></tr>\n"
        h += "<tr><th class=\"label\">\(esc(text.closedAt))</th><td>\(esc(closedAt.map(text.time) ?? text.notClosed))</td></tr>\n"
        h += "<tr><th class=\"label\">\(esc(text.digest)) <code>SHA-256</code></th><td class=\"digest\">\(esc(digest ?? text.notClosed))</td></tr>\n</table>\n"
        return h + "<p class=\"small\">\(text.sealNote(code))</p>\n</section>\n"
    }

    /// 制表 and 审核 with names and dates when the close was signed in the ledger, and lines to sign and seal by hand.
    private func signatureSection(_ text: ReportText, signatures: CloseSignatures?) -> String {
        var h = "<section class=\"sign-block\">\n<h2>\(esc(text.signatures))</h2>\n"
        if closed, signatures == nil, let closedAt {
            h += "<p>\(esc(text.closedBySinglePolicy(text.time(closedAt))))</p>\n"
        }
        let stamp = closed ? "" : esc(text.draftNotSigned)
        let approver = signatures?.approvedBy.map { person($0, name: signatures?.approvedByName, text) } ?? (signatures == nil ? "" : esc(text.pending))
        h += "<table class=\"sign\">\n<tbody>\n"
        h += "<tr><th class=\"label\">\(esc(text.preparedBy))</th><td>\(signatures.map { person($0.preparedBy, name: $0.preparedByName, text) } ?? "")</td>"
            + "<th>\(esc(text.date))</th><td>\(esc(signatures.map { text.time($0.preparedAt) } ?? ""))</td>"
            + "<th>\(esc(text.stamp))</th><td class=\"line\">\(stamp)</td></tr>\n"
        h += "<tr><th class=\"label\">\(esc(text.approvedBy))</th><td>\(approver)</td>"
            + "<th>\(esc(text.date))</th><td>\(esc(signatures?.approvedAt.map(text.time) ?? ""))</td>"
            + "<th>\(esc(text.stamp))</th><td class=\"line\">\(stamp)</td></tr>\n"
        return h + "</tbody>\n</table>\n</section>\n"
    }

    /// A staff member as 张三（<code>zhangsan</code>）, or the login alone.
    private func person(_ login: String, name: String?, _ text: ReportText) -> String {
        guard let name, !name.isEmpty else { return code(login) }
        return esc(name) + text.parenthesized(code(login))
    }

    /// An English sentence stored before reports kept the facts: shown as it is, marked as the original.
    private func original(_ detail: String, _ text: ReportText) -> String {
        "\(esc(text.originalDetail))<span lang=\"en\">\(esc(detail))</span>"
    }

    /// Each restaurant's name by its code.
    private var restaurantNames: [String: String] {
        Dictionary(restaurants.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    private func num(_ value: Int64) -> String { "<td class=\"n\">\(value)</td>" }
    private func money(_ fen: Int64) -> String { "<td class=\"n\">\(Yuan.format(fen))</td>" }
    private func code(_ text: String) -> String { "<code>\(esc(text))</code>" }

    /// An entry id in small monospace on one line.
    private func entryID(_ id: UUID) -> String {
        "<span class=\"id\">\(id.uuidString.lowercased())</span>"
    }

    /// Two bars per restaurant, discount and subsidy, scaled with integer arithmetic, with a legend and a value axis.
    private func barChart(_ text: ReportText) -> String {
        let rowHeight = 30, left = 70, width = 470, top = 28, axis = 22
        let maxValue = max(1, restaurants.map { max($0.discountFen, $0.subsidyFen) }.max() ?? 1)
        let height = top + rowHeight * restaurants.count + axis
        var s = "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + width + 110)\" height=\"\(height)\" role=\"img\" aria-label=\"\(esc(text.chart))\">\n"
        s += legend(x: left, text)
        for (i, r) in restaurants.enumerated() {
            let y = top + i * rowHeight
            let dw = Int(max(0, r.discountFen) * Int64(width) / maxValue), sw = Int(max(0, r.subsidyFen) * Int64(width) / maxValue)
            s += "<text x=\"\(left - 6)\" y=\"\(y + 16)\" font-size=\"11\" text-anchor=\"end\">\(esc(r.code))</text>\n"
            s += "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(dw)\" height=\"12\" fill=\"#4a7ab5\"/>"
            s += "<text x=\"\(left + dw + 4)\" y=\"\(y + 10)\" font-size=\"10\">\(Yuan.format(r.discountFen))</text>\n"
            s += "<rect x=\"\(left)\" y=\"\(y + 13)\" width=\"\(sw)\" height=\"12\" fill=\"#d08a2c\"/>"
            s += "<text x=\"\(left + sw + 4)\" y=\"\(y + 23)\" font-size=\"10\">\(Yuan.format(r.subsidyFen))</text>\n"
        }
        let axisY = top + rowHeight * restaurants.count
        s += "<line x1=\"\(left)\" y1=\"\(axisY)\" x2=\"\(left + width)\" y2=\"\(axisY)\" stroke=\"#333\"/>\n"
        for step in 0...4 {
            let x = left + width * step / 4
            s += "<line x1=\"\(x)\" y1=\"\(axisY)\" x2=\"\(x)\" y2=\"\(axisY + 4)\" stroke=\"#333\"/>"
            s += "<text x=\"\(x)\" y=\"\(axisY + 16)\" font-size=\"9\" text-anchor=\"middle\">\(Yuan.format(maxValue * Int64(step) / 4))</text>\n"
        }
        s += "<text x=\"\(left + width + 30)\" y=\"\(axisY + 16)\" font-size=\"9\">\(esc(text.moneyUnit))</text>\n"
        return s + "</svg></figure>\n"
    }

    /// Total discount and subsidy of the earlier closed periods and this one, as columns with a value axis and legend.
    private func historyChart(_ months: [PeriodTotals], _ text: ReportText) -> String {
        let columnWidth = 90, chartHeight = 150, top = 30, left = 80
        let maxValue = max(1, months.map { max($0.discountFen, $0.subsidyFen) }.max() ?? 1)
        let bottom = top + chartHeight
        var s = "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + columnWidth * months.count + 20)\" height=\"\(bottom + 30)\" role=\"img\" aria-label=\"\(esc(text.history))\">\n"
        s += legend(x: left, text)
        s += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(left + columnWidth * months.count)\" y2=\"\(bottom)\" stroke=\"#333\"/>\n"
        s += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"#333\"/>\n"
        for step in 0...4 {
            let y = bottom - chartHeight * step / 4
            s += "<line x1=\"\(left - 4)\" y1=\"\(y)\" x2=\"\(left)\" y2=\"\(y)\" stroke=\"#333\"/>"
            s += "<text x=\"\(left - 6)\" y=\"\(y + 3)\" font-size=\"9\" text-anchor=\"end\">\(Yuan.format(maxValue * Int64(step) / 4))</text>\n"
        }
        for (i, m) in months.enumerated() {
            let x = left + i * columnWidth + 12
            let dh = Int(max(0, m.discountFen) * Int64(chartHeight) / maxValue), sh = Int(max(0, m.subsidyFen) * Int64(chartHeight) / maxValue)
            s += "<rect x=\"\(x)\" y=\"\(bottom - dh)\" width=\"30\" height=\"\(dh)\" fill=\"#4a7ab5\"/>\n"
            s += "<rect x=\"\(x + 34)\" y=\"\(bottom - sh)\" width=\"30\" height=\"\(sh)\" fill=\"#d08a2c\"/>\n"
            s += "<text x=\"\(x + 32)\" y=\"\(bottom + 16)\" font-size=\"11\" text-anchor=\"middle\"\(m.period == period ? " font-weight=\"bold\"" : "")>\(esc(text.month(m.period)))</text>\n"
        }
        return s + "</svg></figure>\n"
    }

    /// The two series' colours and names.
    private func legend(x: Int, _ text: ReportText) -> String {
        "<rect x=\"\(x)\" y=\"4\" width=\"12\" height=\"12\" fill=\"#4a7ab5\"/><text x=\"\(x + 16)\" y=\"15\" font-size=\"11\">\(esc(text.discount))</text>\n"
            + "<rect x=\"\(x + 140)\" y=\"4\" width=\"12\" height=\"12\" fill=\"#d08a2c\"/><text x=\"\(x + 156)\" y=\"15\" font-size=\"11\">\(esc(text.subsidy))</text>\n"
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
