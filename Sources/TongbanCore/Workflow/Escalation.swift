/// What supervision does with a case given its clock: a 黄牌 reminds the handler, a 红牌
/// moves the case into the department head's queue (督办).
public enum Escalation: Sendable, Equatable, Codable {
    case none
    case remindHandler
    case escalateToDepartmentHead

    public init(level: WarningLevel) {
        switch level {
        case .normal: self = .none
        case .warning: self = .remindHandler
        case .overdue: self = .escalateToDepartmentHead
        }
    }

    public var escalatesToDepartmentHead: Bool { self == .escalateToDepartmentHead }
}
