import Hummingbird
import Logging
import NIOCore
import TongbanCore

/// Who is calling: resolved once per request from the bearer token or session cookie.
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable { case person, staff }
    public var accountID: String
    public var kind: Kind
    public var displayName: String
    public var roles: Set<Role>
    public var departmentCode: String?
    /// Division of the staff member's department; bounds roles that reach a division subtree.
    public var divisionCode: String?
    public var sessionHash: String
    public var viaCookie: Bool

    public func has(_ role: Role) -> Bool { roles.contains(role) }
    public func hasAny(_ wanted: Set<Role>) -> Bool { !roles.isDisjoint(with: wanted) }
    /// The role written into audit entries: the most privileged one held.
    public var auditRole: String { roles.map(\.rawValue).sorted().joined(separator: ",") }
}

public struct TongbanContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// Why the credentials sent were refused or could not be checked (see `AuthenticationMiddleware`).
    public var credentialFailure: (any Error)?
    public let remoteAddress: String?
    /// The loop the request's HTTP connection is served on.
    public let eventLoop: any EventLoop

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.credentialFailure = nil
        self.remoteAddress = source.channel.remoteAddress.flatMap { $0.ipAddress }
        self.eventLoop = source.channel.eventLoop
    }

    /// Bodies are read through `JSONBody`, which applies the 1 MiB cap and names bad fields.
    public var maxUploadSize: Int { 1 << 20 }

    /// Information stamped on every audit entry written while serving this request.
    public var auditActor: AuditActor {
        AuditActor(
            accountID: principal?.accountID, role: principal?.auditRole,
            departmentCode: principal?.departmentCode, clientAddress: remoteAddress, requestID: id)
    }
}

/// The actor fields of an audit entry, taken from the request or given by a CLI command.
public struct AuditActor: Sendable {
    public var accountID: String?
    public var role: String?
    public var departmentCode: String?
    public var clientAddress: String?
    public var requestID: String?

    public init(accountID: String?, role: String?, departmentCode: String?, clientAddress: String?, requestID: String?) {
        self.accountID = accountID
        self.role = role
        self.departmentCode = departmentCode
        self.clientAddress = clientAddress
        self.requestID = requestID
    }

    /// `department`: the department whose case or record the system acts on, so the entry
    /// reaches the supervisors of its divisions as the department's own officials' entries do.
    public static func system(_ name: String, for department: String? = nil) -> AuditActor {
        AuditActor(accountID: "system:\(name)", role: "system", departmentCode: department, clientAddress: nil, requestID: nil)
    }
}
