import Foundation

/// Checks a department's reply before it goes to the citizen (答复质量预检). Every flag is a
/// prompt to look again, not a refusal: the handler may still send after acknowledging.
public enum ReplyCheck {
    public enum Flag: String, CaseIterable, Sendable, Codable {
        case late, tooShort, offTopic, noBasisOrNextStep

        public var zh: String {
            switch self {
            case .late: "答复已超过办理时限"
            case .tooShort: "答复过于简短"
            case .offTopic: "答复与诉求内容关联度低，可能答非所问"
            case .noBasisOrNextStep: "答复未说明依据，也未说明下一步措施"
            }
        }

        public var en: String {
            switch self {
            case .late: "the reply is past the time limit"
            case .tooShort: "the reply is very short"
            case .offTopic: "the reply has little in common with the appeal (off topic?)"
            case .noBasisOrNextStep: "the reply gives neither a basis nor a next step"
            }
        }
    }

    public struct Result: Sendable, Equatable {
        public var flags: [Flag]
        /// Topic similarity to the appeal, 0...1.
        public var similarity: Double
        /// Letters and digits in the reply.
        public var length: Int
    }

    /// Fewer letters and digits than this is "very short": a bare acknowledgement.
    public static let minimumLength = 30
    /// Below this topic similarity the reply shares almost no wording with the appeal; on the
    /// public replies data about 7 % of replies fall below it, mostly forwarding notes.
    public static let offTopicBelow = 0.05

    /// Wording that cites a basis (law, rule, investigation finding).
    static let basisTerms = ["依据", "根据", "按照", "依照", "规定", "条例", "办法", "法律", "法规", "政策", "文件", "《", "经查", "经核实", "经调查", "核查", "调查", "经了解"]
    /// Wording that states what happens next or what the citizen can do.
    static let nextStepTerms = ["下一步", "将于", "将会", "将继续", "将进一步", "将加强", "我们将", "已安排", "责令", "整改", "督促", "跟踪", "建议您", "请您", "您可", "可拨打", "可致电", "联系电话", "咨询电话"]

    /// Topic similarity: the better of whole-text bigram cosine and how much of the title's
    /// wording the reply takes up, because a long appeal's details dilute the cosine while a
    /// good reply nearly always restates what the title asked.
    public static func similarity(appealTitle: String, appealText: String, reply: String) -> Double {
        let replyGrams = AppealBigrams(reply)
        let whole = AppealBigrams(appealTitle + appealText).cosine(replyGrams)
        let title = AppealBigrams(appealTitle)
        return max(whole, title.isEmpty ? 0 : title.coverage(by: replyGrams))
    }

    public static func check(appealTitle: String, appealText: String, reply: String,
                             deadline: AppealDeadline?, repliedOn: CivilDate?) -> Result {
        var flags: [Flag] = []
        if let deadline, let repliedOn, !deadline.kept(by: repliedOn) { flags.append(.late) }
        let length = reply.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.count
        if length < minimumLength { flags.append(.tooShort) }
        let similarity = similarity(appealTitle: appealTitle, appealText: appealText, reply: reply)
        if similarity < offTopicBelow { flags.append(.offTopic) }
        let hasBasis = basisTerms.contains(where: reply.contains)
        let hasNextStep = nextStepTerms.contains(where: reply.contains)
        if !hasBasis && !hasNextStep { flags.append(.noBasisOrNextStep) }
        return Result(flags: flags, similarity: similarity, length: length)
    }

    /// How often each flag occurs over many checks, for the CLI and the supervisor report.
    public struct Distribution: Sendable, Equatable {
        public var total = 0
        public var clean = 0
        public var counts: [Flag: Int] = [:]
        /// Replies carrying exactly n flags, by n.
        public var byFlagCount: [Int: Int] = [:]

        public init() {}

        public mutating func add(_ result: Result) {
            total += 1
            if result.flags.isEmpty { clean += 1 }
            for flag in result.flags { counts[flag, default: 0] += 1 }
            byFlagCount[result.flags.count, default: 0] += 1
        }
    }
}
