import TongbanCore

/// Who may see and move an appeal. The citizen who filed it; the department that holds it;
/// the hotline's dispatchers and the supervisors of the division subtree it was raised in.
enum AppealReach {
    /// Roles that reach appeals by where they were raised rather than by who holds them.
    static let areaRoles: Set<Role> = [.dispatcher, .supervisor, .systemAdmin]

    /// Division-code prefix covered by an area role, nil when the caller holds none.
    static func divisionPrefix(_ principal: Principal) -> String? {
        guard principal.kind == .staff, principal.hasAny(areaRoles), let division = principal.divisionCode else { return nil }
        return Reach.subtreePrefix(of: division)
    }

    static func isOwner(_ principal: Principal, _ appeal: AppealRecord) -> Bool {
        principal.kind == .person && appeal.accountId == principal.accountID
    }

    static func holdsIt(_ principal: Principal, _ appeal: AppealRecord) -> Bool {
        principal.has(.handler) && appeal.departmentCode != nil && appeal.departmentCode == principal.departmentCode
    }

    static func inArea(_ principal: Principal, _ appeal: AppealRecord) -> Bool {
        divisionPrefix(principal).map { appeal.divisionCode.hasPrefix($0) } ?? false
    }

    static func canRead(_ principal: Principal, _ appeal: AppealRecord) -> Bool {
        isOwner(principal, appeal) || holdsIt(principal, appeal) || inArea(principal, appeal)
    }

    static func mayPerform(_ command: AppealService.Command, _ principal: Principal, _ appeal: AppealRecord) throws {
        let allowed: Bool
        switch command {
        case .dispatch, .close:
            allowed = inArea(principal, appeal) && principal.hasAny([.dispatcher, .supervisor])
        case .accept, .startHandling, .giveBack, .reply:
            allowed = holdsIt(principal, appeal)
        case .rate:
            // Hotline callers rate by phone; the dispatcher records it for them.
            allowed = isOwner(principal, appeal) || (appeal.accountId == nil && inArea(principal, appeal) && principal.has(.dispatcher))
        case .escalate:
            allowed = inArea(principal, appeal) && principal.hasAny([.dispatcher, .supervisor])
        case .fixLead:
            allowed = inArea(principal, appeal) && principal.has(.supervisor)
        }
        if !allowed { throw Problem.forbidden }
    }
}
