import Foundation
import LedgerCore
import LedgerReports
import Testing

/// The HTML of the subsidy report as an official reads it: in one language, money in yuan, dates in words, marked as a
/// draft until the period is closed, signed once it is.
@Suite("subsidy report HTML")
struct ReportHTMLTests {
    /// The text a reader sees, less what is a code by nature: `<code>` commands, entry ids, the digest, restaurant
    /// codes (R01…) and masked card numbers (****1000).
    static func readableText(_ html: String) throws -> String {
        var text = html
        for pattern in [#"<style>[\s\S]*?</style>"#, #"<code>[\s\S]*?</code>"#, #"<span class="id">[\s\S]*?</span>"#,
                        #"<td class="digest">[\s\S]*?</td>"#, #"<[^>]*>"#, #"\bR\d\d\b"#, #"\*{4}\d{4}"#] {
            text = text.replacing(try Regex(pattern), with: " ")
        }
        return text.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
    }

    /// The stretches of `text` around each match of `pattern`, for a failure to show.
    static func matches(_ pattern: String, in text: String) throws -> [String] {
        text.matches(of: try Regex(pattern)).map { match in
            let from = text.index(match.range.lowerBound, offsetBy: -12, limitedBy: text.startIndex) ?? text.startIndex
            let to = text.index(match.range.upperBound, offsetBy: 12, limitedBy: text.endIndex) ?? text.endIndex
            return String(text[from..<to])
        }
    }

    @Test("the Chinese report has no English: no ASCII letters but codes, ids and the digest; no ASCII ; ( ) in sentences")
    func chineseOnly() throws {
        for report in [ReportFixture.report(closed: false), ReportFixture.report(closed: true)] {
            let html = report.html(language: .zh, issuer: ReportFixture.issuer, signatures: report.closed ? ReportFixture.signatures : nil)
            let text = try Self.readableText(html)
            let letters = try Self.matches("[A-Za-z]+", in: text)
            #expect(letters.isEmpty, "English in the Chinese report: \(letters.prefix(5))")
            let punctuation = try Self.matches(#"[;()]|,(?!\d)"#, in: text)
            #expect(punctuation.isEmpty, "ASCII punctuation in Chinese sentences: \(punctuation.prefix(5))")
        }
        // The check sees English where there is some: an anomaly of a report stored before facts were kept.
        let stored = SubsidyReport(period: "2026-11", closed: false, closedAt: nil, digest: nil, entries: 1, timeZone: "Asia/Shanghai",
                                   dailyLimit: 3, restaurants: [], breaks: [],
                                   anomalies: [Anomaly(kind: .repeatedAmount, card: "****1234", entryIDs: [], detail: "5 meals of 1888 fen")],
                                   history: [])
        let english = try Self.matches("[A-Za-z]+", in: try Self.readableText(stored.html())).filter { $0.contains("meals") }
        #expect(!english.isEmpty)
    }

    @Test("breaks and anomalies are told from their facts, in yuan, with dates in words")
    func sentencesFromFacts() throws {
        let html = ReportFixture.report(closed: false).html()
        #expect(html.contains("未收到该餐厅的对账单，7 笔就餐未能核对。"))
        #expect(html.contains("当月 5 次就餐原价均为 18.88 元。"))
        #expect(html.contains("对账单第 4 行与账不符：原价账中 18.88 元、对账单 18.80 元；实收账中 16.05 元、对账单 15.98 元；账中未撤销、对账单已撤销。"))
        #expect(html.contains("2026年11月3日 12:05 在R01 东湖饭店就餐，2026年11月3日 12:25 又在R02 拥军食堂就餐，相隔 20 分钟。"))
        #expect(html.contains("2026年11月10日就餐 4 次，超过每日限额 3 次。"))
        #expect(html.contains("2026年11月4日至2026年11月20日就餐 2 次；证件库现状：暂停，有效期自2025年1月1日至不限。"))
        #expect(html.contains("证件库中无此证件。"))
        #expect(!html.contains("1888 fen") && !html.contains(" fen"))
        let english = ReportFixture.report(closed: false).html(language: .en)
        #expect(english.contains("No statement from this restaurant: 7 meals unmatched."))
        #expect(english.contains("5 meals this month all of 18.88 yuan gross."))
    }

    @Test("dates as 2026年11月30日 18:49 in the programme's zone, named in words, never a raw timestamp or zone id")
    func dates() throws {
        let report = ReportFixture.report(closed: true)
        let html = report.html(language: .zh, issuer: ReportFixture.issuer, signatures: ReportFixture.signatures)
        #expect(html.contains("<td>2026年11月30日 18:49</td>"))
        #expect(html.contains("时间均为北京时间"))
        #expect(html.contains("结算期间：2026年11月"))
        #expect(!html.contains("Asia/Shanghai") && !html.contains("2026-11-30T") && !html.contains("+08:00"))
        // A signature given in another offset is shown in the programme's zone.
        let utc = CloseSignatures(preparedBy: "wangfang", preparedByName: nil, preparedAt: "2026-11-30T02:05:00Z",
                                  approvedBy: nil, approvedByName: nil, approvedAt: nil)
        #expect(report.html(signatures: utc).contains("<td>2026年11月30日 10:05</td>"))
        let english = report.html(language: .en)
        #expect(english.contains("30 November 2026 18:49") && english.contains("times in Beijing time"))
        // Another zone is named in words too, and dates follow it.
        let tokyo = SubsidyReport(period: "2026-11", closed: true, closedAt: ReportFixture.closedAt, digest: "ab", entries: 0,
                                  timeZone: "Asia/Tokyo", dailyLimit: 3, restaurants: [], breaks: [], anomalies: [], history: [])
        let subtitles = try Self.matches(#"<div class="sub">[^<]*</div>"#, in: tokyo.html())
        #expect(subtitles.count == 1)
        let letters = try Self.matches("[A-Za-z]+", in: try Self.readableText(subtitles.joined()))
        #expect(letters.isEmpty, "the zone is not named in Chinese: \(subtitles)")
        #expect(tokyo.html().contains("2026年11月30日 19:49"))
    }

    @Test("a draft says 草稿 on a fixed mark (every printed page) and is not signed; the final one has no mark")
    func draftAndFinal() throws {
        let draft = ReportFixture.report(closed: false).html(issuer: ReportFixture.issuer)
        #expect(draft.contains("<div class=\"draft-mark\" aria-hidden=\"true\">草稿</div>"))
        #expect(draft.contains(".draft-mark { position: fixed;"))
        #expect(draft.contains("草稿不签章"))
        let final = ReportFixture.report(closed: true).html(issuer: ReportFixture.issuer, signatures: ReportFixture.signatures)
        #expect(!final.contains("草稿"))
        #expect(final.contains("<div class=\"issuer\">某某区退役军人事务局</div>"))
        #expect(final.contains("<th class=\"label\">制表</th><td>王芳（<code>wangfang</code>）</td><th>日期</th><td>2026年11月30日 10:05</td>"))
        #expect(final.contains("<th class=\"label\">审核</th><td>李军（<code>lijun</code>）</td><th>日期</th><td>2026年11月30日 18:49</td>"))
        #expect(final.contains("<th>签章</th><td class=\"line\"></td>"))
        #expect(!final.contains("单人结账"))
        let english = ReportFixture.report(closed: false).html(language: .en)
        #expect(english.contains(">DRAFT</div>") && english.contains("Not to be signed: draft"))
        let signedInEnglish = ReportFixture.report(closed: true).html(language: .en, signatures: ReportFixture.signatures)
        #expect(signedInEnglish.contains("<td>王芳 (<code>wangfang</code>)</td>"))
    }

    @Test("a period closed by one person says who closed it when, and leaves the lines blank to sign by hand")
    func singlePolicy() throws {
        let html = ReportFixture.report(closed: true).html()
        #expect(html.contains("本期于 2026年11月30日 18:49 由一人结账（单人结账制度），请在下方手工签署。"))
        #expect(html.contains("<th class=\"label\">制表</th><td></td><th>日期</th><td></td><th>签章</th><td class=\"line\"></td>"))
        #expect(!html.contains("class=\"issuer\""))
    }

    @Test("TOTAL's 持证人数 is the distinct count, with a note; a stored report without it sums and says so")
    func distinctCardholders() throws {
        let report = ReportFixture.report(closed: false)
        let summed = report.total.cardholders
        #expect(summed == 203)
        let html = report.html()
        #expect(html.contains("<tr class=\"total\"><td>合计</td><td class=\"n\">\(report.total.meals)</td><td class=\"n\">\(report.total.voidedMeals)</td><td class=\"n\">97</td>"))
        #expect(html.contains("各餐厅持证人数相加为 203 人，本期实际就餐 97 人。"))
        // The CSV's TOTAL row stays the sum (CONTRACT.md).
        #expect(report.subsidyCSV().contains(",TOTAL,\(report.total.meals),\(report.total.voidedMeals),203,"))
        let old = ReportFixture.report(closed: false, distinct: nil).html()
        #expect(old.contains("<td class=\"n\">203</td>") && old.contains("同一人在两家餐厅就餐计两次"))
    }

    @Test("survival certification: home visits per restaurant and the people overdue at the month's end; none in an older report")
    func certificationSection() throws {
        let zh = ReportFixture.report(closed: true).html()
        #expect(zh.contains("<h2>生存认证</h2>"))
        #expect(zh.contains("截至2026年11月末，逾期未认证 3 人"))
        #expect(zh.contains("<tr><td>R01 \(ReportFixture.names[0])</td><td class=\"n\">12</td></tr>"))
        #expect(zh.contains("<tr><td>R03 \(ReportFixture.names[2])</td><td class=\"n\">4</td></tr>"))
        let en = ReportFixture.report(closed: true).html(language: .en)
        #expect(en.contains("<h2>Survival certification</h2>") && en.contains("3 people were overdue"))
        let none = ReportFixture.report(closed: true, certifications: CertificationSummary(homeVisits: [], overdueAtMonthEnd: 0)).html()
        #expect(none.contains("本月无送餐上门认证。") && none.contains("逾期未认证 0 人"))
        let older = ReportFixture.report(closed: true, certifications: nil)
        #expect(!older.html().contains("生存认证"))
        #expect(!older.json().contains("certifications"))
    }

    @Test("the stored JSON of a report closed before facts were kept still decodes and renders; new fields encode only when set")
    func storedJSON() throws {
        let json = """
            {"anomalies":[{"card":"****0008","detail":"5 meals of 1500 fen","entryIDs":[],"kind":"repeated_amount"}],
             "breaks":[{"detail":"no statement C.csv; 7 meals unmatched","kind":"no_statement","restaurant":"C"}],
             "closed":true,"closedAt":"2031-04-01T09:00:00+08:00","dailyLimit":3,"digest":"ab","entries":19,"history":[],
             "period":"2031-03","restaurants":[],"timeZone":"Asia/Shanghai"}
            """
        let old = try SubsidyReport.decode(json: json)
        #expect(old.distinctCardholders == nil && old.breaks[0].facts == nil && old.anomalies[0].facts == nil)
        let html = old.html()
        #expect(html.contains("原文：<span lang=\"en\">no statement C.csv; 7 meals unmatched</span>"))
        #expect(html.contains("2031年4月1日 09:00"))
        #expect(!old.json().contains("facts") && !old.json().contains("distinctCardholders"))
        // A new report keeps its facts through the stored JSON.
        let report = ReportFixture.report(closed: true)
        #expect(try SubsidyReport.decode(json: report.json()) == report)
    }

    @Test("the month comparison: a sentence for the first month, else columns with a value axis and a legend")
    func history() throws {
        let first = ReportFixture.report(closed: false, history: false).html()
        #expect(first.contains("<p>2026年11月之前没有已结账的月份，暂无往月数据可比较。</p>"))
        #expect(first.components(separatedBy: "<svg").count == 2)  // the restaurants' chart only
        let later = ReportFixture.report(closed: false).html()
        #expect(later.components(separatedBy: "<svg").count == 3)
        #expect(later.contains(">2026年9月</text>") && later.contains("font-weight=\"bold\">2026年11月</text>"))
        let legends = later.components(separatedBy: "font-size=\"11\">优惠</text>").count - 1
        #expect(legends == 2)
    }

    @Test("print rules: A4 portrait, headings kept with what follows, repeated table headers; headers, kinds and ids unbroken")
    func printRules() throws {
        let html = ReportFixture.report(closed: false).html()
        for rule in ["@page { size: A4 portrait;", "h1, h2, h3 { break-after: avoid; page-break-after: avoid; }",
                     "thead { display: table-header-group; }", "font-weight: 600; word-break: keep-all;",
                     "section.keep, section.restaurant, figure, .sign-block { break-inside: avoid;"] {
            #expect(html.contains(rule), "missing print rule \(rule)")
        }
        #expect(html.contains("<section class=\"restaurant\">\n<h3>R01 东湖饭店</h3>\n<table>"))
        #expect(html.contains("<td class=\"ids\"><span class=\"id\">00000000-0000-4000-8000-000000000064</span></td>"))
        #expect(html.contains("td.kind, td.ids, td.card { white-space: nowrap; }"))
        #expect(html.contains("<th>就餐笔数</th>"))
    }

    @Test("the English report has the same structure as the Chinese one")
    func sameStructure() throws {
        let report = ReportFixture.report(closed: true)
        let zh = report.html(language: .zh, issuer: ReportFixture.issuer, signatures: ReportFixture.signatures)
        let en = report.html(language: .en, issuer: ReportFixture.issuer, signatures: ReportFixture.signatures)
        let tags = ["<h2>", "<h3>", "<section", "<table", "<tr>", "<svg", "<th"]
        let zhCounts = tags.map { zh.components(separatedBy: $0).count }
        let enCounts = tags.map { en.components(separatedBy: $0).count }
        #expect(zhCounts == enCounts)
        #expect(en.contains("<html lang=\"en\">") && zh.contains("<html lang=\"zh-Hans\">"))
    }
}
