/// The console's languages: Simplified Chinese by default, English on request.
enum Language: Sendable {
    case chinese, english

    init?(code: String) {
        switch code {
        case "zh": self = .chinese
        case "en": self = .english
        default: return nil
        }
    }

    var code: String { self == .chinese ? "zh" : "en" }
    /// The `lang` attribute of the page.
    var htmlCode: String { self == .chinese ? "zh-Hans" : "en" }
}

/// Every text of the console in both languages, by key; templates read them as `t.KEY`.
enum Strings {
    enum Key: String, CaseIterable {
        case app, skip, nav, signIn, signOut, login, password, today, alerts, cards, standingOrders, activity
        case signedInAs, day, show, restaurant, card, holder, meal, status, wellness, noDeliveries
        case openAlerts, noOpenAlerts, reason, raisedAt, phone, address, recentDeliveries, followUps, step, note, by, at
        case recordStep, acknowledge, acknowledgeNote, history, acknowledgedBy, noHistory
        case search, searchHint, noCards, category, community, validity, suspend, reactivate, statusChanges, cardReason
        case addOrder, weekdays, weekdaysHint, from, until, endOn, pause, resume, end, paused, add, noOrders
        case actor, action, subject, detail, noActivity
        case csrfRefused, formTooLarge, sessionExpired, tooManyAttempts, stepRecorded, alertAcknowledged, cardChanged
        case orderAdded, orderChanged, signedOut, missingField, notFound
        case stepCalled, stepEmergencyContactReached, stepHomeVisit, stepResolved
        case certifications, certificationsOverdue, certificationsDue, noneOverdue, noneDue, lastCertified, dueOn, daysLeft
        case openNotices, noOpenNotices, missedDue, dueNow, recordCertification, method, certifiedOn, proxyName, proxyRelation
        case reference, setFirstDue, firstDueHint, sampleToCheck, noSample, certificationRecorded, firstDueSet
        case noticeAcknowledged, methodChoice, methodInPerson, methodProxy, methodOnline, methodHomeVisit, methodRegistry
        // The month and its close.
        case month, period, closeState, stateOpen, statePrepared, stateClosed, stateRejected, preparedBy, approvedBy, digest
        case seal, prepare, approve, reject, rejectReason, totpCode, draftNote, monthFigures, moneyInYuan, meals, cardholders
        case gross, discount, subsidy, deliveries, total, chart, noRestaurants, breaks, anomalies, kind, none, downloads
        case closePrepared, closeApproved, closeRejected, totpMissing, totpNotEnrolled, totpWrong, totpReused
    }

    static func text(_ key: Key, _ language: Language) -> String {
        let pair = table[key] ?? (key.rawValue, key.rawValue)
        return language == .chinese ? pair.0 : pair.1
    }

    /// Every key's text in `language`, for a template's `t`.
    static func all(_ language: Language) -> [String: String] {
        Dictionary(uniqueKeysWithValues: Key.allCases.map { ($0.rawValue, text($0, language)) })
    }

    private static let table: [Key: (String, String)] = [
        .app: ("双拥助餐 · 工作台", "Double-support meals · staff console"),
        .skip: ("跳到正文", "Skip to content"),
        .nav: ("主导航", "Main navigation"),
        .signIn: ("登录", "Sign in"),
        .signOut: ("退出", "Sign out"),
        .login: ("账号", "Login"),
        .password: ("密码", "Password"),
        .today: ("今日", "Today"),
        .alerts: ("关怀预警", "Welfare alerts"),
        .cards: ("优待证", "Cards"),
        .standingOrders: ("固定送餐", "Standing orders"),
        .activity: ("操作记录", "Activity"),
        .signedInAs: ("当前账号", "Signed in as"),
        .day: ("日期", "Day"),
        .show: ("查看", "Show"),
        .restaurant: ("餐厅", "Restaurant"),
        .card: ("证号", "Card"),
        .holder: ("姓名", "Name"),
        .meal: ("餐次", "Meal"),
        .status: ("状态", "Status"),
        .wellness: ("探视情况", "Wellness"),
        .noDeliveries: ("这一天没有送餐。", "No deliveries on this day."),
        .openAlerts: ("待处理预警", "Open alerts"),
        .noOpenAlerts: ("没有待处理的预警。", "No open alerts."),
        .reason: ("原因", "Reason"),
        .raisedAt: ("发出时间", "Raised at"),
        .phone: ("电话", "Phone"),
        .address: ("地址", "Address"),
        .recentDeliveries: ("最近送餐", "Recent deliveries"),
        .followUps: ("跟进记录", "Follow-up"),
        .step: ("步骤", "Step"),
        .note: ("备注", "Note"),
        .by: ("经办人", "By"),
        .at: ("时间", "At"),
        .recordStep: ("记录跟进", "Record step"),
        .acknowledge: ("确认结案", "Acknowledge"),
        .acknowledgeNote: ("结案说明", "What was done"),
        .history: ("已结案预警", "Acknowledged alerts"),
        .acknowledgedBy: ("结案人", "Acknowledged by"),
        .noHistory: ("还没有已结案的预警。", "No acknowledged alerts yet."),
        .search: ("搜索", "Search"),
        .searchHint: ("证号或姓名", "Card number or name"),
        .noCards: ("没有找到优待证。", "No cards found."),
        .category: ("类别", "Category"),
        .community: ("社区", "Community"),
        .validity: ("有效期", "Valid"),
        .suspend: ("暂停使用", "Suspend"),
        .reactivate: ("恢复使用", "Reactivate"),
        .statusChanges: ("状态变更", "Status changes"),
        .cardReason: ("原因", "Reason"),
        .addOrder: ("新增固定送餐", "Add a standing order"),
        .weekdays: ("星期", "Weekdays"),
        .weekdaysHint: ("1=周一 … 7=周日，如 1,3,5", "1=Monday … 7=Sunday, e.g. 1,3,5"),
        .from: ("开始", "From"),
        .until: ("结束", "Until"),
        .endOn: ("最后一天", "Last day"),
        .pause: ("暂停", "Pause"),
        .resume: ("恢复", "Resume"),
        .end: ("终止", "End"),
        .paused: ("暂停中", "Paused"),
        .add: ("添加", "Add"),
        .noOrders: ("没有固定送餐。", "No standing orders."),
        .actor: ("账号", "Who"),
        .action: ("操作", "Action"),
        .subject: ("对象", "Subject"),
        .detail: ("详情", "Detail"),
        .noActivity: ("还没有操作记录。", "No activity yet."),
        .csrfRefused: ("表单已失效（缺少或不符的安全令牌）：请刷新页面后重新提交。",
                       "The form is no longer valid (missing or wrong security token): reload the page and submit again."),
        .formTooLarge: ("提交的内容过长（上限 64 KiB）：请缩短备注后重试。", "The form is too large (64 KiB at most): shorten the note and try again."),
        .sessionExpired: ("长时间未操作，已自动退出：请重新登录。", "Your session ended after a while without use: sign in again."),
        .tooManyAttempts: ("登录失败次数过多：请 %@ 分钟后再试，或联系管理员。", "Too many failed sign-ins: try again in %@ minutes, or ask the administrator."),
        .stepRecorded: ("已记录跟进步骤。", "Follow-up step recorded."),
        .alertAcknowledged: ("预警已结案。", "Alert acknowledged."),
        .cardChanged: ("优待证状态已更新。", "Card status changed."),
        .orderAdded: ("已添加固定送餐。", "Standing order added."),
        .orderChanged: ("固定送餐已更新。", "Standing order changed."),
        .signedOut: ("已退出。", "Signed out."),
        .missingField: ("请填写：%@", "Please fill in: %@"),
        .notFound: ("找不到该页面。", "Page not found."),
        .stepCalled: ("已电话联系", "Called"),
        .stepEmergencyContactReached: ("已联系紧急联系人", "Emergency contact reached"),
        .stepHomeVisit: ("已上门探视", "Home visit"),
        .stepResolved: ("已解决", "Resolved"),
        .certifications: ("生存认证", "Certifications"),
        .certificationsOverdue: ("已逾期", "Overdue"),
        .certificationsDue: ("应认证", "Due to certify"),
        .noneOverdue: ("没有逾期未认证的人。", "Nobody is overdue."),
        .noneDue: ("目前没有应认证的人。", "Nobody is due to certify now."),
        .lastCertified: ("上次认证", "Last certified"),
        .dueOn: ("应认证日期", "Due"),
        .daysLeft: ("剩余天数", "Days left"),
        .openNotices: ("待处理逾期通知", "Open overdue notices"),
        .noOpenNotices: ("没有待处理的逾期通知。", "No open overdue notices."),
        .missedDue: ("错过的日期", "Missed due date"),
        .dueNow: ("现应认证日期", "Due now"),
        .recordCertification: ("登记认证", "Record a certification"),
        .method: ("认证方式", "Method"),
        .certifiedOn: ("认证日期", "Certified on"),
        .proxyName: ("代办人姓名（代办时填写）", "Proxy's name (by proxy)"),
        .proxyRelation: ("代办人与本人关系（代办时填写）", "Proxy's relation to the holder (by proxy)"),
        .reference: ("省级系统编号（网上认证必填）", "Provincial system reference (required online)"),
        .setFirstDue: ("设定首次认证日期", "Set a first due date"),
        .firstDueHint: ("用于尚无认证记录的优待证。", "For a card with no certification yet."),
        .sampleToCheck: ("本月抽查（电话回访）", "This month's sample to check by phone"),
        .noSample: ("本月没有抽中的上门认证。", "No home-visit certification of this month is drawn."),
        .certificationRecorded: ("已登记认证。", "Certification recorded."),
        .firstDueSet: ("已设定首次认证日期。", "First due date set."),
        .noticeAcknowledged: ("逾期通知已结案。", "Notice acknowledged."),
        .methodChoice: ("认证方式须为：本人到场、代办、网上、上门。", "The method must be in person, by proxy, online or home visit."),
        .methodInPerson: ("本人到场", "In person"),
        .methodProxy: ("代办", "By proxy"),
        .methodOnline: ("网上", "Online"),
        .methodHomeVisit: ("上门", "Home visit"),
        .methodRegistry: ("登记导入", "From the registry"),
        // The month and its close.
        .month: ("月度结算", "Month"),
        .period: ("月份", "Month"),
        .closeState: ("结账状态", "Close"),
        .stateOpen: ("未结账：尚无待审核的结账申请。", "Open: no close is waiting for approval."),
        .statePrepared: ("已提交结账，待审核", "Close prepared, waiting for an approver"),
        .stateClosed: ("已结账", "Closed"),
        .stateRejected: ("上次结账申请被退回", "The last proposal was rejected"),
        .preparedBy: ("制表", "Prepared by"),
        .approvedBy: ("审核", "Approved by"),
        .digest: ("申请摘要", "Proposal digest"),
        .seal: ("封账摘要", "Seal"),
        .prepare: ("提交结账", "Prepare the close"),
        .approve: ("审核通过并结账", "Approve and close"),
        .reject: ("退回", "Reject"),
        .rejectReason: ("退回原因", "Reason for rejecting"),
        .totpCode: ("动态验证码（6 位）", "One-time code (6 digits)"),
        .draftNote: ("草稿：本月尚未结账，数字仍可能变化。", "DRAFT: this month is not closed; its figures may still change."),
        .monthFigures: ("各餐厅数据", "Figures per restaurant"),
        .moneyInYuan: ("金额单位：元", "Amounts in yuan"),
        .meals: ("就餐笔数", "Meals"),
        .cardholders: ("持证人数", "Cardholders"),
        .gross: ("原价", "Gross"),
        .discount: ("优惠", "Discount"),
        .subsidy: ("补贴合计", "Subsidy"),
        .deliveries: ("送达/申请送餐", "Delivered / requested"),
        .total: ("合计", "Total"),
        .chart: ("各餐厅补贴（元）", "Subsidy per restaurant (yuan)"),
        .noRestaurants: ("本月没有餐厅数据。", "No restaurant figures for this month."),
        .breaks: ("对账差异", "Breaks"),
        .anomalies: ("异常", "Anomalies"),
        .kind: ("类型", "Kind"),
        .none: ("无。", "None."),
        .downloads: ("下载报告", "Downloads"),
        .closePrepared: ("已提交结账申请，等待另一位审核人审核。", "The close is prepared; another login approves it."),
        .closeApproved: ("已审核通过，本月已结账。", "Approved: the month is closed."),
        .closeRejected: ("已退回结账申请，可重新提交。", "The proposal is rejected; the month may be prepared again."),
        .totpMissing: ("请填写动态验证码：审核结账需要验证码。", "Enter your one-time code: approving a close needs it."),
        .totpNotEnrolled: ("您的账号尚未登记动态验证码：请联系系统管理员登记（ledgerctl staff totp enroll）。",
                           "No one-time code is enrolled for your login: ask the ledger's owner to enroll you (ledgerctl staff totp enroll)."),
        .totpWrong: ("动态验证码不正确或已过期：请输入验证器当前显示的验证码。", "The one-time code is wrong or has expired: enter the code your authenticator shows now."),
        .totpReused: ("该动态验证码已使用过：请等待下一个验证码后再试。", "This one-time code was used already: wait for the next code and enter it."),
    ]
}
