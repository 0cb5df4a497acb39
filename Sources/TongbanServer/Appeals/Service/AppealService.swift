import Foundation
import SQLKit
import TongbanCore

/// Hotline settings administrators may change: the time limits and the confidence below
/// which a person, not the classifier, picks the department.
public struct AppealSettings: Codable, Sendable, Equatable {
    public var timeLimits: AppealTimeLimits
    public var confidenceThreshold: Double

    public static let standard = AppealSettings(timeLimits: .standard, confidenceThreshold: AppealRoutingDecision.defaultThreshold)

    func validate() throws {
        var issues = IssueCollector()
        issues.check { try timeLimits.validate() }
        if !(0...1).contains(confidenceThreshold) {
            issues.add(FieldIssue(field: "confidenceThreshold", code: "range", zh: "置信度阈值应在 0 到 1 之间", en: "confidenceThreshold must be within 0...1"))
        }
        try issues.throwIfAny()
    }
}

/// Who files an appeal.
enum AppealFiler: Sendable {
    /// A signed-in person, possibly for an organisation they act for.
    case account(Principal, organizationID: String?)
    /// A hotline operator typing in a phone call.
    case hotline(operator: Principal, phone: String?, name: String?, anonymous: Bool)
    /// An Open311 client holding an administrator-issued key.
    case open311(keyID: String, phone: String?, name: String?)
}

struct AppealInput: Decodable, Sendable {
    struct Attachment: Decodable, Sendable {
        var name: String
        var contentType: String
        var contentBase64: String
    }
    var type: AppealType
    var title: String
    var text: String
    var divisionCode: String
    var address: String
    var latitude: Double?
    var longitude: Double?
    var organizationId: String?
    var attachments: [Attachment]?
}

struct HotlineInput: Decodable, Sendable {
    var callerPhone: String?
    var callerName: String?
    var anonymous: Bool?
    var appeal: AppealInput

    enum CodingKeys: String, CodingKey { case callerPhone, callerName, anonymous }

    init(callerPhone: String?, callerName: String?, anonymous: Bool?, appeal: AppealInput) {
        self.callerPhone = callerPhone
        self.callerName = callerName
        self.anonymous = anonymous
        self.appeal = appeal
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        callerPhone = try c.decodeIfPresent(String.self, forKey: .callerPhone)
        callerName = try c.decodeIfPresent(String.self, forKey: .callerName)
        anonymous = try c.decodeIfPresent(Bool.self, forKey: .anonymous)
        appeal = try AppealInput(from: decoder)
    }
}

/// The 12345 hotline: intake, routing, handling and its clocks. Every change is one
/// transaction with its history event and audit entry.
public struct AppealService: Sendable {
    let database: AppDatabase
    let store: any AppealStore
    let reference: any ReferenceStore
    let accounts: any AccountStore
    let protector: FieldProtector
    let audit: any AuditLog
    let classifier: AppealClassifier
    let calendars: CalendarBook
    var calendar: WorkingCalendar { calendars.current }
    let clock: @Sendable () -> Date

    static let settingName = "hotline"
    static let maxAttachments = 5
    static let maxAttachmentBytes = 512 * 1024
    static let attachmentTypes: Set<String> = ["image/jpeg", "image/png", "application/pdf"]

    var now: Int64 { Int64(clock().timeIntervalSince1970 * 1000) }
    var today: CivilDate { CivilDate(instant: clock()) }

    func settings() async throws -> AppealSettings {
        AppealJSON.decode(AppealSettings.self, try await store.setting(Self.settingName)) ?? .standard
    }

    func update(settings: AppealSettings, actor: AuditActor) async throws {
        try settings.validate()
        let value = AppealJSON.string(settings)
        let at = now
        try await database.transaction { db in
            try await store.set(setting: Self.settingName, value: value, now: at, on: db)
            try await audit.append(AuditRecord("appeal.settings.update", targetType: "appealSettings", targetID: Self.settingName, detail: value),
                                   actor: actor, on: db)
        }
    }

    // MARK: Intake

    struct Filed: Sendable {
        var appeal: AppealRecord
        /// Set when the appeal repeats an earlier one; the citizen is told.
        var duplicateOf: String?
    }

    func validate(_ input: AppealInput) async throws -> [AppealAttachmentRecord] {
        var issues = IssueCollector()
        func text(_ value: String, _ field: String, max: Int) {
            let trimmed = value.trimmed()
            if trimmed.isEmpty { issues.add(.required(field)) } else if trimmed.count > max {
                issues.add(FieldIssue(field: field, code: "length", zh: "\(field) 不能超过 \(max) 字", en: "\(field) must be at most \(max) characters"))
            }
        }
        text(input.title, "title", max: 100)
        text(input.text, "text", max: 4000)
        text(input.address, "address", max: 200)
        if input.divisionCode.isEmpty { issues.add(.required("divisionCode")) }
        else if try await !reference.divisionExists(input.divisionCode) {
            issues.add(FieldIssue(field: "divisionCode", code: "unknown", zh: "行政区划代码不存在", en: "unknown division code"))
        }
        switch (input.latitude, input.longitude) {
        case (nil, .some): issues.add(FieldIssue(field: "latitude", code: "required", zh: "填写经度时须同时填写纬度", en: "latitude is required with longitude"))
        case (.some, nil): issues.add(FieldIssue(field: "longitude", code: "required", zh: "填写纬度时须同时填写经度", en: "longitude is required with latitude"))
        default: break
        }
        if let lat = input.latitude, !(-90...90).contains(lat) {
            issues.add(FieldIssue(field: "latitude", code: "range", zh: "纬度应在 -90 到 90 之间", en: "latitude must be within -90...90"))
        }
        if let lon = input.longitude, !(-180...180).contains(lon) {
            issues.add(FieldIssue(field: "longitude", code: "range", zh: "经度应在 -180 到 180 之间", en: "longitude must be within -180...180"))
        }
        var attachments: [AppealAttachmentRecord] = []
        let files = input.attachments ?? []
        if files.count > Self.maxAttachments {
            issues.add(FieldIssue(field: "attachments", code: "count", zh: "附件最多 \(Self.maxAttachments) 个", en: "at most \(Self.maxAttachments) attachments"))
        }
        for (i, file) in files.prefix(Self.maxAttachments).enumerated() {
            let field = "attachments/\(i)"
            if file.name.trimmed().isEmpty || file.name.count > 100 {
                issues.add(FieldIssue(field: "\(field)/name", code: "invalid", zh: "附件名称应为 1 到 100 字", en: "name must be 1 to 100 characters"))
            }
            if !Self.attachmentTypes.contains(file.contentType) {
                issues.add(FieldIssue(field: "\(field)/contentType", code: "unsupported", zh: "附件仅支持 JPEG、PNG、PDF", en: "only JPEG, PNG and PDF are accepted"))
            }
            guard let data = Data(base64Encoded: file.contentBase64), !data.isEmpty else {
                issues.add(FieldIssue(field: "\(field)/contentBase64", code: "format", zh: "附件内容不是有效的 Base64", en: "content is not valid base64"))
                continue
            }
            if data.count > Self.maxAttachmentBytes {
                issues.add(FieldIssue(field: "\(field)/contentBase64", code: "size", zh: "单个附件不能超过 512 KiB", en: "an attachment may be at most 512 KiB"))
            }
            attachments.append(AppealAttachmentRecord(id: UUID.newID(), appealId: "", name: file.name,
                                                      contentType: file.contentType, size: data.count, data: data, createdAt: 0))
        }
        try issues.throwIfAny()
        return attachments
    }

    func file(_ input: AppealInput, by filer: AppealFiler, actor: AuditActor) async throws -> Filed {
        var attachments = try await validate(input)
        var accountID: String?
        var organizationID: String?
        var channel = "web"
        var callerName: String?
        var phone: String?
        var anonymous = false
        var enteredBy: String?
        var keyID: String?
        switch filer {
        case .account(let principal, let organization):
            accountID = principal.accountID
            channel = principal.viaCookie ? "web" : "api"
            if let organization {
                guard try await accounts.organizations(agent: principal.accountID).contains(where: { $0.id == organization }) else {
                    throw ValidationFailure(FieldIssue(field: "organizationId", code: "notAgent", zh: "您不是该法人的经办人", en: "you do not act for this organisation"))
                }
                organizationID = organization
            }
            callerName = principal.displayName
        case .hotline(let op, let number, let name, let anon):
            channel = "hotline"
            enteredBy = op.accountID
            anonymous = anon
            callerName = anon ? nil : name?.trimmed().nilIfEmpty
            phone = try Self.validatedPhone(number, required: !anon)
        case .open311(let key, let number, let name):
            channel = "open311"
            keyID = key
            callerName = name?.nilIfEmpty
            phone = try Self.validatedPhone(number, required: false)
        }
        let phoneIndex = phone.map { protector.blindIndex($0, purpose: "appeal-caller") }

        let settings = try await settings()
        let classification = classifier.classify(title: input.title, text: input.text)
        let table = AppealRoutingTable(try await store.routes())
        let decision = AppealRoutingDecision.decide(classification, division: input.divisionCode, table: table,
                                                    threshold: settings.confidenceThreshold)

        let at = now
        let since = at - Int64(AppealDuplicateRule.window * 1000)
        var candidates = try await store.recent(divisionPrefix: input.divisionCode, since: since)
        for other in try await store.recent(callerAccount: accountID, callerPhoneIndex: phoneIndex, since: since)
        where !candidates.contains(where: { $0.id == other.id }) { candidates.append(other) }
        let id = UUID.newID()
        let fingerprint = AppealFingerprint(id: id, caller: accountID ?? phoneIndex, divisionCode: input.divisionCode,
                                            address: input.address, title: input.title, text: input.text, filedAt: clock())
        let match = AppealDuplicateRule.match(fingerprint, among: candidates.map(\.fingerprint))
        let first = try await match.asyncMap { try await store.appeal(id: $0.firstID) } ?? nil

        let priority = try AppealPriority.assess(title: input.title, text: input.text, repeatCount: 0)
        let day = today
        let reply = AppealDeadline(limit: settings.timeLimits.replyLimit(for: input.type), startedOn: day, calendar: calendar)
        var record = AppealRecord(
            id: id, channel: channel, accountId: accountID, organizationId: organizationID, callerName: callerName,
            callerPhoneEnc: try phone.map(protector.encrypt), callerPhoneIdx: phoneIndex, anonymous: anonymous ? 1 : 0,
            enteredBy: enteredBy, type: input.type.rawValue, title: input.title.trimmed(),
            content: input.text.trimmed(), divisionCode: input.divisionCode,
            address: input.address.trimmed(), latitude: input.latitude, longitude: input.longitude,
            category: decision.category.rawValue, confidence: (decision.confidence * 10_000).rounded() / 10_000,
            suggestions: AppealJSON.string(decision.suggestions), routingNote: decision.manualReason?.rawValue,
            priorityScore: priority.score, priorityLevel: priority.level.rawValue,
            priorityReasons: AppealJSON.string(priority.reasons.map(PriorityReasonView.init)),
            status: AppealStatus.received.rawValue, departmentCode: nil, returnCount: 0, reopenCount: 0, leadFixed: 0,
            duplicateOf: first?.id, duplicateReason: match?.reason.rawValue, repeatCount: 0,
            acceptDueOn: nil, acceptOverdueFrom: nil, replyLimit: reply.limit, replyStartedOn: day.description,
            replyDueOn: reply.dueOn.description, replyWarnFrom: reply.warnFrom.description, replyOverdueFrom: reply.overdueFrom.description,
            replyText: nil, replyFlags: nil, repliedAt: nil, repliedBy: nil, rating: nil, ratingNote: nil,
            open311Token: keyID == nil ? nil : UUID.randomID(), open311KeyId: keyID,
            createdAt: at, updatedAt: at, version: 1)
        var events = [event(record, action: "create", from: nil, actor: actor.accountID, note: channel)]
        if let first {
            // A repeat is answered with the first appeal's reply, never handled twice.
            if let answer = first.replyText {
                record.status = AppealStatus.replied.rawValue
                record.replyText = answer
                record.repliedAt = at
                events.append(event(record, action: "reply", from: .received, actor: nil, note: "repeat of \(first.id)", seq: 1))
            }
        } else if let department = decision.departmentCode {
            record = try dispatched(record, to: department, settings: settings)
            events.append(event(record, action: "dispatch", from: .received, actor: nil,
                                note: "auto \(decision.category.rawValue) \(record.confidence ?? 0)", seq: 1))
        }
        for i in attachments.indices { attachments[i].appealId = id; attachments[i].createdAt = at }
        let firstPriority = try first.map { try AppealPriority.assess(title: $0.title, text: $0.content, repeatCount: $0.repeatCount + 1) }
        let stored = record
        let files = attachments
        let history = events
        let via = channel
        try await database.transaction { db in
            try await store.insert(stored, on: db)
            for e in history { try await store.insert(e, on: db) }
            for file in files { try await store.insert(file, on: db) }
            if let first, let firstPriority {
                try await store.incrementRepeats(of: first.id, priority: firstPriority, on: db)
            }
            try await audit.append(AuditRecord("appeal.create", targetType: "appeal", targetID: id,
                                               detail: "channel=\(via) status=\(stored.status) department=\(stored.departmentCode ?? "-")\(first.map { " duplicateOf=\($0.id)" } ?? "")"),
                                   actor: actor, on: db)
        }
        return Filed(appeal: stored, duplicateOf: first?.id)
    }

    static func validatedPhone(_ raw: String?, required: Bool) throws -> String? {
        let digits = raw?.filter { !$0.isWhitespace && $0 != "-" } ?? ""
        if digits.isEmpty {
            if required { throw ValidationFailure(.required("callerPhone")) }
            return nil
        }
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), (7...12).contains(digits.count) else {
            throw ValidationFailure(FieldIssue(field: "callerPhone", code: "format", zh: "来电号码应为 7 到 12 位数字", en: "callerPhone must be 7 to 12 digits"))
        }
        return digits
    }

    func dispatched(_ record: AppealRecord, to department: String, settings: AppealSettings) throws -> AppealRecord {
        var copy = record
        copy.apply(try transition(copy.flow, .dispatch(department: department)))
        let accept = AppealDeadline(limit: settings.timeLimits.acceptDays, startedOn: today, calendar: calendar)
        copy.acceptDueOn = accept.dueOn.description
        copy.acceptOverdueFrom = accept.overdueFrom.description
        return copy
    }

    func transition(_ flow: AppealFlow, _ action: AppealAction) throws -> AppealFlow {
        do { return try flow.applying(action) } catch { throw AppealError.transition(error) }
    }

    func event(_ record: AppealRecord, action: String, from: AppealStatus?, actor: String?, note: String?, seq: Int = 0) -> AppealEventRecord {
        AppealEventRecord(id: UUID.newID(), appealId: record.id, occurredAt: now, appealVersion: record.version, seq: seq,
                          actorId: actor, action: action,
                          fromStatus: from?.rawValue, toStatus: record.status, departmentCode: record.departmentCode, note: note)
    }

    // MARK: Handling

    enum Command: Sendable {
        case dispatch(department: String, category: AppealCategory?)
        case accept
        case startHandling
        case giveBack(reason: String)
        case reply(text: String, acknowledgeFlags: Bool)
        case rate(AppealRating, note: String?)
        case escalate(reason: String?)
        case fixLead(department: String)
        case close
    }

    /// Applies one handling step for `principal`, who must already be allowed to see the appeal.
    func perform(_ command: Command, on id: String, by principal: Principal, actor: AuditActor) async throws -> AppealRecord {
        guard let current = try await store.appeal(id: id), AppealReach.canRead(principal, current) else { throw Problem.notFound("appeal") }
        try AppealReach.mayPerform(command, principal, current)
        let settings = try await settings()
        var next = current
        var note: String?
        var extra: [AppealEventRecord] = []
        switch command {
        case .dispatch(let department, let category):
            try await requireDepartment(department, field: "departmentCode")
            if let category { next.category = category.rawValue }
            next = try dispatched(next, to: department, settings: settings)
            note = category.map { "category \($0.rawValue)" }
        case .accept:
            next.apply(try transition(next.flow, .accept))
        case .startHandling:
            next.apply(try transition(next.flow, .startHandling))
        case .giveBack(let reason):
            next.apply(try transition(next.flow, .giveBack(reason: reason)))
            next.acceptDueOn = nil
            next.acceptOverdueFrom = nil
            note = reason
        case .reply(let text, let acknowledge):
            next.apply(try transition(next.flow, .reply))
            let result = check(reply: text, for: current)
            if !result.flags.isEmpty && !acknowledge { throw AppealError.replyFlagged(result.flags) }
            next.replyText = text.trimmed()
            next.replyFlags = AppealJSON.string(result.flags.map(\.rawValue))
            next.repliedAt = now
            next.repliedBy = principal.accountID
            note = result.flags.isEmpty ? nil : "flags " + result.flags.map(\.rawValue).joined(separator: ",")
        case .rate(let rating, let ratingNote):
            next.apply(try transition(next.flow, .rate(rating)))
            next.rating = rating.rawValue
            next.ratingNote = ratingNote?.trimmed().nilIfEmpty
            note = [rating.zh, next.ratingNote].compactMap { $0 }.joined(separator: "：")
            if next.appealStatus == .reopened {
                // Reopened to the same department with a fresh clock.
                let accept = AppealDeadline(limit: settings.timeLimits.acceptDays, startedOn: today, calendar: calendar)
                let reply = AppealDeadline(limit: next.replyLimit, startedOn: today, calendar: calendar)
                next.acceptDueOn = accept.dueOn.description
                next.acceptOverdueFrom = accept.overdueFrom.description
                next.replyStartedOn = today.description
                next.replyDueOn = reply.dueOn.description
                next.replyWarnFrom = reply.warnFrom.description
                next.replyOverdueFrom = reply.overdueFrom.description
            } else {
                next.version = current.version + 1
                extra.append(event(next, action: "rate", from: .replied, actor: principal.accountID, note: note))
                let rated = next.appealStatus
                next.apply(try transition(next.flow, .close))
                extra.append(event(next, action: "close", from: rated, actor: principal.accountID, note: nil, seq: 1))
            }
        case .escalate(let reason):
            next.apply(try transition(next.flow, .escalate))
            note = reason
        case .fixLead(let department):
            try await requireDepartment(department, field: "departmentCode")
            next.apply(try transition(next.flow, .fixLead(department: department)))
            let accept = AppealDeadline(limit: settings.timeLimits.acceptDays, startedOn: today, calendar: calendar)
            next.acceptDueOn = accept.dueOn.description
            next.acceptOverdueFrom = accept.overdueFrom.description
        case .close:
            next.apply(try transition(next.flow, .close))
        }
        next.updatedAt = now
        next.version = current.version + 1
        let events = extra.isEmpty ? [event(next, action: Self.actionName(command), from: current.appealStatus, actor: principal.accountID, note: note)] : extra
        let saved = next
        let replyText = next.replyText
        let repliedNow: Bool = { if case .reply = command { return true } else { return false } }()
        try await database.transaction { db in
            guard try await store.update(saved, expectedVersion: current.version, on: db) else {
                throw AppealError.lostUpdate(currentStatus: current.status, version: current.version)
            }
            for e in events { try await store.insert(e, on: db) }
            var detail = "\(current.status)→\(saved.status) department=\(saved.departmentCode ?? "-")"
            if repliedNow, let replyText {
                let repeats = try await store.answerRepeats(of: saved.id, replyText: replyText, at: saved.updatedAt, by: principal.accountID, on: db)
                if !repeats.isEmpty { detail += " answeredRepeats=\(repeats.joined(separator: ","))" }
            }
            try await audit.append(AuditRecord("appeal.\(Self.actionName(command))", targetType: "appeal", targetID: saved.id, detail: detail),
                                   actor: actor, on: db)
        }
        return saved
    }

    static func actionName(_ command: Command) -> String {
        switch command {
        case .dispatch: "dispatch"
        case .accept: "accept"
        case .startHandling: "handle"
        case .giveBack: "return"
        case .reply: "reply"
        case .rate: "rate"
        case .escalate: "escalate"
        case .fixLead: "fix-lead"
        case .close: "close"
        }
    }

    func requireDepartment(_ code: String, field: String) async throws {
        guard try await reference.department(code) != nil else {
            throw ValidationFailure(FieldIssue(field: field, code: "unknown", zh: "单位不存在", en: "unknown department"))
        }
    }

    func deadline(of appeal: AppealRecord) -> AppealDeadline? {
        CivilDate(iso: appeal.replyStartedOn).map { AppealDeadline(limit: appeal.replyLimit, startedOn: $0, calendar: calendar) }
    }

    func check(reply text: String, for appeal: AppealRecord) -> ReplyCheck.Result {
        ReplyCheck.check(appealTitle: appeal.title, appealText: appeal.content, reply: text, deadline: deadline(of: appeal), repliedOn: today)
    }

    /// Warning level of the clock that matters now: acceptance while waiting for it, else the reply.
    func clockLevel(_ appeal: AppealRecord) -> WarningLevel {
        let status = appeal.appealStatus
        if AppealStatus.finished.contains(status) { return .normal }
        let day = today.description
        if AppealStatus.awaitingAcceptance.contains(status), let overdue = appeal.acceptOverdueFrom, day >= overdue { return .overdue }
        if day >= appeal.replyOverdueFrom { return .overdue }
        if day >= appeal.replyWarnFrom { return .warning }
        return .normal
    }

    // MARK: Routing table

    func upsert(route: AppealRoute, actor: AuditActor) async throws {
        var issues = IssueCollector()
        if try await !reference.divisionExists(route.divisionCode) {
            issues.add(FieldIssue(field: "divisionCode", code: "unknown", zh: "行政区划代码不存在", en: "unknown division code"))
        }
        if try await reference.department(route.departmentCode) == nil {
            issues.add(FieldIssue(field: "departmentCode", code: "unknown", zh: "单位不存在", en: "unknown department"))
        }
        try issues.throwIfAny()
        let at = now
        try await database.transaction { db in
            try await store.upsert(route, now: at, on: db)
            try await audit.append(AuditRecord("appeal.route.upsert", targetType: "appealRoute", targetID: "\(route.category.rawValue)@\(route.divisionCode)",
                                               detail: route.departmentCode), actor: actor, on: db)
        }
    }

    func delete(route category: AppealCategory, division: String, actor: AuditActor) async throws {
        try await database.transaction { db in
            guard try await store.delete(route: category, division: division, on: db) else { throw Problem.notFound("route") }
            try await audit.append(AuditRecord("appeal.route.delete", targetType: "appealRoute", targetID: "\(category.rawValue)@\(division)"),
                                   actor: actor, on: db)
        }
    }

    // MARK: Hot topics

    static let spikeLookback: TimeInterval = 15 * 86_400

    func messages(_ appeals: [AppealRecord]) -> [HotTopicMessage] {
        appeals.map {
            HotTopicMessage(id: $0.id, author: $0.accountId ?? $0.callerPhoneIdx, title: $0.title, text: $0.content,
                            postedAt: $0.filedAt, likes: $0.repeatCount)
        }
    }

    /// Appeals younger than this may still be inside a transaction that has not committed
    /// (their creation time is taken before it), so the watcher leaves them to its next turn.
    static let spikeSettling: Int64 = 5_000

    /// Raises supervisor alerts for topics that spike above their baseline among the appeals
    /// filed since the last check, mining each city's recent appeals once. Runs in the
    /// background (`HotTopicWatcher`), not in the filing request. The alerts of a window and
    /// the watermark moving past it commit together: a turn that dies midway leaves the
    /// window to the next turn, and of two processes checking one window only the first to
    /// move the watermark stores its alerts. Returns how many new appeals were looked at.
    @discardableResult
    func watchSpikes() async throws -> Int {
        let until = Int64(clock().timeIntervalSince1970 * 1000) - Self.spikeSettling
        let lookback = Int64(Self.spikeLookback * 1000)
        let checked = try await store.spikeWatermark()
        guard checked < until else { return 0 }
        // The first turn on a database only sets the watermark: what was filed before the
        // watcher existed is not news (and demo data would cost every start a full mining).
        let fresh = checked == 0 ? [] : try await store.created(after: max(checked, until - lookback), until: until)
        var found: [(alert: AppealAlertRecord, detail: String)] = []
        for (city, appeals) in Dictionary(grouping: fresh, by: { String($0.divisionCode.prefix(4)) }) {
            found += try await spikes(city: city, newlyFiled: appeals)
        }
        let alerts = found
        let store = self.store
        let audit = self.audit
        let moved = try await database.transaction { db in
            guard try await store.moveSpikeWatermark(from: checked, to: until, on: db) else { return false }
            for (alert, detail) in alerts where try await store.insertIfNew(alert, on: db) {
                try await audit.append(AuditRecord("appeal.hotTopic.alert", targetType: "appealAlert", targetID: alert.id, detail: detail),
                                       actor: .system("hot-topics"), on: db)
            }
            return true
        }
        return moved ? fresh.count : 0
    }

    private func spikes(city: String, newlyFiled: [AppealRecord]) async throws -> [(alert: AppealAlertRecord, detail: String)] {
        guard let latest = newlyFiled.max(by: { $0.createdAt < $1.createdAt }) else { return [] }
        let recent = try await store.recent(divisionPrefix: city, since: latest.createdAt - Int64(Self.spikeLookback * 1000))
        let fresh = Set(newlyFiled.map(\.id))
        var found: [(alert: AppealAlertRecord, detail: String)] = []
        for topic in HotTopicMiner().topics(messages(recent), asOf: latest.filedAt) {
            let members = recent.filter { topic.memberIDs.contains($0.id) }
            // Judged as of the newest appeal that joined the topic in this window.
            guard let anchor = members.filter({ fresh.contains($0.id) }).max(by: { $0.filedAt < $1.filedAt }),
                  let spike = HotTopicSpikeRule().evaluate(members.map(\.filedAt).filter { $0 <= anchor.filedAt },
                                                          asOf: anchor.filedAt) else { continue }
            let alert = AppealAlertRecord(
                id: UUID.newID(), topicKey: topic.key, day: CivilDate(instant: anchor.filedAt).description,
                divisionCode: city + "00", title: topic.representative.title, recent: spike.recent,
                baselinePerDay: (spike.baselinePerDay * 100).rounded() / 100, createdAt: anchor.createdAt)
            found.append((alert, "topic=\(topic.key) recent=\(spike.recent)"))
        }
        return found
    }
}

extension AppealRecord {
    var fingerprint: AppealFingerprint {
        AppealFingerprint(id: id, caller: accountId ?? callerPhoneIdx, divisionCode: divisionCode, address: address,
                          title: title, text: content, filedAt: filedAt, duplicateOf: duplicateOf)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
