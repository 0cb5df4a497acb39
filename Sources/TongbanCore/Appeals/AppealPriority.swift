/// How urgently an appeal should be handled, 0...100, with the reasons that raised it.
///
/// Deliberately simple keyword rules that a dispatcher can read and argue with, not a model:
///
/// | rule | points |
/// |---|---|
/// | every appeal starts at | 10 |
/// | safety hazard: 燃气 煤气 天然气 液化气 火灾 起火 着火 爆炸 坍塌 倒塌 塌陷 漏电 触电 | +40 |
/// | health emergency: 中毒 急救 抢救 昏迷 | +30 |
/// | vulnerable people: 老人 老年人 儿童 小孩 婴儿 残疾 孕妇 | +15 |
/// | each earlier appeal on the same matter (`repeatCount`) | +8, at most +24 |
///
/// Each group counts once however many of its words occur; the total is capped at 100.
/// Words are matched literally, so "没有漏电" also counts: a false alarm costs a quick look,
/// a missed one can cost a life. Levels: 紧急 (urgent) from 60, 较急 (elevated) from 35.
public struct AppealPriority: Sendable, Equatable {
    public enum Level: String, Sendable, Codable, CaseIterable {
        case urgent = "紧急"
        case elevated = "较急"
        case normal = "一般"
    }

    public struct Reason: Sendable, Equatable {
        /// Stable machine code: `safety`, `health`, `vulnerable`, `repeated`.
        public let code: String
        public let points: Int
        /// The words found, in rule order; empty for `repeated`.
        public let matchedTerms: [String]
        public let messageZh: String
        public let messageEn: String
    }

    public static let baseScore = 10
    public static let urgentThreshold = 60
    public static let elevatedThreshold = 35
    public static let pointsPerRepeat = 8
    public static let maxRepeatPoints = 24

    struct KeywordRule: Sendable {
        let code: String
        let points: Int
        let terms: [String]
        let zh: String
        let en: String
    }

    static let keywordRules: [KeywordRule] = [
        KeywordRule(code: "safety", points: 40,
                    terms: ["燃气", "煤气", "天然气", "液化气", "火灾", "起火", "着火", "爆炸", "坍塌", "倒塌", "塌陷", "漏电", "触电"],
                    zh: "涉及安全隐患", en: "safety hazard"),
        KeywordRule(code: "health", points: 30,
                    terms: ["中毒", "急救", "抢救", "昏迷"],
                    zh: "涉及人身健康急情", en: "health emergency"),
        KeywordRule(code: "vulnerable", points: 15,
                    terms: ["老人", "老年人", "儿童", "小孩", "婴儿", "残疾", "孕妇"],
                    zh: "涉及老人、儿童、残疾人或孕妇等群体", en: "vulnerable people involved"),
    ]

    public let score: Int
    public let level: Level
    public let reasons: [Reason]

    /// - Parameter repeatCount: how many times the same matter was raised before (0 = first time).
    public static func assess(title: String, text: String, repeatCount: Int) throws -> AppealPriority {
        guard repeatCount >= 0 else {
            throw ValidationFailure(FieldIssue(field: "repeatCount", code: "range",
                                               zh: "重复诉求次数不能为负数", en: "repeatCount must not be negative"))
        }
        let content = title + "\n" + text
        var reasons: [Reason] = []
        for rule in keywordRules {
            let matched = rule.terms.filter { content.contains($0) }
            if !matched.isEmpty {
                reasons.append(Reason(code: rule.code, points: rule.points, matchedTerms: matched,
                                      messageZh: "\(rule.zh)：\(matched.joined(separator: "、"))",
                                      messageEn: "\(rule.en): \(matched.joined(separator: ", "))"))
            }
        }
        if repeatCount > 0 {
            let points = min(repeatCount, maxRepeatPoints / pointsPerRepeat) * pointsPerRepeat
            reasons.append(Reason(code: "repeated", points: points, matchedTerms: [],
                                  messageZh: "此前已反映 \(repeatCount) 次", messageEn: "raised \(repeatCount) time(s) before"))
        }
        let score = min(100, reasons.reduce(baseScore) { $0 + $1.points })
        return AppealPriority(score: score, reasons: reasons)
    }

    init(score: Int, reasons: [Reason]) {
        self.score = score
        self.reasons = reasons
        self.level = score >= Self.urgentThreshold ? .urgent : score >= Self.elevatedThreshold ? .elevated : .normal
    }
}
