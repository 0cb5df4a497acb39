import Foundation
import SQLKit
import TongbanCore

/// An appeal row as stored. The caller's phone number only in encrypted form plus its blind
/// index (for "the same caller repeating").
public struct AppealRecord: Codable, Sendable, Equatable {
    public var id: String
    public var channel: String
    public var accountId: String?
    public var organizationId: String?
    public var callerName: String?
    public var callerPhoneEnc: String?
    public var callerPhoneIdx: String?
    public var anonymous: Int
    public var enteredBy: String?
    public var type: String
    public var title: String
    public var content: String
    public var divisionCode: String
    public var address: String
    public var latitude: Double?
    public var longitude: Double?
    public var category: String?
    public var confidence: Double?
    /// JSON array of the classifier's top suggestions.
    public var suggestions: String
    public var routingNote: String?
    public var priorityScore: Int
    public var priorityLevel: String
    /// JSON array of the priority reasons.
    public var priorityReasons: String
    public var status: String
    public var departmentCode: String?
    public var returnCount: Int
    public var reopenCount: Int
    public var leadFixed: Int
    public var duplicateOf: String?
    public var duplicateReason: String?
    public var repeatCount: Int
    public var acceptDueOn: String?
    public var acceptOverdueFrom: String?
    public var replyLimit: Int
    public var replyStartedOn: String
    public var replyDueOn: String
    public var replyWarnFrom: String
    public var replyOverdueFrom: String
    public var replyText: String?
    public var replyFlags: String?
    public var repliedAt: Int64?
    public var repliedBy: String?
    public var rating: String?
    public var ratingNote: String?
    public var open311Token: String?
    public var open311KeyId: String?
    public var createdAt: Int64
    public var updatedAt: Int64
    public var version: Int

    var flow: AppealFlow {
        AppealFlow(status: AppealStatus(rawValue: status) ?? .received, department: departmentCode, returnCount: returnCount,
                   reopenCount: reopenCount, leadFixed: leadFixed != 0, hasReply: replyText != nil)
    }

    mutating func apply(_ flow: AppealFlow) {
        status = flow.status.rawValue
        departmentCode = flow.department
        returnCount = flow.returnCount
        reopenCount = flow.reopenCount
        leadFixed = flow.leadFixed ? 1 : 0
    }

    var appealType: AppealType { AppealType(rawValue: type) ?? .complaint }
    var appealStatus: AppealStatus { AppealStatus(rawValue: status) ?? .received }
    var filedAt: Date { Date(timeIntervalSince1970: TimeInterval(createdAt) / 1000) }
}

public struct AppealEventRecord: Codable, Sendable {
    public var id: String
    public var appealId: String
    public var occurredAt: Int64
    public var appealVersion: Int
    public var seq: Int
    public var actorId: String?
    public var action: String
    public var fromStatus: String?
    public var toStatus: String
    public var departmentCode: String?
    public var note: String?
}

public struct AppealAttachmentRecord: Codable, Sendable {
    public var id: String
    public var appealId: String
    public var name: String
    public var contentType: String
    public var size: Int
    public var data: Data
    public var createdAt: Int64
}

/// An attachment as lists show it: without its bytes.
public struct AppealAttachmentSummary: Decodable, Sendable {
    public var id: String
    public var name: String
    public var contentType: String
    public var size: Int
}

public struct AppealAlertRecord: Codable, Sendable {
    public var id: String
    public var topicKey: String
    public var day: String
    public var divisionCode: String
    public var title: String
    public var recent: Int
    public var baselinePerDay: Double
    public var createdAt: Int64
    public var acknowledgedAt: Int64?
    public var acknowledgedBy: String?
}

public struct Open311KeyRecord: Codable, Sendable {
    public var id: String
    public var name: String
    public var keyHash: String
    public var createdBy: String?
    public var createdAt: Int64
    public var revokedAt: Int64?
}

/// Which appeals a list shows; every field narrows.
public struct AppealFilter: Sendable {
    public var accountID: String?
    public var departments: [String]?
    /// Prefix of the division codes in reach (dispatchers, supervisors); "" for everywhere.
    public var divisionPrefix: String?
    public var statuses: [AppealStatus]?
    public var excludeDuplicates = false
    public var category: String?
    public var type: String?
    /// Only appeals whose reply (or acceptance) clock is past its warning or overdue day.
    public var deadline: DeadlineState?
    public var today: CivilDate?
    public var createdFrom: Int64?
    public var createdTo: Int64?
    public var ids: [String]?
    public var minimumPriority: Int?

    public enum DeadlineState: String, Sendable { case warning, overdue }

    public init() {}
}

public protocol AppealStore: Sendable {
    func insert(_ appeal: AppealRecord, on db: any SQLDatabase) async throws
    func appeal(id: String) async throws -> AppealRecord?
    func appeal(open311Token: String) async throws -> AppealRecord?
    func list(_ filter: AppealFilter, paging: Paging) async throws -> (items: [AppealRecord], total: Int)
    /// Saves `appeal` if nobody changed it since `expectedVersion`; false when someone did.
    func update(_ appeal: AppealRecord, expectedVersion: Int, on db: any SQLDatabase) async throws -> Bool
    /// Recent appeals near `since`, for duplicate and hot-topic checks.
    func recent(divisionPrefix: String, since: Int64) async throws -> [AppealRecord]
    func recent(callerAccount: String?, callerPhoneIndex: String?, since: Int64) async throws -> [AppealRecord]
    /// Answers every open repeat linked to `firstID` with the first appeal's reply.
    func answerRepeats(of firstID: String, replyText: String, at: Int64, by: String?, on db: any SQLDatabase) async throws -> [String]
    func incrementRepeats(of id: String, priority: AppealPriority, on db: any SQLDatabase) async throws

    func insert(_ event: AppealEventRecord, on db: any SQLDatabase) async throws
    func events(appealID: String) async throws -> [AppealEventRecord]
    func insert(_ attachment: AppealAttachmentRecord, on db: any SQLDatabase) async throws
    func attachments(appealID: String) async throws -> [AppealAttachmentSummary]
    func attachment(appealID: String, id: String) async throws -> AppealAttachmentRecord?

    func routes() async throws -> [AppealRoute]
    func upsert(_ route: AppealRoute, now: Int64, on db: any SQLDatabase) async throws
    func delete(route category: AppealCategory, division: String, on db: any SQLDatabase) async throws -> Bool

    func setting(_ name: String) async throws -> String?
    func set(setting name: String, value: String, now: Int64, on db: any SQLDatabase) async throws

    /// Inserts the alert unless the topic already alerted that day; true when inserted.
    func insertIfNew(_ alert: AppealAlertRecord, on db: any SQLDatabase) async throws -> Bool
    /// Where the spike watermark stands: appeals created up to it have been checked.
    func spikeWatermark() async throws -> Int64
    /// Moves the watermark from `old` to `until`; false when another process moved it first.
    func moveSpikeWatermark(from old: Int64, to until: Int64, on db: any SQLDatabase) async throws -> Bool
    /// Appeals created in the window `(after, until]`.
    func created(after: Int64, until: Int64) async throws -> [AppealRecord]
    func alerts(divisionPrefix: String, paging: Paging) async throws -> (items: [AppealAlertRecord], total: Int)

    func insert(_ key: Open311KeyRecord, on db: any SQLDatabase) async throws
    func open311Key(hash: String) async throws -> Open311KeyRecord?
    func open311Keys() async throws -> [Open311KeyRecord]
    func revokeOpen311Key(id: String, at: Int64, on db: any SQLDatabase) async throws -> Bool
}

struct SQLAppealStore: AppealStore {
    let database: AppDatabase
    private var sql: any SQLDatabase { database.sql }

    func insert(_ appeal: AppealRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "appeals").model(appeal, keyEncodingStrategy: .snakeCase).run()
    }

    func appeal(id: String) async throws -> AppealRecord? {
        try await sql.select().column("*").from("appeals").where("id", .equal, id)
            .first(decoding: AppealRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func appeal(open311Token: String) async throws -> AppealRecord? {
        try await sql.select().column("*").from("appeals").where("open311_token", .equal, open311Token)
            .first(decoding: AppealRecord.self, keyDecodingStrategy: .snakeCase)
    }

    private func apply<Q: SQLPredicateBuilder>(_ filter: AppealFilter, to q: Q) -> Q {
        if let account = filter.accountID { q.where("account_id", .equal, account) }
        if let departments = filter.departments { q.where("department_code", .in, departments.isEmpty ? [""] : departments) }
        if let prefix = filter.divisionPrefix, !prefix.isEmpty { q.where("division_code", .like, prefix + "%") }
        if let statuses = filter.statuses { q.where("status", .in, statuses.map(\.rawValue)) }
        if filter.excludeDuplicates { q.where("duplicate_of", .is, SQLLiteral.null) }
        if let category = filter.category { q.where("category", .equal, category) }
        if let type = filter.type { q.where("type", .equal, type) }
        if let from = filter.createdFrom { q.where("created_at", .greaterThanOrEqual, from) }
        if let to = filter.createdTo { q.where("created_at", .lessThan, to) }
        if let ids = filter.ids { q.where("id", .in, ids.isEmpty ? [""] : ids) }
        if let minimum = filter.minimumPriority { q.where("priority_score", .greaterThanOrEqual, minimum) }
        if let state = filter.deadline, let today = filter.today?.description {
            let column = state == .overdue ? "reply_overdue_from" : "reply_warn_from"
            let acceptColumn = "accept_overdue_from"
            let open = AppealStatus.allCases.filter { !AppealStatus.finished.contains($0) }.map(\.rawValue)
            q.where("status", .in, open)
            q.where { group in
                group.where(SQLIdentifier(column), .lessThanOrEqual, SQLBind(today))
                if state == .overdue {
                    group.orWhere { inner in
                        inner.where("status", .in, AppealStatus.awaitingAcceptance.map(\.rawValue))
                            .where(SQLIdentifier(acceptColumn), .lessThanOrEqual, SQLBind(today))
                    }
                }
                return group
            }
        }
        return q
    }

    func list(_ filter: AppealFilter, paging: Paging) async throws -> (items: [AppealRecord], total: Int) {
        struct Count: Decodable { var n: Int }
        let total = try await apply(filter, to: sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("appeals"))
            .first(decoding: Count.self)?.n ?? 0
        let items = try await apply(filter, to: sql.select().column("*").from("appeals"))
            .orderBy("priority_score", .descending).orderBy("created_at", .descending).orderBy("id")
            .limit(paging.pageSize).offset(paging.offset)
            .all(decoding: AppealRecord.self, keyDecodingStrategy: .snakeCase)
        return (items, total)
    }

    func update(_ appeal: AppealRecord, expectedVersion: Int, on db: any SQLDatabase) async throws -> Bool {
        let rows = try await db.update("appeals")
            .set(model: appeal, keyEncodingStrategy: .snakeCase, nilEncodingStrategy: .asNil)
            .where("id", .equal, appeal.id).where("version", .equal, expectedVersion)
            .returning("id").all()
        return !rows.isEmpty
    }

    func recent(divisionPrefix: String, since: Int64) async throws -> [AppealRecord] {
        let q = sql.select().column("*").from("appeals").where("created_at", .greaterThanOrEqual, since)
        if !divisionPrefix.isEmpty { q.where("division_code", .like, divisionPrefix + "%") }
        return try await q.orderBy("created_at").all(decoding: AppealRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func recent(callerAccount: String?, callerPhoneIndex: String?, since: Int64) async throws -> [AppealRecord] {
        guard callerAccount != nil || callerPhoneIndex != nil else { return [] }
        return try await sql.select().column("*").from("appeals").where("created_at", .greaterThanOrEqual, since)
            .where { group in
                if let callerAccount { group.orWhere("account_id", .equal, callerAccount) }
                if let callerPhoneIndex { group.orWhere("caller_phone_idx", .equal, callerPhoneIndex) }
                return group
            }
            .orderBy("created_at").all(decoding: AppealRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func answerRepeats(of firstID: String, replyText: String, at: Int64, by: String?, on db: any SQLDatabase) async throws -> [String] {
        try await db.update("appeals")
            .set("status", to: AppealStatus.replied.rawValue).set("reply_text", to: replyText)
            .set("replied_at", to: at).set("replied_by", to: by).set("updated_at", to: at)
            .set(SQLIdentifier("version"), to: SQLRaw("version + 1"))
            .where("duplicate_of", .equal, firstID).where("status", .equal, AppealStatus.received.rawValue)
            .returning("id").all().map { try $0.decode(column: "id", as: String.self) }
    }

    func incrementRepeats(of id: String, priority: AppealPriority, on db: any SQLDatabase) async throws {
        try await db.update("appeals")
            .set(SQLIdentifier("repeat_count"), to: SQLRaw("repeat_count + 1"))
            .set("priority_score", to: priority.score).set("priority_level", to: priority.level.rawValue)
            .set("priority_reasons", to: AppealJSON.string(priority.reasons.map(PriorityReasonView.init)))
            .set(SQLIdentifier("version"), to: SQLRaw("version + 1"))
            .where("id", .equal, id).run()
    }

    func insert(_ event: AppealEventRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "appeal_events").model(event, keyEncodingStrategy: .snakeCase).run()
    }

    func events(appealID: String) async throws -> [AppealEventRecord] {
        try await sql.select().column("*").from("appeal_events").where("appeal_id", .equal, appealID)
            .orderBy("appeal_version").orderBy("seq")
            .all(decoding: AppealEventRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func insert(_ attachment: AppealAttachmentRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "appeal_attachments").model(attachment, keyEncodingStrategy: .snakeCase).run()
    }

    func attachments(appealID: String) async throws -> [AppealAttachmentSummary] {
        try await sql.select().columns("id", "name", "content_type", "size").from("appeal_attachments")
            .where("appeal_id", .equal, appealID).orderBy("created_at")
            .all(decoding: AppealAttachmentSummary.self, keyDecodingStrategy: .snakeCase)
    }

    func attachment(appealID: String, id: String) async throws -> AppealAttachmentRecord? {
        try await sql.select().column("*").from("appeal_attachments")
            .where("appeal_id", .equal, appealID).where("id", .equal, id)
            .first(decoding: AppealAttachmentRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func routes() async throws -> [AppealRoute] {
        struct Row: Decodable { var category: String; var divisionCode: String; var departmentCode: String }
        return try await sql.select().columns("category", "division_code", "department_code").from("appeal_routes")
            .orderBy("division_code").orderBy("category")
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCase)
            .compactMap { row in
                AppealCategory(rawValue: row.category).map { AppealRoute(category: $0, divisionCode: row.divisionCode, departmentCode: row.departmentCode) }
            }
    }

    func upsert(_ route: AppealRoute, now: Int64, on db: any SQLDatabase) async throws {
        try await db.insert(into: "appeal_routes")
            .columns("category", "division_code", "department_code", "updated_at")
            .values(SQLBind(route.category.rawValue), SQLBind(route.divisionCode), SQLBind(route.departmentCode), SQLBind(now))
            .onConflict(with: ["category", "division_code"]) { $0.set(excludedValueOf: "department_code").set(excludedValueOf: "updated_at") }
            .run()
    }

    func delete(route category: AppealCategory, division: String, on db: any SQLDatabase) async throws -> Bool {
        try await !db.delete(from: "appeal_routes").where("category", .equal, category.rawValue).where("division_code", .equal, division)
            .returning("category").all().isEmpty
    }

    func setting(_ name: String) async throws -> String? {
        try await sql.select().column("value").from("appeal_settings").where("name", .equal, name).first()?
            .decode(column: "value", as: String.self)
    }

    func set(setting name: String, value: String, now: Int64, on db: any SQLDatabase) async throws {
        try await db.insert(into: "appeal_settings").columns("name", "value", "updated_at")
            .values(SQLBind(name), SQLBind(value), SQLBind(now))
            .onConflict(with: ["name"]) { $0.set(excludedValueOf: "value").set(excludedValueOf: "updated_at") }
            .run()
    }

    func spikeWatermark() async throws -> Int64 {
        struct Mark: Decodable { var checkedUntil: Int64 }
        return try await sql.select().column("checked_until").from("appeal_spike_watch").where("id", .equal, 1)
            .first(decoding: Mark.self, keyDecodingStrategy: .snakeCase)?.checkedUntil ?? 0
    }

    func moveSpikeWatermark(from old: Int64, to until: Int64, on db: any SQLDatabase) async throws -> Bool {
        try await db.raw("""
            UPDATE appeal_spike_watch SET checked_until = \(bind: until)
            WHERE id = 1 AND checked_until = \(bind: old) RETURNING checked_until
            """).first() != nil
    }

    func created(after: Int64, until: Int64) async throws -> [AppealRecord] {
        try await sql.select().column("*").from("appeals")
            .where("created_at", .greaterThan, after).where("created_at", .lessThanOrEqual, until)
            .orderBy("created_at").all(decoding: AppealRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func insertIfNew(_ alert: AppealAlertRecord, on db: any SQLDatabase) async throws -> Bool {
        try await !db.insert(into: "appeal_alerts").model(alert, keyEncodingStrategy: .snakeCase)
            .ignoringConflicts(with: ["topic_key", "day"]).returning("id").all().isEmpty
    }

    func alerts(divisionPrefix: String, paging: Paging) async throws -> (items: [AppealAlertRecord], total: Int) {
        struct Count: Decodable { var n: Int }
        func scoped<Q: SQLPredicateBuilder>(_ q: Q) -> Q {
            if !divisionPrefix.isEmpty { q.where("division_code", .like, divisionPrefix + "%") }
            return q
        }
        let total = try await scoped(sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("appeal_alerts"))
            .first(decoding: Count.self)?.n ?? 0
        let items = try await scoped(sql.select().column("*").from("appeal_alerts"))
            .orderBy("created_at", .descending).orderBy("id").limit(paging.pageSize).offset(paging.offset)
            .all(decoding: AppealAlertRecord.self, keyDecodingStrategy: .snakeCase)
        return (items, total)
    }

    func insert(_ key: Open311KeyRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "open311_api_keys").model(key, keyEncodingStrategy: .snakeCase).run()
    }

    func open311Key(hash: String) async throws -> Open311KeyRecord? {
        try await sql.select().column("*").from("open311_api_keys").where("key_hash", .equal, hash)
            .first(decoding: Open311KeyRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func open311Keys() async throws -> [Open311KeyRecord] {
        try await sql.select().column("*").from("open311_api_keys").orderBy("created_at")
            .all(decoding: Open311KeyRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func revokeOpen311Key(id: String, at: Int64, on db: any SQLDatabase) async throws -> Bool {
        try await !db.update("open311_api_keys").set("revoked_at", to: at).where("id", .equal, id)
            .where("revoked_at", .is, SQLLiteral.null).returning("id").all().isEmpty
    }
}

/// JSON columns (suggestions, priority reasons, reply flags) written and read one way.
enum AppealJSON {
    static func string<T: Encodable>(_ value: T) -> String {
        (try? String(decoding: JSONOut.encoder.encode(value), as: UTF8.self)) ?? "[]"
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

struct PriorityReasonView: Codable, Sendable, Equatable {
    var code: String
    var points: Int
    var message: String
    var messageEn: String

    init(_ reason: AppealPriority.Reason) {
        code = reason.code
        points = reason.points
        message = reason.messageZh
        messageEn = reason.messageEn
    }
}
