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
                let settled = JoinResult.evaluate(joint.joinMode, participants: joint.participants.map(\.departmentCode),
                                                  verdicts: workflowCase.opinions.mapValues(\.verdict))
                if settled == .pending {
                    for participant in joint.participants where workflowCase.opinions[participant.departmentCode] == nil {
                        add(step, .giveOpinion, .opinion, department: participant.departmentCode)
                    }
                } else {
                    // Once the join is settled (a disagreement under AND, an agreement under ANY) the
                    // opinions still missing change nothing: only the lead's closing is left to do.
                    add(step, .approve, .closeJointReview, department: joint.leadDepartment)
                }
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
        // The head already holding the case's next task sees it flagged as escalated there; a
        // second row for the same case would only be worked twice. Supervision stands at the
        // step the case is at, 受理 before acceptance too (the state names a step only once accepted).
        if escalated, !workflowCase.state.isFinal,
           !tasks.contains(where: { $0.departmentCode == handlingDepartment && $0.role == .decisionMaker }) {
            tasks.append(CaseTask(departmentCode: handlingDepartment, role: .decisionMaker, kind: .supervise, step: step(of: workflowCase)))
        }
        return tasks
    }

    /// Steps bound to no department belong to the handling department; a joint review belongs to
    /// its participants (the engine checks who may close it).
    public static func checkDepartment(_ department: String?, at step: Step, handling: String) throws(WorkflowError) {
        if let joint = step.jointReview {
            guard let department, joint.participants.contains(where: { $0.departmentCode == department }) else {
                throw .departmentNotParticipant(department: department)
            }
        } else if department != (step.department ?? handling) {
            throw .departmentNotPermitted(department: department, step: step.id)
        }
    }

    /// Whether `actor` may take `kind` at `step` at all, whatever the case's state there: the step
    /// offers it to the actor's post and department, and a joint review is closed by its lead.
    public func permits(_ kind: ActionKind, by actor: WorkflowActor, at step: Step, handlingDepartment: String) -> Bool {
        guard step.action(kind.permission)?.roles.contains(actor.role) == true,
              (try? Self.checkDepartment(actor.departmentCode, at: step, handling: handlingDepartment)) != nil else { return false }
        if let joint = step.jointReview, kind == .approve || kind == .reject { return actor.departmentCode == joint.leadDepartment }
        return true
    }

    /// The step the case has left on its way to where it is at which the actor, under any of its
    /// posts, could take `kind` (受理 once accepted, then the steps of its path before the current
    /// one; a step a return walked back from is no longer on the path). Refused at the current step,
    /// such an actor met the case after it moved on, which a lost race looks like; one with no such
    /// step never had a say in the action.
    public func stepLeft(where kind: ActionKind, by roles: [ProcessRole], department: String?, couldAct workflowCase: WorkflowCase,
                         handlingDepartment: String) -> Step? {
        guard !workflowCase.stepPath.isEmpty else { return nil }
        let left = [definition.initialStep] + workflowCase.stepPath.dropLast()
        return left.reversed().lazy.compactMap { self.definition.step($0) }.first { step in
            roles.contains { permits(kind, by: WorkflowActor(role: $0, departmentCode: department), at: step, handlingDepartment: handlingDepartment) }
        }
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

/// Where a case stands against its time limits on one day: what the case page, the queues
/// and the deadline sweep show.
public struct CaseDeadlines: Sendable, Equatable {
    /// Which limit a warning comes from.
    public enum Limit: String, Sendable, Equatable {
        /// 办件时限: the whole case's (before acceptance, the intake period's).
        case whole
        /// 环节时限: the current step's.
        case step
        /// A joint-review department's own limit for its opinion.
        case department
    }

    /// The worst of every running limit.
    public var level: WarningLevel = .normal
    /// The whole case's due date: what the applicant is promised.
    public var dueDate: CivilDate?
    /// The current step's due date.
    public var stepDueDate: CivilDate?
    /// The limit the level comes from (the first due among those at the level), its due date and,
    /// for a department's limit, the department.
    public var governing: Limit?
    public var governingDueDate: CivilDate?
    public var governingDepartment: String?

    public init() {}
}

extension WorkflowEngine {
    /// Deadlines as of `date`. While the applicant owes a supplement, or once the case is
    /// final, nothing runs against the office.
    public func deadlines(of workflowCase: WorkflowCase, asOf date: CivilDate, calendar: WorkingCalendar) -> CaseDeadlines {
        var result = CaseDeadlines()
        switch workflowCase.state {
        case .draft, .supplementRequested, .rejectedAtIntake, .concluded, .withdrawn: return result
        default: break
        }
        let whole = workflowCase.clock?.status(asOf: date, calendar: calendar)
        let step = workflowCase.stepClock?.status(asOf: date, calendar: calendar)
        result.dueDate = (whole ?? step)?.dueDate
        result.stepDueDate = step?.dueDate
        var running: [(CaseDeadlines.Limit, String?, ClockStatus)] = []
        if let whole { running.append((.whole, nil, whole)) }
        if let step { running.append((workflowCase.clock == nil ? .whole : .step, nil, step)) }
        for (department, clock) in pendingParticipantClocks(of: workflowCase).sorted(by: { $0.key < $1.key }) {
            running.append((.department, department, clock.status(asOf: date, calendar: calendar)))
        }
        // The worst level; among limits at that level the one due first, so the date shown is the one that matters.
        func dueFirst(_ a: CivilDate?, _ b: CivilDate?) -> Bool {
            switch (a, b) {
            case let (a?, b?): a < b
            case (.some, nil): true
            default: false
            }
        }
        if let worst = running.min(by: { a, b in a.2.level != b.2.level ? a.2.level > b.2.level : dueFirst(a.2.dueDate, b.2.dueDate) }) {
            result.level = worst.2.level
            result.governing = worst.0
            result.governingDepartment = worst.1
            result.governingDueDate = worst.2.dueDate
        }
        return result
    }

    /// The clock a task runs against: a joint-review department's opinion its own limit, any
    /// other task its step's. Supervision has none of its own: it is there because some limit
    /// passed, and stands where the case's worst limit stands (`CaseDeadlines.governing`).
    public func clock(of task: CaseTask, in workflowCase: WorkflowCase) -> CaseClock? {
        switch task.kind {
        case .opinion: pendingParticipantClocks(of: workflowCase)[task.departmentCode] ?? workflowCase.stepClock
        case .supervise: nil
        case .intake, .handle, .closeJointReview, .conclude: workflowCase.stepClock ?? workflowCase.clock
        }
    }
}
