import Foundation
import SQLKit
import TongbanCore

public enum CertificateError: ProblemConvertible {
    case noActiveSeal(String)
    case unknownType(String)
    case holderNotFound
    case notRevocable
    case changedMeanwhile(version: Int)
    case rateLimited

    public var problem: Problem {
        switch self {
        case .noActiveSeal(let code):
            Problem(.conflict, code: "no-active-seal", zh: "部门 \(code) 没有有效的电子印章，请先由系统管理员创建",
                    en: "department \(code) has no active seal", issues: [FieldIssue(field: "departmentCode", code: "no-seal",
                    zh: "该部门没有有效印章", en: "no active seal for this department")])
        case .unknownType(let code):
            .validation([FieldIssue(field: "typeCode", code: "unknown", zh: "证照类型 \(code) 不存在", en: "unknown certificate type \(code)")])
        case .holderNotFound:
            .validation([FieldIssue(field: "holderIdNumber", code: "not-found", zh: "未找到该证件号码的注册用户",
                                    en: "no registered person with this identifier")])
        case .notRevocable:
            Problem(.conflict, code: "not-revocable", zh: "该证照已撤销", en: "certificate is already revoked")
        case .changedMeanwhile(let version):
            Problem(.conflict, code: "conflict", zh: "证照已被他人修改，请刷新后重试", en: "certificate changed meanwhile",
                    extra: ["currentVersion": version])
        case .rateLimited:
            Problem(.tooManyRequests, code: "rate-limited", zh: "查询过于频繁，请稍后再试", en: "too many verification requests; try again later")
        }
    }
}

/// The party a certificate names.
public struct CertificateHolder: Sendable {
    public var kind: HolderKind
    /// The person's account id, or the organisation's id.
    public var accountID: String
    public var name: String
    /// Resident ID number or credit code.
    public var identifier: String

    public init(kind: HolderKind, accountID: String, name: String, identifier: String) {
        self.kind = kind
        self.accountID = accountID
        self.name = name
        self.identifier = identifier
    }
}

/// A stored certificate with its signed content and claims opened.
public struct Certificate: Sendable {
    public var record: CertificateRecord
    public var content: CertificateContent
    public var claims: [CertificateClaim]
    public var disclosed: [String]
    public var type: CertificateType?

    public var number: String { record.number }
    public var isRevoked: Bool { record.status == "revoked" }
    public func value(_ name: String) -> String? { claims.first { $0.name == name }?.value }

    /// What the holder currently shows to verifiers: the share link and QR code carry it.
    public var presentation: CertificatePresentation {
        let shown = Set(disclosed)
        return CertificatePresentation(content: content, signature: record.signature, disclosed: claims.filter { shown.contains($0.name) })
    }
}

public struct CertificateService: Sendable {
    let database: AppDatabase
    let store: any CertificateStore
    let protector: FieldProtector
    let crypto: SealCrypto
    let audit: any AuditLog
    let clock: @Sendable () -> Date

    init(database: AppDatabase, store: any CertificateStore, protector: FieldProtector,
         audit: any AuditLog, clock: @escaping @Sendable () -> Date) {
        self.database = database
        self.store = store
        self.protector = protector
        self.crypto = SealCrypto(protector: protector)
        self.audit = audit
        self.clock = clock
    }

    var today: CivilDate { CivilDate(instant: clock()) }
    var nowMilliseconds: Int64 { Int64(clock().timeIntervalSince1970 * 1000) }

    /// Adds the bundled certificate types the database does not have yet.
    func seedTypes() async throws {
        let types = try JSONDecoder().decode([CertificateType].self, from: BundledResources.data("certificates/types.json"))
        let now = nowMilliseconds
        try await database.transaction { db in
            for type in types { try await store.insertTypeIfMissing(type, now: now, on: db) }
        }
    }

    public func types(on db: (any SQLDatabase)? = nil) async throws -> [CertificateType] {
        try await store.types(on: db ?? database.sql)
    }

    // MARK: Seals

    /// Creates a department's new seal; the previous active one is retired as of today and
    /// stays published so certificates it sealed still verify.
    public func rotateSeal(department: String, algorithm: SealAlgorithm, validUntil: CivilDate?, actor: AuditActor) async throws -> SealRecord {
        let start = today
        let until = validUntil ?? start.addingMonths(5 * 12)
        guard until >= start else {
            throw ValidationFailure(FieldIssue(field: "validUntil", code: "range", zh: "有效期截止日不能早于今天", en: "validUntil must not be before today"))
        }
        let (privateKey, publicKey) = try SealCrypto.generate(algorithm)
        let keyID = "\(department)-\(start.description.replacingOccurrences(of: "-", with: ""))-\(UUID.randomID().prefix(8))"
        let seal = SealRecord(keyId: keyID, departmentCode: department, algorithm: algorithm.rawValue,
                              publicKey: publicKey.base64EncodedString(), privateKeyEnc: try crypto.wrap(privateKey, keyID: keyID),
                              validFrom: start.description, validUntil: until.description, status: "active",
                              createdAt: nowMilliseconds, retiredAt: nil)
        let now = nowMilliseconds
        return try await database.transaction { db in
            if let old = try await store.activeSeal(department: department, on: db) {
                let oldUntil = CivilDate(iso: old.validUntil).map { min($0, start) } ?? start
                try await store.retire(keyID: old.keyId, validUntil: oldUntil.description, at: now, on: db)
                try await audit.append(AuditRecord("seal.retire", targetType: "seal", targetID: old.keyId,
                                                   detail: "department \(department)"), actor: actor, on: db)
            }
            try await store.insert(seal, on: db)
            try await audit.append(AuditRecord("seal.create", targetType: "seal", targetID: keyID,
                                               detail: "department \(department), \(algorithm.rawValue), valid until \(until)"),
                                   actor: actor, on: db)
            return seal
        }
    }

    /// Every seal's public half, active and retired.
    public func publishedKeys(on db: (any SQLDatabase)? = nil) async throws -> [PublishedSealKey] {
        let db = db ?? database.sql
        var names: [String: String] = [:]
        var keys: [PublishedSealKey] = []
        for seal in try await store.seals(on: db) {
            if names[seal.departmentCode] == nil {
                names[seal.departmentCode] = try await store.department(seal.departmentCode, on: db)?.name ?? seal.departmentCode
            }
            guard let algorithm = SealAlgorithm(rawValue: seal.algorithm), let from = CivilDate(iso: seal.validFrom),
                  let until = CivilDate(iso: seal.validUntil) else { continue }
            keys.append(PublishedSealKey(keyID: seal.keyId, departmentCode: seal.departmentCode,
                                         departmentName: names[seal.departmentCode] ?? seal.departmentCode, algorithm: algorithm,
                                         publicKey: seal.publicKey, validFrom: from, validUntil: until,
                                         status: seal.status == "active" ? .active : .retired))
        }
        return keys
    }

    // MARK: Issuing

    /// Issues and stores a certificate inside the caller's transaction `db`.
    /// `expiresOn` shortens the type's validity when the department grants less than the maximum.
    public func issue(type: CertificateType, holder: CertificateHolder, fields: [String: String], departmentCode: String,
                      applicationID: String?, expiresOn: CivilDate? = nil, actor: AuditActor, on db: any SQLDatabase) async throws -> Certificate {
        let day = today
        let longest = type.validity.expiry(issuedOn: day)
        var issues = IssueCollector()
        issues.check { try type.validate(fields: fields) }
        if let expiresOn, expiresOn < day || longest.map({ expiresOn > $0 }) == true {
            issues.add(FieldIssue(field: "expiresOn", code: "range", zh: "有效期须在今天到 \(longest?.description ?? "长期") 之间",
                                  en: "expiresOn must lie between today and \(longest?.description ?? "no limit")"))
        }
        try issues.throwIfAny()
        guard let seal = try await store.activeSeal(department: departmentCode, on: db),
              let algorithm = SealAlgorithm(rawValue: seal.algorithm),
              let from = CivilDate(iso: seal.validFrom), let until = CivilDate(iso: seal.validUntil), from <= day, day <= until
        else { throw CertificateError.noActiveSeal(departmentCode) }
        guard let department = try await store.department(departmentCode, on: db) else { throw CertificateError.noActiveSeal(departmentCode) }

        var claims = fields.filter { !$0.value.isEmpty }.map { CertificateClaim(salt: CertificateClaim.freshSalt(), name: $0.key, value: $0.value) }
        claims.append(CertificateClaim(salt: CertificateClaim.freshSalt(), name: HolderClaim.name, value: holder.name))
        claims.append(CertificateClaim(salt: CertificateClaim.freshSalt(), name: HolderClaim.identifier, value: holder.identifier))
        claims.sort { $0.name < $1.name }
        let expires = expiresOn ?? longest
        let number = CertificateNumber.make(division: department.divisionCode, issuedOn: day, prefix: type.numberPrefix)
        let content = CertificateContent(number: number, typeCode: type.code, typeName: type.name, holderKind: holder.kind,
                                         issuedOn: day, expiresOn: expires, departmentCode: department.code,
                                         departmentName: department.name, algorithm: algorithm, keyID: seal.keyId, claims: claims)
        let privateKey = try crypto.unwrap(seal.privateKeyEnc, keyID: seal.keyId)
        let signer = try crypto.signer(algorithm, privateKey: privateKey, publicKey: Data(base64Encoded: seal.publicKey) ?? Data())
        let signature = try signer.sign(content.canonicalBytes).base64EncodedString()
        let disclosed = [HolderClaim.name] + type.fields.filter(\.disclosedByDefault).map(\.name)
        let record = CertificateRecord(
            id: UUID.newID(), number: number, typeCode: type.code, applicationId: applicationID,
            holderKind: holder.kind.rawValue, holderAccountId: holder.accountID, departmentCode: department.code,
            issuedOn: day.description, expiresOn: expires?.description,
            expiresAt: expires.map { Int64(($0.dayNumber + 1) * 86_400 - CivilDate.chinaStandardTimeOffset) * 1000 },
            content: try Self.json(content), signature: signature, keyId: seal.keyId,
            claimsEnc: try protector.encrypt(try Self.json(claims)), disclosed: try Self.json(disclosed), status: "active",
            revokedAt: nil, revokedReason: nil, revokedBy: nil, version: 1, reminderClaimedBy: nil, reminderClaimedUntil: nil,
            remindedAt: nil, createdAt: nowMilliseconds)
        try await store.insert(record, on: db)
        try await audit.append(AuditRecord("certificate.issue", targetType: "certificate", targetID: number,
                                           detail: "\(type.code) by seal \(seal.keyId)" + (applicationID.map { ", application \($0)" } ?? "")),
                               actor: actor, on: db)
        return Certificate(record: record, content: content, claims: claims, disclosed: disclosed, type: type)
    }

    /// Called when an application concludes with approval. Returns nil when the item issues
    /// no certificate; issuing twice for one application returns the first certificate.
    public func issueOnApproval(applicationID: String, itemCode: String, holder: CertificateHolder, fields: [String: String],
                                departmentCode: String, on db: any SQLDatabase) async throws -> Certificate? {
        guard let type = try await store.types(on: db).first(where: { $0.itemCodes.contains(itemCode) }) else { return nil }
        if let existing = try await store.certificate(applicationID: applicationID, on: db) {
            return try open(existing, types: [type])
        }
        return try await issue(type: type, holder: holder, fields: fields, departmentCode: departmentCode,
                               applicationID: applicationID, actor: .system("certificates", for: departmentCode), on: db)
    }

    /// The certificate fields an approved application's form fills, by the type's field specs.
    public func formFields(for itemCode: String, form: [String: String], on db: any SQLDatabase) async throws -> [String: String] {
        guard let type = try await store.types(on: db).first(where: { $0.itemCodes.contains(itemCode) }) else { return [:] }
        var fields: [String: String] = [:]
        for spec in type.fields {
            if let value = form[spec.formField ?? spec.name], !value.isEmpty { fields[spec.name] = spec.text(for: value) }
        }
        return fields
    }

    /// The number of the holder's valid certificate of a type, for filling a material from
    /// the wallet (免证办). Every application for an item that takes the certificate asks.
    public func heldCertificateNumber(type: String, holderAccountID: String, on db: (any SQLDatabase)? = nil) async throws -> String? {
        let day = today
        return try await store.active(type: type, holder: holderAccountID, on: db ?? database.sql).first {
            $0.expiresOn.flatMap(CivilDate.init(iso:)).map { $0 >= day } ?? true
        }?.number
    }

    // MARK: Reading

    public func certificate(number: String, on db: (any SQLDatabase)? = nil) async throws -> Certificate? {
        guard CertificateNumber.isWellFormed(number),
              let record = try await store.certificate(number: number, on: db ?? database.sql) else { return nil }
        return try open(record, types: try await store.types(on: db ?? database.sql))
    }

    func open(_ record: CertificateRecord, types: [CertificateType]) throws -> Certificate {
        let decoder = JSONDecoder()
        return Certificate(
            record: record,
            content: try decoder.decode(CertificateContent.self, from: Data(record.content.utf8)),
            claims: try decoder.decode([CertificateClaim].self, from: Data(try protector.decrypt(record.claimsEnc).utf8)),
            disclosed: try decoder.decode([String].self, from: Data(record.disclosed.utf8)),
            type: types.first { $0.code == record.typeCode })
    }

    func list(_ scope: CertificateScope, paging: Paging) async throws -> (items: [Certificate], total: Int) {
        let (records, total) = try await store.certificates(scope, paging: paging, on: database.sql)
        let types = try await store.types(on: database.sql)
        return (try records.map { try open($0, types: types) }, total)
    }

    // MARK: Changes

    public func revoke(_ certificate: Certificate, reason: String, actor: AuditActor) async throws -> Certificate {
        let trimmed = reason.trimmed()
        guard (2...500).contains(trimmed.count) else {
            throw ValidationFailure(FieldIssue(field: "reason", code: "length", zh: "撤销理由须为 2 到 500 个字符",
                                               en: "reason must be 2 to 500 characters"))
        }
        guard !certificate.isRevoked else { throw CertificateError.notRevocable }
        let now = nowMilliseconds
        let number = certificate.number
        let won = try await database.transaction { db in
            guard try await store.revoke(number: number, version: certificate.record.version, reason: trimmed,
                                         by: actor.accountID, at: now, on: db) else { return false }
            try await audit.append(AuditRecord("certificate.revoke", targetType: "certificate", targetID: number, detail: trimmed),
                                   actor: actor, on: db)
            return true
        }
        guard won, let current = try await self.certificate(number: number) else {
            let current = try await self.certificate(number: number)
            if current?.isRevoked == true { throw CertificateError.notRevocable }
            throw CertificateError.changedMeanwhile(version: current?.record.version ?? 0)
        }
        return current
    }

    /// The holder chooses which fields verifiers see.
    public func setDisclosure(_ certificate: Certificate, fields: [String], version: Int?, actor: AuditActor) async throws -> Certificate {
        let names = Set(certificate.claims.map(\.name))
        let unknown = fields.filter { !names.contains($0) }
        if !unknown.isEmpty {
            throw ValidationFailure(unknown.map {
                FieldIssue(field: "fields", code: "unknown", zh: "证照没有字段 \($0)", en: "certificate has no field \($0)")
            })
        }
        let disclosed = try Self.json(Array(Set(fields)).sorted())
        let expected = version ?? certificate.record.version
        let number = certificate.number
        let won = try await database.transaction { db in
            guard try await store.setDisclosed(number: number, version: expected, disclosed: disclosed, on: db) else { return false }
            try await audit.append(AuditRecord("certificate.disclosure", targetType: "certificate", targetID: number,
                                               detail: fields.sorted().joined(separator: ",")), actor: actor, on: db)
            return true
        }
        let current = try await self.certificate(number: number)
        guard won, let current else { throw CertificateError.changedMeanwhile(version: current?.record.version ?? 0) }
        return current
    }

    // MARK: Verification

    /// Checks a stored certificate as its holder currently presents it.
    public func verify(_ certificate: Certificate) async throws -> VerificationResult {
        try await verify(certificate.presentation, revoked: certificate.isRevoked)
    }

    /// Checks a presented payload; revocation comes from the register when the number is known here.
    public func verify(_ presentation: CertificatePresentation, revoked: Bool? = nil) async throws -> VerificationResult {
        var isRevoked = revoked
        if isRevoked == nil {
            isRevoked = try await certificate(number: presentation.content.number)?.isRevoked ?? false
        }
        let checker = CertificateChecker(keys: try await publishedKeys(), verifiers: SealCrypto.verifiers)
        return checker.check(presentation, today: today, revoked: isRevoked ?? false)
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
