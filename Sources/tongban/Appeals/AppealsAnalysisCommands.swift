import ArgumentParser
import Foundation
import SwiftCSV
import TongbanCore
import TongbanServer

/// `tongban appeals reply-check`: the reply pre-check run over a file of answered messages.
struct AppealsReplyCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply-check",
        abstract: "答复质量预检统计 / Distribution of reply-check flags over answered messages.",
        discussion: """
        Columns: 留言主题, 留言详情, 留言时间, 答复意见, 答复时间. The type (and so the reply limit) \
        is inferred from the title; working days use the bundled holiday calendar.
        """)

    @Option(help: "UTF-8 CSV of answered messages.") var input: String

    func run() throws {
        let rows = try AnalysisCSV.rows(input, required: ["留言主题", "留言详情", "留言时间", "答复意见", "答复时间"])
        let calendar = try WorkingCalendar(json: BundledResources.data("calendar/cn-holidays.json"))
        let limits = AppealTimeLimits.standard
        var distribution = ReplyCheck.Distribution()
        var undated = 0
        for row in rows {
            let title = row["留言主题"] ?? "", text = row["留言详情"] ?? ""
            let filed = BoardTimestamp.parse(row["留言时间"] ?? "").map { CivilDate(instant: $0) }
            let replied = BoardTimestamp.parse(row["答复时间"] ?? "").map { CivilDate(instant: $0) }
            if filed == nil || replied == nil { undated += 1 }
            let deadline = filed.map {
                AppealDeadline(limit: limits.replyLimit(for: .inferred(fromTitle: title)), startedOn: $0, calendar: calendar)
            }
            distribution.add(ReplyCheck.check(appealTitle: title, appealText: text, reply: row["答复意见"] ?? "",
                                              deadline: deadline, repliedOn: replied))
        }
        func share(_ n: Int) -> String { String(format: "%5.1f%%", 100 * Double(n) / Double(max(distribution.total, 1))) }
        print("replies checked: \(distribution.total)  (without a usable date, so never flagged late: \(undated))")
        print("no flag: \(distribution.clean)  \(share(distribution.clean))")
        for flag in ReplyCheck.Flag.allCases {
            let n = distribution.counts[flag] ?? 0
            print("\(flag.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(String(n).leftPadded(5))  \(share(n))  \(flag.zh)")
        }
        print("replies by number of flags:")
        for count in distribution.byFlagCount.keys.sorted() {
            print("  \(count): \(distribution.byFlagCount[count]!)  \(share(distribution.byFlagCount[count]!))")
        }
    }
}

/// `tongban appeals hot-topics`: the top topics of a message-board export.
struct AppealsHotTopics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hot-topics",
        abstract: "热点问题挖掘 / The hottest topics of a message file with their heat index.",
        discussion: "Columns: 留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 反对数, 点赞数.")

    @Option(help: "UTF-8 CSV of messages.") var input: String
    @Option(help: "How many topics to print.") var top = 5

    func run() throws {
        let rows = try AnalysisCSV.rows(input, required: ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数"])
        var messages: [HotTopicMessage] = []
        var skipped = 0
        for row in rows {
            guard let at = BoardTimestamp.parse(row["留言时间"] ?? "") else { skipped += 1; continue }
            messages.append(HotTopicMessage(
                id: row["留言编号"] ?? "", author: row["留言用户"], title: row["留言主题"] ?? "", text: row["留言详情"] ?? "",
                postedAt: at, likes: Int(row["点赞数"] ?? "") ?? 0, dislikes: Int(row["反对数"] ?? "") ?? 0))
        }
        let topics = HotTopicMiner().topics(messages)
        print("\(messages.count) messages, \(topics.count) topics\(skipped > 0 ? ", \(skipped) rows without a usable time skipped" : "")")
        for (rank, topic) in topics.prefix(top).enumerated() {
            print("")
            print("#\(rank + 1)  heat \(String(format: "%.2f", topic.heat))  messages \(topic.count)  likes \(topic.likes)  authors \(topic.authors)  growth \(String(format: "%.2f", topic.growth))")
            print("    time span: \(AnalysisCSV.day(topic.firstAt)) – \(AnalysisCSV.day(topic.lastAt))")
            print("    places: \(topic.places.isEmpty ? "—" : topic.places.joined(separator: "、"))")
            print("    representative [\(topic.representative.id)]: \(topic.representative.title)")
            print("      \(topic.representative.text.prefix(90))…")
            print("    messages: \(topic.memberIDs.prefix(12).joined(separator: ", "))\(topic.memberIDs.count > 12 ? ", …" : "")")
        }
    }
}

enum AnalysisCSV {
    static func rows(_ path: String, required: [String]) throws -> [[String: String]] {
        let csv: CSV<Named>
        do {
            csv = try CSV<Named>(url: URL(fileURLWithPath: path), encoding: .utf8)
        } catch {
            throw ValidationError("无法读取 \(path) / cannot read \(path): \(error)")
        }
        let missing = required.filter { !csv.header.contains($0) }
        guard missing.isEmpty else {
            throw ValidationError("缺少列 / missing columns: \(missing.joined(separator: ", "))")
        }
        return csv.rows
    }

    static func day(_ date: Date) -> String { CivilDate(instant: date).description }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
