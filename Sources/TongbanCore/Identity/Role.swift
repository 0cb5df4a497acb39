/// What a signed-in account may do. Staff roles are held per department; an
/// account can hold several.
public enum Role: String, Sendable, Codable, CaseIterable, Hashable {
    /// A natural person applying for themselves.
    case person
    /// A person acting for an organisation (法人经办人).
    case organizationAgent
    case windowClerk
    case reviewer
    case approver
    case dispatcher
    case handler
    case dataSteward
    case supervisor
    case catalogAdmin
    case systemAdmin

    public var zh: String {
        switch self {
        case .person: "个人用户"
        case .organizationAgent: "法人经办人"
        case .windowClerk: "受理员"
        case .reviewer: "审查员"
        case .approver: "审批负责人"
        case .dispatcher: "派单员"
        case .handler: "承办人"
        case .dataSteward: "数据管理员"
        case .supervisor: "监察员"
        case .catalogAdmin: "事项目录管理员"
        case .systemAdmin: "系统管理员"
        }
    }

    /// Staff act for the government and are recorded in the audit log with their department.
    public var isStaff: Bool {
        switch self {
        case .person, .organizationAgent: false
        case .windowClerk, .reviewer, .approver, .dispatcher, .handler,
             .dataSteward, .supervisor, .catalogAdmin, .systemAdmin: true
        }
    }
}
