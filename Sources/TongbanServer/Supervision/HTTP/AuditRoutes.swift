import Foundation
import Hummingbird
import TongbanCore

/// Supervisors read the audit log (API and page); each read is itself recorded.
struct AuditRoutes {
    let audit: any AuditLog
    let reference: any ReferenceStore
    let views: ViewRenderer

    static let readers: Set<Role> = [.supervisor, .systemAdmin]

    struct EntryView: Encodable, Sendable {
        var sequence: Int64
        var occurredAt: Date
        var actorId: String?
        /// Who `actorId` is, as `AuditParty.label` shows it.
        var actorName: String?
        var actorRole: String?
        var departmentCode: String?
        var departmentName: String?
        var action: String
        var targetType: String?
        var targetId: String?
        var outcome: String
        var clientAddress: String?
        var requestId: String?
        var detail: String?
        var previousHash: String
        var hash: String

        init(_ e: AuditEntry, _ parties: AuditParties) {
            sequence = e.sequence; occurredAt = Date(timeIntervalSince1970: Double(e.occurredAtMilliseconds) / 1000); actorId = e.actorID; actorRole = e.actorRole
            actorName = AuditParty.label(actorID: e.actorID, party: e.actorID.flatMap { parties.accounts[$0] })
            departmentCode = e.departmentCode; departmentName = e.departmentCode.flatMap { parties.departments[$0] }; action = e.action; targetType = e.targetType; targetId = e.targetID
            outcome = e.outcome; clientAddress = e.clientAddress; requestId = e.requestID; detail = e.detail
            previousHash = e.previousHash; hash = e.hash
        }
    }

    /// Province-level (or national) supervisors see the whole log, including citizens'
    /// security events; others only the entries of departments within their reach.
    func scope(of principal: Principal) async throws -> [String]? {
        if let division = principal.divisionCode, division.hasSuffix("0000") { return nil }
        return Reach.departments(of: principal, among: try await reference.departments(division: nil)) ?? nil
    }

    func filter(from request: Request, principal: Principal) async throws -> AuditFilter {
        var filter = AuditFilter()
        var issues: [FieldIssue] = []
        filter.actorID = request.query("actor")
        filter.action = request.query("action")
        filter.targetType = request.query("targetType")
        filter.targetID = request.query("targetId")
        if let raw = request.query("outcome") {
            if let o = AuditOutcome(rawValue: raw) { filter.outcome = o } else {
                issues.append(FieldIssue(field: "outcome", code: "enum", zh: "outcome 只能是 success、denied 或 failure",
                                         en: "outcome must be success, denied or failure"))
            }
        }
        for (name, keyPath) in [("from", \AuditFilter.from), ("to", \AuditFilter.to)] {
            if let raw = request.query(name) {
                if let date = Request.instant(raw) { filter[keyPath: keyPath] = date } else {
                    issues.append(FieldIssue(field: name, code: "format", zh: "\(name) 须为 ISO 8601 时间", en: "\(name) must be an ISO 8601 time"))
                }
            }
        }
        if !issues.isEmpty { throw Problem.badRequest("查询参数有误", "invalid query parameters", issues: issues) }
        filter.departments = try await scope(of: principal)
        return filter
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/api/v1/audit", access: .roles(Self.readers)) { request, context in
            let paging = try Paging(request, defaultSize: 50, maxSize: 500)
            let filter = try await filter(from: request, principal: context.principal!)
            let (entries, total) = try await audit.list(filter, paging: paging)
            try await audit.append(AuditRecord("audit.read", targetType: "audit_log"), actor: context.auditActor)
            let parties = try await audit.parties(of: entries)
            return try JSONOut.response(Page(items: entries.map { EntryView($0, parties) }, total: total, page: paging.page, pageSize: paging.pageSize))
        }
        routes.get("/api/v1/audit/verification", access: .roles(Self.readers)) { _, context in
            let result = try await audit.verify()
            try await audit.append(AuditRecord("audit.verify", targetType: "audit_log"), actor: context.auditActor)
            return try JSONOut.response(result.summary)
        }
        routes.get("/audit", access: .roles(Self.readers)) { request, context in
            let paging = try Paging(request, defaultSize: 50, maxSize: 200)
            let filter = try await filter(from: request, principal: context.principal!)
            let (entries, total) = try await audit.list(filter, paging: paging)
            // Walking the whole chain costs a read of every entry, so the page does it only when asked.
            var chainStatus = "未校验"
            if request.query("verify") == "1" {
                let summary = try await audit.verify().summary
                chainStatus = summary.ok ? "完整（共 \(summary.count) 条）" : "已被篡改：\(summary.message)"
                try await audit.append(AuditRecord("audit.verify", targetType: "audit_log"), actor: context.auditActor)
            }
            try await audit.append(AuditRecord("audit.read", targetType: "audit_log"), actor: context.auditActor)
            let parties = try await audit.parties(of: entries)
            let kept = request.queryFields.filter { $0.key != "page" && $0.key != "verify" }.map { ($0.key, $0.value) }
            let page = AuditPage(
                chainStatus: chainStatus, verifyLink: ViewRenderer.link("/audit", query: kept + [("verify", "1")]),
                filterAction: filter.action ?? "", filterActor: filter.actorID ?? "",
                entries: entries.map { EntryView($0, parties) }.map { e in
                    ["sequence": String(e.sequence), "time": e.occurredAt.formatted(.iso8601),
                     "actor": e.actorName ?? "", "actorId": e.actorId ?? "",
                     "department": e.departmentName ?? e.departmentCode ?? "", "departmentCode": e.departmentCode ?? "", "action": e.action,
                     "target": [e.targetType, e.targetId].compactMap { $0 }.joined(separator: ":"),
                     "outcome": e.outcome, "client": e.clientAddress ?? ""]
                },
                total: total, pageNumber: paging.page,
                previous: paging.page > 1 ? ViewRenderer.link("/audit", query: kept + [("page", String(paging.page - 1))]) : nil,
                next: paging.page * paging.pageSize < total ? ViewRenderer.link("/audit", query: kept + [("page", String(paging.page + 1))]) : nil)
            return views.page("audit", page, request: request, context: context)
        }
    }

    struct AuditPage: Sendable {
        var chainStatus: String
        var verifyLink: String
        var filterAction: String
        var filterActor: String
        var entries: [[String: String]]
        var total: Int
        var pageNumber: Int
        var previous: String?
        var next: String?
    }
}

extension AuditVerification {
    struct Summary: Encodable, Sendable {
        var ok: Bool
        var count: Int
        var brokenAtSequence: Int64?
        var message: String
    }

    var summary: Summary {
        switch self {
        case .ok(let count):
            Summary(ok: true, count: count, brokenAtSequence: nil, message: "OK")
        case .broken(let sequence, let reason):
            Summary(ok: false, count: 0, brokenAtSequence: sequence, message: "第 \(sequence) 条：\(reason.zh) / entry \(sequence): \(reason.en)")
        }
    }
}
