import Foundation
import LedgerCore

/// One file of a month's report, named as `ledgerctl reconcile`, `report` and the close commands write it and as the
/// console serves it for download.
public struct ReportFile: Sendable, Hashable {
    /// The kinds of file a report is written as.
    public enum Format: String, Sendable, CaseIterable {
        /// `subsidy-YYYY-MM.csv` and `breaks-YYYY-MM.csv`.
        case csv
        /// `subsidy-YYYY-MM.html`, the printable report.
        case html
        /// `subsidy-YYYY-MM.json`, the report as stored.
        case json
    }

    public let name: String
    public let text: String

    /// The media type of the file, by its name's extension.
    public var contentType: String {
        if name.hasSuffix(".csv") { return "text/csv; charset=utf-8" }
        if name.hasSuffix(".html") { return "text/html; charset=utf-8" }
        return "application/json"
    }
}

extension SubsidyReport {
    /// The files of `formats`, in order (CSV is two files: subsidy and breaks). The HTML carries the issuing bureau and
    /// the signatures; the others are the same whoever asks.
    public func files(
        _ formats: [ReportFile.Format], language: ReportLanguage, issuer: String?, signatures: CloseSignatures?
    ) -> [ReportFile] {
        formats.flatMap { format -> [ReportFile] in
            switch format {
            case .csv:
                [ReportFile(name: "subsidy-\(period).csv", text: subsidyCSV()), ReportFile(name: "breaks-\(period).csv", text: breaksCSV())]
            case .html:
                [ReportFile(name: "subsidy-\(period).html", text: html(language: language, issuer: issuer, signatures: signatures))]
            case .json:
                [ReportFile(name: "subsidy-\(period).json", text: json())]
            }
        }
    }

    /// The breaks and anomalies told in `language` as the printed report tells them (from their facts; a report
    /// stored before the facts were kept gives its original English sentence).
    public func findings(language: ReportLanguage) -> (breaks: [ReportFinding], anomalies: [ReportFinding]) {
        let text = ReportText(language, timeZone: TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0)!)
        let names = Dictionary(restaurants.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
        let breakList = breaks.map { item in
            ReportFinding(subject: item.restaurant, kind: text.word(item.kind.rawValue),
                          sentence: item.facts.map { text.sentence($0) } ?? item.detail)
        }
        let anomalyList = anomalies.map { item in
            ReportFinding(subject: item.card, kind: text.word(item.kind.rawValue),
                          sentence: item.facts.map { text.sentence($0, name: { code in names[code].map { "\(code) \($0)" } ?? code }) }
                              ?? item.detail)
        }
        return (breakList, anomalyList)
    }
}

/// A break or an anomaly in words: what it is about (a restaurant's code, or a card reference), its kind and the
/// sentence that tells it.
public struct ReportFinding: Sendable, Hashable {
    public let subject: String
    public let kind: String
    public let sentence: String
}
