import Foundation
import Testing
@testable import TongbanCore

private func date(_ iso: String) -> CivilDate { CivilDate(iso: iso)! }

@Suite struct AppealFlowTests {
    @Test func happyPathEndsClosedOnlyAfterAReply() throws {
        var flow = AppealFlow()
        #expect(throws: AppealTransitionError.notAllowed(status: .received, action: "close")) { try flow.applying(.close) }
        flow = try flow.applying(.dispatch(department: "330100-zjw"))
        #expect(flow.status == .dispatched && flow.department == "330100-zjw")
        #expect(throws: AppealTransitionError.notAllowed(status: .dispatched, action: "reply")) { try flow.applying(.reply) }
        flow = try flow.applying(.accept).applying(.startHandling).applying(.reply)
        #expect(flow.status == .replied && flow.hasReply)
        flow = try flow.applying(.rate(.satisfied))
        #expect(flow.status == .rated)
        flow = try flow.applying(.close)
        #expect(flow.status == .closed)
        #expect(throws: AppealTransitionError.self) { try flow.applying(.rate(.dissatisfied)) }
    }

    @Test func threeReturnsEscalateAndTheFixedLeadCannotReturn() throws {
        var flow = AppealFlow()
        #expect(throws: AppealTransitionError.reasonRequired) {
            try flow.applying(.dispatch(department: "a")).applying(.giveBack(reason: "  "))
        }
        for round in 1...3 {
            flow = try flow.applying(.dispatch(department: "d\(round)")).applying(.giveBack(reason: "非本单位职责"))
            #expect(flow.returnCount == round)
            #expect(flow.department == nil)
        }
        #expect(flow.status == .escalated)
        #expect(throws: AppealTransitionError.notAllowed(status: .escalated, action: "dispatch")) { try flow.applying(.dispatch(department: "x")) }
        flow = try flow.applying(.fixLead(department: "330100-zjw"))
        #expect(flow.status == .dispatched && flow.leadFixed && flow.department == "330100-zjw")
        #expect(throws: AppealTransitionError.leadFixed) { try flow.applying(.giveBack(reason: "仍不是我们的")) }
        flow = try flow.applying(.accept).applying(.reply)
        #expect(flow.status == .replied)
    }

    @Test func dissatisfiedReopensOnceToTheSameDepartment() throws {
        var flow = try AppealFlow().applying(.dispatch(department: "330100-rsj")).applying(.accept).applying(.reply)
        flow = try flow.applying(.rate(.dissatisfied))
        #expect(flow.status == .reopened && flow.department == "330100-rsj" && flow.reopenCount == 1)
        flow = try flow.applying(.accept).applying(.reply).applying(.rate(.dissatisfied))
        #expect(flow.status == .rated, "the second 不满意 is recorded, not reopened again")
        #expect(try flow.applying(.close).status == .closed)
    }

    @Test func escalationByHandIsOpenUntilTheReply() throws {
        let dispatched = try AppealFlow().applying(.dispatch(department: "a"))
        #expect(try dispatched.applying(.escalate).status == .escalated)
        let replied = try dispatched.applying(.accept).applying(.reply)
        #expect(throws: AppealTransitionError.self) { try replied.applying(.escalate) }
    }
}

@Suite struct AppealRoutingTests {
    let table = AppealRoutingTable([
        AppealRoute(category: .urbanRuralConstruction, divisionCode: "330100", departmentCode: "330100-zjw"),
        AppealRoute(category: .laborSocialSecurity, divisionCode: "330100", departmentCode: "330100-rsj"),
        AppealRoute(category: .laborSocialSecurity, divisionCode: "330106", departmentCode: "330106-rsj"),
        AppealRoute(category: .healthFamilyPlanning, divisionCode: "330000", departmentCode: "330000-wsjkw"),
    ])

    @Test func mostSpecificDivisionWins() {
        #expect(table.department(for: .laborSocialSecurity, division: "330106") == "330106-rsj")
        #expect(table.department(for: .laborSocialSecurity, division: "330102") == "330100-rsj")
        #expect(table.department(for: .urbanRuralConstruction, division: "330106") == "330100-zjw")
        #expect(table.department(for: .healthFamilyPlanning, division: "330106") == "330000-wsjkw")
        #expect(table.department(for: .transportation, division: "330106") == nil)
        #expect(table.department(for: .urbanRuralConstruction, division: "110101") == nil)
        #expect(AppealRoutingTable.divisionChain("330000") == ["330000"])
        #expect(AppealRoutingTable.divisionChain("330100") == ["330100", "330000"])
    }

    func classification(_ scores: [(AppealCategory, Double)], matched: Int = 20) -> AppealClassification {
        let ranked = scores.map { AppealCategoryScore(category: $0.0, score: $0.1, margin: $0.1) }
        return AppealClassification(category: ranked[0].category, confidence: ranked[0].score, ranked: ranked, matchedFeatureCount: matched)
    }

    @Test func confidentAnswersRouteAndDoubtfulOnesGoToADispatcher() {
        let sure = classification([(.laborSocialSecurity, 0.9), (.urbanRuralConstruction, 0.05), (.transportation, 0.03), (.commerceTourism, 0.02)])
        let routed = AppealRoutingDecision.decide(sure, division: "330106", table: table)
        #expect(routed.departmentCode == "330106-rsj" && routed.manualReason == nil)
        #expect(routed.suggestions.count == 3)

        let unsure = classification([(.laborSocialSecurity, 0.45), (.urbanRuralConstruction, 0.4), (.transportation, 0.15)])
        let manual = AppealRoutingDecision.decide(unsure, division: "330106", table: table)
        #expect(manual.departmentCode == nil && manual.manualReason == .lowConfidence)
        #expect(manual.suggestions.map(\.departmentCode) == ["330106-rsj", "330100-zjw", nil])
        #expect(AppealRoutingDecision.decide(unsure, division: "330106", table: table, threshold: 0.4).departmentCode == "330106-rsj")

        let noRoute = classification([(.transportation, 0.95), (.urbanRuralConstruction, 0.05)])
        #expect(AppealRoutingDecision.decide(noRoute, division: "330106", table: table).manualReason == .noRoute)
        let blind = classification([(.laborSocialSecurity, 0.99)], matched: 0)
        #expect(AppealRoutingDecision.decide(blind, division: "330106", table: table).manualReason == .noEvidence)
    }
}

@Suite struct AppealTimeLimitTests {
    /// National Day 2025: 10-01…10-08 off, Sunday 09-28 and Saturday 10-11 worked.
    let calendar = try! WorkingCalendar(schedule: HolidaySchedule(years: [.init(
        year: 2025,
        holidays: [.init(name: "国庆节、中秋节", dates: (1...8).map { date(String(format: "2025-10-%02d", $0)) })],
        workdays: [.init(name: "国庆节", dates: [date("2025-09-28"), date("2025-10-11")])])]))

    @Test func deadlinesCountWorkingDaysAcrossTheHoliday() {
        // Filed Friday 2025-09-26: a consultation's 5 working days are 09-28, 09-29, 09-30, 10-09, 10-10.
        let reply = AppealDeadline(limit: AppealTimeLimits.standard.replyLimit(for: .consultation), startedOn: date("2025-09-26"), calendar: calendar)
        #expect(reply.dueOn == date("2025-10-10"))
        #expect(reply.warnFrom == date("2025-10-09"))
        #expect(reply.overdueFrom == date("2025-10-11"))
        #expect(reply.kept(by: date("2025-10-10")) && !reply.kept(by: date("2025-10-11")))
        #expect(reply.status(asOf: date("2025-10-08"), calendar: calendar).level == .normal)
        #expect(reply.status(asOf: date("2025-10-09"), calendar: calendar).level == .warning)
        #expect(reply.status(asOf: date("2025-10-11"), calendar: calendar).level == .overdue)
        // Accept within one working day: dispatched on the eve of the holiday, due after it.
        let accept = AppealDeadline(limit: AppealTimeLimits.standard.acceptDays, startedOn: date("2025-09-30"), calendar: calendar)
        #expect(accept.dueOn == date("2025-10-09"))
        #expect(AppealTimeLimits.standard.replyLimit(for: .complaint) == 15)
    }

    @Test func limitsAreValidatedAsAWhole() {
        var limits = AppealTimeLimits.standard
        limits.acceptDays = 0
        limits.replyDays["complaint"] = 0
        limits.replyDays["gossip"] = 3
        limits.replyDays["praise"] = nil
        #expect(throws: ValidationFailure.self) { try limits.validate() }
        do { try limits.validate() } catch {
            #expect(Set(error.issues.map(\.field)) == ["acceptDays", "replyDays/complaint", "replyDays/gossip", "replyDays/praise"])
        }
    }

    @Test func limitsAreBoundedSoDeadlinesStayComputable() {
        var limits = AppealTimeLimits.standard
        limits.acceptDays = Int.max
        limits.replyDays["complaint"] = 1001
        do { try limits.validate() } catch {
            #expect(Set(error.issues.map(\.field)) == ["acceptDays", "replyDays/complaint"])
            return
        }
        Issue.record("unbounded limits were accepted")
    }
}

@Suite struct AppealDuplicateTests {
    let start = Date(timeIntervalSince1970: 1_760_000_000)
    func appeal(_ id: String, caller: String? = nil, address: String = "文三路 90 号", text: String = "小区门口的路灯坏了一个月，晚上很黑，老人出行不方便，请尽快修好。",
                title: String = "路灯坏了", days: Double = 0, duplicateOf: String? = nil) -> AppealFingerprint {
        AppealFingerprint(id: id, caller: caller, divisionCode: "330106", address: address, title: title, text: text,
                          filedAt: start + days * 86_400, duplicateOf: duplicateOf)
    }

    @Test func sameTextAndPlaceWithinSevenDays() {
        let first = appeal("a")
        #expect(AppealDuplicateRule.match(appeal("b", days: 3), among: [first])?.firstID == "a")
        #expect(AppealDuplicateRule.match(appeal("b", address: "文三路90号", days: 3), among: [first])?.reason == .samePlace)
        #expect(AppealDuplicateRule.match(appeal("b", days: 7.5), among: [first]) == nil)
        #expect(AppealDuplicateRule.match(appeal("b", address: "学院路 1 号", days: 1), among: [first]) == nil)
        #expect(AppealDuplicateRule.match(appeal("b", text: "请问社保卡丢了怎么补办？", title: "社保卡补办", days: 1), among: [first]) == nil)
    }

    @Test func theSameCallerRepeatingAndChainsCollapseOntoTheFirst() {
        let first = appeal("a", caller: "p1")
        let retold = appeal("b", caller: "p1", address: "文三路", text: "路灯坏了一个月了，晚上很黑，老人出行很不方便，请修好。", days: 2)
        #expect(AppealDuplicateRule.match(retold, among: [first])?.reason == .sameCaller)
        #expect(AppealDuplicateRule.match(appeal("b", caller: "p2", address: "文三路", text: retold.text, days: 2), among: [first]) == nil)
        let second = appeal("b", days: 1, duplicateOf: "a")
        #expect(AppealDuplicateRule.match(appeal("c", days: 6), among: [second])?.firstID == "a")
    }
}

@Suite struct ReplyCheckTests {
    @Test func flagsEachWeakness() {
        let title = "文三路路灯损坏"
        let text = "文三路 90 号门口的路灯坏了一个月，晚上很黑。"
        let good = "您反映的文三路路灯损坏问题已收悉。经现场核查，该路灯线路老化，我局已安排维修单位于 3 日内更换，如仍有问题请您拨打 12345 反映。"
        #expect(ReplyCheck.check(appealTitle: title, appealText: text, reply: good, deadline: nil, repliedOn: nil).flags.isEmpty)
        #expect(ReplyCheck.check(appealTitle: title, appealText: text, reply: "已收悉。", deadline: nil, repliedOn: nil).flags
                == [.tooShort, .offTopic, .noBasisOrNextStep])
        let offTopic = "关于社保缴费基数调整的问题，根据省人社厅文件规定，本年度基数按上年平均工资确定，请您关注通知。"
        #expect(ReplyCheck.check(appealTitle: title, appealText: text, reply: offTopic, deadline: nil, repliedOn: nil).flags == [.offTopic])
        let noBasis = "您好，您反映的文三路路灯损坏问题我们已经知道了，感谢您对我们工作的关心和支持，谢谢。"
        #expect(ReplyCheck.check(appealTitle: title, appealText: text, reply: noBasis, deadline: nil, repliedOn: nil).flags == [.noBasisOrNextStep])
        let deadline = AppealDeadline(limit: 5, startedOn: date("2026-03-02"), calendar: .weekendsOnly)
        #expect(ReplyCheck.check(appealTitle: title, appealText: text, reply: good, deadline: deadline, repliedOn: date("2026-03-09")).flags.isEmpty)
        #expect(ReplyCheck.check(appealTitle: title, appealText: text, reply: good, deadline: deadline, repliedOn: date("2026-03-10")).flags == [.late])
    }

    @Test func distributionCounts() {
        var distribution = ReplyCheck.Distribution()
        distribution.add(.init(flags: [], similarity: 1, length: 100))
        distribution.add(.init(flags: [.late, .tooShort], similarity: 1, length: 3))
        #expect(distribution.total == 2 && distribution.clean == 1 && distribution.counts[.late] == 1 && distribution.byFlagCount == [0: 1, 2: 1])
    }
}

@Suite struct HotTopicTests {
    let t0 = Date(timeIntervalSince1970: 1_760_000_000)

    func message(_ id: String, _ title: String, _ text: String, day: Double, likes: Int = 0, author: String? = nil) -> HotTopicMessage {
        HotTopicMessage(id: id, author: author ?? "u\(id)", title: title, text: text, postedAt: t0 + day * 86_400, likes: likes)
    }

    @Test func groupsOneMatterAndRanksItByHeat() {
        var messages = (0..<6).map {
            message("m\($0)", "五矿万境小区旁搅拌站噪音扰民", "五矿万境小区旁边的搅拌站夜间施工噪音很大，影响休息。", day: Double($0), likes: 3)
        }
        messages.append(message("x1", "咨询社保卡补办流程", "社保卡丢了，请问去哪里补办？", day: 2))
        messages.append(message("x2", "幼儿园收费过高", "民办幼儿园收费太高，希望规范。", day: 3))
        let topics = HotTopicMiner().topics(messages, asOf: t0 + 6 * 86_400)
        #expect(topics.count == 3)
        let top = topics[0]
        #expect(Set(top.memberIDs) == Set((0..<6).map { "m\($0)" }))
        #expect(top.key == "m0" && top.count == 6 && top.likes == 18 && top.authors == 6)
        #expect(top.places.contains { $0.contains("五矿万境小区") })
        #expect(top.heat > topics[1].heat)
        #expect(top.firstAt == t0 && top.lastAt == t0 + 5 * 86_400)
    }

    @Test func spikesNeedVolumeAboveTheBaseline() {
        let rule = HotTopicSpikeRule()
        let now = t0 + 30 * 86_400
        let burst = (0..<4).map { now - Double($0) * 3600 }
        #expect(rule.evaluate(burst, asOf: now)?.recent == 4)
        #expect(rule.evaluate(Array(burst.prefix(2)), asOf: now) == nil)
        let steady = (1...14).flatMap { d in (0..<2).map { now - Double(d) * 86_400 - Double($0) * 3600 } }
        #expect(rule.evaluate(burst + steady, asOf: now) == nil, "4 a day against 2 a day is not a spike")
    }

    @Test func placeNamesAndBoardTimes() {
        #expect(PlaceNames.extract("反映A7县春华镇金鼎村水泥路问题").contains { $0.hasSuffix("村") })
        let parsed = BoardTimestamp.parse("2019/4/25 9:32:09")
        #expect(parsed == Date(timeIntervalSince1970: 1_556_155_929))
        #expect(BoardTimestamp.parse("2017-06-08 17:31:20") != nil)
        #expect(BoardTimestamp.parse("2019/2/30 9:00:00") == nil)
        #expect(BoardTimestamp.parse("昨天") == nil)
        #expect(AppealType.inferred(fromTitle: "咨询公积金提取") == .consultation)
        #expect(AppealType.inferred(fromTitle: "投诉噪音") == .complaint)
    }
}
