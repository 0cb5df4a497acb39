import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix
import SQLKit
import TongbanCore

/// Registration, log-in, sessions and staff administration. Rules come from the domain
/// core; storage from the narrow stores passed in.
public struct IdentityService: Sendable {
    let database: AppDatabase
    let accounts: any AccountStore
    let reference: any ReferenceStore
    let divisions: DivisionIndex
    let protector: FieldProtector
    let audit: any AuditLog
    let bcryptCost: UInt8
    let bearerLifetime: TimeInterval
    let sessionLifetime: TimeInterval
    let clock: @Sendable () -> Date

    static let maxFailures = 5
    static let failureWindow: Int64 = 15 * 60 * 1000
    static let lockDuration: Int64 = 15 * 60 * 1000

    private var nowMillis: Int64 { Int64(clock().timeIntervalSince1970 * 1000) }
    private var today: CivilDate { CivilDate(instant: clock()) }

    // MARK: Registration

    public struct PersonRegistration: Decodable, Sendable {
        public var name: String
        public var idNumber: String
        public var mobile: String
        public var password: String
    }

    func registerPerson(_ input: PersonRegistration, actor: AuditActor) async throws -> AccountRecord {
        var issues = IssueCollector()
        let name = input.name.trimmed()
        if name.isEmpty || name.count > 50 {
            issues.add(FieldIssue(field: "name", code: "length", zh: "姓名须为 1–50 个字符", en: "name must be 1–50 characters"))
        }
        var resident: ResidentID?
        var mobile: MobileNumber?
        issues.check { resident = try ResidentID(validating: input.idNumber, today: today, divisionExists: divisions.contains) }
        issues.check { mobile = try MobileNumber(validating: input.mobile) }
        issues.check { try PasswordPolicy.check(input.password, userInputs: [input.idNumber, input.mobile]) }
        try issues.throwIfAny()
        guard let resident, let mobile else { throw Problem.validation([]) }

        let idIndex = protector.blindIndex(resident.value, purpose: "resident-id")
        let mobileIndex = protector.blindIndex(mobile.value, purpose: "mobile")
        if try await accounts.account(idNumberIndex: idIndex) != nil { throw IdentityError.duplicateIDNumber }
        if try await accounts.account(mobileIndex: mobileIndex) != nil { throw IdentityError.duplicateMobile }

        let record = AccountRecord(
            id: UUID.newID(), kind: Principal.Kind.person.rawValue, displayName: name, username: nil,
            idNumberEnc: try protector.encrypt(resident.value), idNumberIdx: idIndex,
            mobileEnc: try protector.encrypt(mobile.value), mobileIdx: mobileIndex,
            passwordHash: try await hash(input.password), departmentCode: nil, post: nil,
            roles: Role.person.rawValue, totpSecretEnc: nil, totpLastCounter: nil, failedLogins: 0,
            firstFailedAt: nil, lockedUntil: nil, active: 1, createdAt: nowMillis)
        do {
            try await database.transaction { db in
                try await accounts.insert(record, on: db)
                try await audit.append(AuditRecord("person.register", targetType: "account", targetID: record.id),
                                       actor: actor.with(accountID: record.id, role: Role.person.rawValue), on: db)
            }
        } catch where isUniqueViolation(error) {
            // Two registrations raced past the checks above and a unique index decided;
            // the committed winner tells which identifier collided.
            if try await accounts.account(mobileIndex: mobileIndex) != nil,
               try await accounts.account(idNumberIndex: idIndex) == nil {
                throw IdentityError.duplicateMobile
            }
            throw IdentityError.duplicateIDNumber
        }
        return record
    }

    public struct OrganizationRegistration: Decodable, Sendable {
        public struct Representative: Decodable, Sendable {
            public var name: String
            public var idNumber: String
        }
        public var name: String
        public var creditCode: String
        public var legalRepresentative: Representative
    }

    func registerOrganization(_ input: OrganizationRegistration, by principal: Principal, actor: AuditActor) async throws -> OrganizationRecord {
        var issues = IssueCollector()
        let name = input.name.trimmed()
        if name.isEmpty || name.count > 100 {
            issues.add(FieldIssue(field: "name", code: "length", zh: "名称须为 1–100 个字符", en: "name must be 1–100 characters"))
        }
        var code: CreditCode?
        var representative: ResidentID?
        issues.check { code = try CreditCode(validating: input.creditCode, divisionExists: divisions.contains) }
        issues.check {
            representative = try ResidentID(validating: input.legalRepresentative.idNumber, field: "legalRepresentative/idNumber",
                                            today: today, divisionExists: divisions.contains)
        }
        try issues.throwIfAny()
        guard let code, let representative else { throw Problem.validation([]) }

        guard let person = try await accounts.account(idNumberIndex: protector.blindIndex(representative.value, purpose: "resident-id")),
              person.displayName == input.legalRepresentative.name.trimmed()
        else { throw IdentityError.legalRepresentativeUnknown }
        let codeIndex = protector.blindIndex(code.value, purpose: "credit-code")
        if try await accounts.organization(creditCodeIndex: codeIndex) != nil { throw IdentityError.duplicateCreditCode }

        let org = OrganizationRecord(
            id: UUID.newID(), name: name, creditCodeEnc: try protector.encrypt(code.value),
            creditCodeIdx: codeIndex, divisionCode: code.divisionCode, legalRepresentativeId: person.id, createdAt: nowMillis)
        do {
            try await database.transaction { db in
                try await accounts.insert(org, agent: principal.accountID, on: db, now: nowMillis)
                try await audit.append(AuditRecord("organization.register", targetType: "organization", targetID: org.id),
                                       actor: actor, on: db)
            }
        } catch where isUniqueViolation(error) {
            throw IdentityError.duplicateCreditCode
        }
        return org
    }

    // MARK: Staff

    public struct StaffCreation: Decodable, Sendable {
        public var username: String
        public var name: String
        public var password: String
        public var departmentCode: String
        public var post: String?
        public var roles: [Role]
    }

    func createStaff(_ input: StaffCreation, by principal: Principal?, actor: AuditActor) async throws -> (AccountRecord, otpauthURI: String) {
        var issues = IssueCollector()
        if input.username.wholeMatch(of: /[a-z][a-z0-9._-]{2,31}/) == nil {
            issues.add(FieldIssue(field: "username", code: "format", zh: "用户名须为 3–32 位小写字母、数字或 ._-，以字母开头",
                                  en: "username must be 3–32 lower-case letters, digits or ._- starting with a letter"))
        }
        if input.name.trimmed().isEmpty { issues.add(.required("name")) }
        // Shown in every timeline entry and audit line the member writes.
        // Code points, not characters: combining marks would let one "character" be any length.
        if input.name.unicodeScalars.count > 50 {
            issues.add(FieldIssue(field: "name", code: "tooLong", zh: "姓名不能超过 50 个字", en: "name must be at most 50 characters"))
        }
        if let post = input.post, post.unicodeScalars.count > 50 {
            issues.add(FieldIssue(field: "post", code: "tooLong", zh: "岗位名称不能超过 50 个字", en: "post must be at most 50 characters"))
        }
        let staffRoles = input.roles.filter(\.isStaff)
        if staffRoles.isEmpty || staffRoles.count != input.roles.count {
            issues.add(FieldIssue(field: "roles", code: "invalid", zh: "须至少指定一个工作人员角色，且不能包含公众角色",
                                  en: "give at least one staff role and no public roles"))
        }
        issues.check { try PasswordPolicy.check(input.password, userInputs: [input.username]) }
        try issues.throwIfAny()
        guard let department = try await reference.department(input.departmentCode) else { throw IdentityError.unknownDepartment }
        if let principal, !Reach.covers(principal, department: department) { throw IdentityError.departmentOutOfReach }
        if try await accounts.account(username: input.username) != nil { throw IdentityError.duplicateUsername }

        let secret = TOTP.generateSecret()
        let record = AccountRecord(
            id: UUID.newID(), kind: Principal.Kind.staff.rawValue, displayName: input.name,
            username: input.username, idNumberEnc: nil, idNumberIdx: nil, mobileEnc: nil, mobileIdx: nil,
            passwordHash: try await hash(input.password), departmentCode: department.code, post: input.post,
            roles: Set(staffRoles).map(\.rawValue).sorted().joined(separator: ","),
            totpSecretEnc: try protector.encrypt(TOTP.base32Encode(secret)), totpLastCounter: nil,
            failedLogins: 0, firstFailedAt: nil, lockedUntil: nil, active: 1, createdAt: nowMillis)
        do {
            try await database.transaction { db in
                try await accounts.insert(record, on: db)
                try await audit.append(AuditRecord("staff.create", targetType: "account", targetID: record.id,
                                                   detail: "roles=\(record.roles) department=\(department.code)"),
                                       actor: actor, on: db)
            }
        } catch where isUniqueViolation(error) {
            throw IdentityError.duplicateUsername
        }
        return (record, TOTP.provisioningURI(secret: secret, account: input.username))
    }

    // MARK: Log-in

    public struct Credentials: Decodable, Sendable {
        public var login: String
        public var password: String
        public var otp: String?
        /// Instead of the password, in the web log-in's second step; never read from a JSON body.
        public var ticket: String? = nil

        private enum CodingKeys: String, CodingKey { case login, password, otp }
    }

    /// How long the second log-in step may take.
    static let ticketLifetime: Int64 = 5 * 60 * 1000

    /// Stands for a verified password in the web log-in's second step, so the page asking for the
    /// one-time code never carries the password: the account, an expiry and a MAC keyed by the
    /// data key over both, the password hash (a changed password voids it), the last one-time
    /// code's counter (so the ticket serves one log-in: a success moves the counter) and
    /// `binding`, the browser's CSRF cookie (a ticket copied elsewhere is worthless without it).
    func loginTicket(for account: AccountRecord, now: Int64, binding: String) -> String {
        let expiry = now + Self.ticketLifetime
        return "\(account.id).\(expiry).\(ticketMAC(account, expiry: expiry, binding: binding))"
    }

    private func ticketMAC(_ account: AccountRecord, expiry: Int64, binding: String) -> String {
        protector.blindIndex("\(account.id)|\(expiry)|\(account.passwordHash)|\(account.totpLastCounter ?? -1)|\(binding)",
                             purpose: "login-ticket")
    }

    private func ticketIsValid(_ ticket: String, for account: AccountRecord, now: Int64, binding: String) -> Bool {
        let parts = ticket.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == account.id, let expiry = Int64(parts[1]), expiry > now else { return false }
        return CSRF.constantTimeEqual(ticketMAC(account, expiry: expiry, binding: binding), String(parts[2]))
    }

    public struct IssuedToken: Sendable {
        public var token: String
        public var expiresAt: Date
        public var account: AccountRecord
    }

    /// Looks the login up as a staff user name, a resident ID number or a mobile number.
    private func find(login raw: String) async throws -> AccountRecord? {
        let login = raw.trimmed()
        if let staff = try await accounts.account(username: login.lowercased()) { return staff }
        if login.count == 18 {
            return try await accounts.account(idNumberIndex: protector.blindIndex(login.uppercased(), purpose: "resident-id"))
        }
        return try await accounts.account(mobileIndex: protector.blindIndex(login, purpose: "mobile"))
    }

    /// `ticketBinding`: what a log-in ticket is bound to (the browser's CSRF cookie; see `loginTicket`).
    func logIn(_ credentials: Credentials, kind: SessionKind, actor: AuditActor, ticketBinding: String = "") async throws -> IssuedToken {
        let now = nowMillis
        guard let account = try await find(login: credentials.login), account.active == 1 else {
            _ = try? await hash(credentials.password) // same cost as a real check: no user enumeration by timing
            try await audit.append(AuditRecord("security.login.failed", targetType: "login", outcome: .failure,
                                               detail: "unknown login"), actor: actor)
            throw IdentityError.badCredentials
        }
        let accountActor = actor.with(accountID: account.id, role: account.roles, departmentCode: account.departmentCode)
        if let until = account.lockedUntil, until > now {
            try await audit.append(AuditRecord("security.login.locked", targetType: "account", targetID: account.id,
                                               outcome: .denied), actor: accountActor)
            throw IdentityError.locked(untilMillis: until)
        }
        var failure: IdentityError?
        var counter: Int64?
        let passwordChecked = if let ticket = credentials.ticket, account.kind == Principal.Kind.staff.rawValue {
            ticketIsValid(ticket, for: account, now: now, binding: ticketBinding)
        } else {
            try await verify(credentials.password, hash: account.passwordHash)
        }
        if !passwordChecked {
            failure = .badCredentials
        } else if account.kind == Principal.Kind.staff.rawValue {
            guard let otp = credentials.otp?.trimmed(), !otp.isEmpty else {
                // Right password, second factor still missing: not a failed attempt.
                throw IdentityError.otpRequired(ticket: loginTicket(for: account, now: now, binding: ticketBinding))
            }
            if let enc = account.totpSecretEnc, let secret = TOTP.base32Decode(try protector.decrypt(enc)),
               let matched = TOTP.matchingCounter(code: otp, secret: secret, at: clock()),
               Int64(matched) > (account.totpLastCounter ?? -1) {
                counter = Int64(matched)
            } else {
                failure = .badOTP
            }
        }
        if let failure {
            try await registerFailure(account, now: now, actor: accountActor)
            throw failure
        }

        let token = Self.randomToken()
        let matchedCounter = counter
        let lifetime = kind == .bearer ? bearerLifetime : sessionLifetime
        let expires = now + Int64(lifetime * 1000)
        do {
            try await database.transaction { db in
                // Two log-ins racing with one code: the counter moves once, the other is refused.
                guard try await accounts.recordSuccess(id: account.id, totpCounter: matchedCounter, on: db) else {
                    throw IdentityError.badOTP
                }
                try await accounts.insert(SessionRecord(tokenHash: Self.tokenHash(token), accountId: account.id, kind: kind.rawValue,
                                                        createdAt: now, expiresAt: expires, revokedAt: nil), on: db)
                try await audit.append(AuditRecord("auth.login", targetType: "account", targetID: account.id, detail: kind.rawValue),
                                       actor: accountActor, on: db)
            }
        } catch IdentityError.badOTP {
            try await registerFailure(account, now: now, actor: accountActor)
            throw IdentityError.badOTP
        }
        return IssuedToken(token: token, expiresAt: Date(timeIntervalSince1970: Double(expires) / 1000), account: account)
    }

    private func registerFailure(_ account: AccountRecord, now: Int64, actor: AuditActor) async throws {
        let windowOpen = account.firstFailedAt.map { now - $0 < Self.failureWindow } ?? false
        let failures = windowOpen ? account.failedLogins + 1 : 1
        let first = windowOpen ? account.firstFailedAt : now
        let lock = failures >= Self.maxFailures ? now + Self.lockDuration : nil
        try await database.transaction { db in
            try await accounts.recordFailure(id: account.id, failedLogins: lock == nil ? failures : 0,
                                             firstFailedAt: lock == nil ? first : nil, lockedUntil: lock, on: db)
            try await audit.append(AuditRecord("security.login.failed", targetType: "account", targetID: account.id,
                                               outcome: .failure, detail: "attempt \(failures)"), actor: actor, on: db)
            if lock != nil {
                try await audit.append(AuditRecord("security.account.locked", targetType: "account", targetID: account.id,
                                                   outcome: .denied, detail: "\(failures) failures within 15 minutes"),
                                       actor: actor, on: db)
            }
        }
    }

    func logOut(tokenHash: String, actor: AuditActor) async throws {
        try await database.transaction { db in
            try await accounts.revoke(tokenHash: tokenHash, at: nowMillis, on: db)
            try await audit.append(AuditRecord("auth.logout", targetType: "session"), actor: actor, on: db)
        }
    }

    /// Resolves a presented token to its principal; expired or revoked tokens resolve to nil.
    func principal(forToken token: String, viaCookie: Bool) async throws -> Principal? {
        let hash = Self.tokenHash(token)
        guard let row = try await accounts.sessionPrincipal(tokenHash: hash), row.revokedAt == nil,
              row.expiresAt > nowMillis, row.active == 1
        else { return nil }
        var roles = Set(row.roles.split(separator: ",").compactMap { Role(rawValue: String($0)) })
        let kind = Principal.Kind(rawValue: row.kind) ?? .person
        if kind == .person, row.isAgent != 0 { roles.insert(.organizationAgent) }
        return Principal(accountID: row.accountId, kind: kind, displayName: row.displayName, roles: roles,
                         departmentCode: row.departmentCode, divisionCode: row.departmentDivision,
                         sessionHash: hash, viaCookie: viaCookie)
    }

    // MARK: Helpers

    public enum SessionKind: String, Sendable { case bearer, cookie }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Only the hash of a token is stored, so a database leak yields no usable sessions.
    static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexEncoded
    }

    private func hash(_ password: String) async throws -> String {
        let cost = bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    private func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}

func isUniqueViolation(_ error: any Error) -> Bool {
    let text = String(reflecting: error).lowercased()
    return text.contains("unique") || text.contains("23505")
}

extension AuditActor {
    func with(accountID: String, role: String?, departmentCode: String? = nil) -> AuditActor {
        var copy = self
        copy.accountID = accountID
        copy.role = role
        copy.departmentCode = departmentCode
        return copy
    }
}

/// The set of valid division codes, loaded once: they are reference data that never
/// change while the server runs, and validators need a synchronous lookup.
public struct DivisionIndex: Sendable {
    let codes: Set<String>
    public func contains(_ code: String) -> Bool { codes.contains(code) }
}

extension IdentityService {
    /// First administrator of a fresh installation, created from the command line.
    public func createAdministrator(username: String, name: String, password: String, department: String) async throws -> String {
        let (_, uri) = try await createStaff(
            .init(username: username, name: name, password: password, departmentCode: department, post: "系统管理", roles: [.systemAdmin]),
            by: nil, actor: .system("cli"))
        return uri
    }
}
