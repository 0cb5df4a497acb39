import Foundation
import TongbanCore

/// The JSON shapes of applications, shared by the API and the pages.
struct ApplicationView: Encodable, Sendable {
    struct FieldView: Encodable, Sendable {
        var id: String
        var label: String
        var type: String
        var required: Bool
        var requiredWhen: FieldCondition?
        var options: [ChoiceOption]?
        var prefilled: Bool
        var help: String?
        var value: String?
    }

    struct MaterialView: Encodable, Sendable {
        var id: String
        var materialName: String
        var source: String
        var suppliedBy: String?
        var fileName: String?
        var contentType: String?
        var sizeBytes: Int64?
        var sha256: String?
        var createdAt: Int64
    }

    struct RequirementView: Encodable, Sendable {
        var name: String
        var required: Bool
        var condition: String?
        var governmentSupplied: Bool
        var provided: Bool
        /// Named by the waiting supplement notice and not uploaded again since: the file there was found wanting.
        var resubmissionRequired: Bool
    }

    struct TimelineView: Encodable, Sendable {
        var at: Int64
        /// China Standard Time, minutes.
        var time: String
        var event: String
        var summary: String
        var comment: String?
        var actorName: String?
        var actorRole: String?
        var departmentCode: String?
    }

    struct TaskView: Encodable, Sendable {
        var departmentCode: String
        var role: String
        var kind: String
        var step: String?
        var claimedBy: String?
    }

    var id: String
    var status: String
    var statusZh: String
    var version: Int
    var itemCode: String
    var itemName: String
    var divisionCode: String
    var handlingDepartment: String
    var receiptNumber: String?
    var currentStep: String?
    var currentStepName: String?
    var warningLevel: String
    /// The case's limit as its process definition sets it (the legal limit, 法定时限, for the
    /// shipped processes): what the warnings of 电子监察 count against and step limits nest in.
    var dueDate: String?
    /// 承诺办结时间: the item's promised limit (承诺时限, the guide's promisedLimitDays) counted like
    /// `dueDate`, from acceptance on working days with the same pauses; what the applicant is told.
    var promisedDueDate: String?
    /// The due date lies in a year whose holiday notice is not entered yet (`WorkingCalendar.isProvisional`).
    var dueDateProvisional: Bool
    /// The current step's due date; `dueDate` is the whole case's.
    var stepDueDate: String?
    var escalated: Bool
    var outcome: String?
    var outstandingMaterials: [String]
    var opinions: [String: JointOpinion]
    var form: [String: String]
    var fields: [FieldView]
    var requirements: [RequirementView]
    var materials: [MaterialView]
    var timeline: [TimelineView]
    var tasks: [TaskView]
    var createdAt: Int64
    var submittedAt: Int64?
    var concludedAt: Int64?
}

/// The view is the answer to every action on a case and to every read of one: written by
/// hand, it costs a small part of what JSONEncoder takes (about 13 % of the server's CPU on a
/// transition answered with the view). The synthesized `Encodable` above stays the reference:
/// a test holds both outputs equal.
extension ApplicationView: JSONWritable {
    func write(to w: inout JSONTextWriter) {
        w.object { w in
            w.member("id", id)
            w.member("status", status)
            w.member("statusZh", statusZh)
            w.member("version", version)
            w.member("itemCode", itemCode)
            w.member("itemName", itemName)
            w.member("divisionCode", divisionCode)
            w.member("handlingDepartment", handlingDepartment)
            w.member("receiptNumber", receiptNumber)
            w.member("currentStep", currentStep)
            w.member("currentStepName", currentStepName)
            w.member("warningLevel", warningLevel)
            w.member("dueDate", dueDate)
            w.member("promisedDueDate", promisedDueDate)
            w.member("dueDateProvisional", dueDateProvisional)
            w.member("stepDueDate", stepDueDate)
            w.member("escalated", escalated)
            w.member("outcome", outcome)
            w.key("outstandingMaterials"); w.strings(outstandingMaterials)
            w.key("opinions"); JointOpinion.write(opinions, to: &w)
            w.key("form"); w.stringMap(form)
            w.key("fields"); w.objects(fields) { w, field in field.write(to: &w) }
            w.key("requirements")
            w.objects(requirements) { w, requirement in
                w.member("name", requirement.name)
                w.member("required", requirement.required)
                w.member("condition", requirement.condition)
                w.member("governmentSupplied", requirement.governmentSupplied)
                w.member("provided", requirement.provided)
                w.member("resubmissionRequired", requirement.resubmissionRequired)
            }
            w.key("materials")
            w.objects(materials) { w, material in
                w.member("id", material.id)
                w.member("materialName", material.materialName)
                w.member("source", material.source)
                w.member("suppliedBy", material.suppliedBy)
                w.member("fileName", material.fileName)
                w.member("contentType", material.contentType)
                w.member("sizeBytes", material.sizeBytes)
                w.member("sha256", material.sha256)
                w.member("createdAt", material.createdAt)
            }
            w.key("timeline")
            w.objects(timeline) { w, entry in
                w.member("at", entry.at)
                w.member("time", entry.time)
                w.member("event", entry.event)
                w.member("summary", entry.summary)
                w.member("comment", entry.comment)
                w.member("actorName", entry.actorName)
                w.member("actorRole", entry.actorRole)
                w.member("departmentCode", entry.departmentCode)
            }
            w.key("tasks")
            w.objects(tasks) { w, task in
                w.member("departmentCode", task.departmentCode)
                w.member("role", task.role)
                w.member("kind", task.kind)
                w.member("step", task.step)
                w.member("claimedBy", task.claimedBy)
            }
            w.member("createdAt", createdAt)
            w.member("submittedAt", submittedAt)
            w.member("concludedAt", concludedAt)
        }
    }
}

extension ApplicationView.FieldView {
    fileprivate func write(to w: inout JSONTextWriter) {
        w.member("id", id)
        w.member("label", label)
        w.member("type", type)
        w.member("required", required)
        if let requiredWhen {
            w.key("requiredWhen")
            w.object { w in
                w.member("field", requiredWhen.field)
                w.key("values"); w.strings(requiredWhen.values)
            }
        }
        if let options {
            w.key("options")
            w.objects(options) { w, option in
                w.member("value", option.value)
                w.member("label", option.label)
            }
        }
        w.member("prefilled", prefilled)
        w.member("help", help)
        w.member("value", value)
    }
}

struct ApplicationSummary: Encodable, Sendable {
    var id: String
    var status: String
    var statusZh: String
    var itemCode: String
    var itemName: String
    var receiptNumber: String?
    var warningLevel: String
    var createdAt: Int64
    var submittedAt: Int64?

    init(_ r: ApplicationRecord) {
        id = r.id
        status = r.status
        statusZh = ApplicationViewBuilder.statusName(r.status)
        itemCode = r.itemCode
        itemName = r.itemName
        receiptNumber = r.receiptNumber
        warningLevel = ApplicationViewBuilder.levelName(r.warningLevel)
        createdAt = r.createdAt
        submittedAt = r.submittedAt
    }
}

/// An application's state after a change: the answer to a submission, and to a fill or an
/// action when the client prefers `return=minimal` (the full view reads materials,
/// timeline and tasks, which a client moving many cases does not need each time).
struct ApplicationStateView: Encodable, Sendable {
    var id: String
    var status: String
    var statusZh: String
    var version: Int
    var receiptNumber: String?
    var currentStep: String?
    var warningLevel: String
    var dueDate: String?

    init(_ r: ApplicationRecord) {
        id = r.id
        status = r.status
        statusZh = ApplicationViewBuilder.statusName(r.status)
        version = r.version
        receiptNumber = r.receiptNumber
        currentStep = r.currentStep
        warningLevel = ApplicationViewBuilder.levelName(r.warningLevel)
        dueDate = r.dueDate
    }
}

/// The answer to a submission and to every action a client asks the minimal answer for: written
/// by hand like `ApplicationView` (JSONEncoder took about 1.3 % of the server's CPU on a
/// submission for this and `ApplicationsAPI.Created`); a test holds both outputs equal.
extension ApplicationStateView: JSONWritable {
    func write(to w: inout JSONTextWriter) {
        w.object { w in
            w.member("id", id)
            w.member("status", status)
            w.member("statusZh", statusZh)
            w.member("version", version)
            w.member("receiptNumber", receiptNumber)
            w.member("currentStep", currentStep)
            w.member("warningLevel", warningLevel)
            w.member("dueDate", dueDate)
        }
    }
}

/// A case running late, as a supervisor's list shows it.
struct LateCaseView: Encodable, Sendable {
    var id: String
    var itemCode: String
    var itemName: String
    var status: String
    var statusZh: String
    var receiptNumber: String?
    var divisionCode: String
    var handlingDepartment: String
    var currentStep: String?
    var warningLevel: String
    var dueDate: String?
    var stepDueDate: String?
    var escalated: Bool
    var submittedAt: Int64?

    init(_ r: ApplicationRecord) {
        id = r.id
        itemCode = r.itemCode
        itemName = r.itemName
        status = r.status
        statusZh = ApplicationViewBuilder.statusName(r.status)
        receiptNumber = r.receiptNumber
        divisionCode = r.divisionCode
        handlingDepartment = r.handlingDepartment
        currentStep = r.currentStep
        warningLevel = ApplicationViewBuilder.levelName(r.warningLevel)
        dueDate = r.dueDate
        stepDueDate = r.stepDueDate
        escalated = r.escalated != 0
        submittedAt = r.submittedAt
    }
}

struct QueueItemView: Encodable, Sendable {
    var applicationId: String
    var itemCode: String
    var itemName: String
    var status: String
    var statusZh: String
    var receiptNumber: String?
    var kind: String
    var role: String
    var step: String?
    var claimedBy: String?
    var warningLevel: String
    var dueDate: String?
    var dueDateProvisional: Bool
    var escalated: Bool

    init(_ row: QueueRow, calendar: WorkingCalendar) {
        applicationId = row.applicationId
        itemCode = row.itemCode
        itemName = row.itemName
        status = row.status
        statusZh = ApplicationViewBuilder.statusName(row.status)
        receiptNumber = row.receiptNumber
        kind = row.kind
        role = row.role
        step = row.step
        claimedBy = row.claimedBy
        warningLevel = ApplicationViewBuilder.levelName(row.warningLevel)
        dueDate = row.dueDate
        dueDateProvisional = calendar.isProvisional(dueDate: row.dueDate)
        escalated = row.escalated != 0
    }
}

extension WorkingCalendar {
    /// For a stored due date (`YYYY-MM-DD`, nil while no clock runs).
    func isProvisional(dueDate: String?) -> Bool {
        dueDate.flatMap(CivilDate.init(iso:)).map(isProvisional) ?? false
    }
}

struct ApplicationViewBuilder: Sendable {
    let service: ApplicationService

    static func statusName(_ raw: String) -> String {
        ApplicationStatus(rawValue: raw)?.zh ?? raw
    }

    static func levelName(_ raw: Int) -> String {
        switch WarningLevel(rawValue: raw) ?? .normal {
        case .normal: "normal"
        case .warning: "warning"
        case .overdue: "overdue"
        }
    }

    /// The whole view of a case; its timeline is read once, for the view and for what a waiting
    /// supplement notice still asks for.
    func view(_ record: ApplicationRecord) async throws -> ApplicationView {
        let db = service.database.read
        let engine = try await service.library.engine(id: record.definitionId, version: record.definitionVersion, on: db)
        let workflowCase = try ApplicationService.decode(WorkflowCase.self, record.caseJson)
        let item = try await service.boundItem(of: record)
        let form = service.formDefinition(of: record, item: item)
        let values = try ApplicationService.decode([String: String].self, record.formJson)
        let materials = try await service.store.materials(application: record.id, on: db)
        let provided = Set(materials.map(\.materialName))
        let timeline = try await service.store.timeline(application: record.id, on: db)
        let again = Set(try service.awaitingResubmission(record, materials: materials, item: item, timeline: timeline))
        let requirements = item.materials.map { m in
            var condition: String?
            if case .conditional(let text) = m.required { condition = text }
            return ApplicationView.RequirementView(name: m.name, required: m.required == .required, condition: condition,
                                                   governmentSupplied: m.source.isGovernmentSupplied, provided: provided.contains(m.name),
                                                   resubmissionRequired: again.contains(m.name))
        }
        return ApplicationView(
            id: record.id, status: record.status, statusZh: Self.statusName(record.status),
            version: record.version, itemCode: record.itemCode, itemName: record.itemName, divisionCode: record.divisionCode,
            handlingDepartment: record.handlingDepartment, receiptNumber: record.receiptNumber, currentStep: record.currentStep,
            currentStepName: record.currentStep.flatMap { engine.definition.step($0)?.name },
            warningLevel: Self.levelName(record.warningLevel), dueDate: record.dueDate,
            // Counted when read, not stored: the case's clock holds the start and every pause.
            promisedDueDate: item.promisedLimitDays > 0 && !workflowCase.state.isFinal
                ? workflowCase.clock?.withLimit(item.promisedLimitDays).status(asOf: service.today, calendar: service.calendar).dueDate?.description
                : nil,
            dueDateProvisional: service.calendar.isProvisional(dueDate: record.dueDate), stepDueDate: record.stepDueDate,
            escalated: record.escalated != 0,
            outcome: record.outcome, outstandingMaterials: workflowCase.outstandingMaterials, opinions: workflowCase.opinions,
            form: values,
            fields: form.fields.map {
                ApplicationView.FieldView(id: $0.id, label: $0.label, type: $0.type.rawValue, required: $0.required,
                                          requiredWhen: $0.requiredWhen, options: $0.options,
                                          prefilled: $0.isHeldFact(forOrganization: record.organizationId != nil),
                                          help: $0.help, value: values[$0.id])
            },
            requirements: requirements,
            materials: materials.map {
                ApplicationView.MaterialView(id: $0.id, materialName: $0.materialName, source: $0.source, suppliedBy: $0.suppliedBy,
                                             fileName: $0.fileName, contentType: $0.contentType, sizeBytes: $0.sizeBytes,
                                             sha256: $0.sha256, createdAt: $0.createdAt)
            },
            timeline: timeline.map {
                ApplicationView.TimelineView(at: $0.occurredAt, time: CivilDate.chinaMinute(unixMilliseconds: $0.occurredAt), event: $0.event, summary: $0.summary, comment: $0.comment,
                                             actorName: $0.actorName, actorRole: $0.actorRole, departmentCode: $0.departmentCode)
            },
            tasks: try await service.store.tasks(application: record.id, on: db).map {
                ApplicationView.TaskView(departmentCode: $0.departmentCode, role: $0.role, kind: $0.kind, step: $0.step, claimedBy: $0.claimedBy)
            },
            createdAt: record.createdAt, submittedAt: record.submittedAt, concludedAt: record.concludedAt)
    }
}
