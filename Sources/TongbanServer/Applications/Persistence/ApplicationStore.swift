import Foundation
import SQLKit
import TongbanCore

/// An application row. `caseJson` is the whole `WorkflowCase`; `version` mirrors its version
/// and guards every update.
public struct ApplicationRecord: Codable, Sendable {
    public var id: String
    public var itemCode: String
    public var itemVersion: Int
    public var itemName: String
    public var divisionCode: String
    public var itemDepartment: String
    public var handlingDepartment: String
    public var definitionId: String
    public var definitionVersion: Int
    public var formVersion: Int
    public var applicantId: String
    public var organizationId: String?
    public var status: String
    public var currentStep: String?
    public var formJson: String
    public var caseJson: String
    public var version: Int
    public var receiptNumber: String?
    public var warningLevel: Int
    public var dueDate: String?
    public var escalated: Int
    public var outcome: String?
    public var createdAt: Int64
    public var updatedAt: Int64
    public var submittedAt: Int64?
    public var concludedAt: Int64?
}

public struct MaterialRecord: Codable, Sendable {
    public var id: String
    public var applicationId: String
    public var materialName: String
    /// `applicant` (uploaded) or `government` (免提交, see `suppliedBy`).
    public var source: String
    public var suppliedBy: String?
    public var fileName: String?
    public var contentType: String?
    public var sizeBytes: Int64?
    public var sha256: String?
    public var storedName: String?
    public var createdBy: String?
    public var createdAt: Int64
}

public struct TimelineRecord: Codable, Sendable {
    public var id: String
    public var applicationId: String
    public var position: Int
    public var occurredAt: Int64
    public var caseVersion: Int
    public var event: String
    public var summary: String
    public var comment: String?
    public var actorId: String?
    public var actorName: String?
    public var actorRole: String?
    public var departmentCode: String?
}

public struct NoticeRecord: Codable, Sendable {
    public var id: String
    public var accountId: String
    public var applicationId: String?
    public var title: String
    public var body: String
    public var createdAt: Int64
    public var readAt: Int64?
}

/// One queue row: the task and the application it belongs to.
public struct QueueRow: Decodable, Sendable {
    public var applicationId: String
    public var departmentCode: String
    public var role: String
    public var kind: String
    public var step: String?
    public var claimedBy: String?
    public var itemCode: String
    public var itemName: String
    public var status: String
    public var receiptNumber: String?
    public var warningLevel: Int
    public var dueDate: String?
    public var escalated: Int
    public var submittedAt: Int64?
}

public struct QueueFilter: Sendable {
    public var departmentCode: String
    public var roles: [String]
    public var itemCode: String?
    public var status: String?
    public var warningLevel: Int?
    /// `mine`, `unclaimed` or nil for both.
    public var claim: String?
    public var caller: String
}

public struct QueueCounts: Encodable, Sendable {
    public var total = 0
    public var unclaimed = 0
    public var mine = 0
    public var warning = 0
    public var overdue = 0
    public var escalated = 0
}

public protocol ApplicationStore: Sendable {
    func insert(_ application: ApplicationRecord, on db: any SQLDatabase) async throws
    func application(id: String, on db: any SQLDatabase) async throws -> ApplicationRecord?
    /// Writes `updated` only if the row still has `expectedVersion`; false when another writer won.
    func update(_ updated: ApplicationRecord, expectedVersion: Int, on db: any SQLDatabase) async throws -> Bool
    func applications(applicant: String, paging: Paging, on db: any SQLDatabase) async throws -> (items: [ApplicationRecord], total: Int)

    func insert(_ material: MaterialRecord, on db: any SQLDatabase) async throws
    func materials(application: String, on db: any SQLDatabase) async throws -> [MaterialRecord]

    func append(_ entries: [TimelineRecord], on db: any SQLDatabase) async throws
    func timeline(application: String, on db: any SQLDatabase) async throws -> [TimelineRecord]
    func nextTimelinePosition(application: String, on db: any SQLDatabase) async throws -> Int

    /// Makes the application's open tasks exactly `tasks`, keeping the claims of tasks that stay.
    func replaceTasks(application: String, with tasks: [CaseTask], now: Int64, on db: any SQLDatabase) async throws
    func tasks(application: String, on db: any SQLDatabase) async throws -> [QueueRow]
    func queue(_ filter: QueueFilter, paging: Paging, on db: any SQLDatabase) async throws -> (items: [QueueRow], total: Int, counts: QueueCounts)
    /// Sets the claim when `expectedHolder` still holds it (nil: unclaimed); false otherwise.
    func setClaim(application: String, department: String, kind: String, to holder: String?, expectedHolder: String?,
                  anyHolder: Bool, now: Int64, on db: any SQLDatabase) async throws -> Bool

    /// The next receipt sequence of a division and day, unique across concurrent transactions.
    func nextReceiptSequence(division: String, day: String, on db: any SQLDatabase) async throws -> Int

    func insert(_ notice: NoticeRecord, on db: any SQLDatabase) async throws
    func notices(account: String, paging: Paging, on db: any SQLDatabase) async throws -> (items: [NoticeRecord], total: Int)

    /// Claims up to `limit` open cases not yet checked on `day`, for `worker` until `until`.
    func claimForSweep(day: String, worker: String, now: Int64, until: Int64, limit: Int, on db: any SQLDatabase) async throws -> [String]
    func finishSweep(application: String, worker: String, day: String, on db: any SQLDatabase) async throws
}

struct SQLApplicationStore: ApplicationStore {
    static let openStatuses = [ApplicationStatus.submitted, .supplementRequested, .inProgress, .approved, .rejected].map(\.rawValue)

    private struct Count: Decodable { var n: Int }

    func insert(_ application: ApplicationRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "applications").model(application, keyEncodingStrategy: .snakeCase, nilEncodingStrategy: .asNil).run()
    }

    func application(id: String, on db: any SQLDatabase) async throws -> ApplicationRecord? {
        try await db.select().columns(Self.applicationColumns).from("applications").where("id", .equal, id)
            .first(decoding: ApplicationRecord.self, keyDecodingStrategy: .snakeCase)
    }

    private static let applicationColumns: [any SQLExpression] = [
        "id", "item_code", "item_version", "item_name", "division_code", "item_department", "handling_department",
        "definition_id", "definition_version", "form_version", "applicant_id", "organization_id", "status", "current_step",
        "form_json", "case_json", "version", "receipt_number", "warning_level", "due_date", "escalated", "outcome",
        "created_at", "updated_at", "submitted_at", "concluded_at",
    ].map { SQLIdentifier($0) }

    func update(_ a: ApplicationRecord, expectedVersion: Int, on db: any SQLDatabase) async throws -> Bool {
        let rows = try await db.update("applications")
            .set("status", to: a.status)
            .set("current_step", to: SQLBind(a.currentStep))
            .set("form_json", to: a.formJson)
            .set("case_json", to: a.caseJson)
            .set("version", to: a.version)
            .set("receipt_number", to: SQLBind(a.receiptNumber))
            .set("warning_level", to: a.warningLevel)
            .set("due_date", to: SQLBind(a.dueDate))
            .set("escalated", to: a.escalated)
            .set("outcome", to: SQLBind(a.outcome))
            .set("updated_at", to: a.updatedAt)
            .set("submitted_at", to: SQLBind(a.submittedAt))
            .set("concluded_at", to: SQLBind(a.concludedAt))
            .where("id", .equal, a.id).where("version", .equal, expectedVersion)
            .returning("id").all()
        return !rows.isEmpty
    }

    func applications(applicant: String, paging: Paging, on db: any SQLDatabase) async throws -> (items: [ApplicationRecord], total: Int) {
        let total = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("applications")
            .where("applicant_id", .equal, applicant).first(decoding: Count.self)?.n ?? 0
        let items = try await db.select().columns(Self.applicationColumns).from("applications")
            .where("applicant_id", .equal, applicant)
            .orderBy("created_at", .descending).orderBy("id").limit(paging.pageSize).offset(paging.offset)
            .all(decoding: ApplicationRecord.self, keyDecodingStrategy: .snakeCase)
        return (items, total)
    }

    func insert(_ material: MaterialRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "application_materials").model(material, keyEncodingStrategy: .snakeCase, nilEncodingStrategy: .asNil).run()
    }

    func materials(application: String, on db: any SQLDatabase) async throws -> [MaterialRecord] {
        try await db.select().column("*").from("application_materials").where("application_id", .equal, application)
            .orderBy("created_at").orderBy("id")
            .all(decoding: MaterialRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func append(_ entries: [TimelineRecord], on db: any SQLDatabase) async throws {
        guard !entries.isEmpty else { return }
        try await db.insert(into: "application_timeline").models(entries, keyEncodingStrategy: .snakeCase, nilEncodingStrategy: .asNil).run()
    }

    func timeline(application: String, on db: any SQLDatabase) async throws -> [TimelineRecord] {
        try await db.select().column("*").from("application_timeline").where("application_id", .equal, application)
            .orderBy("position").all(decoding: TimelineRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func nextTimelinePosition(application: String, on db: any SQLDatabase) async throws -> Int {
        struct Max: Decodable { var n: Int? }
        let row = try await db.select().column(SQLFunction("MAX", args: SQLIdentifier("position")), as: "n")
            .from("application_timeline").where("application_id", .equal, application).first(decoding: Max.self)
        return (row?.n ?? 0) + 1
    }

    func replaceTasks(application: String, with tasks: [CaseTask], now: Int64, on db: any SQLDatabase) async throws {
        struct Key: Decodable, Hashable { var departmentCode: String; var role: String; var kind: String }
        let existing = try await db.select().columns("department_code", "role", "kind").from("application_tasks")
            .where("application_id", .equal, application)
            .all(decoding: Key.self, keyDecodingStrategy: .snakeCase)
        let wanted = Set(tasks.map { Key(departmentCode: $0.departmentCode, role: $0.role.rawValue, kind: $0.kind.rawValue) })
        for stale in existing where !wanted.contains(stale) {
            try await db.delete(from: "application_tasks").where("application_id", .equal, application)
                .where("department_code", .equal, stale.departmentCode).where("role", .equal, stale.role)
                .where("kind", .equal, stale.kind).run()
        }
        let present = Set(existing)
        for task in tasks where !present.contains(Key(departmentCode: task.departmentCode, role: task.role.rawValue, kind: task.kind.rawValue)) {
            try await db.insert(into: "application_tasks")
                .columns("application_id", "department_code", "role", "kind", "step", "created_at")
                .values(SQLBind(application), SQLBind(task.departmentCode), SQLBind(task.role.rawValue), SQLBind(task.kind.rawValue),
                        SQLBind(task.step), SQLBind(now))
                .run()
        }
    }

    private static let queueColumns: [any SQLExpression] = [
        SQLColumn("application_id", table: "t"), SQLColumn("department_code", table: "t"), SQLColumn("role", table: "t"),
        SQLColumn("kind", table: "t"), SQLColumn("step", table: "t"), SQLColumn("claimed_by", table: "t"),
        SQLColumn("item_code", table: "a"), SQLColumn("item_name", table: "a"), SQLColumn("status", table: "a"),
        SQLColumn("receipt_number", table: "a"), SQLColumn("warning_level", table: "a"), SQLColumn("due_date", table: "a"),
        SQLColumn("escalated", table: "a"), SQLColumn("submitted_at", table: "a"),
    ]

    private func joined(_ db: any SQLDatabase) -> SQLSelectBuilder {
        db.select().from(SQLAlias(SQLIdentifier("application_tasks"), as: SQLIdentifier("t")))
            .join(SQLAlias(SQLIdentifier("applications"), as: SQLIdentifier("a")),
                  on: SQLColumn("application_id", table: "t"), .equal, SQLColumn("id", table: "a"))
    }

    func tasks(application: String, on db: any SQLDatabase) async throws -> [QueueRow] {
        try await joined(db).columns(Self.queueColumns).where(SQLColumn("application_id", table: "t"), .equal, SQLBind(application))
            .all(decoding: QueueRow.self, keyDecodingStrategy: .snakeCase)
    }

    func queue(_ filter: QueueFilter, paging: Paging, on db: any SQLDatabase) async throws -> (items: [QueueRow], total: Int, counts: QueueCounts) {
        func scoped(_ q: SQLSelectBuilder, claims: Bool = true) -> SQLSelectBuilder {
            q.where(SQLColumn("department_code", table: "t"), .equal, SQLBind(filter.departmentCode))
                .where(SQLColumn("role", table: "t"), .in, SQLBind.group(filter.roles))
            if let v = filter.itemCode { q.where(SQLColumn("item_code", table: "a"), .equal, SQLBind(v)) }
            if let v = filter.status { q.where(SQLColumn("status", table: "a"), .equal, SQLBind(v)) }
            if let v = filter.warningLevel { q.where(SQLColumn("warning_level", table: "a"), .equal, SQLBind(v)) }
            if claims {
                switch filter.claim {
                case "mine": q.where(SQLColumn("claimed_by", table: "t"), .equal, SQLBind(filter.caller))
                case "unclaimed": q.where(SQLColumn("claimed_by", table: "t"), .is, SQLLiteral.null)
                default: break
                }
            }
            return q
        }
        let items = try await scoped(joined(db).columns(Self.queueColumns))
            .orderBy(SQLColumn("escalated", table: "a"), SQLDirection.descending)
            .orderBy(SQLColumn("warning_level", table: "a"), SQLDirection.descending)
            .orderBy(SQLColumn("submitted_at", table: "a"))
            .orderBy(SQLColumn("application_id", table: "t"))
            .limit(paging.pageSize).offset(paging.offset)
            .all(decoding: QueueRow.self, keyDecodingStrategy: .snakeCase)
        struct Bucket: Decodable { var warningLevel: Int; var escalated: Int; var claimedBy: String?; var n: Int }
        let buckets = try await scoped(joined(db), claims: false)
            .column(SQLColumn("warning_level", table: "a")).column(SQLColumn("escalated", table: "a"))
            .column(SQLColumn("claimed_by", table: "t"))
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .groupBy(SQLColumn("warning_level", table: "a")).groupBy(SQLColumn("escalated", table: "a"))
            .groupBy(SQLColumn("claimed_by", table: "t"))
            .all(decoding: Bucket.self, keyDecodingStrategy: .snakeCase)
        var counts = QueueCounts()
        for b in buckets {
            counts.total += b.n
            if b.claimedBy == nil { counts.unclaimed += b.n }
            if b.claimedBy == filter.caller { counts.mine += b.n }
            if b.warningLevel == WarningLevel.warning.rawValue { counts.warning += b.n }
            if b.warningLevel == WarningLevel.overdue.rawValue { counts.overdue += b.n }
            if b.escalated != 0 { counts.escalated += b.n }
        }
        let total = try await scoped(joined(db).column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")).first(decoding: Count.self)?.n ?? 0
        return (items, total, counts)
    }

    func setClaim(application: String, department: String, kind: String, to holder: String?, expectedHolder: String?,
                  anyHolder: Bool, now: Int64, on db: any SQLDatabase) async throws -> Bool {
        let q = db.update("application_tasks")
            .set("claimed_by", to: SQLBind(holder))
            .set("claimed_at", to: holder == nil ? SQLBind(Int64?.none) : SQLBind(now))
            .where("application_id", .equal, application).where("department_code", .equal, department).where("kind", .equal, kind)
        if !anyHolder {
            if let expectedHolder { q.where("claimed_by", .equal, expectedHolder) } else { q.where("claimed_by", .is, SQLLiteral.null) }
        }
        return try await !q.returning("application_id").all().isEmpty
    }

    func nextReceiptSequence(division: String, day: String, on db: any SQLDatabase) async throws -> Int {
        // One upsert: the row lock it takes serialises concurrent submissions of one division-day.
        let row = try await db.raw("""
            INSERT INTO receipt_counters (division_code, day, last_value) VALUES (\(bind: division), \(bind: day), 1)
            ON CONFLICT (division_code, day) DO UPDATE SET last_value = receipt_counters.last_value + 1
            RETURNING last_value
            """).first()
        guard let value = try row?.decode(column: "last_value", as: Int.self) else {
            throw Problem(.internalServerError, code: "receipt-counter", zh: "受理编号生成失败", en: "receipt counter missing")
        }
        return value
    }

    func insert(_ notice: NoticeRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "notices").model(notice, keyEncodingStrategy: .snakeCase, nilEncodingStrategy: .asNil).run()
    }

    func notices(account: String, paging: Paging, on db: any SQLDatabase) async throws -> (items: [NoticeRecord], total: Int) {
        let total = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("notices")
            .where("account_id", .equal, account).first(decoding: Count.self)?.n ?? 0
        let items = try await db.select().column("*").from("notices").where("account_id", .equal, account)
            .orderBy("created_at", .descending).orderBy("id").limit(paging.pageSize).offset(paging.offset)
            .all(decoding: NoticeRecord.self, keyDecodingStrategy: .snakeCase)
        return (items, total)
    }

    func claimForSweep(day: String, worker: String, now: Int64, until: Int64, limit: Int, on db: any SQLDatabase) async throws -> [String] {
        let candidates = try await db.select().column("id").from("applications")
            .where("status", .in, Self.openStatuses)
            .where { $0.where("swept_on", .is, SQLLiteral.null).orWhere("swept_on", .notEqual, day) }
            .where { $0.where("sweep_claimed_until", .is, SQLLiteral.null).orWhere("sweep_claimed_until", .lessThan, now) }
            .orderBy("id").limit(limit)
            .all().map { try $0.decode(column: "id", as: String.self) }
        var claimed: [String] = []
        for id in candidates {
            // The same condition again: whichever process updates first owns the row.
            let won = try await db.update("applications")
                .set("sweep_claimed_by", to: worker).set("sweep_claimed_until", to: until)
                .where("id", .equal, id)
                .where { $0.where("sweep_claimed_until", .is, SQLLiteral.null).orWhere("sweep_claimed_until", .lessThan, now) }
                .returning("id").all()
            if !won.isEmpty { claimed.append(id) }
        }
        return claimed
    }

    func finishSweep(application: String, worker: String, day: String, on db: any SQLDatabase) async throws {
        try await db.update("applications")
            .set("swept_on", to: day).set("sweep_claimed_by", to: SQLLiteral.null).set("sweep_claimed_until", to: SQLLiteral.null)
            .where("id", .equal, application).where("sweep_claimed_by", .equal, worker).run()
    }
}
