import Testing
@testable import TongbanCore

@Suite("AppealPriority")
struct AppealPriorityTests {
    @Test func ordinaryAppealGetsBaseScore() throws {
        let priority = try AppealPriority.assess(title: "路灯不亮", text: "小区路灯坏了一周。", repeatCount: 0)
        #expect(priority.score == AppealPriority.baseScore)
        #expect(priority.level == .normal)
        #expect(priority.reasons.isEmpty)
    }

    @Test func safetyHazardIsElevated() throws {
        let priority = try AppealPriority.assess(title: "", text: "楼道里有燃气味，担心漏电导致火灾", repeatCount: 0)
        #expect(priority.score == 50)
        #expect(priority.level == .elevated)
        let reason = try #require(priority.reasons.first)
        #expect(reason.code == "safety")
        #expect(reason.matchedTerms == ["燃气", "火灾", "漏电"])
        #expect(reason.messageZh.contains("燃气、火灾、漏电"))
    }

    @Test func titleCountsToo() throws {
        let priority = try AppealPriority.assess(title: "工地坍塌", text: "", repeatCount: 0)
        #expect(priority.reasons.map(\.code) == ["safety"])
    }

    @Test func safetyAndHealthTogetherAreUrgent() throws {
        let priority = try AppealPriority.assess(title: "煤气中毒", text: "邻居送医急救", repeatCount: 0)
        #expect(priority.score == 10 + 40 + 30)
        #expect(priority.level == .urgent)
        #expect(priority.reasons.map(\.code) == ["safety", "health"])
    }

    @Test func vulnerablePeopleAddPoints() throws {
        let priority = try AppealPriority.assess(title: "", text: "小区没有无障碍通道，残疾人和老人出行困难", repeatCount: 0)
        #expect(priority.score == 25)
        #expect(priority.reasons.first?.matchedTerms == ["老人", "残疾"])
    }

    @Test("repeats add 8 points each, at most 24", arguments: [(1, 18), (2, 26), (3, 34), (10, 34)])
    func repeats(count: Int, expected: Int) throws {
        let priority = try AppealPriority.assess(title: "", text: "噪音", repeatCount: count)
        #expect(priority.score == expected)
        #expect(priority.reasons.map(\.code) == ["repeated"])
        #expect(priority.reasons[0].messageZh.contains("\(count)"))
    }

    @Test func levelThresholds() throws {
        // 10 + 15 + 8 = 33 stays normal; one more repeat, 41, is elevated.
        #expect(try AppealPriority.assess(title: "", text: "儿童", repeatCount: 1).level == .normal)
        #expect(try AppealPriority.assess(title: "", text: "儿童", repeatCount: 2).level == .elevated)
    }

    @Test func scoreIsCappedAt100() throws {
        let priority = try AppealPriority.assess(title: "燃气爆炸", text: "孕妇和儿童中毒送医抢救", repeatCount: 5)
        #expect(priority.score == 100)
        #expect(priority.level == .urgent)
        #expect(priority.reasons.map(\.code) == ["safety", "health", "vulnerable", "repeated"])
    }

    @Test func emptyInputIsNormal() throws {
        #expect(try AppealPriority.assess(title: "", text: "", repeatCount: 0).score == AppealPriority.baseScore)
    }

    @Test func negativeRepeatCountIsRejected() {
        let failure = #expect(throws: ValidationFailure.self) {
            _ = try AppealPriority.assess(title: "", text: "", repeatCount: -1)
        }
        #expect(failure?.issues.map(\.field) == ["repeatCount"])
    }
}
