import Foundation
import Testing
@testable import TongbanCore

@Suite struct WorkflowEngineTests {
    let applicant = WorkflowActor.applicant

    private func standardRun() throws -> CaseRun {
        try CaseRun(ProcessDefinitionTests.standard, on: try day("2026-02-09"))
    }

    /// Submitted and accepted on 2026-02-10, now in review.
    private func inReview() throws -> CaseRun {
        var run = try standardRun()
        try run.act(.submit, by: applicant)
        try run.act(.accept, by: Staff.acceptor, on: try day("2026-02-10"))
        return run
    }

    private func inDecision() throws -> CaseRun {
        var run = try inReview()
        try run.act(.approve, by: Staff.reviewer, on: try day("2026-02-12"))
        return run
    }

    @Test func standardPathToConclusion() throws {
        var run = try inDecision()
        #expect(run.current.state == .accepted(step: "decision"))
        try run.act(.approve, by: Staff.decisionMaker, on: try day("2026-02-13"))
        #expect(run.current.state == .approved(step: "conclusion"))
        #expect(run.current.decision?.outcome == .approved)
        try run.act(.conclude, by: Staff.acceptor, on: try day("2026-02-24"))
        #expect(run.current.state == .concluded)
        #expect(run.current.state.isFinal)
        #expect(run.current.stepPath == ["review", "decision", "conclusion"])
        #expect(run.events.map(\.kind) == [
            .submitted, .accepted, .stepEntered("review"),
            .recommended(.approved, reason: nil, legalBasis: nil), .stepEntered("decision"),
            .decided(Decision(outcome: .approved, reason: nil, legalBasis: nil,
                              departmentCode: Staff.market, date: try day("2026-02-13"))),
            .stepEntered("conclusion"), .concluded,
        ])
        let calendar = try officialCalendar()
        #expect(run.current.clock?.status(asOf: try day("2026-02-24"), calendar: calendar).elapsed == 5)
    }

    @Test func versionIncrementsOncePerActionAndFailuresChangeNothing() throws {
        var run = try standardRun()
        #expect(run.current.version == 0)
        try run.act(.submit, by: applicant)
        #expect(run.current.version == 1)
        let before = run.current
        run.refuses(.approve, by: Staff.reviewer, with: .notAllowedInState(action: .approve, state: .submitted))
        #expect(run.current == before)
        try run.act(.accept, by: Staff.acceptor)
        try run.act(.approve, by: Staff.reviewer)
        #expect(run.current.version == 3)
        #expect(run.events.map(\.caseVersion) == [1, 2, 2, 3, 3])
    }

    @Test func rejectionNeedsReasonAndLegalBasis() throws {
        var run = try inDecision()
        run.refuses(.reject(reason: " ", legalBasis: "《食品安全法》第三十五条"), by: Staff.decisionMaker, with: .invalidInput([.missing(.reason)]))
        run.refuses(.reject(reason: "经营场所不符合要求", legalBasis: ""), by: Staff.decisionMaker, with: .invalidInput([.missing(.legalBasis)]))
        // Both missing: one answer names both (一次性告知).
        run.refuses(.reject(reason: "", legalBasis: " "), by: Staff.decisionMaker,
                    with: .invalidInput([.missing(.reason), .missing(.legalBasis)]))
        try run.act(.reject(reason: "经营场所不符合要求", legalBasis: "《食品安全法》第三十五条"), by: Staff.decisionMaker)
        #expect(run.current.state == .rejected(step: "conclusion"))
        #expect(run.current.decision?.legalBasis == "《食品安全法》第三十五条")
        try run.act(.conclude, by: Staff.acceptor)
        #expect(run.current.state == .concluded)
        #expect(run.current.decision?.outcome == .rejected)
    }

    @Test func submitAndAcceptFailures() throws {
        var run = try standardRun()
        run.refuses(.submit, by: Staff.acceptor, with: .roleNotPermitted(role: .acceptor, action: .submit))
        run.refuses(.accept, by: Staff.acceptor, with: .notAllowedInState(action: .accept, state: .draft))
        try run.act(.submit, by: applicant)
        run.refuses(.submit, by: applicant, with: .notAllowedInState(action: .submit, state: .submitted))
        run.refuses(.accept, by: Staff.reviewer, with: .roleNotPermitted(role: .reviewer, action: .accept))
        run.refuses(.accept, by: applicant, with: .roleNotPermitted(role: .applicant, action: .accept))
        try run.act(.accept, by: Staff.acceptor)
        run.refuses(.accept, by: Staff.acceptor, with: .notAllowedInState(action: .accept, state: .accepted(step: "review")))
    }

    @Test func refuseToAcceptEndsTheCase() throws {
        var run = try standardRun()
        try run.act(.submit, by: applicant)
        run.refuses(.refuseToAccept(reason: ""), by: Staff.acceptor, with: .invalidInput([.missing(.reason)]))
        run.refuses(.refuseToAccept(reason: "不属于本机关职权范围"), by: Staff.reviewer,
                    with: .roleNotPermitted(role: .reviewer, action: .refuseToAccept))
        try run.act(.refuseToAccept(reason: "不属于本机关职权范围"), by: Staff.acceptor)
        #expect(run.current.state == .rejectedAtIntake)
        #expect(run.current.clock == nil, "the statutory clock never started")
        run.refuses(.withdraw, by: applicant, with: .notAllowedInState(action: .withdraw, state: .rejectedAtIntake))
        run.refuses(.refuseToAccept(reason: "again"), by: Staff.acceptor,
                    with: .notAllowedInState(action: .refuseToAccept, state: .rejectedAtIntake))
    }

    @Test func supplementAtIntakeRestartsTheIntakePeriod() throws {
        var run = try standardRun()
        try run.act(.submit, by: applicant)
        try run.act(.requestSupplement(materials: ["营业执照", "场所平面图"]), by: Staff.acceptor, on: try day("2026-02-10"))
        #expect(run.current.state == .supplementRequested(step: nil))
        #expect(run.current.outstandingMaterials == ["营业执照", "场所平面图"])
        run.refuses(.accept, by: Staff.acceptor, with: .notAllowedInState(action: .accept, state: .supplementRequested(step: nil)))
        try run.act(.resubmit, by: applicant, on: try day("2026-03-02"))
        #expect(run.current.state == .submitted)
        #expect(run.current.outstandingMaterials.isEmpty)
        #expect(run.current.stepClock?.events == [ClockEvent(.started, on: try day("2026-03-02"))])
        run.refuses(.requestSupplement(materials: ["身份证"]), by: Staff.acceptor, with: .supplementAlreadyRequested)
    }

    @Test func supplementAfterAcceptancePausesAndResumesTheClock() throws {
        var run = try inReview()
        try run.act(.requestSupplement(materials: ["健康证明"]), by: Staff.reviewer, on: try day("2026-02-12"))
        #expect(run.current.state == .supplementRequested(step: "review"))
        #expect(run.current.clock?.pauseReason == .supplement)
        #expect(run.current.stepClock?.pauseReason == .supplement)
        run.refuses(.approve, by: Staff.reviewer,
                    with: .notAllowedInState(action: .approve, state: .supplementRequested(step: "review")))
        run.refuses(.resume, by: Staff.reviewer,
                    with: .notAllowedInState(action: .resume, state: .supplementRequested(step: "review")))
        try run.act(.resubmit, by: applicant, on: try day("2026-02-26"))
        #expect(run.current.state == .accepted(step: "review"))
        #expect(run.events.suffix(2).map(\.kind) == [.resubmitted, .clockResumed])
        let status = try #require(run.current.clock?.status(asOf: try day("2026-02-28"), calendar: try officialCalendar()))
        #expect(status.elapsed == 4, "02-11, 02-12, then 02-27 and make-up Saturday 02-28")
    }

    @Test func supplementNoticeFailures() throws {
        var run = try inReview()
        run.refuses(.requestSupplement(materials: []), by: Staff.reviewer, with: .invalidInput([.missing(.materials)]))
        run.refuses(.requestSupplement(materials: ["营业执照", "  "]), by: Staff.reviewer, with: .invalidInput([.blankMaterial(index: 1)]))
        run.refuses(.requestSupplement(materials: ["营业执照", " 营业执照"]), by: Staff.reviewer, with: .invalidInput([.duplicateMaterial("营业执照")]))
        run.refuses(.requestSupplement(materials: [" ", "营业执照", "", "营业执照 "]), by: Staff.reviewer,
                    with: .invalidInput([.blankMaterial(index: 0), .blankMaterial(index: 2), .duplicateMaterial("营业执照")]))
        run.refuses(.requestSupplement(materials: ["营业执照"]), by: applicant,
                    with: .roleNotPermitted(role: .applicant, action: .requestSupplement))
        run.refuses(.resubmit, by: applicant, with: .notAllowedInState(action: .resubmit, state: .accepted(step: "review")))
        try run.act(.requestSupplement(materials: ["营业执照"]), by: Staff.reviewer)
        run.refuses(.resubmit, by: Staff.reviewer, with: .roleNotPermitted(role: .reviewer, action: .resubmit))
        try run.act(.resubmit, by: applicant)
        run.refuses(.requestSupplement(materials: ["卫生许可"]), by: Staff.reviewer, with: .supplementAlreadyRequested)

        let draft = try standardRun()
        draft.refuses(.requestSupplement(materials: ["x"]), by: Staff.acceptor,
                      with: .notAllowedInState(action: .requestSupplement, state: .draft))
        let decision = try inDecision()
        decision.refuses(.requestSupplement(materials: ["x"]), by: Staff.decisionMaker,
                         with: .notAllowedInState(action: .requestSupplement, state: .accepted(step: "decision")))
    }

    @Test func returnToPreviousStep() throws {
        var run = try inDecision()
        run.refuses(.returnToPreviousStep(reason: ""), by: Staff.decisionMaker, with: .invalidInput([.missing(.reason)]))
        run.refuses(.returnToPreviousStep(reason: "审查意见不完整"), by: Staff.reviewer,
                    with: .roleNotPermitted(role: .reviewer, action: .returnToPreviousStep))
        try run.act(.returnToPreviousStep(reason: "审查意见不完整"), by: Staff.decisionMaker, on: try day("2026-02-13"))
        #expect(run.current.state == .accepted(step: "review"))
        #expect(run.current.stepPath == ["review"])
        #expect(run.current.stepClock?.events == [ClockEvent(.started, on: try day("2026-02-13"))])
        #expect(run.events.suffix(2).map(\.kind) == [
            .returned(from: "decision", to: "review", reason: "审查意见不完整"), .stepEntered("review"),
        ])
        run.refuses(.returnToPreviousStep(reason: "x"), by: Staff.reviewer,
                    with: .notAllowedInState(action: .returnToPreviousStep, state: .accepted(step: "review")))
    }

    @Test func cannotReturnFromTheFirstStep() throws {
        var definition = ProcessDefinitionTests.standard
        definition.steps[1].actions.append(StepAction(.returnToPreviousStep, roles: [.reviewer]))
        var run = try CaseRun(definition, on: try day("2026-03-02"))
        try run.act(.submit, by: applicant)
        try run.act(.accept, by: Staff.acceptor)
        run.refuses(.returnToPreviousStep(reason: "材料有误"), by: Staff.reviewer, with: .noPreviousStep)
    }

    @Test func concludeOnlyAfterADecision() throws {
        var run = try inDecision()
        run.refuses(.conclude, by: Staff.acceptor, with: .notAllowedInState(action: .conclude, state: .accepted(step: "decision")))
        try run.act(.approve, by: Staff.decisionMaker)
        run.refuses(.conclude, by: Staff.reviewer, with: .roleNotPermitted(role: .reviewer, action: .conclude))
        run.refuses(.deliver, by: Staff.acceptor, with: .notAllowedInState(action: .deliver, state: .approved(step: "conclusion")))
        try run.act(.conclude, by: Staff.acceptor)
        run.refuses(.conclude, by: Staff.acceptor, with: .notAllowedInState(action: .conclude, state: .concluded))
    }

    @Test func deliveryAfterConclusion() throws {
        var definition = ProcessDefinitionTests.standard
        definition.steps[3].actions[0].next = "delivery"
        definition.steps.append(Step(id: "delivery", name: "送达", kind: .delivery, timeLimit: 10, actions: [
            StepAction(.deliver, roles: [.acceptor]),
        ]))
        var run = try CaseRun(definition, on: try day("2026-03-02"))
        for (action, actor) in [(CaseAction.submit, applicant), (.accept, Staff.acceptor), (.approve, Staff.reviewer),
                                (.approve, Staff.decisionMaker), (.conclude, Staff.acceptor)] {
            try run.act(action, by: actor)
        }
        #expect(run.current.state == .approved(step: "delivery"))
        try run.act(.deliver, by: Staff.acceptor)
        #expect(run.current.state == .concluded)
        #expect(run.events.suffix(2).map(\.kind) == [.delivered, .concluded])
    }

    @Test func withdrawOnlyBeforeADecision() throws {
        var review = try inReview()
        review.refuses(.withdraw, by: Staff.reviewer, with: .roleNotPermitted(role: .reviewer, action: .withdraw))
        try review.act(.withdraw, by: applicant)
        #expect(review.current.state == .withdrawn)
        review.refuses(.withdraw, by: applicant, with: .notAllowedInState(action: .withdraw, state: .withdrawn))
        review.refuses(.approve, by: Staff.reviewer, with: .notAllowedInState(action: .approve, state: .withdrawn))

        var decided = try inDecision()
        try decided.act(.approve, by: Staff.decisionMaker)
        decided.refuses(.withdraw, by: applicant, with: .notAllowedInState(action: .withdraw, state: .approved(step: "conclusion")))
        try decided.act(.conclude, by: Staff.acceptor)
        decided.refuses(.withdraw, by: applicant, with: .notAllowedInState(action: .withdraw, state: .concluded))

        var draft = try standardRun()
        try draft.act(.withdraw, by: applicant)
        #expect(draft.current.state == .withdrawn)
    }

    @Test func suspendForExpertReview() throws {
        var run = try inReview()
        run.refuses(.suspend(.supplement), by: Staff.reviewer, with: .supplementNeedsNotice)
        run.refuses(.resume, by: Staff.reviewer, with: .clockNotSuspended)
        run.refuses(.suspend(.expertReview), by: applicant, with: .roleNotPermitted(role: .applicant, action: .suspend))
        try run.act(.suspend(.expertReview), by: Staff.reviewer, on: try day("2026-02-11"))
        #expect(run.current.clock?.pauseReason == .expertReview)
        run.refuses(.suspend(.hearing), by: Staff.reviewer, with: .clockSuspended(.expertReview))
        run.refuses(.approve, by: Staff.reviewer, with: .clockSuspended(.expertReview))
        run.refuses(.requestSupplement(materials: ["x"]), by: Staff.reviewer, with: .clockSuspended(.expertReview))
        run.refuses(.resume, by: Staff.decisionMaker, with: .roleNotPermitted(role: .decisionMaker, action: .resume))
        try run.act(.resume, by: Staff.reviewer, on: try day("2026-03-02"))
        #expect(run.current.clock?.isPaused == false)
        #expect(run.events.suffix(2).map(\.kind) == [.clockPaused(.expertReview), .clockResumed])
        let status = try #require(run.current.clock?.status(asOf: try day("2026-03-03"), calendar: try officialCalendar()))
        #expect(status.elapsed == 2)

        var submitted = try standardRun()
        try submitted.act(.submit, by: applicant)
        submitted.refuses(.suspend(.hearing), by: Staff.reviewer, with: .notAllowedInState(action: .suspend, state: .submitted))
    }

    @Test func datesMustNotGoBackwards() throws {
        let run = try inReview()
        run.refuses(.approve, by: Staff.reviewer, with: .dateOutOfOrder(last: try day("2026-02-10"), given: try day("2026-02-09")),
                    on: try day("2026-02-09"))
    }

    @Test func casesStayOnTheirDefinitionRevision() throws {
        let run = try inReview()
        var revised = ProcessDefinitionTests.standard
        revised.version = 2
        let engine = try WorkflowEngine(definition: revised)
        #expect(throws: WorkflowError.definitionMismatch(case: "food-license@1", definition: "food-license@2")) {
            _ = try engine.apply(.approve, by: Staff.reviewer, to: run.current, on: run.date)
        }
    }

    @Test func opinionsOnlyInJointReview() throws {
        let run = try inReview()
        run.refuses(.giveOpinion(JointOpinion(.agree, comment: "")), by: Staff.reviewer,
                    with: .notAllowedInState(action: .giveOpinion, state: .accepted(step: "review")))
    }

    @Test func caseSurvivesStorageRoundTrip() throws {
        var run = try inReview()
        try run.act(.suspend(.hearing), by: Staff.reviewer)
        let stored = try JSONEncoder().encode(run.current)
        let loaded = try JSONDecoder().decode(WorkflowCase.self, from: stored)
        #expect(loaded == run.current)
        run.current = loaded
        try run.act(.resume, by: Staff.reviewer)
        #expect(run.current.version == 4)
    }

    @Test func errorsCarryUserFacingIssues() {
        let issues = WorkflowError.notLeadDepartment(department: "xfjg").issues
        #expect(issues.map(\.code) == ["notLeadDepartment"])
        #expect(issues.first?.messageZh.contains("牵头部门") == true)
        #expect(WorkflowError.invalidInput([.missing(.reason), .missing(.legalBasis), .blankMaterial(index: 2)]).issues.map(\.field)
                == ["reason", "legalBasis", "materials/2"])
    }
}
