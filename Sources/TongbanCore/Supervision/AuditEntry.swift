import Foundation

/// One act recorded in the audit log (审计日志). Rows are only ever appended;
/// each carries the hash of its predecessor, so editing, deleting or reordering
/// stored rows breaks the chain that `AuditChainVerifier` recomputes.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// Position in the chain, starting at `AuditChain.firstSequence`, without gaps.
    public var sequence: Int64
    /// The instant, in whole milliseconds since 1970: databases keep integers exactly,
    /// while a floating-point timestamp may come back one microsecond off and break the hash.
    public var occurredAtMilliseconds: Int64
    public var actorID: String?
    public var actorRole: String?
    public var departmentCode: String?
    /// What was done, e.g. `application.accept`, `login`, `data.query`.
    public var action: String
    public var targetType: String?
    public var targetID: String?
    /// `success`, `denied` or `failure`.
    public var outcome: String
    public var clientAddress: String?
    public var requestID: String?
    public var detail: String?
    /// Lower-case hex SHA-256 of the preceding entry, or `AuditChain.genesisHash`.
    public var previousHash: String
    /// Lower-case hex SHA-256 of this entry; see `AuditChain.hash(previousHash:entry:)`.
    public var hash: String

    /// Takes the hashes as stored; use `AuditChain.link(_:after:)` to compute them for a new entry.
    public init(
        sequence: Int64 = 0,
        occurredAt: Date,
        actorID: String? = nil,
        actorRole: String? = nil,
        departmentCode: String? = nil,
        action: String,
        targetType: String? = nil,
        targetID: String? = nil,
        outcome: String,
        clientAddress: String? = nil,
        requestID: String? = nil,
        detail: String? = nil,
        previousHash: String = "",
        hash: String = ""
    ) {
        self.sequence = sequence
        self.occurredAtMilliseconds = Self.milliseconds(of: occurredAt)
        self.actorID = actorID
        self.actorRole = actorRole
        self.departmentCode = departmentCode
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.outcome = outcome
        self.clientAddress = clientAddress
        self.requestID = requestID
        self.detail = detail
        self.previousHash = previousHash
        self.hash = hash
    }

    public var occurredAt: Date {
        get { Date(timeIntervalSince1970: Double(occurredAtMilliseconds) / 1000) }
        set { occurredAtMilliseconds = Self.milliseconds(of: newValue) }
    }

    /// Truncates towards the past, so an entry never claims a later instant than it happened.
    static func milliseconds(of date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// What the next entry links to.
    public var tip: AuditChainTip { AuditChainTip(sequence: sequence, hash: hash) }
}

/// The newest entry of a chain, by position and hash. Publishing it from time to
/// time (to another system, on paper, to a supervisor) is what lets a later check
/// notice rows cut off the end, which the chain alone cannot show.
public struct AuditChainTip: Sendable, Hashable, Codable {
    public var sequence: Int64
    public var hash: String

    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }
}
