import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// Survival certification (rule 10): the overdue and those asked now (`Certifications.due`, as `ledgerctl
/// certifications due` lists them), the open notices with their acknowledgement, a certification recorded, a first
/// due date set, and this month's home visits drawn for a check by phone.
struct CertificationsController: Sendable {
    let actions: StaffActions
    let time: Clock
    let clock: @Sendable () -> Date
    let policy: CertificationPolicy

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/certifications") { _, context in try await page(context) }
        let (policy, timeZone, clock) = (self.policy, time.timeZone, self.clock)
        group.post("/certifications/record") { _, context in
            try await actions.act(context, done: .certificationRecorded, back: "/certifications") { form, db in
                guard let method = CertificationMethod(rawValue: try form.required("method")),
                      CertificationMethod.recordable.contains(method) else {
                    throw FormProblem(message: Strings.text(.methodChoice, form.language))
                }
                let request = CertificationRequest(
                    cardNumber: try CardNumber(try form.required("card")), method: method, certifiedOn: try form.date("on"),
                    proxyName: form.optional("proxy_name"), proxyRelation: form.optional("proxy_relation"),
                    reference: form.optional("reference"), note: form.optional("note"))
                _ = try Certifications.record(request, today: LocalDate.containing(clock(), in: timeZone), policy: policy, on: db)
            }
        }
        group.post("/certifications/first-due") { _, context in
            try await actions.act(context, done: .firstDueSet, back: "/certifications") { form, db in
                try Certifications.setFirstDue(
                    card: try CardNumber(try form.required("card")), due: try form.date("due"), note: form.optional("note"),
                    today: LocalDate.containing(clock(), in: timeZone), on: db)
            }
        }
        group.post("/certifications/notices/{id}/acknowledge") { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            return try await actions.act(context, done: .noticeAcknowledged, back: "/certifications") { form, db in
                try Certifications.acknowledgeNotice(id: id, note: try form.required("note"), timeZone: timeZone, on: db)
            }
        }
    }

    private func page(_ context: ConsoleRequestContext) async throws -> Response {
        let today = LocalDate.containing(clock(), in: time.timeZone)
        let policy = self.policy
        let (asked, notices, sample) = try await StaffActions.read(context) { db in
            (try Certifications.due(on: today, .windowOpen, policy: policy, on: db), try Certifications.openNotices(on: db),
             try Certifications.sample(period: today.period, policy: policy, on: db))
        }
        let language = context.language
        func person(_ due: DueCertification) -> [String: Any] {
            ["card": due.cardNumber, "holder": due.holderName, "phone": due.phone ?? "", "address": due.address ?? "",
             "community": due.community ?? "", "lastMethod": due.lastMethod.map { method(label: $0, language) } ?? "",
             "lastOn": due.lastCertifiedOn?.description ?? "", "due": due.due.description, "daysLeft": due.daysLeft]
        }
        let overdue = asked.filter(\.overdue).map(person)
        let dueSoon = asked.filter { !$0.overdue }.map(person)
        let noticeRows: [[String: Any]] = notices.map { notice in
            ["id": notice.id, "card": notice.cardNumber, "holder": notice.holderName, "phone": notice.phone ?? "",
             "address": notice.address ?? "", "dueOn": notice.dueOn.description,
             "currentDue": notice.currentDue?.description ?? "", "raisedAt": time.format(notice.raisedAt)]
        }
        let sampleRows: [[String: Any]] = sample.map { drawn in
            ["card": drawn.cardNumber, "holder": drawn.holderName, "phone": drawn.phone ?? "",
             "on": drawn.certifiedOn.description, "restaurant": drawn.restaurantCode ?? "", "by": drawn.recordedBy]
        }
        let methods = CertificationMethod.recordable.map { ["value": $0.rawValue, "label": method(label: $0, language)] }
        return try Page.render("certifications", section: .certifications, values: [
            "overdue": overdue, "hasOverdue": !overdue.isEmpty, "due": dueSoon, "hasDue": !dueSoon.isEmpty,
            "notices": noticeRows, "hasNotices": !noticeRows.isEmpty, "sample": sampleRows, "hasSample": !sampleRows.isEmpty,
            "methods": methods, "today": today.description, "month": today.period.description,
        ], context: context)
    }

    private func method(label method: CertificationMethod, _ language: Language) -> String {
        switch method {
        case .inPerson: Strings.text(.methodInPerson, language)
        case .proxy: Strings.text(.methodProxy, language)
        case .online: Strings.text(.methodOnline, language)
        case .homeVisit: Strings.text(.methodHomeVisit, language)
        case .registry: Strings.text(.methodRegistry, language)
        }
    }
}
