import Foundation
import TongbanCore

/// The JSON shape of one appeal. Routing, priority and the caller's number are for staff;
/// the citizen sees their appeal, where it is and the answer.
struct AppealView: Encodable, Sendable {
    struct Deadlines: Encodable, Sendable {
        var acceptDueOn: String?
        var replyLimitWorkingDays: Int
        var replyDueOn: String
        var replyWarnFrom: String
        var replyOverdueFrom: String
        var state: String
    }
    struct Priority: Encodable, Sendable {
        var score: Int
        var level: String
        var reasons: [PriorityReasonView]
    }
    struct Routing: Encodable, Sendable {
        var category: String?
        var confidence: Double?
        var suggestions: [AppealRoutingDecision.Suggestion]
        var manualReason: String?
    }
    struct Caller: Encodable, Sendable {
        var name: String?
        var phone: String?
        var anonymous: Bool
    }
    struct Reply: Encodable, Sendable {
        var text: String
        var repliedAt: Date?
        var flags: [String]?
    }
    struct Event: Encodable, Sendable {
        var at: Date
        var action: String
        var fromStatus: String?
        var toStatus: String
        var departmentCode: String?
        var note: String?
    }
    struct Attachment: Encodable, Sendable {
        var id: String
        var name: String
        var contentType: String
        var size: Int
    }

    var id: String
    var channel: String
    var type: String
    var title: String
    var text: String
    var divisionCode: String
    var address: String
    var latitude: Double?
    var longitude: Double?
    var status: String
    var statusZh: String
    var departmentCode: String?
    var returnCount: Int
    var reopenCount: Int
    var leadFixed: Bool
    var duplicateOf: String?
    var notice: String?
    var repeatCount: Int
    var deadlines: Deadlines
    var reply: Reply?
    var rating: String?
    var ratingNote: String?
    var organizationId: String?
    var priority: Priority?
    var routing: Routing?
    var caller: Caller?
    var events: [Event]?
    var attachments: [Attachment]?
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(millis) / 1000) }

    static func duplicateNotice(_ record: AppealRecord) -> String? {
        record.duplicateOf.map { "您的诉求与此前的诉求 \($0) 内容相同，已合并至首件一并办理，答复将同步告知您。" }
    }

    init(_ r: AppealRecord, level: WarningLevel, staff: Bool, callerPhone: String?,
         events: [AppealEventRecord]? = nil, attachments: [AppealAttachmentSummary]? = nil) {
        id = r.id; channel = r.channel; type = r.type; title = r.title; text = r.content
        divisionCode = r.divisionCode; address = r.address; latitude = r.latitude; longitude = r.longitude
        status = r.status; statusZh = r.appealStatus.zh; departmentCode = r.departmentCode
        returnCount = r.returnCount; reopenCount = r.reopenCount; leadFixed = r.leadFixed != 0
        duplicateOf = r.duplicateOf; notice = Self.duplicateNotice(r); repeatCount = r.repeatCount
        deadlines = Deadlines(acceptDueOn: r.acceptDueOn, replyLimitWorkingDays: r.replyLimit, replyDueOn: r.replyDueOn,
                              replyWarnFrom: r.replyWarnFrom, replyOverdueFrom: r.replyOverdueFrom,
                              state: level == .overdue ? "overdue" : level == .warning ? "warning" : "normal")
        reply = r.replyText.map { Reply(text: $0, repliedAt: r.repliedAt.map(Self.date), flags: staff ? AppealJSON.decode([String].self, r.replyFlags) : nil) }
        rating = r.rating; ratingNote = r.ratingNote; organizationId = r.organizationId
        if staff {
            priority = Priority(score: r.priorityScore, level: r.priorityLevel, reasons: AppealJSON.decode([PriorityReasonView].self, r.priorityReasons) ?? [])
            routing = Routing(category: r.category, confidence: r.confidence,
                              suggestions: AppealJSON.decode([AppealRoutingDecision.Suggestion].self, r.suggestions) ?? [], manualReason: r.routingNote)
            caller = Caller(name: r.callerName, phone: callerPhone, anonymous: r.anonymous != 0)
        }
        self.events = events?.map { Event(at: Self.date($0.occurredAt), action: $0.action, fromStatus: $0.fromStatus, toStatus: $0.toStatus,
                                           departmentCode: $0.departmentCode, note: $0.note) }
        self.attachments = attachments?.map { Attachment(id: $0.id, name: $0.name, contentType: $0.contentType, size: $0.size) }
        createdAt = Self.date(r.createdAt); updatedAt = Self.date(r.updatedAt); version = r.version
    }
}

