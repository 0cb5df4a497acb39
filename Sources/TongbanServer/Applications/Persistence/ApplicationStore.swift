import Foundation
import SQLKit
import TongbanCore

/// An application row. `caseJson` is the whole `WorkflowCase`; `version` mirrors its version
/// and guards every update.
public struct ApplicationRecord: Sendable {
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
    /// The current step's due date; `dueDate` is the whole case's.
    public var stepDueDate: String? = nil
    public var escalated: Int
    public var outcome: String?
    public var createdAt: Int64
    public var updatedAt: Int64
    public var submittedAt: Int64?
    public var concludedAt: Int64?
    /// The position of the case's last timeline entry when the row was read (by the read, not
    /// a column). New entries take the positions after it: every append goes with a version
    /// update, so an update guarded by the version read finds it unchanged.
    public var lastTimelinePosition: Int
    /// Open tasks of the case someone has claimed when the row was read (by the read, not a
    /// column): an action looks at the claims only when there are some.
    public var claimedTasks: Int = 0
    /// The holiday calendar's stored revision when the row was read (by the read, not a column):
    /// a calendar edited through another process is picked up before a due date is counted.
    public var calendarRevision: Int64 = 0
    /// The catalog's revision when the row was read (by the read, not a column): the guide
    /// cache is checked against it, without a read of its own.
    public var catalogRevision: Int64 = 0
}

extension ApplicationRecord {
    /// Decoded by hand: it is read on every request about an application, and the generic
    /// row decoder cost more than the query. The form is stored sealed (`SQLApplicationStore`).
    init(row: any SQLRow, protector: FieldProtector) throws {
        id = try row.decode(column: "id")
        itemCode = try row.decode(column: "item_code")
        itemVersion = try row.decode(column: "item_version")
        itemName = try row.decode(column: "item_name")
        divisionCode = try row.decode(column: "division_code")
        itemDepartment = try row.decode(column: "item_department")
        handlingDepartment = try row.decode(column: "handling_department")
        definitionId = try row.decode(column: "definition_id")
        definitionVersion = try row.decode(column: "definition_version")
        formVersion = try row.decode(column: "form_version")
        applicantId = try row.decode(column: "applicant_id")
        organizationId = try row.decode(column: "organization_id")
        status = try row.decode(column: "status")
        currentStep = try row.decode(column: "current_step")
        formJson = try protector.decrypt(row.decode(column: "form_json"))
        caseJson = try row.decode(column: "case_json")
        version = try row.decode(column: "version")
        receiptNumber = try row.decode(column: "receipt_number")
        warningLevel = try row.decode(column: "warning_level")
        dueDate = try row.decode(column: "due_date")
        stepDueDate = try row.decode(column: "step_due_date")
        escalated = try row.decode(column: "escalated")
        outcome = try row.decode(column: "outcome")
        createdAt = try row.decode(column: "created_at")
        updatedAt = try row.decode(column: "updated_at")
        submittedAt = try row.decode(column: "submitted_at")
        concludedAt = try row.decode(column: "concluded_at")
        lastTimelinePosition = try row.decode(column: "last_timeline_position")
        claimedTasks = try row.decode(column: "claimed_tasks")
        calendarRevision = try row.decode(column: "calendar_revision")
        catalogRevision = try row.decode(column: "catalog_revision")
    }
}

public struct MaterialRecord: Sendable {
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

public struct TimelineRecord: Sendable {
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

/// A task with where it stands against its own limit (`WorkflowEngine.clock(of:in:)`).
public struct ScheduledTask: Sendable, Equatable {
    public var task: CaseTask
    public var dueDate: String?
    public var warningLevel: Int
}

/// One queue row: the task, with its own deadline, and the application it belongs to.
public struct QueueRow: Sendable {
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

// Read by hand, as `ApplicationRecord`: the generic row decoder cost more than the query on
// every answer that shows a case.
extension MaterialRecord {
    init(row: any SQLRow) throws {
        id = try row.decode(column: "id")
        applicationId = try row.decode(column: "application_id")
        materialName = try row.decode(column: "material_name")
        source = try row.decode(column: "source")
        suppliedBy = try row.decode(column: "supplied_by")
        fileName = try row.decode(column: "file_name")
        contentType = try row.decode(column: "content_type")
        sizeBytes = try row.decode(column: "size_bytes")
        sha256 = try row.decode(column: "sha256")
        storedName = try row.decode(column: "stored_name")
        createdBy = try row.decode(column: "created_by")
        createdAt = try row.decode(column: "created_at")
    }
}

extension QueueRow {
    init(row: any SQLRow) throws {
        applicationId = try row.decode(column: "application_id")
        departmentCode = try row.decode(column: "department_code")
        role = try row.decode(column: "role")
        kind = try row.decode(column: "kind")
        step = try row.decode(column: "step")
        claimedBy = try row.decode(column: "claimed_by")
        itemCode = try row.decode(column: "item_code")
        itemName = try row.decode(column: "item_name")
        status = try row.decode(column: "status")
        receiptNumber = try row.decode(column: "receipt_number")
        warningLevel = try row.decode(column: "warning_level")
        dueDate = try row.decode(column: "due_date")
        escalated = try row.decode(column: "escalated")
        submittedAt = try row.decode(column: "submitted_at")
    }
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

/// What a supervisor (监察员) asks of the cases running late in the divisions they oversee.
public struct LateCaseFilter: Sendable {
    /// Division codes starting with this; empty for every division.
    public var divisionPrefix: String
    /// `warning` or `overdue` only; nil for both.
    public var warningLevel: Int?
    /// Only escalated cases (true), only the others (false), or both (nil).
    public var escalated: Bool?
    public var itemCode: String?
    public var handlingDepartment: String?
}

public struct LateCaseCounts: Encodable, Sendable {
    public var warning = 0
    public var overdue = 0
    public var escalated = 0
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
    /// Writes `updated` only if the row still has `expectedVersion`; when another writer won,
    /// throws `StaleWrite` (on PostgreSQL possibly only when the transaction ends) and the
    /// transaction stores nothing.
    func update(_ updated: ApplicationRecord, expectedVersion: Int, on db: any SQLDatabase) async throws
    func applications(applicant: String, paging: Paging, on db: any SQLDatabase) async throws -> (items: [ApplicationRecord], total: Int)

    /// A change of the case's materials is a change of the case: its version becomes `updated`'s
    /// only if the row still has `expectedVersion` and is editable (a draft, or a supplement
    /// being prepared); otherwise throws `StaleWrite`, as `update` does. So a submission that
    /// read the case before the change fails its own guarded update, and a change after the
    /// submission fails this one.
    func updateMaterialsVersion(of updated: ApplicationRecord, expectedVersion: Int, on db: any SQLDatabase) async throws
    func insert(_ materials: [MaterialRecord], on db: any SQLDatabase) async throws
    func materials(application: String, on db: any SQLDatabase) async throws -> [MaterialRecord]
    /// Removes one material of the application; false when there is no such material.
    func deleteMaterial(id: String, application: String, on db: any SQLDatabase) async throws -> Bool

    func append(_ entries: [TimelineRecord], on db: any SQLDatabase) async throws
    func timeline(application: String, on db: any SQLDatabase) async throws -> [TimelineRecord]

    /// Makes the application's open tasks exactly `tasks`, keeping the claims of tasks that stay;
    /// each carries what the queue orders and filters it by: the case's escalation, submission
    /// time, status and item.
    func replaceTasks(of application: ApplicationRecord, with tasks: [ScheduledTask], now: Int64, on db: any SQLDatabase) async throws
    func tasks(application: String, on db: any SQLDatabase) async throws -> [QueueRow]
    func queue(_ filter: QueueFilter, paging: Paging, on db: any SQLDatabase) async throws -> (items: [QueueRow], total: Int, counts: QueueCounts)
    /// Open cases at 黄牌 or 红牌 (most urgent first) and the counts under the other filters.
    func lateCases(_ filter: LateCaseFilter, paging: Paging, on db: any SQLDatabase) async throws
        -> (items: [ApplicationRecord], total: Int, counts: LateCaseCounts)
    /// A new version of the case with nothing else changed: an official who read it before a
    /// colleague's claim then fails the version check of their action (409) instead of acting on a claimed task.
    func bumpVersion(application: String, now: Int64, on db: any SQLDatabase) async throws
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

/// The form is sealed as a whole with the data key (`FieldProtector`) on every write and opened
/// on every read: it holds the applicant's ID and mobile numbers, names and addresses, which a
/// backup or a copy of the database must not show without the key. The service sees it in clear.
/// Forms stored before it was sealed are sealed by M019.
struct SQLApplicationStore: ApplicationStore {
    let protector: FieldProtector

    static let openStatuses = [ApplicationStatus.submitted, .supplementRequested, .inProgress, .approved, .rejected].map(\.rawValue)
    /// The states a case with an open task is in: one waiting for the applicant's supplement has none.
    static let queueStatuses = openStatuses.filter { $0 != ApplicationStatus.supplementRequested.rawValue }

    private struct Count: Decodable { var n: Int }

    // The statements every submission and transition runs are written out (SQLTemplate);
    // the rest use the query builder.

    private static let applicationColumns = """
        id, item_code, item_version, item_name, division_code, item_department, handling_department, definition_id,
        definition_version, form_version, applicant_id, organization_id, status, current_step, form_json, case_json, version,
        receipt_number, warning_level, due_date, escalated, outcome, created_at, updated_at, submitted_at, concluded_at, step_due_date
        """
    // Deferrable writes (PostgresTransaction): rows with new ids, and the task rows a case's
    // transition replaces, which nothing in the same transaction reads back.
    private static let insertApplication = SQLTemplate("""
        INSERT INTO applications (\(applicationColumns))
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """, deferrable: true)
    /// The stored columns, the last timeline position, the claimed tasks and the calendar's and catalog's revisions, read in one statement so they agree.
    private static let readColumns = applicationColumns + """
        , (SELECT COALESCE(MAX(position), 0) FROM application_timeline WHERE application_id = applications.id) AS last_timeline_position
        , (SELECT COUNT(*) FROM application_tasks WHERE application_id = applications.id AND claimed_by IS NOT NULL) AS claimed_tasks
        , (SELECT revision FROM holiday_calendar WHERE id = 1) AS calendar_revision
        , (SELECT revision FROM catalog_state WHERE id = 1) AS catalog_revision
        """
    private static let selectApplication = SQLTemplate("SELECT \(readColumns) FROM applications WHERE id = ?")
    private static let updateApplication = SQLTemplate("""
        UPDATE applications SET status = ?, current_step = ?, form_json = ?, case_json = ?, version = ?, receipt_number = ?,
            warning_level = ?, due_date = ?, escalated = ?, outcome = ?, updated_at = ?, submitted_at = ?, concluded_at = ?,
            step_due_date = ?
        WHERE id = ? AND version = ?
        """, deferrable: true, guarded: true)
    private static let pageOfApplications = SQLTemplate("""
        SELECT \(readColumns) FROM applications WHERE applicant_id = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?
        """)

    func insert(_ a: ApplicationRecord, on db: any SQLDatabase) async throws {
        let binds: [any Encodable & Sendable] = [
            a.id, a.itemCode, a.itemVersion, a.itemName, a.divisionCode, a.itemDepartment, a.handlingDepartment, a.definitionId,
            a.definitionVersion, a.formVersion, a.applicantId, a.organizationId, a.status, a.currentStep, try protector.encrypt(a.formJson), a.caseJson,
            a.version, a.receiptNumber, a.warningLevel, a.dueDate, a.escalated, a.outcome, a.createdAt, a.updatedAt,
            a.submittedAt, a.concludedAt, a.stepDueDate,
        ]
        try await db.query(Self.insertApplication, binds).run()
    }

    func application(id: String, on db: any SQLDatabase) async throws -> ApplicationRecord? {
        try await db.query(Self.selectApplication, [id]).first().map { try ApplicationRecord(row: $0, protector: protector) }
    }

    func update(_ a: ApplicationRecord, expectedVersion: Int, on db: any SQLDatabase) async throws {
        let binds: [any Encodable & Sendable] = [
            a.status, a.currentStep, try protector.encrypt(a.formJson), a.caseJson, a.version, a.receiptNumber, a.warningLevel, a.dueDate, a.escalated,
            a.outcome, a.updatedAt, a.submittedAt, a.concludedAt, a.stepDueDate, a.id, expectedVersion,
        ]
        try await db.query(Self.updateApplication, binds).run()
    }

    func applications(applicant: String, paging: Paging, on db: any SQLDatabase) async throws -> (items: [ApplicationRecord], total: Int) {
        let total = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("applications")
            .where("applicant_id", .equal, applicant).first(decoding: Count.self)?.n ?? 0
        let items = try await db.query(Self.pageOfApplications, [applicant, paging.pageSize, paging.offset]).all()
            .map { try ApplicationRecord(row: $0, protector: protector) }
        return (items, total)
    }

    private static let updateMaterialsVersion = SQLTemplate("""
        UPDATE applications SET version = ?, updated_at = ? WHERE id = ? AND version = ? AND status IN (?, ?)
        """, deferrable: true, guarded: true)

    func updateMaterialsVersion(of updated: ApplicationRecord, expectedVersion: Int, on db: any SQLDatabase) async throws {
        let binds: [any Encodable & Sendable] = [
            updated.version, updated.updatedAt, updated.id, expectedVersion,
            ApplicationStatus.draft.rawValue, ApplicationStatus.supplementRequested.rawValue,
        ]
        try await db.query(Self.updateMaterialsVersion, binds).run()
    }

    func insert(_ materials: [MaterialRecord], on db: any SQLDatabase) async throws {
        try await Self.insertMaterials.run(materials.map { m in
            [m.id, m.applicationId, m.materialName, m.source, m.suppliedBy, m.fileName, m.contentType, m.sizeBytes, m.sha256,
             m.storedName, m.createdBy, m.createdAt]
        }, on: db)
    }

    private static let insertMaterials = SQLRowsInsert("""
        INSERT INTO application_materials (id, application_id, material_name, source, supplied_by, file_name, content_type,
                                           size_bytes, sha256, stored_name, created_by, created_at)
        """, columns: 12, deferrable: true)
    private static let materialsOfApplication = SQLTemplate("""
        SELECT id, application_id, material_name, source, supplied_by, file_name, content_type, size_bytes, sha256, stored_name,
               created_by, created_at
        FROM application_materials WHERE application_id = ? ORDER BY created_at, id
        """)

    func materials(application: String, on db: any SQLDatabase) async throws -> [MaterialRecord] {
        try await db.query(Self.materialsOfApplication, [application]).all().map(MaterialRecord.init(row:))
    }

    func deleteMaterial(id: String, application: String, on db: any SQLDatabase) async throws -> Bool {
        try await !db.delete(from: "application_materials").where("id", .equal, id).where("application_id", .equal, application)
            .returning("id").all().isEmpty
    }

    private static let insertTimeline = SQLRowsInsert("""
        INSERT INTO application_timeline (id, application_id, position, occurred_at, case_version, event, summary, comment,
                                          actor_id, actor_name, actor_role, department_code)
        """, columns: 12, deferrable: true)

    func append(_ entries: [TimelineRecord], on db: any SQLDatabase) async throws {
        try await Self.insertTimeline.run(entries.map { e in
            [e.id, e.applicationId, e.position, e.occurredAt, e.caseVersion, e.event, e.summary, e.comment, e.actorId,
             e.actorName, e.actorRole, e.departmentCode]
        }, on: db)
    }

    private static let timelineOfApplication = SQLTemplate("""
        SELECT id, application_id, position, occurred_at, case_version, event, summary, comment, actor_id, actor_name,
               actor_role, department_code
        FROM application_timeline WHERE application_id = ? ORDER BY position
        """)

    func timeline(application: String, on db: any SQLDatabase) async throws -> [TimelineRecord] {
        try await db.query(Self.timelineOfApplication, [application]).all().map { row in
                return TimelineRecord(
                id: try row.decode(column: "id"), applicationId: try row.decode(column: "application_id"), position: try row.decode(column: "position"),
                occurredAt: try row.decode(column: "occurred_at"), caseVersion: try row.decode(column: "case_version"), event: try row.decode(column: "event"),
                summary: try row.decode(column: "summary"), comment: try row.decode(column: "comment"), actorId: try row.decode(column: "actor_id"),
                actorName: try row.decode(column: "actor_name"), actorRole: try row.decode(column: "actor_role"), departmentCode: try row.decode(column: "department_code"))
        }
    }

    /// Deletes an application's tasks but the kept ones named after its id, by how many are kept.
    private static let deleteOtherTasks = SQLTemplateFamily(usual: 0...SQLRowsInsert.rowsPerStatement) { kept in
        SQLTemplate("DELETE FROM application_tasks WHERE application_id = ?" + (kept == 0 ? "" : " AND NOT ("
            + Array(repeating: "(department_code = ? AND role = ? AND kind = ?)", count: kept).joined(separator: " OR ") + ")"),
            deferrable: true)
    }
    /// A task that is already open keeps its row, and with it its claim; its deadline is brought
    /// up to date. A task of the same post and kind at another step (办结 then 送达, two review
    /// steps of one post) is other work: the row takes the new step, and its claim and creation
    /// time start afresh, as a task's new row would. (Every right-hand side reads the row as it
    /// was, on both engines.) It may go in one statement with the delete before it
    /// (`besideItsTable`): the delete removes only tasks outside the new set and this writes only
    /// tasks in it, so neither touches the other's rows.
    private static let insertTasks = SQLRowsInsert("""
        INSERT INTO application_tasks (application_id, department_code, role, kind, step, created_at, due_date, warning_level,
                                       escalated, submitted_at, status, item_code)
        """,
        columns: 12,
        tail: """
            ON CONFLICT (application_id, department_code, role, kind) DO UPDATE
            SET due_date = excluded.due_date, warning_level = excluded.warning_level, escalated = excluded.escalated,
                submitted_at = excluded.submitted_at, status = excluded.status, step = excluded.step,
                claimed_by = CASE WHEN application_tasks.step IS NOT DISTINCT FROM excluded.step THEN application_tasks.claimed_by END,
                claimed_at = CASE WHEN application_tasks.step IS NOT DISTINCT FROM excluded.step THEN application_tasks.claimed_at END,
                created_at = CASE WHEN application_tasks.step IS NOT DISTINCT FROM excluded.step THEN application_tasks.created_at
                                  ELSE excluded.created_at END
            """,
        deferrable: true, besideItsTable: true)

    func replaceTasks(of application: ApplicationRecord, with tasks: [ScheduledTask], now: Int64, on db: any SQLDatabase) async throws {
        // Two statements whatever changes, instead of reading the open tasks and writing each difference.
        let keys: [any Encodable & Sendable] = tasks.flatMap {
            [$0.task.departmentCode, $0.task.role.rawValue, $0.task.kind.rawValue] as [any Encodable & Sendable]
        }
        try await db.query(Self.deleteOtherTasks[tasks.count], [application.id] + keys).run()
        try await Self.insertTasks.run(tasks.map {
            [application.id, $0.task.departmentCode, $0.task.role.rawValue, $0.task.kind.rawValue, $0.task.step, now, $0.dueDate,
             $0.warningLevel, application.escalated, application.submittedAt, application.status, application.itemCode]
        }, on: db)
    }

    private static let queueColumns: [any SQLExpression] = [
        SQLColumn("application_id", table: "t"), SQLColumn("department_code", table: "t"), SQLColumn("role", table: "t"),
        SQLColumn("kind", table: "t"), SQLColumn("step", table: "t"), SQLColumn("claimed_by", table: "t"),
        SQLColumn("item_code", table: "a"), SQLColumn("item_name", table: "a"), SQLColumn("status", table: "a"),
        SQLColumn("receipt_number", table: "a"), SQLColumn("warning_level", table: "t"), SQLColumn("due_date", table: "t"),
        SQLColumn("escalated", table: "t"), SQLColumn("submitted_at", table: "t"),
    ]

    private func joined(_ db: any SQLDatabase) -> SQLSelectBuilder {
        db.select().from(SQLAlias(SQLIdentifier("application_tasks"), as: SQLIdentifier("t")))
            .join(SQLAlias(SQLIdentifier("applications"), as: SQLIdentifier("a")),
                  on: SQLColumn("application_id", table: "t"), .equal, SQLColumn("id", table: "a"))
    }

    private static let tasksOfApplication = SQLTemplate("""
        SELECT t.application_id, t.department_code, t.role, t.kind, t.step, t.claimed_by, a.item_code, a.item_name, a.status,
               a.receipt_number, t.warning_level, t.due_date, a.escalated, a.submitted_at
        FROM application_tasks t JOIN applications a ON t.application_id = a.id WHERE t.application_id = ?
        """)

    func tasks(application: String, on db: any SQLDatabase) async throws -> [QueueRow] {
        try await db.query(Self.tasksOfApplication, [application]).all().map(QueueRow.init(row:))
    }

    func queue(_ filter: QueueFilter, paging: Paging, on db: any SQLDatabase) async throws -> (items: [QueueRow], total: Int, counts: QueueCounts) {
        func scoped(_ q: SQLSelectBuilder, claims: Bool = true) -> SQLSelectBuilder {
            q.where(SQLColumn("department_code", table: "t"), .equal, SQLBind(filter.departmentCode))
                .where(SQLColumn("role", table: "t"), .in, SQLBind.group(filter.roles))
            if let v = filter.itemCode { q.where(SQLColumn("item_code", table: "t"), .equal, SQLBind(v)) }
            if let v = filter.status { q.where(SQLColumn("status", table: "t"), .equal, SQLBind(v)) }
            if let v = filter.warningLevel { q.where(SQLColumn("warning_level", table: "t"), .equal, SQLBind(v)) }
            if claims {
                switch filter.claim {
                case "mine": q.where(SQLColumn("claimed_by", table: "t"), .equal, SQLBind(filter.caller))
                case "unclaimed": q.where(SQLColumn("claimed_by", table: "t"), .is, SQLLiteral.null)
                default: break
                }
            }
            return q
        }
        // The order of the index `application_tasks_working_order` (M017, M018): a page reads its own rows only.
        let items = try await scoped(joined(db).columns(Self.queueColumns))
            .orderBy(SQLColumn("escalated", table: "t"), SQLDirection.descending)
            .orderBy(SQLColumn("warning_level", table: "t"), SQLDirection.descending)
            .orderBy(SQLColumn("submitted_at", table: "t"))
            .orderBy(SQLColumn("application_id", table: "t"))
            .limit(paging.pageSize).offset(paging.offset)
            .all().map(QueueRow.init(row:))
        struct Bucket: Decodable { var warningLevel: Int; var escalated: Int; var claimedBy: String?; var n: Int }
        // The counts read the index alone.
        let buckets = try await scoped(db.select().from(SQLAlias(SQLIdentifier("application_tasks"), as: SQLIdentifier("t"))), claims: false)
            .column(SQLColumn("warning_level", table: "t")).column(SQLColumn("escalated", table: "t"))
            .column(SQLColumn("claimed_by", table: "t"))
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .groupBy(SQLColumn("warning_level", table: "t")).groupBy(SQLColumn("escalated", table: "t"))
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
        // The counts see every claim under the other filters, so the page's total is the one of
        // them its claim filter picks: no third pass over the department's tasks.
        let total = switch filter.claim {
        case "mine": counts.mine
        case "unclaimed": counts.unclaimed
        default: counts.total
        }
        return (items, total, counts)
    }

    func lateCases(_ filter: LateCaseFilter, paging: Paging, on db: any SQLDatabase) async throws
        -> (items: [ApplicationRecord], total: Int, counts: LateCaseCounts) {
        func scoped(_ q: SQLSelectBuilder) -> SQLSelectBuilder {
            // The very term of the partial index `applications_late` (M014), so both engines use it.
            q.where(SQLRaw("warning_level > 0"))
            if !filter.divisionPrefix.isEmpty { q.where("division_code", .like, SQLBind(filter.divisionPrefix + "%")) }
            if let v = filter.itemCode { q.where("item_code", .equal, SQLBind(v)) }
            if let v = filter.handlingDepartment { q.where("handling_department", .equal, SQLBind(v)) }
            return q
        }
        struct Bucket: Decodable { var warningLevel: Int; var escalated: Int; var n: Int }
        let buckets = try await scoped(db.select().from("applications"))
            .column("warning_level").column("escalated").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .groupBy("warning_level").groupBy("escalated")
            .all(decoding: Bucket.self, keyDecodingStrategy: .snakeCase)
        var counts = LateCaseCounts()
        var total = 0
        for b in buckets {
            if b.warningLevel == WarningLevel.warning.rawValue { counts.warning += b.n }
            if b.warningLevel == WarningLevel.overdue.rawValue { counts.overdue += b.n }
            if b.escalated != 0 { counts.escalated += b.n }
            if (filter.warningLevel.map { $0 == b.warningLevel } ?? true) && (filter.escalated.map { $0 == (b.escalated != 0) } ?? true) {
                total += b.n
            }
        }
        let page = scoped(db.select().column(SQLRaw(Self.readColumns)).from("applications"))
        if let v = filter.warningLevel { page.where("warning_level", .equal, SQLBind(v)) }
        if let escalated = filter.escalated { page.where("escalated", escalated ? .notEqual : .equal, SQLBind(0)) }
        let items = try await page.orderBy("escalated", .descending).orderBy("warning_level", .descending)
            .orderBy("due_date").orderBy("id")
            .limit(paging.pageSize).offset(paging.offset)
            .all().map { try ApplicationRecord(row: $0, protector: protector) }
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

    func bumpVersion(application: String, now: Int64, on db: any SQLDatabase) async throws {
        try await db.update("applications").set("version", to: SQLRaw("version + 1")).set("updated_at", to: SQLBind(now))
            .where("id", .equal, application).run()
    }

    private static let countReceipt = SQLTemplate("""
        INSERT INTO receipt_counters (division_code, day, last_value) VALUES (?, ?, 1)
        ON CONFLICT (division_code, day) DO UPDATE SET last_value = receipt_counters.last_value + 1
        RETURNING last_value
        """)

    func nextReceiptSequence(division: String, day: String, on db: any SQLDatabase) async throws -> Int {
        // One upsert: the row lock it takes serialises concurrent submissions of one division-day.
        let row = try await db.query(Self.countReceipt, [division, day]).first()
        guard let value = try row?.decode(column: "last_value", as: Int.self) else {
            throw Problem(.internalServerError, code: "receipt-counter", zh: "受理编号生成失败", en: "receipt counter missing")
        }
        return value
    }

    private static let insertNotice = SQLTemplate("""
        INSERT INTO notices (id, account_id, application_id, title, body, created_at, read_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        """, deferrable: true)

    func insert(_ n: NoticeRecord, on db: any SQLDatabase) async throws {
        let binds: [any Encodable & Sendable] = [n.id, n.accountId, n.applicationId, n.title, n.body, n.createdAt, n.readAt]
        try await db.query(Self.insertNotice, binds).run()
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
