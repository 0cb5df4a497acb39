import Foundation
import Testing
@testable import TongbanCore

@Suite struct ProcessDefinitionTests {
    static let standard = ProcessDefinition.standard(id: "food-license", name: "食品经营许可", timeLimit: 20,
                                                     reviewDays: 10, decisionDays: 5)
    static let joint = ProcessDefinition.withJointReview(
        id: "restaurant", name: "开办餐馆", timeLimit: 15,
        participants: [JointParticipant(departmentCode: "scjgj", timeLimit: 5),
                       JointParticipant(departmentCode: "xfjg", timeLimit: 3)],
        leadDepartment: "scjgj", joinMode: .all, jointReviewDays: 5, decisionDays: 3)

    private func codes(_ definition: ProcessDefinition) -> [String: Set<String>] {
        issueCodes { try definition.validate() }
    }

    @Test func standardDefinitionsAreValid() throws {
        try Self.standard.validate()
        try Self.joint.validate()
        #expect(Self.standard.steps.map(\.kind) == [.acceptance, .review, .decision, .conclusion])
        #expect(Self.joint.steps.map(\.kind) == [.acceptance, .jointReview, .decision, .conclusion])
        #expect(Self.joint.step("decision")?.department == "scjgj", "the lead department decides")
    }

    @Test func roundTripsThroughJSON() throws {
        let data = try JSONEncoder().encode(Self.joint)
        #expect(try ProcessDefinition.decode(json: data) == Self.joint)
    }

    @Test func decodeReportsMalformedAndInvalidDefinitions() throws {
        #expect(issueCodes { _ = try ProcessDefinition.decode(json: Data(#"{"id":"x"}"#.utf8)) }.values.first == ["required"])
        var invalid = Self.standard
        invalid.timeLimit = 0
        let data = try JSONEncoder().encode(invalid)
        #expect(issueCodes { _ = try ProcessDefinition.decode(json: data) } == ["timeLimit": ["notPositive"]])
    }

    @Test func timeLimitsAreBoundedSoDeadlinesStayComputable() {
        var definition = Self.joint
        definition.timeLimit = 1000
        #expect(codes(definition).isEmpty)
        definition.timeLimit = Int.max
        definition.steps[1].timeLimit = 1001
        definition.steps[1].jointReview?.participants[0].timeLimit = Int.max
        #expect(codes(definition) == ["timeLimit": ["range"], "steps/1/timeLimit": ["range"],
                                      "steps/1/jointReview/participants/0/timeLimit": ["range"]])
    }

    @Test func requiresAReachableEnd() {
        var definition = Self.standard
        definition.steps[3].actions = []
        let found = codes(definition)
        for i in 0...3 { #expect(found["steps/\(i)"] == ["noReachableEnd"], "step \(i)") }
    }

    @Test func loopWithoutExitHasNoEnd() {
        var definition = Self.standard
        definition.steps[2].actions[0].next = "review"
        definition.steps[2].actions[1].next = "review"
        let found = codes(definition)
        #expect(found["steps/1"] == ["noReachableEnd"])
        #expect(found["steps/3"] == ["unreachable"])
    }

    @Test func rejectsDeadSteps() {
        var definition = Self.standard
        definition.steps.append(Step(id: "orphan", name: "复核", kind: .review, timeLimit: 2, actions: [
            StepAction(.approve, roles: [.reviewer], next: "decision"),
        ]))
        #expect(codes(definition) == ["steps/4": ["unreachable"]])
    }

    @Test func everyActionNeedsARole() {
        var definition = Self.standard
        definition.steps[1].actions[2].roles = []
        definition.steps[2].actions[0].roles = [" "]
        #expect(codes(definition) == ["steps/1/actions/2/roles": ["noRole"], "steps/2/actions/0/roles": ["noRole"]])
    }

    @Test func transitionsPointToExistingSteps() {
        var definition = Self.standard
        definition.steps[1].actions[1].next = "nowhere"
        definition.initialStep = "missing"
        let found = codes(definition)
        #expect(found["steps/1/actions/1/next"] == ["unknownStep"])
        #expect(found["initialStep"] == ["unknownStep"])
    }

    @Test func movingActionsNeedATargetAndOthersMustNotHaveOne() {
        var definition = Self.standard
        definition.steps[0].actions[0].next = nil
        definition.steps[1].actions[2].next = "decision"
        let found = codes(definition)
        #expect(found["steps/0/actions/0/next"] == ["required"])
        #expect(found["steps/1/actions/2/next"] == ["unexpected"])
    }

    @Test func jointReviewNeedsTwoParticipantsAndALeadAmongThem() {
        var definition = Self.joint
        definition.steps[1].jointReview?.participants.removeLast()
        #expect(codes(definition) == ["steps/1/jointReview/participants": ["tooFew"]])

        definition = Self.joint
        definition.steps[1].jointReview?.leadDepartment = "fgw"
        #expect(codes(definition) == ["steps/1/jointReview/leadDepartment": ["notParticipant"]])

        definition = Self.joint
        definition.steps[1].jointReview?.participants[1] = JointParticipant(departmentCode: "scjgj", timeLimit: 0)
        #expect(codes(definition) == ["steps/1/jointReview/participants/1/departmentCode": ["duplicate"],
                                      "steps/1/jointReview/participants/1/timeLimit": ["notPositive"]])
    }

    @Test func jointReviewConfigurationBelongsToJointStepsOnly() {
        var definition = Self.joint
        let config = definition.steps[1].jointReview
        definition.steps[1].jointReview = nil
        definition.steps[1].actions.removeFirst()
        definition.steps[2].jointReview = config
        let found = codes(definition)
        #expect(found["steps/1/jointReview"] == ["required"])
        #expect(found["steps/2/jointReview"] == ["unexpected"])
    }

    @Test func jointStepNeedsTheOpinionAction() {
        var definition = Self.joint
        definition.steps[1].actions.removeFirst()
        #expect(codes(definition) == ["steps/1/actions/giveOpinion": ["required"]])
    }

    @Test func actionsMustSuitTheirStep() {
        var definition = Self.standard
        definition.steps[1].actions.append(StepAction(.giveOpinion, roles: [.reviewer]))
        definition.steps[1].actions.append(StepAction(.withdraw, roles: [.reviewer]))
        definition.steps[1].actions.append(StepAction(.approve, roles: [.reviewer], next: "decision"))
        #expect(codes(definition) == ["steps/1/actions/4/kind": ["actionNotAllowedInStep"],
                                      "steps/1/actions/5/kind": ["actionNotAllowedInStep"],
                                      "steps/1/actions/6/kind": ["duplicate"]])
    }

    @Test func headerAndStepFields() {
        var definition = Self.standard
        definition.schemaVersion = 9
        definition.id = ""
        definition.name = " "
        definition.version = 0
        definition.steps[1].timeLimit = 0
        definition.steps[1].name = ""
        definition.steps[3].id = "review"
        let found = codes(definition)
        #expect(found["schemaVersion"] == ["unsupported"])
        #expect(found["id"] == ["required"])
        #expect(found["name"] == ["required"])
        #expect(found["version"] == ["notPositive"])
        #expect(found["steps/1/timeLimit"] == ["notPositive"])
        #expect(found["steps/1/name"] == ["required"])
        #expect(found["steps/3/id"] == ["duplicate"])
    }

    @Test func initialStepMustBeAcceptance() {
        var definition = Self.standard
        definition.initialStep = "review"
        let found = codes(definition)
        #expect(found["initialStep"] == ["notAcceptance"])
        #expect(found["steps/0"] == ["unreachable"])
    }

    @Test func needsADecisionStep() {
        var definition = Self.standard
        definition.steps[1].actions[0].next = "conclusion"
        definition.steps[1].actions[1].next = "conclusion"
        let found = codes(definition)
        #expect(found["steps"] == ["noDecision"])
        #expect(found["steps/2"] == ["unreachable"])
    }

    @Test func emptyDefinition() {
        let definition = ProcessDefinition(id: "x", name: "x", timeLimit: 1, initialStep: "a", steps: [])
        #expect(codes(definition) == ["steps": ["required"], "initialStep": ["unknownStep"]])
    }

    @Test func engineRefusesInvalidDefinitions() {
        var definition = Self.standard
        definition.steps[1].actions[0].roles = []
        #expect(throws: ValidationFailure.self) { try WorkflowEngine(definition: definition) }
    }
}
