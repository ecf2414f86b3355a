import LedgerCore
import LedgerStore

extension Strings {
    /// The ledger's refusal for the person at the console: in English its own `message` (as `ledgerctl` and the API
    /// say it), in Chinese this table's text, one per case (the switch has no default, so a new refusal needs its
    /// Chinese here). Free text that only the refusal carries (a rule's message from the database, a check's reason)
    /// follows the Chinese lead in its own words.
    static func refusal(_ refusal: LedgerRefusal, _ language: Language) -> String {
        language == .english ? refusal.message : chinese(refusal)
    }

    private static func chinese(_ refusal: LedgerRefusal) -> String {
        switch refusal {
        case .unauthorized:
            "终端令牌无效或已吊销。"
        case .invalid(let input, let reason):
            "\(chinese(input))填写有误，未作任何更改（\(reason)）。"
        case .refusedByDatabase:
            "数据库拒绝了其中的某个值：请更正后再提交。"
        case .idReused, .idTakenElsewhere:
            "该编号已被另一笔记录使用：请用新编号重新提交。"
        case .clockSkew:
            "时间晚于服务器时钟太多：请校准终端时钟后重试。"
        case .beforeProgrammeStart(_, let start):
            "时间早于项目开始日期 \(start)：请检查日期。"
        case .tooLate(let closedAt):
            "该月份已于 \(closedAt) 结账，超过补录期限：请报告工作人员。"
        case .unknownCard(let number):
            "优待证 \(number.masked) 不在登记名册中：请核对证号。"
        case .cardNotValid:
            "该优待证目前不可享受优惠。"
        case .cardAtDailyLimit(_, let limit), .dailyLimitReached(_, _, let limit):
            "该优待证今日的优惠用餐已达上限（每日 \(limit) 次）。"
        case .payableMismatch:
            "应付金额与账本计算不符。"
        case .unknownMeal, .unknownMealOfDelivery:
            "找不到这笔用餐记录：请核对编号。"
        case .alreadyVoided:
            "这笔用餐已作废，未作任何更改。"
        case .noFreeDelivery(_, let day):
            "\(day) 不能免费送餐：持证人不符合条件。"
        case .unknownDelivery:
            "找不到这次送餐：请核对编号。"
        case .invalidTransition:
            "送餐状态不能这样变更：依次为已下单、已出发、已送达或未送达，出发前可取消。"
        case .unknownRestaurant(let code), .unknownStatementRestaurant(let code):
            "没有代码为“\(code)”的餐厅：请核对餐厅代码。"
        case .restaurantExists(let code):
            "代码为“\(code)”的餐厅已登记：请换一个代码。"
        case .termsExist(let code, let from):
            "餐厅“\(code)”已有自 \(from) 起的补贴条款：请给出更晚的开始日期。"
        case .terminalExists(let code, let name):
            "餐厅“\(code)”已有名为“\(name)”的终端：请换一个名称或先吊销原终端。"
        case .unknownTerminal(let code, let name):
            "餐厅“\(code)”没有名为“\(name)”的终端。"
        case .unregisteredCard(let number):
            "优待证 \(number.value) 不在登记名册中：请先导入名册（ledgerctl cards import）或核对证号。"
        case .noStandingOrder(let number, _):
            "优待证 \(number.value) 不能享受免费送餐（须为 80 岁及以上的退役军人，且证件有效），未添加固定送餐。"
        case .overlappingStandingOrder(let number, let order):
            "优待证 \(number.value) 已有固定送餐 #\(order.id)，与新的在同一天的同一餐次重叠：请先终止原固定送餐或另选日期。"
        case .unknownStandingOrder(let id):
            "没有编号为 \(id) 的固定送餐。"
        case .unknownAlert(let id):
            "没有编号为 \(id) 的关怀预警。"
        case .alertAcknowledged(let id, let at, let who, _):
            "关怀预警 #\(id) 已于 \(at) 由 \(who) 结案，未作任何更改。"
        case .missingReconciliationRun(let period):
            "\(period) 已结账，但缺少对账记录：请联系管理员。"
        case .refusedByRule(let message):
            "数据库规则拒绝了此操作，未作任何更改（\(message)）。"
        case .noHomeVisit:
            "只有见到持证人本人的送餐才能作为上门认证。"
        case .unknownNotice(let id):
            "没有编号为 \(id) 的逾期通知。"
        case .noticeAcknowledged(let id, let at, let who, _):
            "逾期通知 #\(id) 已于 \(at) 由 \(who) 结案，未作任何更改。"
        case .alreadyCertified(let number):
            "优待证 \(number.value) 已有认证记录，应认证日期由该记录决定，无需设定首次认证日期。"
        case .revokedCard(let number):
            "优待证 \(number.value) 已注销，无需认证。"
        case .dueBeforeToday(let due, let today):
            "首次认证日期 \(due) 早于今天（\(today)）：请选择今天或以后的日期。"
        case .noticeClosedByCertification(let id, let at):
            "逾期通知 #\(id) 已于 \(at) 因本人完成认证而自动结案，未作任何更改。"
        }
    }

    /// The part of a form a refusal names.
    private static func chinese(_ input: LedgerRefusal.Input) -> String {
        switch input {
        case .scheduledFor: "送餐日期"
        case .wellness: "探视情况"
        case .terminalName: "终端名称"
        case .restaurantCode: "餐厅代码"
        case .restaurantName: "餐厅名称"
        case .community: "社区"
        case .alertNote: "结案说明"
        case .weekdays: "星期"
        case .lastDay: "结束日期"
        case .endDay: "最后一天"
        case .certification: "认证信息（方式、日期、代办人或编号）"
        case .noticeNote: "备注"
        }
    }
}
