import Foundation

public enum CaseAction: Sendable, Equatable, Codable {
    case submit
    case accept
    case refuseToAccept(reason: String)
    /// The one-time notice (一次性告知): every missing or faulty material at once.
    case requestSupplement(materials: [String])
    case resubmit
    case approve
    case reject(reason: String, legalBasis: String)
    case returnToPreviousStep(reason: String)
    case conclude
    case deliver
    case withdraw
    case giveOpinion(JointOpinion)
    /// Stops the clock for a legally excluded period (hearing, expert review, …).
    case suspend(PauseReason)
    case resume

    public var kind: ActionKind {
        switch self {
        case .submit: .submit
        case .accept: .accept
        case .refuseToAccept: .refuseToAccept
        case .requestSupplement: .requestSupplement
        case .resubmit: .resubmit
        case .approve: .approve
        case .reject: .reject
        case .returnToPreviousStep: .returnToPreviousStep
        case .conclude: .conclude
        case .deliver: .deliver
        case .withdraw: .withdraw
        case .giveOpinion: .giveOpinion
        case .suspend: .suspend
        case .resume: .resume
        }
    }

    /// Everything the action's inputs lack or get wrong, all at once: the one-time notice
    /// (一次性告知) holds for an official's input as for an applicant's.
    public var inputIssues: [InputIssue] {
        func required(_ value: String, _ input: WorkflowInput) -> [InputIssue] { value.workflowIsBlank ? [.missing(input)] : [] }
        switch self {
        case .refuseToAccept(let reason), .returnToPreviousStep(let reason):
            return required(reason, .reason)
        case .reject(let reason, let legalBasis):
            return required(reason, .reason) + required(legalBasis, .legalBasis)
        case .giveOpinion(let opinion):
            return opinion.verdict == .disagree ? required(opinion.comment, .comment) : []
        case .requestSupplement(let materials):
            guard !materials.isEmpty else { return [.missing(.materials)] }
            var seen = Set<String>()
            var issues: [InputIssue] = []
            for (index, material) in materials.enumerated() {
                let item = material.trimmed()
                if item.isEmpty {
                    issues.append(.blankMaterial(index: index))
                } else if !seen.insert(item).inserted {
                    issues.append(.duplicateMaterial(item))
                }
            }
            return issues
        case .submit, .accept, .resubmit, .approve, .conclude, .deliver, .withdraw, .suspend, .resume:
            return []
        }
    }
}

/// Applies actions to cases of one process definition. Pure: the date is passed in, and
/// the result is a new case plus the events to append to its history; nothing is stored.
public struct WorkflowEngine: Sendable {
    public let definition: ProcessDefinition

    public init(definition: ProcessDefinition) throws(ValidationFailure) {
        try definition.validate()
        self.definition = definition
    }

    public func newCase(id: String) -> WorkflowCase { WorkflowCase(id: id, definition: definition) }

    public func apply(_ action: CaseAction, by actor: WorkflowActor, to current: WorkflowCase,
                      on date: CivilDate) throws(WorkflowError) -> (case: WorkflowCase, events: [WorkflowEvent]) {
        guard current.definitionID == definition.id, current.definitionVersion == definition.version else {
            throw .definitionMismatch(case: "\(current.definitionID)@\(current.definitionVersion)",
                                      definition: "\(definition.id)@\(definition.version)")
        }
        if let last = current.lastActionOn, date < last { throw .dateOutOfOrder(last: last, given: date) }
        var change = Change(engine: self, actor: actor, date: date, workflowCase: current)
        try change.perform(action)
        change.workflowCase.version += 1
        change.workflowCase.lastActionOn = date
        let version = change.workflowCase.version
        let events = change.events.map { WorkflowEvent(kind: $0, actor: actor, date: date, caseVersion: version) }
        return (change.workflowCase, events)
    }

    /// The step the case is at: intake (受理, the initial step) from submission until
    /// acceptance, also while a notice sent before acceptance waits; none in draft or once final.
    public func step(of workflowCase: WorkflowCase) -> String? {
        switch workflowCase.state {
        case .submitted, .supplementRequested(step: nil): definition.initialStep
        default: workflowCase.state.step
        }
    }

    /// Clocks of the joint-review departments that have not yet given their opinion, each
    /// measured against that department's own limit.
    public func pendingParticipantClocks(of workflowCase: WorkflowCase) -> [String: CaseClock] {
        guard case .accepted(let stepID) = workflowCase.state,
              let joint = definition.step(stepID)?.jointReview,
              let stepClock = workflowCase.stepClock else { return [:] }
        var clocks: [String: CaseClock] = [:]
        for participant in joint.participants where workflowCase.opinions[participant.departmentCode] == nil {
            clocks[participant.departmentCode] = stepClock.withLimit(participant.timeLimit)
        }
        return clocks
    }

    fileprivate var initialStep: Step {
        // `init` validated that the initial step exists.
        definition.step(definition.initialStep)!
    }
}

/// One action being applied: the case under change and the events it produces.
private struct Change {
    let engine: WorkflowEngine
    let actor: WorkflowActor
    let date: CivilDate
    var workflowCase: WorkflowCase
    var events: [WorkflowEvent.Kind] = []

    private var definition: ProcessDefinition { engine.definition }
    private var state: CaseState { workflowCase.state }

    mutating func perform(_ action: CaseAction) throws(WorkflowError) {
        let kind = action.kind
        switch action {
        case .submit:
            try requireApplicant(kind)
            guard state == .draft else { throw notAllowed(kind) }
            workflowCase.state = .submitted
            startIntake()
            events.append(.submitted)

        case .accept:
            guard state == .submitted else { throw notAllowed(kind) }
            let rule = try authorize(kind, at: engine.initialStep)
            workflowCase.clock = CaseClock(limit: definition.timeLimit, startedOn: date)
            events.append(.accepted)
            advance(along: rule)

        case .refuseToAccept(let reason):
            guard state == .submitted else { throw notAllowed(kind) }
            try authorize(kind, at: engine.initialStep)
            try requireInputs(action)
            workflowCase.state = .rejectedAtIntake
            events.append(.refusedAtIntake(reason: reason))

        case .requestSupplement(let materials):
            let stepID: String?
            switch state {
            case .submitted:
                stepID = nil
                try authorize(kind, at: engine.initialStep)
            case .accepted(let id):
                stepID = id
                try authorize(kind, at: currentStep(id))
                try requireClockRunning()
                // In a joint review a department asks for materials while it reviews; once its
                // opinion is given, what it found is in the opinion.
                if definition.step(id)?.jointReview != nil, let department = actor.departmentCode, workflowCase.opinions[department] != nil {
                    throw .opinionAlreadyGiven(department: department)
                }
            default:
                throw notAllowed(kind)
            }
            guard !workflowCase.supplementNoticeSent else { throw .supplementAlreadyRequested }
            try requireInputs(action)
            let items = materials.map { $0.trimmed() }
            workflowCase.supplementNoticeSent = true
            workflowCase.outstandingMaterials = items
            workflowCase.state = .supplementRequested(step: stepID)
            events.append(.supplementRequested(materials: items))
            if stepID != nil { try pauseClocks(.supplement) }

        case .resubmit:
            try requireApplicant(kind)
            guard case .supplementRequested(let stepID) = state else { throw notAllowed(kind) }
            workflowCase.outstandingMaterials = []
            events.append(.resubmitted)
            if let stepID {
                workflowCase.state = .accepted(step: stepID)
                try resumeClocks()
            } else {
                // Before acceptance, complete materials count as a fresh submission, so the
                // intake period starts again.
                workflowCase.state = .submitted
                startIntake()
            }

        case .approve, .reject:
            guard case .accepted(let stepID) = state else { throw notAllowed(kind) }
            let step = try currentStep(stepID)
            let rule = try authorize(kind, at: step)
            try requireClockRunning()
            var reason: String?
            var legalBasis: String?
            if case .reject(let r, let basis) = action {
                try requireInputs(action)
                (reason, legalBasis) = (r, basis)
            }
            let outcome: Decision.Outcome = kind == .approve ? .approved : .rejected
            if let joint = step.jointReview {
                try checkJointClosing(joint, outcome: outcome)
            } else if outcome == .approved, settledJointResult() == .disagreed {
                // The AND join passes only when all agree, and the lead department owns the
                // result so overlapping departments never issue conflicting ones: no later
                // step grants what the joint review refused. Stricter (a rejection) stays open.
                throw .contradictsJointResult
            }
            if step.kind == .decision {
                let decision = Decision(outcome: outcome, reason: reason, legalBasis: legalBasis,
                                        departmentCode: actor.departmentCode, date: date)
                workflowCase.decision = decision
                events.append(.decided(decision))
            } else {
                events.append(.recommended(outcome, reason: reason, legalBasis: legalBasis))
            }
            advance(along: rule)

        case .returnToPreviousStep(let reason):
            guard case .accepted(let stepID) = state else { throw notAllowed(kind) }
            try authorize(kind, at: currentStep(stepID))
            try requireClockRunning()
            try requireInputs(action)
            guard workflowCase.stepPath.count >= 2 else { throw .noPreviousStep }
            workflowCase.stepPath.removeLast()
            let previous = workflowCase.stepPath.removeLast()
            events.append(.returned(from: stepID, to: previous, reason: reason))
            workflowCase.state = .accepted(step: previous)
            enter(previous)

        case .giveOpinion(let opinion):
            guard case .accepted(let stepID) = state else { throw notAllowed(kind) }
            let step = try currentStep(stepID)
            try authorize(kind, at: step)
            guard let joint = step.jointReview else { throw notAllowed(kind) }
            try requireClockRunning()
            guard let department = actor.departmentCode,
                  joint.participants.contains(where: { $0.departmentCode == department }) else {
                throw .departmentNotParticipant(department: actor.departmentCode)
            }
            guard workflowCase.opinions[department] == nil else { throw .opinionAlreadyGiven(department: department) }
            let before = joinResult(joint)
            // ANY: one agreement settles the review, and what is left is the lead's to close. A
            // later opinion would change nothing but would put a department on record against
            // the result the lead then carries out (a 不同意 in the file of a case it passes).
            // AND keeps taking the opinions still missing after a disagreement: each adds its
            // reasons to the refusal, and none can turn it.
            if joint.joinMode == .any, before != .pending { throw .jointReviewSettled(before) }
            try requireInputs(action)
            workflowCase.opinions[department] = opinion
            events.append(.opinionGiven(department: department, opinion))
            let after = joinResult(joint)
            if before == .pending, after != .pending { events.append(.jointReviewSettled(after)) }

        case .conclude, .deliver:
            let stepID: String
            switch state {
            case .approved(let id), .rejected(let id): stepID = id
            default: throw notAllowed(kind)
            }
            let rule = try authorize(kind, at: currentStep(stepID))
            if kind == .deliver { events.append(.delivered) }
            advance(along: rule)

        case .withdraw:
            try requireApplicant(kind)
            switch state {
            case .draft, .submitted, .supplementRequested, .accepted: break
            default: throw notAllowed(kind)
            }
            workflowCase.state = .withdrawn
            events.append(.withdrawn)

        case .suspend(let reason):
            guard case .accepted(let stepID) = state else { throw notAllowed(kind) }
            try authorize(kind, at: currentStep(stepID))
            guard reason != .supplement else { throw .supplementNeedsNotice }
            try requireClockRunning()
            try pauseClocks(reason)

        case .resume:
            guard case .accepted(let stepID) = state else { throw notAllowed(kind) }
            try authorize(kind, at: currentStep(stepID))
            guard workflowCase.clock?.isPaused == true else { throw .clockNotSuspended }
            try resumeClocks()
        }
    }

    // MARK: - Checks

    private func notAllowed(_ kind: ActionKind) -> WorkflowError {
        .notAllowedInState(action: kind, state: state)
    }

    private func requireApplicant(_ kind: ActionKind) throws(WorkflowError) {
        guard actor.role == .applicant else { throw .roleNotPermitted(role: actor.role, action: kind) }
    }

    /// The step must offer the action, to the actor's role and, if the step is bound to a
    /// department, to that department only.
    @discardableResult
    private func authorize(_ kind: ActionKind, at step: Step) throws(WorkflowError) -> StepAction {
        guard let rule = step.action(kind.permission) else { throw notAllowed(kind) }
        guard rule.roles.contains(actor.role) else { throw .roleNotPermitted(role: actor.role, action: kind) }
        if let department = step.department, actor.departmentCode != department {
            throw .departmentNotPermitted(department: actor.departmentCode, step: step.id)
        }
        return rule
    }

    private func currentStep(_ id: String) throws(WorkflowError) -> Step {
        guard let step = definition.step(id) else {
            throw .definitionMismatch(case: id, definition: "\(definition.id)@\(definition.version)")
        }
        return step
    }

    private func requireClockRunning() throws(WorkflowError) {
        if let reason = workflowCase.clock?.pauseReason { throw .clockSuspended(reason) }
    }

    /// Only the lead department closes a joint review, once the opinions settle it; it may
    /// reject what the partners accepted, but not approve over a disagreement.
    private func checkJointClosing(_ joint: JointReview, outcome: Decision.Outcome) throws(WorkflowError) {
        guard actor.departmentCode == joint.leadDepartment else {
            throw .notLeadDepartment(department: actor.departmentCode)
        }
        switch joinResult(joint) {
        case .pending: throw .jointReviewPending
        case .disagreed where outcome == .approved: throw .contradictsJointResult
        case .agreed, .disagreed: break
        }
    }

    /// The result of the joint review the case passed through on its way to the current step.
    /// A return to the joint review enters it afresh (its opinions cleared); a return to before
    /// it takes it off the path, so an old result never binds a later decision.
    private func settledJointResult() -> JoinResult? {
        let joint = workflowCase.stepPath.reversed().lazy.compactMap { definition.step($0)?.jointReview }.first
        return joint.map(joinResult)
    }

    private func joinResult(_ joint: JointReview) -> JoinResult {
        JoinResult.evaluate(joint.joinMode, participants: joint.participants.map(\.departmentCode),
                            verdicts: workflowCase.opinions.mapValues(\.verdict))
    }

    /// Checked once the actor may take the action at all: who may not act learns that first.
    private func requireInputs(_ action: CaseAction) throws(WorkflowError) {
        let issues = action.inputIssues
        if !issues.isEmpty { throw .invalidInput(issues) }
    }

    // MARK: - Moves

    private mutating func startIntake() {
        workflowCase.stepClock = CaseClock(limit: engine.initialStep.timeLimit, startedOn: date)
    }

    /// Follows a transition; a transition with no next step ends the case.
    private mutating func advance(along rule: StepAction) {
        guard let next = rule.next else {
            workflowCase.state = .concluded
            events.append(.concluded)
            return
        }
        switch workflowCase.decision?.outcome {
        case nil: workflowCase.state = .accepted(step: next)
        case .approved: workflowCase.state = .approved(step: next)
        case .rejected: workflowCase.state = .rejected(step: next)
        }
        enter(next)
    }

    private mutating func enter(_ stepID: String) {
        workflowCase.stepPath.append(stepID)
        // A joint review starts afresh; the steps after one keep its opinions for the decider to read.
        if definition.step(stepID)?.jointReview != nil { workflowCase.opinions = [:] }
        workflowCase.stepClock = CaseClock(limit: definition.step(stepID)?.timeLimit ?? 0, startedOn: date)
        events.append(.stepEntered(stepID))
    }

    private mutating func pauseClocks(_ reason: PauseReason) throws(WorkflowError) {
        do {
            try workflowCase.clock?.pause(reason, on: date)
            try workflowCase.stepClock?.pause(reason, on: date)
        } catch {
            throw WorkflowError(error)
        }
        events.append(.clockPaused(reason))
    }

    private mutating func resumeClocks() throws(WorkflowError) {
        do {
            try workflowCase.clock?.resume(on: date)
            try workflowCase.stepClock?.resume(on: date)
        } catch {
            throw WorkflowError(error)
        }
        events.append(.clockResumed)
    }
}

extension WorkflowError {
    fileprivate init(_ error: ClockError) {
        switch error {
        case .alreadyPaused(let reason): self = .clockSuspended(reason)
        // `notStartedFirst` only arises when rebuilding a clock from stored events.
        case .notPaused, .notStartedFirst: self = .clockNotSuspended
        case .dateOutOfOrder(let last, let given): self = .dateOutOfOrder(last: last, given: given)
        }
    }
}
