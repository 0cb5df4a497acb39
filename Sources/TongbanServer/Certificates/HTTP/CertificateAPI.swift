import Foundation
import Hummingbird
import TongbanCore

/// JSON API of certificates and seals.
struct CertificateAPI {
    let service: CertificateService
    let accounts: any AccountStore
    let reference: any ReferenceStore
    let protector: FieldProtector
    let audit: any AuditLog
    let rateLimiter: SQLRateLimiter

    /// Public verification allows this many requests per client address and minute.
    static let verificationsPerMinute = 60

    init(services: TongbanServices) {
        service = services.certificates
        accounts = services.accounts
        reference = services.reference
        protector = services.protector
        audit = services.audit
        rateLimiter = SQLRateLimiter(database: services.database, limit: Self.verificationsPerMinute, windowMilliseconds: 60_000)
    }

    /// Staff roles that read a department's certificates (each read of one is audited).
    static let readerRoles: Set<Role> = [.windowClerk, .reviewer, .approver, .supervisor, .systemAdmin]
    static let issuerRoles: Set<Role> = [.approver, .systemAdmin]

    struct FieldView: Encodable, Sendable {
        var name: String
        var label: String
        var value: String
        var disclosed: Bool
    }

    struct SealRef: Encodable, Sendable {
        var keyId: String
        var algorithm: String
    }

    struct DepartmentRef: Encodable, Sendable {
        var code: String
        var name: String
    }

    struct CertificateView: Encodable, Sendable {
        var number: String
        var typeCode: String
        var typeName: String
        var holderKind: String
        var holderName: String
        var holderIdentifier: String
        var fields: [FieldView]
        var issuedOn: String
        var expiresOn: String?
        var department: DepartmentRef
        var status: String
        var revokedAt: Date?
        var revokedReason: String?
        var seal: SealRef
        var signature: String
        var applicationId: String?
        var version: Int
        var verifyLink: String
    }

    struct VerificationView: Encodable, Sendable {
        var number: String
        var outcome: String
        var outcomeZh: String
        var typeName: String
        var issuedOn: String
        var expiresOn: String?
        var department: DepartmentRef
        var seal: SealRef
        var disclosed: [FieldView]
    }

    static func label(_ name: String, type: CertificateType?) -> String {
        switch name {
        case HolderClaim.name: "持证人"
        case HolderClaim.identifier: "证件号码"
        default: type?.fields.first { $0.name == name }?.label ?? name
        }
    }

    static func view(_ c: Certificate) -> CertificateView {
        let shown = Set(c.disclosed)
        return CertificateView(
            number: c.number, typeCode: c.content.typeCode, typeName: c.content.typeName, holderKind: c.record.holderKind,
            holderName: c.value(HolderClaim.name) ?? "", holderIdentifier: c.value(HolderClaim.identifier) ?? "",
            fields: c.claims.filter { !$0.name.hasPrefix("holder.") }.map {
                FieldView(name: $0.name, label: label($0.name, type: c.type), value: $0.value, disclosed: shown.contains($0.name))
            },
            issuedOn: c.record.issuedOn, expiresOn: c.record.expiresOn,
            department: DepartmentRef(code: c.content.departmentCode, name: c.content.departmentName),
            status: c.record.status, revokedAt: c.record.revokedAt.map { Date(timeIntervalSince1970: Double($0) / 1000) },
            revokedReason: c.record.revokedReason, seal: SealRef(keyId: c.content.keyID, algorithm: c.content.algorithm.rawValue),
            signature: c.record.signature, applicationId: c.record.applicationId, version: c.record.version,
            verifyLink: "/verify/\(c.number)")
    }

    static func view(_ r: VerificationResult, type: CertificateType?) -> VerificationView {
        VerificationView(
            number: r.content.number, outcome: r.outcome.rawValue, outcomeZh: r.outcome.zh, typeName: r.content.typeName,
            issuedOn: r.content.issuedOn.description, expiresOn: r.content.expiresOn?.description,
            department: DepartmentRef(code: r.content.departmentCode, name: r.content.departmentName),
            seal: SealRef(keyId: r.content.keyID, algorithm: r.content.algorithm.rawValue),
            disclosed: r.disclosed.map { FieldView(name: $0.name, label: label($0.name, type: type), value: $0.value, disclosed: true) })
    }

    /// Ids a person holds certificates under: their own and their organisations'.
    func holderIDs(_ principal: Principal) async throws -> [String] {
        guard principal.kind == .person else { return [principal.accountID] }
        return [principal.accountID] + (try await accounts.organizations(agent: principal.accountID)).map(\.id)
    }

    enum Reader { case holder, staff }

    /// The certificate if the caller may read it whole; a stranger gets 404, not 403, so
    /// numbers cannot be probed.
    func readable(_ number: String, by principal: Principal, holderOnly: Bool = false) async throws -> (Certificate, Reader) {
        guard let certificate = try await service.certificate(number: number) else { throw Problem.notFound("certificate") }
        if try await holderIDs(principal).contains(certificate.record.holderAccountId) { return (certificate, .holder) }
        if !holderOnly, principal.kind == .staff, principal.hasAny(Self.readerRoles),
           let department = try await reference.department(certificate.record.departmentCode),
           Reach.covers(principal, department: department) {
            return (certificate, .staff)
        }
        throw Problem.notFound("certificate")
    }

    /// Counts a public verification against the caller's address; every process shares the counter.
    func throttle(_ context: TongbanContext) async throws {
        guard try await rateLimiter.permit("verify:\(context.remoteAddress ?? "unknown")", now: service.clock()) else {
            throw CertificateError.rateLimited
        }
    }

    struct SealInput: Decodable, Sendable {
        var departmentCode: String
        var algorithm: SealAlgorithm
        var validUntil: String?
    }

    struct SealView: Encodable, Sendable {
        var keyId: String
        var departmentCode: String
        var algorithm: String
        var publicKey: String
        var validFrom: String
        var validUntil: String
        var status: String
    }

    struct IssueInput: Decodable, Sendable {
        var typeCode: String
        var departmentCode: String?
        var holderIdNumber: String?
        var holderCreditCode: String?
        var fields: [String: String]
        var expiresOn: String?
    }

    struct RevocationInput: Decodable, Sendable { var reason: String; var version: Int? }
    struct DisclosureInput: Decodable, Sendable { var fields: [String]; var version: Int? }
    struct PayloadInput: Decodable, Sendable { var payload: String }
    struct ShareView: Encodable, Sendable { var link: String; var payload: String; var disclosed: [String] }

    struct NoticeView: Encodable, Sendable {
        var id: String
        var certificateNumber: String
        var kind: String
        var message: String
        var link: String?
        var createdAt: Date
    }

    /// The holder named by an identifier, looked up through its blind index.
    func resolveHolder(_ input: IssueInput, type: CertificateType) async throws -> CertificateHolder {
        switch type.holderKind {
        case .person:
            guard let raw = input.holderIdNumber?.uppercased() else { throw ValidationFailure(.required("holderIdNumber")) }
            guard let account = try await accounts.account(idNumberIndex: protector.blindIndex(raw, purpose: "resident-id")),
                  account.kind == Principal.Kind.person.rawValue else { throw CertificateError.holderNotFound }
            return CertificateHolder(kind: .person, accountID: account.id, name: account.displayName, identifier: raw)
        case .organization:
            guard let raw = input.holderCreditCode?.uppercased() else { throw ValidationFailure(.required("holderCreditCode")) }
            guard let org = try await accounts.organization(creditCodeIndex: protector.blindIndex(raw, purpose: "credit-code")) else {
                throw CertificateError.holderNotFound
            }
            return CertificateHolder(kind: .organization, accountID: org.id, name: org.name, identifier: raw)
        }
    }

    /// A department the caller may act for: their own, or one in a system administrator's reach.
    func actingDepartment(_ code: String?, for principal: Principal) async throws -> Department {
        let wanted = code ?? principal.departmentCode ?? ""
        guard let department = try await reference.department(wanted) else {
            throw ValidationFailure(FieldIssue(field: "departmentCode", code: "unknown", zh: "部门不存在", en: "unknown department"))
        }
        guard Reach.covers(principal, department: department) else { throw Problem.forbidden }
        return department
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/api/v1/certificate-types", access: .anyone) { _, _ in
            try JSONOut.response(try await service.types())
        }
        routes.get("/api/v1/seals", access: .anyone) { _, _ in
            try JSONOut.response(PublishedKeySet(keys: try await service.publishedKeys()))
        }
        routes.post("/api/v1/seals", access: .roles([.systemAdmin])) { request, context in
            let input = try await JSONBody.decodeStrict(SealInput.self, from: request)
            let department = try await actingDepartment(input.departmentCode, for: context.principal!)
            let until = try Self.date(input.validUntil, field: "validUntil")
            let seal = try await service.rotateSeal(department: department.code, algorithm: input.algorithm, validUntil: until,
                                                    actor: context.auditActor)
            return try JSONOut.response(SealView(keyId: seal.keyId, departmentCode: seal.departmentCode, algorithm: seal.algorithm,
                                                 publicKey: seal.publicKey, validFrom: seal.validFrom, validUntil: seal.validUntil,
                                                 status: seal.status), status: .created)
        }
        routes.post("/api/v1/certificates", access: .roles(Self.issuerRoles)) { request, context in
            let input = try await JSONBody.decode(IssueInput.self, from: request)
            guard let type = try await service.types().first(where: { $0.code == input.typeCode }) else {
                throw CertificateError.unknownType(input.typeCode)
            }
            let department = try await actingDepartment(input.departmentCode, for: context.principal!)
            let holder = try await resolveHolder(input, type: type)
            let expiresOn = try Self.date(input.expiresOn, field: "expiresOn")
            let actor = context.auditActor
            let issued = try await service.database.transaction { db in
                try await service.issue(type: type, holder: holder, fields: input.fields, departmentCode: department.code,
                                        applicationID: nil, expiresOn: expiresOn, actor: actor, on: db)
            }
            return try JSONOut.response(Self.view(issued), status: .created, headers: [.location: "/api/v1/certificates/\(issued.number)"])
        }
        routes.get("/api/v1/certificates", access: .signedIn) { request, context in
            let paging = try Paging(request)
            let caller = context.principal!
            var scope = CertificateScope(holders: try await holderIDs(caller))
            if caller.kind == .staff, request.query("mine") != "true" {
                guard caller.hasAny(Self.readerRoles) else { throw Problem.forbidden }
                scope = CertificateScope(departments: Reach.departments(of: caller, among: try await reference.departments(division: nil)))
                try await audit.append(AuditRecord("certificate.list", targetType: "certificate", detail: "page \(paging.page)"),
                                       actor: context.auditActor)
            }
            let (items, total) = try await service.list(scope, paging: paging)
            return try JSONOut.response(Page(items: items.map(Self.view), total: total, page: paging.page, pageSize: paging.pageSize))
        }
        routes.get("/api/v1/certificates/{number}", access: .signedIn) { _, context in
            let (certificate, reader) = try await readable(try context.parameters.require("number"), by: context.principal!)
            if reader == .staff {
                try await audit.append(AuditRecord("certificate.read", targetType: "certificate", targetID: certificate.number),
                                       actor: context.auditActor)
            }
            return try JSONOut.response(Self.view(certificate))
        }
        routes.get("/api/v1/certificates/{number}/share", access: .signedIn) { request, context in
            let (certificate, _) = try await readable(try context.parameters.require("number"), by: context.principal!, holderOnly: true)
            return try JSONOut.response(ShareView(link: Self.shareLink(certificate, request: request),
                                                  payload: certificate.presentation.payload, disclosed: certificate.disclosed))
        }
        routes.put("/api/v1/certificates/{number}/disclosure", access: .signedIn) { request, context in
            let (certificate, _) = try await readable(try context.parameters.require("number"), by: context.principal!, holderOnly: true)
            let input = try await JSONBody.decode(DisclosureInput.self, from: request)
            let updated = try await service.setDisclosure(certificate, fields: input.fields, version: input.version, actor: context.auditActor)
            return try JSONOut.response(Self.view(updated))
        }
        routes.post("/api/v1/certificates/{number}/revocation", access: .roles(Self.issuerRoles)) { request, context in
            let (certificate, reader) = try await readable(try context.parameters.require("number"), by: context.principal!)
            guard reader == .staff else { throw Problem.notFound("certificate") }
            let input = try await JSONBody.decode(RevocationInput.self, from: request)
            if let version = input.version, version != certificate.record.version {
                throw CertificateError.changedMeanwhile(version: certificate.record.version)
            }
            return try JSONOut.response(Self.view(try await service.revoke(certificate, reason: input.reason, actor: context.auditActor)))
        }
        routes.get("/api/v1/certificates/{number}/verification", access: .anyone) { _, context in
            try await throttle(context)
            guard let certificate = try await service.certificate(number: try context.parameters.require("number")) else {
                throw Problem.notFound("certificate")
            }
            return try JSONOut.response(Self.view(try await service.verify(certificate), type: certificate.type))
        }
        routes.post("/api/v1/certificate-verifications", access: .anyone) { request, context in
            try await throttle(context)
            let input = try await JSONBody.decode(PayloadInput.self, from: request)
            guard let presentation = CertificatePresentation(payload: input.payload) else {
                throw ValidationFailure(FieldIssue(field: "payload", code: "format", zh: "无法识别的证照二维码内容", en: "unrecognised certificate payload"))
            }
            let type = try await service.types().first { $0.code == presentation.content.typeCode }
            return try JSONOut.response(Self.view(try await service.verify(presentation), type: type))
        }
        routes.get("/api/v1/certificate-notices", access: .signedIn) { _, context in
            let notices = try await service.store.notices(account: context.principal!.accountID, on: service.database.sql)
            return try JSONOut.response(notices.map {
                NoticeView(id: $0.id, certificateNumber: $0.certificateNumber, kind: $0.kind, message: $0.message, link: $0.link,
                           createdAt: Date(timeIntervalSince1970: Double($0.createdAt) / 1000))
            })
        }
    }

    static func date(_ text: String?, field: String) throws -> CivilDate? {
        guard let text else { return nil }
        guard let day = CivilDate(iso: text) else {
            throw ValidationFailure(FieldIssue(field: field, code: "format", zh: "\(field) 日期格式应为 YYYY-MM-DD", en: "\(field) must be a YYYY-MM-DD date"))
        }
        return day
    }

    /// The verification URL with the presentation in `p`: what the QR code encodes.
    static func shareLink(_ certificate: Certificate, request: Request) -> String {
        let authority = request.head.authority ?? "127.0.0.1:8080"
        return "http://\(authority)/verify/\(certificate.number)?p=\(certificate.presentation.payload)"
    }
}
