import Foundation
import Hummingbird
import TongbanCore

/// Hot topics (热点) over recent appeals and the spike alerts raised for supervisors.
struct HotTopicsAPI {
    let service: AppealService
    static let defaultSpan: TimeInterval = 30 * 86_400
    static let maximumSpan: TimeInterval = 366 * 86_400
    static let topicLimit = 20

    struct TopicView: Encodable, Sendable {
        struct Message: Encodable, Sendable { var id: String; var title: String; var text: String }
        var key: String
        var heat: Double
        var count: Int
        var likes: Int
        var authors: Int
        var growth: Double
        var places: [String]
        var firstAt: Date
        var lastAt: Date
        var representative: Message
        var appealIds: [String]
    }

    struct Report: Encodable, Sendable {
        var from: Date
        var to: Date
        var division: String?
        var appealCount: Int
        var topics: [TopicView]
    }

    struct AlertView: Encodable, Sendable {
        var id: String
        var topicKey: String
        var day: String
        var divisionCode: String
        var title: String
        var recent: Int
        var baselinePerDay: Double
        var createdAt: Date
    }

    /// `YYYY-MM-DD` (start of that day in China) or an ISO 8601 instant.
    static func instant(_ raw: String, field: String, endOfDay: Bool) throws -> Date {
        if let day = CivilDate(iso: raw) {
            let start = TimeInterval(day.dayNumber * 86_400 - CivilDate.chinaStandardTimeOffset)
            return Date(timeIntervalSince1970: start + (endOfDay ? 86_400 : 0))
        }
        if let date = Request.instant(raw) { return date }
        throw Problem.badRequest("时间格式有误", "invalid date", issues: [
            FieldIssue(field: field, code: "format", zh: "\(field) 应为 YYYY-MM-DD 或 ISO 8601 时间", en: "\(field) must be YYYY-MM-DD or an ISO 8601 instant")])
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/api/v1/hot-topics", access: .roles([.supervisor, .dispatcher, .systemAdmin])) { request, context in
            guard let reach = AppealReach.divisionPrefix(context.principal!) else { throw Problem.forbidden }
            let to = try request.query("to").map { try Self.instant($0, field: "to", endOfDay: true) } ?? service.clock()
            let from = try request.query("from").map { try Self.instant($0, field: "from", endOfDay: false) } ?? to - Self.defaultSpan
            var issues: [FieldIssue] = []
            if from >= to { issues.append(FieldIssue(field: "from", code: "range", zh: "from 应早于 to", en: "from must be before to")) }
            if to.timeIntervalSince(from) > Self.maximumSpan {
                issues.append(FieldIssue(field: "from", code: "range", zh: "时间跨度不能超过 366 天", en: "the span may be at most 366 days"))
            }
            var prefix = reach
            let division = request.query("division")
            if let division {
                let wanted = Reach.subtreePrefix(of: division)
                if try await !service.reference.divisionExists(division) || !wanted.hasPrefix(reach) {
                    issues.append(FieldIssue(field: "division", code: "outOfReach", zh: "行政区划不存在或不在您的管辖范围内", en: "unknown division or outside your reach"))
                }
                prefix = wanted
            }
            if !issues.isEmpty { throw Problem.badRequest("查询参数有误", "invalid query parameters", issues: issues) }
            let toMillis = Int64(to.timeIntervalSince1970 * 1000)
            let appeals = try await service.store.recent(divisionPrefix: prefix, since: Int64(from.timeIntervalSince1970 * 1000))
                .filter { $0.createdAt <= toMillis }
            let topics = HotTopicMiner().topics(service.messages(appeals), asOf: to).prefix(Self.topicLimit).map { t in
                TopicView(key: t.key, heat: t.heat, count: t.count, likes: t.likes, authors: t.authors, growth: t.growth,
                          places: t.places, firstAt: t.firstAt, lastAt: t.lastAt,
                          representative: .init(id: t.representative.id, title: t.representative.title, text: t.representative.text),
                          appealIds: t.memberIDs)
            }
            return try JSONOut.response(Report(from: from, to: to, division: division, appealCount: appeals.count, topics: Array(topics)))
        }
        routes.get("/api/v1/hot-topics/alerts", access: .roles([.supervisor, .systemAdmin])) { request, context in
            guard let reach = AppealReach.divisionPrefix(context.principal!) else { throw Problem.forbidden }
            let paging = try Paging(request)
            let (items, total) = try await service.store.alerts(divisionPrefix: reach, paging: paging)
            let views = items.map {
                AlertView(id: $0.id, topicKey: $0.topicKey, day: $0.day, divisionCode: $0.divisionCode, title: $0.title,
                          recent: $0.recent, baselinePerDay: $0.baselinePerDay, createdAt: AppealView.date($0.createdAt))
            }
            return try JSONOut.response(Page(items: views, total: total, page: paging.page, pageSize: paging.pageSize))
        }
    }
}
