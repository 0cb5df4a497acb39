import Foundation
import Testing
@testable import TongbanCore

@Suite struct JointReviewTests {
    static let lead = "scjgj"
    static let fire = "xfjg"
    static let health = "wsjkw"

    static func reviewer(_ department: String) -> WorkflowActor {
        WorkflowActor(role: .reviewer, departmentCode: department)
    }

    static func definition(_ mode: JoinMode) -> ProcessDefinition {
        .withJointReview(id: "restaurant", name: "开办餐馆", timeLimit: 15,
                         participants: [JointParticipant(departmentCode: lead, timeLimit: 5),
                                        JointParticipant(departmentCode: fire, timeLimit: 3),
                                        JointParticipant(departmentCode: health, timeLimit: 4)],
                         leadDepartment: lead, joinMode: mode, jointReviewDays: 5, decisionDays: 3)
    }

    private func inJointReview(_ mode: JoinMode) throws -> CaseRun {
        var run = try CaseRun(Self.definition(mode), on: try day("2026-03-02"))
        try run.act(.submit, by: .applicant)
        try run.act(.accept, by: WorkflowActor(role: .acceptor, departmentCode: Self.lead))
        #expect(run.current.state == .accepted(step: "jointReview"))
        return run
    }

    private let agree = CaseAction.giveOpinion(JointOpinion(.agree, comment: "符合要求"))
    private let disagree = CaseAction.giveOpinion(JointOpinion(.disagree, comment: "消防通道不达标"))
    private let reject = CaseAction.reject(reason: "消防验收不合格", legalBasis: "《消防法》第十五条")

    @Test func joinEvaluation() {
        let parties = ["a", "b", "c"]
        #expect(JoinResult.evaluate(.all, participants: parties, verdicts: ["a": .agree, "b": .agree]) == .pending)
        #expect(JoinResult.evaluate(.all, participants: parties, verdicts: ["a": .agree, "b": .agree, "c": .agree]) == .agreed)
        #expect(JoinResult.evaluate(.all, participants: parties, verdicts: ["b": .disagree]) == .disagreed)
        #expect(JoinResult.evaluate(.any, participants: parties, verdicts: ["a": .disagree, "b": .disagree]) == .pending)
        #expect(JoinResult.evaluate(.any, participants: parties, verdicts: ["c": .agree]) == .agreed)
        #expect(JoinResult.evaluate(.any, participants: parties, verdicts: ["a": .disagree, "b": .disagree, "c": .disagree]) == .disagreed)
        #expect(JoinResult.evaluate(.all, participants: parties, verdicts: ["x": .disagree]) == .pending, "outsiders do not count")
    }

    @Test func andJoinNeedsEveryAgreement() throws {
        var run = try inJointReview(.all)
        try run.act(agree, by: Self.reviewer(Self.lead))
        try run.act(agree, by: Self.reviewer(Self.fire))
        run.refuses(.approve, by: Self.reviewer(Self.lead), with: .jointReviewPending)
        try run.act(agree, by: Self.reviewer(Self.health))
        #expect(run.events.last?.kind == .jointReviewSettled(.agreed))
        run.refuses(.approve, by: Self.reviewer(Self.fire), with: .notLeadDepartment(department: Self.fire))
        try run.act(.approve, by: Self.reviewer(Self.lead))
        #expect(run.current.state == .accepted(step: "decision"))
        #expect(run.current.opinions.count == 3, "the decision step shows the opinions it decides on")
        // Nobody gives an opinion outside a joint review, even with the opinions still shown.
        run.refuses(agree, by: Self.reviewer(Self.fire), with: .notAllowedInState(action: .giveOpinion, state: .accepted(step: "decision")))
    }

    /// What lets two departments' opinions, given at once, both stand (the server tries the second again).
    @Test func anotherDepartmentsOpinionIsTheOnlyIndependentChange() throws {
        var run = try inJointReview(.all)
        let seen = run.current.opinionIndependentJSON
        try run.act(agree, by: Self.reviewer(Self.fire))
        try run.act(agree, by: Self.reviewer(Self.lead))
        #expect(run.current.opinionIndependentJSON == seen, "opinions, and the counters they move, aside")
        try run.act(agree, by: Self.reviewer(Self.health))
        let settled = run.current.opinionIndependentJSON
        try run.act(.approve, by: Self.reviewer(Self.lead))
        #expect(run.current.opinionIndependentJSON != settled, "the review closed: the case moved on")
    }

    @Test func aDepartmentAsksForMaterialsBeforeItsOpinionNotAfter() throws {
        var run = try inJointReview(.all)
        try run.act(agree, by: Self.reviewer(Self.fire))
        run.refuses(.requestSupplement(materials: ["消防设计图"]), by: Self.reviewer(Self.fire),
                    with: .opinionAlreadyGiven(department: Self.fire))
        try run.act(.requestSupplement(materials: ["卫生许可证明"]), by: Self.reviewer(Self.health))
        #expect(run.current.state == .supplementRequested(step: "jointReview"))
    }

    @Test func andJoinDisagreementRecommendsRejection() throws {
        var run = try inJointReview(.all)
        try run.act(disagree, by: Self.reviewer(Self.fire))
        #expect(run.events.suffix(2).map(\.kind) == [
            .opinionGiven(department: Self.fire, JointOpinion(.disagree, comment: "消防通道不达标")),
            .jointReviewSettled(.disagreed),
        ])
        run.refuses(.approve, by: Self.reviewer(Self.lead), with: .contradictsJointResult)
        run.refuses(.reject(reason: "消防验收不合格", legalBasis: " "), by: Self.reviewer(Self.lead), with: .invalidInput([.missing(.legalBasis)]))
        // Later opinions are still recorded but do not settle the review again.
        try run.act(agree, by: Self.reviewer(Self.health))
        #expect(run.events.last?.kind == .opinionGiven(department: Self.health, JointOpinion(.agree, comment: "符合要求")))
        try run.act(reject, by: Self.reviewer(Self.lead))
        #expect(run.current.state == .accepted(step: "decision"))
        #expect(run.current.decision == nil, "the joint review only recommends")
    }

    @Test func anyJoinSettlesOnTheFirstAgreement() throws {
        var run = try inJointReview(.any)
        try run.act(disagree, by: Self.reviewer(Self.health))
        run.refuses(.reject(reason: "x", legalBasis: "y"), by: Self.reviewer(Self.lead), with: .jointReviewPending)
        try run.act(agree, by: Self.reviewer(Self.fire))
        #expect(run.events.last?.kind == .jointReviewSettled(.agreed))
        try run.act(.approve, by: Self.reviewer(Self.lead))
        #expect(run.current.state == .accepted(step: "decision"))
    }

    /// Issue #4 (F3): under ANY the first agreement settles the review and leaves only the lead's
    /// closing, so no department goes on record against the result once it stands.
    @Test func anyJoinTakesNoOpinionOnceSettled() throws {
        var run = try inJointReview(.any)
        try run.act(agree, by: Self.reviewer(Self.fire))
        #expect(run.events.last?.kind == .jointReviewSettled(.agreed))
        run.refuses(disagree, by: Self.reviewer(Self.lead), with: .jointReviewSettled(.agreed))
        run.refuses(agree, by: Self.reviewer(Self.health), with: .jointReviewSettled(.agreed))
        // Who may not give an opinion at all, or gave one already, still learns that first.
        run.refuses(agree, by: Self.reviewer("fgw"), with: .departmentNotParticipant(department: "fgw"))
        run.refuses(disagree, by: Self.reviewer(Self.fire), with: .opinionAlreadyGiven(department: Self.fire))
        // Refused before its inputs are read: a blank disagreement is refused for the settlement.
        run.refuses(.giveOpinion(JointOpinion(.disagree, comment: "")), by: Self.reviewer(Self.health), with: .jointReviewSettled(.agreed))
        #expect(run.current.opinions.keys.sorted() == [Self.fire])
        try run.act(.approve, by: Self.reviewer(Self.lead))
        #expect(run.current.state == .accepted(step: "decision"))
        #expect(run.current.opinions == [Self.fire: JointOpinion(.agree, comment: "符合要求")])
        #expect(WorkflowError.jointReviewSettled(.agreed).issues.map(\.code) == ["jointReviewSettled"])
        #expect(WorkflowError.jointReviewSettled(.agreed).issues.first?.messageZh.contains("联合审查意见已汇总") == true)

        // Disagreements before the agreement were asked for and stay on record.
        var mixed = try inJointReview(.any)
        try mixed.act(disagree, by: Self.reviewer(Self.health))
        try mixed.act(agree, by: Self.reviewer(Self.fire))
        mixed.refuses(disagree, by: Self.reviewer(Self.lead), with: .jointReviewSettled(.agreed))
        #expect(Set(mixed.current.opinions.keys) == [Self.health, Self.fire])
    }

    /// ANY settles on a disagreement only once every department disagreed: nobody is left to
    /// give an opinion, and each one's second is refused as under AND.
    @Test func anyJoinSettledOnDisagreementTakesNoMore() throws {
        var run = try inJointReview(.any)
        for department in [Self.lead, Self.fire, Self.health] { try run.act(disagree, by: Self.reviewer(department)) }
        #expect(run.events.last?.kind == .jointReviewSettled(.disagreed))
        for department in [Self.lead, Self.fire, Self.health] {
            run.refuses(agree, by: Self.reviewer(department), with: .opinionAlreadyGiven(department: department))
        }
    }

    /// AND wants every department's opinion: each is taken until all are in, in any order, and
    /// after a disagreement settled it the rest still add their reasons to the refusal.
    @Test func andJoinTakesEveryDepartmentsOpinionOnce() throws {
        var run = try inJointReview(.all)
        for department in [Self.health, Self.lead] {
            try run.act(agree, by: Self.reviewer(department))
            #expect(run.events.last?.kind == .opinionGiven(department: department, JointOpinion(.agree, comment: "符合要求")))
            run.refuses(disagree, by: Self.reviewer(department), with: .opinionAlreadyGiven(department: department))
        }
        try run.act(agree, by: Self.reviewer(Self.fire))
        #expect(run.events.last?.kind == .jointReviewSettled(.agreed))
        #expect(run.current.opinions.count == 3)
        for department in [Self.lead, Self.fire, Self.health] {
            run.refuses(agree, by: Self.reviewer(department), with: .opinionAlreadyGiven(department: department))
        }

        var refused = try inJointReview(.all)
        try refused.act(disagree, by: Self.reviewer(Self.fire))
        #expect(refused.events.last?.kind == .jointReviewSettled(.disagreed))
        try refused.act(disagree, by: Self.reviewer(Self.health))
        try refused.act(agree, by: Self.reviewer(Self.lead))
        #expect(refused.current.opinions.count == 3)
        #expect(refused.events.filter { $0.kind == .jointReviewSettled(.disagreed) }.count == 1)
        refused.refuses(agree, by: Self.reviewer(Self.health), with: .opinionAlreadyGiven(department: Self.health))
    }

    @Test func anyJoinDisagreesOnlyWhenEveryoneDisagrees() throws {
        var run = try inJointReview(.any)
        for department in [Self.lead, Self.fire] { try run.act(disagree, by: Self.reviewer(department)) }
        #expect(!run.events.contains { $0.kind == .jointReviewSettled(.disagreed) })
        try run.act(disagree, by: Self.reviewer(Self.health))
        #expect(run.events.last?.kind == .jointReviewSettled(.disagreed))
        run.refuses(.approve, by: Self.reviewer(Self.lead), with: .contradictsJointResult)
    }

    @Test func opinionFailures() throws {
        var run = try inJointReview(.all)
        run.refuses(agree, by: Self.reviewer("fgw"), with: .departmentNotParticipant(department: "fgw"))
        run.refuses(agree, by: WorkflowActor(role: .reviewer, departmentCode: nil), with: .departmentNotParticipant(department: nil))
        run.refuses(agree, by: WorkflowActor(role: .acceptor, departmentCode: Self.fire),
                    with: .roleNotPermitted(role: .acceptor, action: .giveOpinion))
        run.refuses(.giveOpinion(JointOpinion(.disagree, comment: "")), by: Self.reviewer(Self.fire), with: .invalidInput([.missing(.comment)]))
        try run.act(agree, by: Self.reviewer(Self.fire))
        run.refuses(disagree, by: Self.reviewer(Self.fire), with: .opinionAlreadyGiven(department: Self.fire))
    }

    @Test func onlyTheLeadDepartmentDecides() throws {
        var run = try inJointReview(.all)
        for department in [Self.lead, Self.fire, Self.health] { try run.act(agree, by: Self.reviewer(department)) }
        try run.act(.approve, by: Self.reviewer(Self.lead))
        let fireChief = WorkflowActor(role: .decisionMaker, departmentCode: Self.fire)
        run.refuses(.approve, by: fireChief, with: .departmentNotPermitted(department: Self.fire, step: "decision"))
        run.refuses(reject, by: fireChief, with: .departmentNotPermitted(department: Self.fire, step: "decision"))
        try run.act(.approve, by: WorkflowActor(role: .decisionMaker, departmentCode: Self.lead))
        #expect(run.current.state == .approved(step: "conclusion"))
        #expect(run.current.decision?.departmentCode == Self.lead)
    }

    @Test func returningToTheJointReviewStartsItAfresh() throws {
        var run = try inJointReview(.all)
        for department in [Self.lead, Self.fire, Self.health] { try run.act(agree, by: Self.reviewer(department)) }
        try run.act(.approve, by: Self.reviewer(Self.lead))
        #expect(run.current.opinions.count == 3, "the decider reads the opinions the joint review gave")
        try run.act(.returnToPreviousStep(reason: "需补充卫生意见"), by: WorkflowActor(role: .decisionMaker, departmentCode: Self.lead))
        #expect(run.current.state == .accepted(step: "jointReview"))
        #expect(run.current.opinions.isEmpty)
        run.refuses(.approve, by: Self.reviewer(Self.lead), with: .jointReviewPending)
    }

    /// The decider acts within the joint review's result: never granting what it refused, free
    /// to be stricter than what it allowed.
    @Test func theDecisionCannotGrantWhatTheJointReviewRefused() throws {
        let decider = WorkflowActor(role: .decisionMaker, departmentCode: Self.lead)
        var refused = try inJointReview(.all)
        try refused.act(disagree, by: Self.reviewer(Self.health))
        try refused.act(agree, by: Self.reviewer(Self.fire))
        try refused.act(reject, by: Self.reviewer(Self.lead))
        #expect(refused.current.state == .accepted(step: "decision"))
        refused.refuses(.approve, by: decider, with: .contradictsJointResult)
        refused.refuses(.reject(reason: "无健康证", legalBasis: ""), by: decider, with: .invalidInput([.missing(.legalBasis)]))
        try refused.act(reject, by: decider)
        #expect(refused.current.state == .rejected(step: "conclusion"))
        #expect(refused.current.decision?.outcome == .rejected)

        // ANY: one department's agreement settles it; the decider may still refuse, with reasons.
        var allowed = try inJointReview(.any)
        try allowed.act(agree, by: Self.reviewer(Self.fire))
        try allowed.act(.approve, by: Self.reviewer(Self.lead))
        try allowed.act(reject, by: decider)
        #expect(allowed.current.decision == Decision(outcome: .rejected, reason: "消防验收不合格", legalBasis: "《消防法》第十五条",
                                                     departmentCode: Self.lead, date: allowed.date))
        // ANY where every department disagreed binds the decider as an AND disagreement does.
        var unanimous = try inJointReview(.any)
        for department in [Self.lead, Self.fire, Self.health] { try unanimous.act(disagree, by: Self.reviewer(department)) }
        try unanimous.act(reject, by: Self.reviewer(Self.lead))
        unanimous.refuses(.approve, by: decider, with: .contradictsJointResult)
    }

    @Test func aJointReviewEnteredAgainDecidesAfresh() throws {
        let decider = WorkflowActor(role: .decisionMaker, departmentCode: Self.lead)
        var run = try inJointReview(.all)
        try run.act(disagree, by: Self.reviewer(Self.health))
        try run.act(reject, by: Self.reviewer(Self.lead))
        try run.act(.returnToPreviousStep(reason: "卫生健康局补充核查"), by: decider)
        #expect(run.current.opinions.isEmpty)
        for department in [Self.health, Self.fire, Self.lead] { try run.act(agree, by: Self.reviewer(department)) }
        try run.act(.approve, by: Self.reviewer(Self.lead))
        try run.act(.approve, by: decider)
        #expect(run.current.decision?.outcome == .approved, "the earlier disagreement does not stick")
    }

    /// Refused at the step the case is at, an official is told the case moved on only when its post
    /// and department could take the action at a step the case left: the lead's reviewer closing the
    /// joint review after a colleague did, not a partner department, which never closes it.
    @Test func theStepLeftIsOneWhereTheActorCouldTakeTheAction() throws {
        var run = try inJointReview(.all)
        func left(_ kind: ActionKind, _ roles: [ProcessRole], _ department: String) -> String? {
            run.engine.stepLeft(where: kind, by: roles, department: department, couldAct: run.current, handlingDepartment: Self.lead)?.id
        }
        #expect(left(.approve, [.reviewer], Self.lead) == nil, "at the joint review, nothing was left yet")
        #expect(left(.requestSupplement, [.acceptor], Self.lead) == "acceptance")
        for department in [Self.lead, Self.fire, Self.health] { try run.act(agree, by: Self.reviewer(department)) }
        try run.act(.approve, by: Self.reviewer(Self.lead))
        #expect(run.current.state == .accepted(step: "decision"))
        #expect(left(.approve, [.reviewer], Self.lead) == "jointReview")
        #expect(left(.approve, [.reviewer, .acceptor], Self.lead) == "jointReview", "any of the actor's posts")
        #expect(left(.approve, [.reviewer], Self.fire) == nil, "a partner never closes the joint review")
        #expect(left(.approve, [.acceptor], Self.lead) == nil, "nor does the window approve")
        #expect(left(.giveOpinion, [.reviewer], "elsewhere") == nil, "nor does a department outside it give opinions")
        #expect(left(.giveOpinion, [.reviewer], Self.fire) == "jointReview")
    }

    @Test func aParticipantsLimitFitsItsStepBeforePublication() throws {
        #expect(Self.definition(.all).publicationIssues.isEmpty)
        let long = ProcessDefinition.withJointReview(
            id: "restaurant", name: "开办餐馆", timeLimit: 15,
            participants: [JointParticipant(departmentCode: Self.lead, timeLimit: 5), JointParticipant(departmentCode: Self.fire, timeLimit: 9)],
            leadDepartment: Self.lead, joinMode: .all, jointReviewDays: 5, decisionDays: 20)
        try long.validate() // stored ones that break it keep working
        #expect(long.publicationIssues.map(\.field) == ["steps/1/jointReview/participants/1/timeLimit", "steps/2/timeLimit"])
    }

    @Test func eachParticipantHasItsOwnClock() throws {
        var run = try inJointReview(.all)
        try run.act(agree, by: Self.reviewer(Self.fire), on: try day("2026-03-03"))
        let clocks = run.engine.pendingParticipantClocks(of: run.current)
        #expect(Set(clocks.keys) == [Self.lead, Self.health])
        let health = try #require(clocks[Self.health])
        let status = health.status(asOf: try day("2026-03-06"), calendar: try officialCalendar())
        #expect(status.limit == 4)
        #expect(status.elapsed == 4)
        #expect(status.dueDate == (try day("2026-03-06")))
        #expect(health.withLimit(5).status(asOf: try day("2026-03-09"), calendar: .weekendsOnly).elapsed == 5)

        let standard = try CaseRun(ProcessDefinitionTests.standard, on: try day("2026-03-02"))
        #expect(standard.engine.pendingParticipantClocks(of: standard.current).isEmpty)
    }

    @Test func deadlinesNameTheLimitTheyComeFrom() throws {
        var run = try inJointReview(.all)
        let calendar = try officialCalendar()
        let accepted = run.engine.deadlines(of: run.current, asOf: try day("2026-03-02"), calendar: calendar)
        #expect(accepted.level == .normal)
        #expect(accepted.dueDate == (try day("2026-03-23")), "15 working days for the case")
        #expect(accepted.stepDueDate == (try day("2026-03-09")), "5 for the joint review")
        #expect(accepted.governing == .department && accepted.governingDepartment == Self.fire, "the first due: 3 days")

        // Thursday: 消防 has used its 3 days: a warning, about 消防's limit, while the step has 2 left.
        let thursday = run.engine.deadlines(of: run.current, asOf: try day("2026-03-05"), calendar: calendar)
        #expect(thursday.level == .warning && thursday.governingDepartment == Self.fire)
        #expect(thursday.governingDueDate == (try day("2026-03-05")))
        let tasks = run.engine.openTasks(of: run.current, handlingDepartment: Self.lead, escalated: false)
        func level(_ department: String, on date: CivilDate) throws -> WarningLevel? {
            let task = try #require(tasks.first { $0.departmentCode == department })
            return run.engine.clock(of: task, in: run.current)?.status(asOf: date, calendar: calendar).level
        }
        #expect(try level(Self.fire, on: try day("2026-03-05")) == .warning)
        #expect(try level(Self.health, on: try day("2026-03-05")) == .normal, "3 of 4 days")
        #expect(try level(Self.lead, on: try day("2026-03-05")) == .normal)
        #expect(try level(Self.fire, on: try day("2026-03-06")) == .overdue)

        // Once 消防 has given its opinion its limit no longer counts; 卫健 (4 days) governs.
        try run.act(agree, by: Self.reviewer(Self.fire), on: try day("2026-03-05"))
        let after = run.engine.deadlines(of: run.current, asOf: try day("2026-03-06"), calendar: calendar)
        #expect(after.level == .warning && after.governingDepartment == Self.health)
        #expect(after.governingDueDate == (try day("2026-03-06")))
        #expect(run.engine.clock(of: CaseTask(departmentCode: Self.lead, role: .decisionMaker, kind: .supervise, step: nil), in: run.current) == nil)

        // Nothing runs against the office while the applicant owes a supplement.
        var waiting = try CaseRun(Self.definition(.all), on: try day("2026-03-02"))
        try waiting.act(.submit, by: .applicant)
        try waiting.act(.requestSupplement(materials: ["营业执照"]), by: WorkflowActor(role: .acceptor, departmentCode: Self.lead))
        #expect(waiting.engine.deadlines(of: waiting.current, asOf: try day("2026-04-30"), calendar: calendar) == CaseDeadlines())
    }
}
