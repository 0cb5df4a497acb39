import Foundation
import Testing
@testable import TongbanCore

/// What a definition must satisfy before it is published, beyond `validate`: the actions the
/// law obliges, and no state a case can reach where no action moves it on.
@Suite struct ProcessPublicationRulesTests {
    static let standard = ProcessDefinitionTests.standard
    static let joint = ProcessDefinitionTests.joint

    private func codes(_ definition: ProcessDefinition) -> [String: Set<String>] {
        Dictionary(grouping: definition.publicationIssues, by: \.field).mapValues { Set($0.map(\.code)) }
    }

    /// The QA's definition: after an AND joint review, 决定 offers only approve and suspend.
    static var approveOnlyDecision: ProcessDefinition {
        var definition = joint
        definition.steps[2].actions = [StepAction(.approve, roles: [.decisionMaker], next: "conclusion"),
                                       StepAction(.suspend, roles: [.decisionMaker])]
        return definition
    }

    @Test func derivedDefinitionsPass() {
        #expect(Self.standard.publicationIssues.isEmpty)
        #expect(Self.joint.publicationIssues.isEmpty)
        var any = Self.joint
        any.steps[1].jointReview?.joinMode = .any
        #expect(any.publicationIssues.isEmpty)
    }

    /// The engine's side of the rule: the case comes to rest at 决定 with nothing anyone may do.
    @Test func aDecisionOfferingOnlyApproveAfterAJointReviewStrandsTheCase() throws {
        let definition = Self.approveOnlyDecision
        try definition.validate() // the graph alone has an end: approve leads to 办结
        let lead = WorkflowActor(role: .reviewer, departmentCode: "scjgj")
        var run = try CaseRun(definition, on: try day("2026-03-02"))
        try run.act(.submit, by: .applicant)
        try run.act(.accept, by: WorkflowActor(role: .acceptor, departmentCode: "scjgj"))
        try run.act(.giveOpinion(JointOpinion(.agree, comment: "")), by: lead)
        try run.act(.giveOpinion(JointOpinion(.disagree, comment: "消防通道不达标")), by: WorkflowActor(role: .reviewer, departmentCode: "xfjg"))
        try run.act(.reject(reason: "消防验收不合格", legalBasis: "《消防法》第十五条"), by: lead)
        let decider = WorkflowActor(role: .decisionMaker, departmentCode: "scjgj")
        run.refuses(.approve, by: decider, with: .contradictsJointResult)
        run.refuses(.reject(reason: "r", legalBasis: "b"), by: decider, with: .notAllowedInState(action: .reject, state: .accepted(step: "decision")))
        run.refuses(.returnToPreviousStep(reason: "r"), by: decider,
                    with: .notAllowedInState(action: .returnToPreviousStep, state: .accepted(step: "decision")))

        let found = codes(definition)
        #expect(found == ["steps/2": ["stuckAfterDisagreement"], "steps/2/actions/reject": ["required"]])
        let stuck = try #require(definition.publicationIssues.first { $0.field == "steps/2" })
        #expect(stuck.messageZh.contains("决定") && stuck.messageZh.contains("reject") && stuck.messageZh.contains("returnToPreviousStep"), "\(stuck.messageZh)")
        #expect(stuck.messageEn.contains("step decision"), "\(stuck.messageEn)")
    }

    /// A return leads on where a step lies behind: back to the joint review, which starts afresh.
    @Test func aReturnIsAWayOnAfterAJointReview() {
        var definition = Self.approveOnlyDecision
        definition.steps[2].actions.append(StepAction(.returnToPreviousStep, roles: [.decisionMaker]))
        #expect(codes(definition) == ["steps/2/actions/reject": ["required"]], "only the law's rule is left")
    }

    /// Not only a decision: any step after the joint review where approve is the only way on.
    @Test func aReviewAfterTheJointReviewNeedsRejectOrReturn() throws {
        var definition = Self.joint
        definition.steps[1].actions = definition.steps[1].actions.map { var a = $0; if a.next == "decision" { a.next = "recheck" }; return a }
        definition.steps.append(Step(id: "recheck", name: "复核", kind: .review, timeLimit: 2, actions: [
            StepAction(.approve, roles: [.reviewer], next: "decision"),
        ]))
        try definition.validate()
        #expect(codes(definition) == ["steps/4": ["stuckAfterDisagreement"]])
        definition.steps[4].actions.append(StepAction(.returnToPreviousStep, roles: [.reviewer]))
        #expect(codes(definition).isEmpty)
    }

    /// The joint review itself: its lead cannot approve over a disagreement, and right after
    /// acceptance there is nothing to return to (the engine's noPreviousStep).
    @Test func aJointReviewNeedsRejectUnlessAStepLiesBehindIt() throws {
        var definition = Self.joint
        definition.steps[1].actions.removeAll { $0.kind == .reject }
        definition.steps[1].actions.append(StepAction(.returnToPreviousStep, roles: [.reviewer]))
        try definition.validate()
        #expect(codes(definition) == ["steps/1": ["stuckAfterDisagreement"]])
        #expect(definition.publicationIssues.first?.messageEn.contains("first step after acceptance") == true)

        // With a review before it, the return goes back there.
        definition.steps[0].actions[0].next = "review"
        definition.steps.append(Step(id: "review", name: "初审", kind: .review, timeLimit: 2, actions: [
            StepAction(.approve, roles: [.reviewer], next: "jointReview"),
            StepAction(.reject, roles: [.reviewer], next: "jointReview"),
        ]))
        try definition.validate()
        #expect(codes(definition).isEmpty)
    }

    /// approve and reject are taken before the decision, conclude and deliver after it, accept
    /// at intake only: a step entered in the wrong phase holds the case for good.
    @Test func stepsFollowTheDecisionInTheirOrder() throws {
        var early = Self.standard
        early.steps[1].actions[0].next = "conclusion"
        try early.validate()
        #expect(codes(early) == ["steps/1/actions/0/next": ["enteredBeforeDecision"]])

        var late = Self.standard
        late.steps[2].actions[1].next = "review"
        try late.validate()
        #expect(codes(late) == ["steps/2/actions/1/next": ["enteredAfterDecision"]])

        var again = Self.standard
        again.steps[1].actions[1].next = "acceptance"
        try again.validate()
        #expect(codes(again) == ["steps/1/actions/1/next": ["reentersAcceptance"]])
    }

    /// 《行政许可法》第三十二条 and 第三十八条.
    @Test func theLawsActionsAreOffered() throws {
        var definition = Self.standard
        definition.steps[0].actions.removeAll { $0.kind != .accept }
        definition.steps[2].actions.removeAll { $0.kind == .reject }
        try definition.validate()
        #expect(codes(definition) == ["steps/0/actions/refuseToAccept": ["required"], "steps/0/actions/requestSupplement": ["required"],
                                      "steps/2/actions/reject": ["required"]])
        #expect(definition.publicationIssues.allSatisfy { $0.messageZh.contains("行政许可法") && $0.messageEn.contains("Administrative Licensing Law") })
    }
}
