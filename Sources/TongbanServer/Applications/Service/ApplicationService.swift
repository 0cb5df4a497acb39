import Crypto
import Foundation
import NIOPosix
import SQLKit
import TongbanCore

/// Online applications: drafts, materials, submission and the workflow moves on them.
/// Every change runs in one transaction with its audit entry, timeline entries and queue
/// tasks, and every update of an application is guarded by its row version.
public struct ApplicationService: Sendable {
    let database: AppDatabase
    let store: any ApplicationStore
    let catalog: any PublishedCatalog
    let library: ProcessLibrary
    let accounts: any AccountStore
    /// Department names, for what the timeline and refusals say about a department.
    let reference: any ReferenceStore
    let protector: FieldProtector
    let audit: any AuditLog
    let divisions: DivisionIndex
    let calendars: CalendarBook
    /// The holiday calendar as currently published; administrators may change it at any time.
    var calendar: WorkingCalendar { calendars.current }

    /// Before a due date of `record` is counted: an edit stored through another process reaches
    /// this one with the first case it touches, not at the next periodic refresh.
    func syncCalendar(with record: ApplicationRecord) async throws {
        if record.calendarRevision > calendars.revision { try await calendars.refresh() }
    }
    let suppliers: [any MaterialSupplier]
    let listeners: [any ConclusionListener]
    let uploads: URL
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, store: any ApplicationStore, catalog: any PublishedCatalog, library: ProcessLibrary,
                accounts: any AccountStore, reference: any ReferenceStore, protector: FieldProtector, audit: any AuditLog,
                divisions: DivisionIndex,
                calendars: CalendarBook, suppliers: [any MaterialSupplier], listeners: [any ConclusionListener],
                uploads: URL, clock: @escaping @Sendable () -> Date) {
        self.database = database
        self.store = store
        self.catalog = catalog
        self.library = library
        self.accounts = accounts
        self.reference = reference
        self.protector = protector
        self.audit = audit
        self.divisions = divisions
        self.calendars = calendars
        self.suppliers = suppliers
        self.listeners = listeners
        self.uploads = uploads
        self.clock = clock
    }

    var now: Int64 { Int64((clock().timeIntervalSince1970 * 1000).rounded()) }
    var today: CivilDate { CivilDate(instant: clock()) }

    // MARK: - Drafts

    public struct Creation: Sendable {
        public var itemCode: String
        public var divisionCode: String?
        public var organizationId: String?
        /// Form values to fill at once, as `fill` takes them: an API client may create and
        /// then submit, two requests, instead of three.
        public var form: [String: String]?
    }

    public func create(_ input: Creation, by caller: Principal, actor: AuditActor) async throws -> ApplicationRecord {
        try ApplicationProblem.checkDivision(input.divisionCode, in: divisions)
        let applicant = try await identity(of: caller, organizationID: input.organizationId)
        let filingDivision = if let division = input.divisionCode { division } else {
            try await competentDivision(for: input.itemCode, applicant: applicant)
        }
        guard let entry = try await catalog.item(code: input.itemCode, division: filingDivision, version: nil), entry.isPublished else {
            // An item handled elsewhere is no unknown item: the fault is the division, and the answer names where it is handled.
            if let division = input.divisionCode, case let offered = try await catalog.offeringDivisions(code: input.itemCode), !offered.isEmpty {
                let name = try await reference.division(division)?.name ?? ""
                throw ApplicationProblem.notOfferedIn(name.isEmpty ? division : "\(division) \(name)", named: try await named(offered))
            }
            // Echoed clipped: whatever was sent comes back in the answer.
            let code = input.itemCode.clipped(40)
            throw Problem.validation([ApplicationProblem.field("itemCode", "unknownItem", "事项 \(code) 不存在或未发布",
                                                               "item \(code) does not exist or is not published")])
        }
        let (item, itemVersion) = (entry.item, entry.currentVersion)
        if item.applicantType == .organization, applicant.organizationID == nil {
            throw Problem.validation([ApplicationProblem.field("organizationId", "required", "该事项须以法人身份申请，请选择所代理的单位",
                                                               "this item is for organisations; give organizationId")])
        }
        let form = library.form(for: item, version: itemVersion)
        let (definition, _) = try await library.definitionInForce(for: item, version: itemVersion, on: database.read)
        let engine = try library.engine(for: definition)
        let id = UUID.newID()
        let workflowCase = engine.newCase(id: id)
        var prefilled = prefill(form, from: applicant)
        if let values = input.form {
            let given = values.filter { !$0.value.trimmed().isEmpty }
            let (canonical, malformed) = form.normalize(given, divisionExists: divisions.contains, today: today, caseDivision: item.divisionCode)
            let issues = malformed + form.replacedFacts(canonical, held: prefilled, forOrganization: applicant.organizationID != nil)
            if !issues.isEmpty { throw Problem.validation(issues) }
            prefilled.merge(canonical) { _, new in new }
        }
        // What the government already holds is looked up before the transaction, on the read
        // connection: the writing connection is the one thing every submission queues for.
        var found: [(requirement: String, reference: String)] = []
        for requirement in item.materials where requirement.source.isGovernmentSupplied {
            for supplier in suppliers {
                guard let material = try await supplier.supply(requirement, for: applicant, on: database.read) else { continue }
                found.append((requirement.name, material.reference))
                break
            }
        }
        let suppliedMaterials = found
        let supplied = suppliedMaterials.map(\.requirement)
        let now = self.now
        var entries = [TimelineRecord(id: UUID.newID(), applicationId: id, position: 1, occurredAt: now,
                                      caseVersion: 0, event: "created", summary: "创建申请（草稿）", comment: nil,
                                      actorId: caller.accountID, actorName: caller.displayName, actorRole: ProcessRole.applicant.rawValue,
                                      departmentCode: nil)]
        if !supplied.isEmpty {
            entries.append(TimelineRecord(id: UUID.newID(), applicationId: id, position: 2, occurredAt: now,
                                          caseVersion: 0, event: "materialsSupplied",
                                          summary: "免提交材料已由政府部门获取：\(supplied.joined(separator: "、"))", comment: nil,
                                          actorId: nil, actorName: "系统", actorRole: "system", departmentCode: nil))
        }
        let timeline = entries
        let record = ApplicationRecord(
            id: id, itemCode: item.itemCode, itemVersion: itemVersion, itemName: item.name, divisionCode: item.divisionCode,
            itemDepartment: item.departmentCode, handlingDepartment: library.handlingDepartment(for: item),
            definitionId: definition.id, definitionVersion: definition.version, formVersion: form.itemVersion,
            applicantId: caller.accountID, organizationId: applicant.organizationID,
            status: ApplicationStatus.draft.rawValue, currentStep: nil, formJson: Self.formJSON(prefilled),
            caseJson: workflowCase.storedJSON, version: 1, receiptNumber: nil, warningLevel: 0, dueDate: nil, escalated: 0,
            outcome: nil, createdAt: now, updatedAt: now, submittedAt: nil, concludedAt: nil, lastTimelinePosition: timeline.count)
        let store = self.store
        let library = self.library
        try await database.transaction { db in
            try await library.record(definition, on: db, now: now)
            try await store.insert(record, on: db)
            try await store.insert(suppliedMaterials.map { material in
                MaterialRecord(id: UUID.newID(), applicationId: id, materialName: material.requirement, source: "government",
                               suppliedBy: material.reference, fileName: nil, contentType: nil, sizeBytes: nil, sha256: nil,
                               storedName: nil, createdBy: nil, createdAt: now)
            }, on: db)
            try await store.append(timeline, on: db)
            try await audit.append(AuditRecord("application.create", targetType: "application", targetID: id,
                                               detail: "\(item.itemCode)@\(item.divisionCode)"),
                                   actor: actor.onCase(handledBy: record.handlingDepartment), on: db)
        }
        library.committed(definition)
        return record
    }

    /// Where a case that names no division is filed for its applicant (`FilingDivision`).
    enum Filing: Sendable, Equatable {
        /// In this division; nil: with the item's standard.
        case division(String?)
        /// The applicant must choose among these, each with its name.
        case choose([NamedDivision])
    }

    struct NamedDivision: Sendable, Equatable {
        var code: String
        /// Empty when the division is unknown to the reference data.
        var name: String
    }

    /// The rule for a case of `itemCode` that names no division, for the API and for the apply
    /// page, which shows where the case will go (or the choice) before it is created.
    func filing(for itemCode: String, applicant: ApplicantIdentity) async throws -> Filing {
        let home = FilingDivision.home(idNumber: applicant.idNumber, organizationDivision: applicant.organizationDivision,
                                       divisionExists: divisions.contains)
        switch FilingDivision.choose(home: home, offeredIn: try await catalog.offeringDivisions(code: itemCode)) {
        case .division(let code): return .division(code)
        case .standard: return .division(nil)
        case .ambiguous(let offered): return .choose(try await named(offered))
        }
    }

    /// A bare code means nothing to an applicant choosing where to file: each comes with its name.
    func named(_ codes: [String]) async throws -> [NamedDivision] {
        var named: [NamedDivision] = []
        for code in codes { named.append(NamedDivision(code: code, name: try await reference.division(code)?.name ?? "")) }
        return named
    }

    /// Where an application that names no division goes: nil files it with the item's standard;
    /// an applicant whose division none serves must choose among several (422).
    func competentDivision(for itemCode: String, applicant: ApplicantIdentity) async throws -> String? {
        switch try await filing(for: itemCode, applicant: applicant) {
        case .division(let code): return code
        case .choose(let named): throw ApplicationProblem.divisionToChoose(named)
        }
    }

    /// Runs `body`, which updates `record` guarded by its version, in one transaction; when
    /// another writer changed the case first, nothing is stored and the caller gets a 409 with
    /// the case as it now stands.
    func guardedTransaction<T: Sendable>(of record: ApplicationRecord,
                                         _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await database.transaction(body)
        } catch is StaleWrite {
            throw ApplicationProblem.staleVersion(try await store.application(id: record.id, on: database.read) ?? record)
        }
    }

    /// Fills the form: given fields replace stored ones, an empty string clears one.
    public func fill(id: String, values: [String: String], by caller: Principal, actor: AuditActor) async throws -> ApplicationRecord {
        var record = try await owned(id, by: caller)
        guard ApplicationStatus(rawValue: record.status)?.isEditable == true else { throw ApplicationProblem.notEditable(record.status) }
        let form = formDefinition(of: record, item: try await boundItem(of: record))
        let (canonical, issues) = form.normalize(values, divisionExists: divisions.contains, today: today, caseDivision: record.divisionCode)
        if !issues.isEmpty { throw Problem.validation(issues) }
        var stored = try Self.decode([String: String].self, record.formJson)
        var sent = canonical
        for (key, value) in values where value.trimmed().isEmpty { sent[key] = "" }
        let forOrganization = record.organizationId != nil
        // The page sends the facts back unchanged with every fill: only a change of one reads what the government holds.
        if form.changesHeldFacts(sent, current: stored, forOrganization: forOrganization) {
            let held = prefill(form, from: try await identity(of: caller, organizationID: record.organizationId))
            let replaced = form.replacedFacts(sent, held: held, forOrganization: forOrganization)
            if !replaced.isEmpty { throw Problem.validation(replaced) }
        }
        for (key, value) in values where value.trimmed().isEmpty { stored[key] = nil }
        stored.merge(canonical) { _, new in new }
        let expected = record.version
        record.formJson = Self.formJSON(stored)
        record.version += 1
        record.updatedAt = now
        let updated = record
        let store = self.store
        try await guardedTransaction(of: record) { db in
            try await store.update(updated, expectedVersion: expected, on: db)
            try await audit.append(AuditRecord("application.fill", targetType: "application", targetID: id,
                                               detail: values.keys.sorted().joined(separator: ",")),
                                   actor: actor.onCase(handledBy: updated.handlingDepartment), on: db)
        }
        return updated
    }

    // MARK: - Materials

    public struct Upload: Sendable {
        public var material: String
        public var fileName: String
        public var declaredType: String?
        public var bytes: [UInt8]
    }

    public func attach(id: String, upload: Upload, by caller: Principal, actor: AuditActor) async throws -> MaterialRecord {
        let record = try await owned(id, by: caller)
        guard ApplicationStatus(rawValue: record.status)?.isEditable == true else {
            throw ApplicationProblem.withState(ApplicationProblem.notEditable(record.status), of: record)
        }
        let item = try await boundItem(of: record)
        var issues: [FieldIssue] = []
        if upload.material.trimmed().isEmpty {
            issues.append(ApplicationProblem.field("material", "required", "请选择所上传的材料（material 为必填项）", "material is required"))
        } else if let requirement = item.materials.first(where: { $0.name == upload.material }) {
            if requirement.source.isGovernmentSupplied {
                issues.append(ApplicationProblem.field("material", "governmentSupplied", "“\(upload.material)”由政府部门获取，无需提交",
                                                       "\(upload.material) is supplied by the government; do not upload it"))
            }
        } else {
            issues.append(ApplicationProblem.field("material", "unknownMaterial", "办事指南未要求材料“\(upload.material)”",
                                                   "the service guide does not ask for \(upload.material)"))
        }
        if upload.bytes.isEmpty {
            issues.append(ApplicationProblem.field("file", "empty", "文件为空", "the file is empty"))
        }
        if !issues.isEmpty { throw Problem.validation(issues) }
        try Self.checkNamedBySupplement(upload.material, of: record)
        guard upload.bytes.count <= AttachmentPolicy.maxBytes else { throw Self.tooLarge }
        guard let type = AttachmentPolicy.sniff(upload.bytes, fileName: upload.fileName, declaredType: upload.declaredType,
                                                  zipEntries: ZipListing.entries) else {
            throw Problem(.unsupportedMediaType, code: "unsupported-type", zh: "只能上传 PDF、JPEG、PNG 或 OFD 文件",
                          en: "only PDF, JPEG, PNG and OFD files are accepted",
                          issues: [ApplicationProblem.field("file", "type", "文件类型不受支持", "unsupported file type")])
        }
        let materialID = UUID.newID()
        let directory = uploads.appendingPathComponent(id, isDirectory: true)
        let file = directory.appendingPathComponent(materialID)
        // Files go to disk on the I/O thread pool: up to 10 MiB written here would hold a
        // cooperative thread, or on PostgreSQL the request's event loop, that long.
        try await NIOThreadPool.singleton.runIfActive {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(upload.bytes).write(to: file, options: .atomic)
        }
        let material = MaterialRecord(
            id: materialID, applicationId: id, materialName: upload.material, source: "applicant", suppliedBy: nil,
            fileName: AttachmentPolicy.storedFileName(upload.fileName, type: type), contentType: type.contentType, sizeBytes: Int64(upload.bytes.count),
            sha256: SHA256.hash(data: upload.bytes).hexEncoded,
            storedName: "\(id)/\(materialID)", createdBy: caller.accountID, createdAt: now)
        let store = self.store
        let changed = record.changingMaterials(now: now)
        do {
            try await guardedTransaction(of: record) { db in
                try await store.updateMaterialsVersion(of: changed, expectedVersion: record.version, on: db)
                try await store.insert([material], on: db)
                try await audit.append(AuditRecord("application.attach", targetType: "application", targetID: id,
                                                   detail: "\(upload.material) sha256=\(material.sha256 ?? "")"),
                                       actor: actor.onCase(handledBy: record.handlingDepartment), on: db)
            }
        } catch {
            // Nothing half-stored: a file whose row was not stored (a submission won the race, say) is removed again.
            try? FileManager.default.removeItem(at: file)
            throw error
        }
        return material
    }

    /// Takes back a file the applicant uploaded, while the application can still be changed
    /// (a draft, or a supplement being prepared): a wrong file need not travel with the case.
    public func removeAttachment(id: String, materialID: String, by caller: Principal, actor: AuditActor) async throws {
        let record = try await owned(id, by: caller)
        guard ApplicationStatus(rawValue: record.status)?.isEditable == true else {
            throw ApplicationProblem.withState(ApplicationProblem.notEditable(record.status), of: record)
        }
        guard let material = try await store.materials(application: id, on: database.sql).first(where: { $0.id == materialID }),
              material.source == "applicant", let stored = material.storedName else { throw ApplicationProblem.notFound() }
        try Self.checkNamedBySupplement(material.materialName, of: record)
        let store = self.store
        let changed = record.changingMaterials(now: now)
        try await guardedTransaction(of: record) { db in
            guard try await store.deleteMaterial(id: materialID, application: id, on: db) else { throw ApplicationProblem.notFound() }
            // After the delete, which answers: on PostgreSQL the guarded update then goes with the audit entry.
            try await store.updateMaterialsVersion(of: changed, expectedVersion: record.version, on: db)
            try await audit.append(AuditRecord("application.attachment.remove", targetType: "application", targetID: id,
                                               detail: "\(material.materialName) \(materialID) sha256=\(material.sha256 ?? "")"),
                                   actor: actor.onCase(handledBy: record.handlingDepartment), on: db)
        }
        // After the commit: a file left behind by a failed removal is unreferenced, never a row without its file.
        let file = uploads.appendingPathComponent(stored)
        try? await NIOThreadPool.singleton.runIfActive { try FileManager.default.removeItem(at: file) }
    }

    static let tooLarge = Problem(.contentTooLarge, code: "too-large", zh: "文件过大（上限 10 MiB）", en: "file too large (limit 10 MiB)",
                                  issues: [FieldIssue(field: "file", code: "size", zh: "文件超过 10 MiB", en: "file exceeds 10 MiB")])

    /// The stored file, for the applicant and for staff handling the case (audited, refusals too).
    /// Supervisors, who may read a case of their divisions, do not handle it: its files stay with those who do.
    public func attachment(id: String, materialID: String, by caller: Principal, actor: AuditActor) async throws -> (MaterialRecord, Data) {
        // One entry per read, saying how it ended; the applicant's own successful reads are not audited.
        func note(_ action: String, _ outcome: AuditOutcome, _ detail: String) async throws {
            try await audit.append(AuditRecord(action, targetType: "application", targetID: id, outcome: outcome, detail: detail), actor: actor)
        }
        // A staff member refused a file is a staff attempt at personal data: recorded like a read.
        func refused() async throws -> Never {
            if caller.kind == .staff { try await note("application.attachment.read", .denied, materialID) }
            throw ApplicationProblem.notFound()
        }
        let record: ApplicationRecord
        do { record = try await visible(id, to: caller) } catch let problem as Problem where problem.status == .notFound { try await refused() }
        let isApplicant = caller.accountID == record.applicantId
        if !isApplicant, try await !handles(record, caller) { try await refused() }
        guard let material = try await store.materials(application: id, on: database.sql).first(where: { $0.id == materialID }),
              let stored = material.storedName else { throw ApplicationProblem.notFound() }
        let file = uploads.appendingPathComponent(stored)
        // Hashed on the I/O pool too: up to 10 MiB.
        let read = try? await NIOThreadPool.singleton.runIfActive {
            let data = try Data(contentsOf: file)
            return (data, SHA256.hash(data: data).hexEncoded)
        }
        guard let (data, digest) = read else {
            try await note("application.attachment.read", .failure, "\(materialID) file missing")
            throw ApplicationProblem.attachmentUnavailable
        }
        if let recorded = material.sha256, recorded != digest {
            try await note("application.attachment.altered", .failure, "\(materialID) sha256 recorded=\(recorded) stored=\(digest)")
            throw ApplicationProblem.attachmentAltered
        }
        if !isApplicant { try await note("application.attachment.read", .success, materialID) }
        return (material, data)
    }

    /// Whether a staff member works the case: a case-work post in a department its process names.
    func handles(_ record: ApplicationRecord, _ caller: Principal) async throws -> Bool {
        guard caller.kind == .staff, !StaffPosts.processRoles(for: caller.roles).isEmpty, let department = caller.departmentCode else {
            return false
        }
        let engine = try await library.engine(id: record.definitionId, version: record.definitionVersion, on: database.sql)
        return engine.participatingDepartments(handlingDepartment: record.handlingDepartment).contains(department)
    }

    // MARK: - Submission

    /// Submits a draft, or resubmits after a supplement request; 422 names every missing or
    /// invalid field and material at once.
    public func submit(id: String, by caller: Principal, actor: AuditActor) async throws -> ApplicationRecord {
        let record = try await owned(id, by: caller)
        let status = ApplicationStatus(rawValue: record.status)
        guard status == .draft || status == .supplementRequested else { throw ApplicationProblem.notEditable(record.status) }
        guard let entry = try await catalog.item(code: record.itemCode, division: record.divisionCode, version: record.itemVersion,
                                                 revision: record.catalogRevision) else {
            throw ApplicationProblem.notFound()
        }
        guard entry.isPublished else {
            throw Problem.validation([ApplicationProblem.field("itemCode", "retired", "该事项已停止办理，申请不能提交",
                                                               "the item is no longer offered; the application cannot be submitted")])
        }
        let item = entry.item
        let form = formDefinition(of: record, item: item)
        let values = try Self.decode([String: String].self, record.formJson)
        var issues = form.validateForSubmission(values, divisionExists: divisions.contains, today: today, caseDivision: record.divisionCode)
        let materials = try await store.materials(application: id, on: database.read)
        let present = Set(materials.map(\.materialName))
        for requirement in item.materials where requirement.required == .required && !present.contains(requirement.name) {
            issues.append(ApplicationProblem.field("materials/\(requirement.name)", "required", "请上传“\(requirement.name)”",
                                                   "material \(requirement.name) is missing"))
        }
        if status == .supplementRequested {
            issues += try await unsupplemented(record, materials: materials, item: item)
        }
        if !issues.isEmpty { throw Problem.validation(issues) }
        let action: CaseAction = status == .draft ? .submit : .resubmit
        return try await transition(record, action: action, actor: .applicant, caller: caller, comment: nil, audit: actor)
    }

    /// What the supplement notice waiting for the applicant names (none when there is no such notice).
    static func supplementNamed(_ record: ApplicationRecord) throws -> [String] {
        struct Outstanding: Decodable { var outstandingMaterials: [String] }
        return record.status == ApplicationStatus.supplementRequested.rawValue
            ? try decode(Outstanding.self, record.caseJson).outstandingMaterials : []
    }

    /// During a supplement the applicant changes only what the notice names (`ApplicationStatus.allowsChange`);
    /// callers have refused a case that cannot be changed at all.
    static func checkNamedBySupplement(_ material: String, of record: ApplicationRecord) throws {
        guard let status = ApplicationStatus(rawValue: record.status), status.isEditable,
              try !status.allowsChange(of: material, noticeNames: supplementNamed(record)) else { return }
        throw Problem.validation([ApplicationProblem.field("material", "notRequested", "补正告知未要求“\(material)”，已审查的材料不能更换",
                                                           "the supplement notice does not ask for \(material); reviewed materials stay as they are")])
    }

    /// Every material the supplement notice names must be uploaded again after the notice:
    /// resubmitting what was found faulty would only bring the same notice back.
    private func unsupplemented(_ record: ApplicationRecord, materials: [MaterialRecord], item: ServiceItem) async throws -> [FieldIssue] {
        let timeline = try Self.supplementNamed(record).isEmpty ? [] : try await store.timeline(application: record.id, on: database.read)
        return try awaitingResubmission(record, materials: materials, item: item, timeline: timeline).map { name in
            ApplicationProblem.field("materials/\(name)", "supplementMissing", "请按补正告知重新上传“\(name)”",
                                     "upload \(name) again, as the supplement notice asks")
        }
    }

    /// The materials the waiting supplement notice names that have not been uploaded since it:
    /// what the applicant still has to provide again (none outside a supplement). `timeline` is the
    /// case's, which the caller reads anyway (the view shows it) or only during a supplement.
    func awaitingResubmission(_ record: ApplicationRecord, materials: [MaterialRecord], item: ServiceItem,
                              timeline: [TimelineRecord]) throws -> [String] {
        let named = try Self.supplementNamed(record)
        guard !named.isEmpty else { return [] }
        let requested = timeline
            .last { $0.event == WorkflowEvent.Kind.supplementRequested(materials: []).code }?.occurredAt ?? 0
        let renewed = Set(materials.filter { $0.source == "applicant" && $0.createdAt > requested }.map(\.materialName))
        // Notices from before names were checked against the guide may name what cannot be uploaded.
        let uploadable = Set(item.applicantMaterials.map(\.name))
        return named.filter { uploadable.contains($0) && !renewed.contains($0) }
    }

    // MARK: - Reading

    /// The application if the caller owns it; anyone else learns nothing, not even that it exists.
    func owned(_ id: String, by caller: Principal) async throws -> ApplicationRecord {
        guard let record = try await store.application(id: id, on: database.read), record.applicantId == caller.accountID else {
            throw ApplicationProblem.notFound()
        }
        return record
    }

    /// The application if the caller owns it, takes part in its process, or supervises its division.
    func visible(_ id: String, to caller: Principal) async throws -> ApplicationRecord {
        guard let record = try await store.application(id: id, on: database.read) else { throw ApplicationProblem.notFound() }
        if record.applicantId == caller.accountID { return record }
        // A draft is the applicant's own until it is submitted.
        guard caller.kind == .staff, record.submittedAt != nil else { throw ApplicationProblem.notFound() }
        if caller.hasAny(Reach.subtreeRoles), let division = caller.divisionCode,
           record.divisionCode.hasPrefix(Reach.subtreePrefix(of: division)) {
            return record
        }
        guard try await handles(record, caller) else { throw ApplicationProblem.notFound() }
        return record
    }

    /// The guide at the version the application was filed under: later versions of the
    /// item never change what an application already asks for.
    func boundItem(of record: ApplicationRecord) async throws -> ServiceItem {
        guard let entry = try await catalog.item(code: record.itemCode, division: record.divisionCode, version: record.itemVersion,
                                                 revision: record.catalogRevision) else {
            throw ApplicationProblem.notFound()
        }
        return entry.item
    }

    func formDefinition(of record: ApplicationRecord, item: ServiceItem) -> FormDefinition {
        library.form(for: item, filedUnder: record.formVersion)
    }

    func identity(of caller: Principal, organizationID: String?) async throws -> ApplicantIdentity {
        guard let account = try await accounts.account(id: caller.accountID) else { throw Problem.unauthenticated }
        var identity = ApplicantIdentity(
            accountID: account.id, name: account.displayName, idNumber: try account.idNumberEnc.map(protector.decrypt),
            mobile: try account.mobileEnc.map(protector.decrypt))
        if let organizationID {
            guard let org = try await accounts.organizations(agent: caller.accountID).first(where: { $0.id == organizationID }) else {
                throw Problem.validation([ApplicationProblem.field("organizationId", "notAgent", "您不是该单位的经办人",
                                                                   "you do not act for this organisation")])
            }
            identity.organizationID = org.id
            identity.organizationName = org.name
            identity.creditCode = try protector.decrypt(org.creditCodeEnc)
            identity.organizationDivision = org.divisionCode
        }
        return identity
    }

    func prefill(_ form: FormDefinition, from applicant: ApplicantIdentity) -> [String: String] {
        var values: [String: String] = [:]
        for field in form.fields {
            let value: String? = switch field.prefill {
            case .applicantName: applicant.name
            case .applicantIDNumber: applicant.idNumber
            case .applicantMobile: applicant.mobile
            case .organizationName: applicant.organizationName
            case .organizationCreditCode: applicant.creditCode
            case nil: nil
            }
            if let value { values[field.id] = value }
        }
        return values
    }

    /// The stored form: an object of strings, keys unsorted (read back only by this code).
    static func formJSON(_ values: [String: String]) -> String {
        var writer = JSONTextWriter()
        writer.stringMap(values)
        return writer.text
    }

    private static let decoder = JSONDecoder()

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try decoder.decode(type, from: Data(text.utf8))
    }
}

extension ApplicationRecord {
    /// The case after a material is added or taken back: a new version, so that the change and
    /// a submission or another change of the case, racing it, cannot both be stored.
    func changingMaterials(now: Int64) -> ApplicationRecord {
        var changed = self
        changed.version += 1
        changed.updatedAt = now
        return changed
    }
}

extension AuditActor {
    /// An applicant's act on a case, a workflow move (submitting, withdrawing) too, entered with
    /// the department handling it (from the draft on, the one it is filed with): the supervisors of
    /// that department's divisions then read the whole story of the case, not only its officials'
    /// part. Staff keep their own department.
    func onCase(handledBy department: String) -> AuditActor {
        var actor = self
        if actor.departmentCode == nil { actor.departmentCode = department }
        return actor
    }
}
