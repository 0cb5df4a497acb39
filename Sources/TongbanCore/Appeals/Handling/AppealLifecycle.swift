import Foundation

/// What the citizen wants (诉求类型); it decides the reply time limit.
public enum AppealType: String, CaseIterable, Codable, Sendable {
    case complaint, consultation, suggestion, help, report, praise

    public var zh: String {
        switch self {
        case .complaint: "投诉"
        case .consultation: "咨询"
        case .suggestion: "建议"
        case .help: "求助"
        case .report: "举报"
        case .praise: "表扬"
        }
    }

    /// Best guess from a message title, for data that carries no type (the public
    /// message-board exports): questions are consultations, proposals suggestions.
    public static func inferred(fromTitle title: String) -> AppealType {
        if ["咨询", "请问", "询问"].contains(where: title.contains) { return .consultation }
        if title.contains("建议") { return .suggestion }
        if title.contains("举报") { return .report }
        if title.contains("求助") { return .help }
        return .complaint
    }
}

public enum AppealStatus: String, CaseIterable, Codable, Sendable {
    case received, dispatched, accepted, handling, replied, rated, closed, returned, escalated, reopened

    public var zh: String {
        switch self {
        case .received: "已登记"
        case .dispatched: "已派单"
        case .accepted: "已签收"
        case .handling: "办理中"
        case .replied: "已答复"
        case .rated: "已评价"
        case .closed: "已办结"
        case .returned: "已退单"
        case .escalated: "已提级"
        case .reopened: "重新办理"
        }
    }

    /// States in which a department holds the appeal and its reply clock matters.
    public static let withDepartment: Set<AppealStatus> = [.dispatched, .accepted, .handling, .reopened]
    /// States that wait for the department to sign for the appeal (签收).
    public static let awaitingAcceptance: Set<AppealStatus> = [.dispatched, .reopened]
    /// States the hotline's dispatchers must act on.
    public static let awaitingDispatch: Set<AppealStatus> = [.received, .returned]
    public static let finished: Set<AppealStatus> = [.replied, .rated, .closed]
}

public enum AppealRating: String, CaseIterable, Codable, Sendable {
    case satisfied, basicallySatisfied, dissatisfied

    public var zh: String {
        switch self {
        case .satisfied: "满意"
        case .basicallySatisfied: "基本满意"
        case .dissatisfied: "不满意"
        }
    }
}

public enum AppealAction: Sendable, Equatable {
    case dispatch(department: String)
    case accept
    case startHandling
    case giveBack(reason: String)
    case reply
    case rate(AppealRating)
    case escalate
    case fixLead(department: String)
    case close

    public var name: String {
        switch self {
        case .dispatch: "dispatch"
        case .accept: "accept"
        case .startHandling: "handle"
        case .giveBack: "return"
        case .reply: "reply"
        case .rate: "rate"
        case .escalate: "escalate"
        case .fixLead: "fix-lead"
        case .close: "close"
        }
    }
}

public enum AppealTransitionError: Error, Sendable, Equatable {
    case notAllowed(status: AppealStatus, action: String)
    case reasonRequired
    /// A supervisor fixed the lead department (定责); it can no longer hand the appeal back.
    case leadFixed
    case noReply
}

/// The handling state of one appeal and the rules that move it. Pure, so the whole
/// history (returns, escalation, the single reopening) is tested without a database.
public struct AppealFlow: Sendable, Equatable {
    public static let returnsBeforeEscalation = 3
    public static let reopeningsAllowed = 1

    public var status: AppealStatus
    public var department: String?
    public var returnCount: Int
    public var reopenCount: Int
    public var leadFixed: Bool
    public var hasReply: Bool

    public init(status: AppealStatus = .received, department: String? = nil, returnCount: Int = 0,
                reopenCount: Int = 0, leadFixed: Bool = false, hasReply: Bool = false) {
        self.status = status
        self.department = department
        self.returnCount = returnCount
        self.reopenCount = reopenCount
        self.leadFixed = leadFixed
        self.hasReply = hasReply
    }

    public func applying(_ action: AppealAction) throws(AppealTransitionError) -> AppealFlow {
        var next = self
        func refuse() -> AppealTransitionError { .notAllowed(status: status, action: action.name) }
        switch action {
        case .dispatch(let department):
            guard AppealStatus.awaitingDispatch.contains(status) else { throw refuse() }
            next.status = .dispatched
            next.department = department
        case .accept:
            guard AppealStatus.awaitingAcceptance.contains(status) else { throw refuse() }
            next.status = .accepted
        case .startHandling:
            guard status == .accepted else { throw refuse() }
            next.status = .handling
        case .giveBack(let reason):
            guard AppealStatus.awaitingAcceptance.contains(status) || status == .accepted else { throw refuse() }
            guard !reason.trimmed().isEmpty else { throw .reasonRequired }
            guard !leadFixed else { throw .leadFixed }
            next.returnCount += 1
            next.department = nil
            next.status = next.returnCount >= Self.returnsBeforeEscalation ? .escalated : .returned
        case .reply:
            guard status == .accepted || status == .handling else { throw refuse() }
            next.status = .replied
            next.hasReply = true
        case .rate(let rating):
            guard status == .replied else { throw refuse() }
            if rating == .dissatisfied, reopenCount < Self.reopeningsAllowed {
                // Back to the same department, which must sign for it again.
                next.status = .reopened
                next.reopenCount += 1
            } else {
                next.status = .rated
            }
        case .escalate:
            guard AppealStatus.awaitingDispatch.contains(status) || AppealStatus.withDepartment.contains(status) else { throw refuse() }
            next.status = .escalated
            next.department = nil
        case .fixLead(let department):
            guard status == .escalated else { throw refuse() }
            next.status = .dispatched
            next.department = department
            next.leadFixed = true
        case .close:
            guard status == .rated || status == .replied else { throw refuse() }
            guard hasReply else { throw .noReply }
            next.status = .closed
        }
        return next
    }
}
