/// Who acted in an audit entry, as the log shows it to its readers (supervisors and system
/// administrators). Officials are named with their log-in name, since two may share a name. A
/// citizen's name is masked: the readers work no case, and a page listing everyone who signed
/// in would otherwise be a list of citizens' full names read without any record of whose.
public struct AuditParty: Sendable, Equatable {
    public enum Kind: String, Sendable { case person, staff }
    public var kind: Kind
    public var name: String
    public var username: String?

    public init(kind: Kind, name: String, username: String?) {
        self.kind = kind
        self.name = name
        self.username = username
    }

    public var shownName: String {
        switch kind {
        case .person: Masking.maskName(name)
        case .staff: username.map { "\(name)（\($0)）" } ?? name
        }
    }

    /// `party`: the account behind `actorID`, when it is one. A system job is named as such; an
    /// id that names no account (one since removed) is shown as it was recorded.
    public static func label(actorID: String?, party: AuditParty?) -> String? {
        guard let actorID else { return nil }
        if let party { return party.shownName }
        if actorID.hasPrefix("system:") { return "系统（\(actorID.dropFirst("system:".count))）" }
        return actorID
    }
}
