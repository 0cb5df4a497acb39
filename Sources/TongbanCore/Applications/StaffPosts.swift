/// The one place where Tongban's staff roles meet the posts of a process definition.
public enum StaffPosts {
    public static func processRole(for role: Role) -> ProcessRole? {
        switch role {
        case .windowClerk: .acceptor
        case .reviewer: .reviewer
        case .approver: .decisionMaker
        case .person, .organizationAgent: .applicant
        case .dispatcher, .handler, .dataSteward, .supervisor, .catalogAdmin, .systemAdmin: nil
        }
    }

    /// Every post some staff account can hold: a definition that grants an action only to other
    /// posts publishes a step nobody can act in.
    public static let staffPosts = Set(Role.allCases.compactMap(processRole(for:))).subtracting([.applicant])

    /// The staff posts an account holds, applicant excluded, in a stable order.
    public static func processRoles(for roles: Set<Role>) -> [ProcessRole] {
        Role.allCases.filter(roles.contains).compactMap(processRole(for:)).filter { $0 != .applicant }
    }

    /// The post under which a staff member takes `action` at `step`: one the step grants,
    /// else any post they hold (so the engine names the refusal).
    public static func actingRole(for roles: Set<Role>, action: ActionKind, at step: Step?) -> ProcessRole? {
        let held = processRoles(for: roles)
        let governing: ActionKind = action == .resume ? .suspend : action
        let granted = step?.action(governing)?.roles ?? []
        return held.first(where: granted.contains) ?? held.first
    }
}
