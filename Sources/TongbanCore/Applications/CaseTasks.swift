/// What a task in a work queue asks for.
public enum TaskKind: String, Sendable, Codable, CaseIterable {
    /// 受理: accept, refuse or ask for a supplement.
    case intake
    /// Act at a review or decision step.
    case handle
    /// Give this department's opinion in a joint review.
    case opinion
    /// The lead department closes a settled joint review.
    case closeJointReview
    /// 办结 / 送达 after the decision.
    case conclude
    /// 督办: an overdue case in the department head's queue.
    case supervise
}

/// One piece of work waiting for a post of a department.
public struct CaseTask: Sendable, Codable, Equatable, Hashable {
    public var departmentCode: String
    public var role: ProcessRole
    public var kind: TaskKind
    public var step: String?

    public init(departmentCode: String, role: ProcessRole, kind: TaskKind, step: String?) {
        self.departmentCode = departmentCode
        self.role = role
        self.kind = kind
        self.step = step
    }
}

extension WorkflowEngine {
    /// The tasks a case in its current state puts in staff queues (车间式流水线). Steps
    /// not bound to a department fall to the case's handling department, which is how one
    /// approval bureau (行政审批局) runs the steps of many departments' items.
    public func openTasks(of workflowCase: WorkflowCase, handlingDepartment: String, escalated: Bool) -> [CaseTask] {
        var tasks: [CaseTask] = []
        func add(_ step: Step, _ action: ActionKind, _ kind: TaskKind, department: String? = nil) {
            guard let role = step.action(action)?.roles.first else { return }
            tasks.append(CaseTask(departmentCode: department ?? step.department ?? handlingDepartment, role: role, kind: kind, step: step.id))
        }
        switch workflowCase.state {
        case .submitted:
            if let step = definition.step(definition.initialStep) { add(step, .accept, .intake) }
        case .accepted(let id):
            guard let step = definition.step(id) else { break }
            if let joint = step.jointReview {
                for participant in joint.participants where workflowCase.opinions[participant.departmentCode] == nil {
                    add(step, .giveOpinion, .opinion, department: participant.departmentCode)
                }
                let settled = JoinResult.evaluate(joint.joinMode, participants: joint.participants.map(\.departmentCode),
                                                  verdicts: workflowCase.opinions.mapValues(\.verdict))
                if settled != .pending { add(step, .approve, .closeJointReview, department: joint.leadDepartment) }
            } else if step.kind == .acceptance {
                add(step, .accept, .intake)
            } else {
                add(step, .approve, .handle)
            }
        case .approved(let id), .rejected(let id):
            guard let step = definition.step(id) else { break }
            add(step, step.action(.conclude) != nil ? .conclude : .deliver, .conclude)
        case .draft, .supplementRequested, .rejectedAtIntake, .concluded, .withdrawn:
            break
        }
        if escalated, !workflowCase.state.isFinal {
            tasks.append(CaseTask(departmentCode: handlingDepartment, role: .decisionMaker, kind: .supervise, step: workflowCase.state.step))
        }
        return tasks
    }

    /// Departments whose staff take part in this definition: they may see its cases.
    public func participatingDepartments(handlingDepartment: String) -> Set<String> {
        var departments: Set<String> = [handlingDepartment]
        for step in definition.steps {
            if let department = step.department { departments.insert(department) }
            for participant in step.jointReview?.participants ?? [] { departments.insert(participant.departmentCode) }
        }
        return departments
    }
}
