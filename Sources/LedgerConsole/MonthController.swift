import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import LedgerReports
import LedgerStore
import NIOCore

/// The month: per restaurant the figures of the month's report (the stored final report of a closed month, the
/// pending proposal's draft, or a dry run of an open one: `Reconciliations.monthView`), a chart of the subsidies, the
/// breaks and anomalies, where the close stands, and the two-person close's acts (prepare; approve or reject, shown to
/// approvers only and refused by the database for anyone else) through the store functions `ledgerctl close` uses.
/// Downloads: the report's CSV and HTML as `ledgerctl report` writes them, and its PDF as `scripts/report-pdf` prints it.
struct MonthController: Sendable {
    let actions: StaffActions
    let settings: LedgerSettings
    let approvalTOTP: Bool
    let printer: ReportPrinter
    let time: Clock
    let clock: @Sendable () -> Date

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/month") { request, context in
            let period = try chosenPeriod(request.uri.queryParameters.get("period"))
            let settings = self.settings
            let view = try await StaffActions.read(context) { db in try Reconciliations.monthView(period, settings: settings, on: db) }
            return try Page.render("month", section: .month, values: values(view, context: context), context: context)
        }
        group.post("/month/prepare") { _, context in
            let settings = self.settings
            let period = try chosenPeriod(context.form["period"])
            return try await actions.act(context, done: .closePrepared, back: "/month?period=\(period)") { _, db in
                _ = try Reconciliations.prepare(period: period, statements: nil, settings: settings, on: db)
            }
        }
        group.post("/month/approve") { _, context in
            let (settings, askCode, now) = (self.settings, approvalTOTP, clock())
            let period = try chosenPeriod(context.form["period"])
            // Only an approver is asked for a code: anyone else's approval is refused by the database, with its reason.
            let isApprover = try context.requireSession().staff.roles.contains(.approver)
            let language = context.language
            return try await actions.act(context, done: .closeApproved, back: "/month?period=\(period)") { form, db in
                if askCode, isApprover {
                    guard let code = form.optional("code") else { throw FormProblem(message: Strings.text(.totpMissing, language)) }
                    do {
                        try StaffTOTP.verify(code: code, at: now, on: db)
                    } catch let refusal as TOTPRefusal {
                        throw FormProblem(message: Self.message(refusal, language))
                    }
                }
                _ = try Reconciliations.approve(period: period, digest: try form.required("proposal"), settings: settings, on: db)
            }
        }
        group.post("/month/reject") { _, context in
            let period = try chosenPeriod(context.form["period"])
            return try await actions.act(context, done: .closeRejected, back: "/month?period=\(period)") { form, db in
                try Reconciliations.reject(period: period, reason: try form.required("reason"), on: db)
            }
        }
        group.get("/month/download") { request, context in
            let period = try chosenPeriod(request.uri.queryParameters.get("period"))
            let name = request.uri.queryParameters.get("file") ?? ""
            let settings = self.settings
            let language: ReportLanguage = context.language == .chinese ? .zh : .en
            let files = try await StaffActions.read(context) { db in
                let view = try Reconciliations.monthView(period, settings: settings, on: db)
                return view.report.files([.csv, .html], language: language, issuer: settings.issuer, signatures: view.signatures)
            }
            if let file = files.first(where: { $0.name == name }) {
                return Self.download(Data(file.text.utf8), name: file.name, contentType: file.contentType)
            }
            guard name == "subsidy-\(period).pdf", let html = files.first(where: { $0.name.hasSuffix(".html") }) else {
                throw HTTPError(.notFound, message: "no file \(name) for \(period): the files are subsidy-\(period).csv, breaks-\(period).csv, subsidy-\(period).html and subsidy-\(period).pdf")
            }
            do {
                return Self.download(try await printer.pdf(of: html.text), name: name, contentType: "application/pdf")
            } catch let unavailable as ReportPrinter.PrinterUnavailable {
                throw HTTPError(.serviceUnavailable, message: unavailable.message)
            }
        }
    }

    /// The month asked for, or the one before this one (the month usually being closed).
    private func chosenPeriod(_ text: String?) throws -> Period {
        guard let text, !text.isEmpty else { return Period.containing(clock(), in: time.timeZone).previous }
        do {
            return try Period(parsing: text)
        } catch {
            throw HTTPError(.badRequest, message: "\(error): give the month as YYYY-MM")
        }
    }

    private static func download(_ data: Data, name: String, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType, .contentDisposition: "attachment; filename=\"\(name)\""],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func message(_ refusal: TOTPRefusal, _ language: Language) -> String {
        switch refusal {
        case .notEnrolled: Strings.text(.totpNotEnrolled, language)
        case .wrongCode: Strings.text(.totpWrong, language)
        case .codeReused: Strings.text(.totpReused, language)
        }
    }

    /// The template's values: figures per restaurant and in total, the chart's bars, findings, close state, actions.
    private func values(_ view: MonthView, context: ConsoleRequestContext) throws -> [String: Any] {
        let report = view.report, state = view.state, language = context.language
        let total = report.total
        let largest = max(report.restaurants.map(\.subsidyFen).max() ?? 0, 1)
        let rows: [[String: Any]] = report.restaurants.enumerated().map { index, line in
            let width = Int((Double(max(line.subsidyFen, 0)) / Double(largest) * 300).rounded())
            return ["code": line.code, "name": line.name, "meals": line.meals, "cardholders": line.cardholders,
                    "gross": Yuan.format(line.grossFen), "discount": Yuan.format(line.discountFen),
                    "subsidy": Yuan.format(line.subsidyFen),
                    "deliveries": "\(line.deliveriesDelivered) / \(line.deliveriesRequested)",
                    "y": index * 28 + 4, "textY": index * 28 + 20, "width": width, "labelX": width + 128]
        }
        let findings = report.findings(language: language == .chinese ? .zh : .en)
        let finding = { (item: ReportFinding) -> [String: Any] in ["subject": item.subject, "kind": item.kind, "sentence": item.sentence] }
        let latest = state.latest
        let session = try context.requireSession()
        let isApprover = session.staff.roles.contains(.approver)
        let period = report.period
        var values: [String: Any] = [
            "period": period, "draft": !report.closed, "restaurants": rows, "hasRestaurants": !rows.isEmpty,
            "chartHeight": max(rows.count * 28 + 8, 36),
            "total": ["meals": total.meals, "cardholders": report.distinctCardholders ?? total.cardholders,
                      "gross": Yuan.format(total.gross), "discount": Yuan.format(total.discount),
                      "subsidy": Yuan.format(total.subsidy)] as [String: Any],
            "breaks": findings.breaks.map(finding), "anomalies": findings.anomalies.map(finding),
            "hasBreaks": !findings.breaks.isEmpty, "hasAnomalies": !findings.anomalies.isEmpty,
            "downloads": ["subsidy-\(period).csv", "breaks-\(period).csv", "subsidy-\(period).html", "subsidy-\(period).pdf"]
                .map { ["name": $0, "href": "/month/download?period=\(period)&file=\($0)"] },
        ]
        switch state.stage {
        case .open:
            values["open"] = true
            values["mayPrepare"] = true
            if let latest, latest.state == "rejected" {
                values["rejected"] = ["by": latest.decidedBy ?? "", "at": latest.decidedAt.map(time.format) ?? "",
                                      "reason": latest.reason ?? ""]
            }
        case .prepared:
            values["prepared"] = ["by": latest?.preparedBy ?? "", "at": latest.map { time.format($0.preparedAt) } ?? "",
                                  "digest": latest?.digest ?? ""]
            if isApprover {
                values["decide"] = ["digest": latest?.digest ?? "", "askCode": approvalTOTP] as [String: Any]
            }
        case .closed:
            values["closed"] = ["at": state.closedAt.map(time.format) ?? "", "seal": report.digest ?? "",
                                "preparedBy": view.signatures?.preparedBy ?? "", "approvedBy": view.signatures?.approvedBy ?? ""]
        }
        return values
    }
}
