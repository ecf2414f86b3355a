import Foundation
import LedgerCore
import LedgerReports
import Testing

/// The report printed to PDF by Chromium (scripts/report-pdf), read back page by page with pdftotext -layout.
@Suite("subsidy report PDF")
struct ReportPDFTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Outcome {
        let status: Int32
        let output: String
    }

    /// Runs `arguments` under timeout(1) (killed after `seconds`), on a thread of its own; stdout and stderr together.
    static func run(_ arguments: [String], seconds: Int) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
                    process.arguments = ["-k", "5", String(seconds)] + arguments
                    let log = FileManager.default.temporaryDirectory.appendingPathComponent("report-pdf-\(UUID().uuidString).log")
                    FileManager.default.createFile(atPath: log.path, contents: nil)
                    defer { try? FileManager.default.removeItem(at: log) }
                    let handle = try FileHandle(forWritingTo: log)
                    defer { try? handle.close() }
                    process.standardOutput = handle
                    process.standardError = handle
                    process.standardInput = FileHandle.nullDevice
                    try process.run()
                    process.waitUntilExit()
                    return Outcome(status: process.terminationStatus, output: try String(contentsOf: log, encoding: .utf8))
                })
            }.start()
        }
    }

    /// Prints `html` to PDF and returns the text of each page (pdftotext -layout: pages end with a form feed).
    static func printedPages(_ html: String, name: String, in directory: URL) async throws -> [String] {
        let file = directory.appendingPathComponent("\(name).html"), pdf = directory.appendingPathComponent("\(name).pdf")
        try Data(html.utf8).write(to: file)
        // At the lowest priority: Chromium's bursts would otherwise take the CPU from the tests that measure time.
        let printed = try await run(["env", "REPORT_PDF_TIMEOUT_SECONDS=180", "nice", "-n", "19",
                                     root.appendingPathComponent("scripts/report-pdf").path, file.path, pdf.path], seconds: 240)
        try #require(printed.status == 0, "scripts/report-pdf failed: \(printed.output)")
        let text = try await run(["pdftotext", "-layout", "-enc", "UTF-8", pdf.path, "-"], seconds: 60)
        try #require(text.status == 0, "pdftotext failed (poppler-utils): \(text.output)")
        var pages = text.output.components(separatedBy: "\u{0C}")
        if pages.last?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == true { pages.removeLast() }
        return pages
    }

    /// The headings of the HTML (h1 to h3), without tags or spaces.
    static func headings(_ html: String) throws -> Set<String> {
        Set(html.matches(of: try Regex(#"<h[123]>([\s\S]*?)</h[123]>"#)).map { match in
            String(html[match.range]).replacing(try! Regex("<[^>]*>|\\s"), with: "")
        })
    }

    /// The last line of a page's text that is neither the footer's page number nor the draft mark, without spaces.
    static func lastLine(_ page: String) throws -> String {
        let footer = try Regex(#"^(第\d+页共\d+页|Page\d+of\d+)$"#)
        let lines = page.components(separatedBy: "\n").map { $0.replacing(try! Regex("\\s"), with: "") }
        return lines.last { !$0.isEmpty && $0 != "草稿" && $0 != "DRAFT" && $0.wholeMatch(of: footer) == nil } ?? ""
    }

    @Test("a page's last line skips the footer and the draft mark, so a stranded heading is seen")
    func lastLineOfAPage() throws {
        let page = "汇总\n  R01 东湖饭店  \n\n          草稿\n\n        第 3 页 共 9 页\n\n"
        #expect(try Self.lastLine(page) == "R01东湖饭店")
        let html = ReportFixture.report(closed: false).html()
        #expect(try Self.headings(html).contains(try Self.lastLine(page)))
    }

    @Test("draft and final printed: 3+ pages, 草稿 (DRAFT) on every draft page and none of the final, 第 N 页 共 M 页 (Page N of M) on each, no heading last on a page",
          .timeLimit(.minutes(10)))
    func printed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let draft = ReportFixture.report(closed: false), final = ReportFixture.report(closed: true)
        let prints: [(name: String, html: String, language: ReportLanguage)] = [
            ("draft", draft.html(issuer: ReportFixture.issuer), .zh),
            ("final", final.html(issuer: ReportFixture.issuer, signatures: ReportFixture.signatures), .zh),
            ("draft-en", draft.html(language: .en, issuer: ReportFixture.issuer), .en),
            ("final-en", final.html(language: .en, issuer: ReportFixture.issuer, signatures: ReportFixture.signatures), .en),
        ]
        for (name, html, language) in prints {
            let pages = try await Self.printedPages(html, name: name, in: directory)
            #expect(pages.count >= 3, "\(name): \(pages.count) pages")
            let headings = try Self.headings(html)
            #expect(headings.contains(language == .zh ? "分餐厅明细" : "Perrestaurant") && headings.contains("R01东湖饭店"))
            let mark = language == .zh ? "草稿" : "DRAFT", isDraft = name.hasPrefix("draft")
            for (index, page) in pages.enumerated() {
                let compact = page.replacing(try Regex("\\s"), with: "")
                let number = language == .zh ? "第\(index + 1)页共\(pages.count)页" : "Page\(index + 1)of\(pages.count)"
                #expect(compact.contains(number), "\(name) page \(index + 1) has no \(number)")
                #expect(compact.contains(mark) == isDraft, "\(name) page \(index + 1): \(mark) marking wrong")
                let last = try Self.lastLine(page)
                #expect(!headings.contains(last), "\(name) page \(index + 1) ends with the heading \(last)")
            }
            if !isDraft {
                let all = pages.joined().replacing(try Regex("\\s"), with: "")
                let signers = language == .zh ? ["制表王芳（wangfang）", "审核李军（lijun）"] : ["Preparedby王芳(wangfang)", "Approvedby李军(lijun)"]
                #expect(all.contains("某某区退役军人事务局") && all.contains(signers[0]) && all.contains(signers[1]), "\(name): no signature block or issuer")
            }
        }
    }
}
