extension ProcessDefinition {
    /// 受理 → 审查 → 决定 → 办结, the path of most licensing items.
    ///
    /// Defaults follow 《行政许可法》: five working days to decide on acceptance (第三十二条)
    /// and ten to issue and deliver after the decision (第四十四条).
    public static func standard(id: String, name: String, timeLimit: Int, reviewDays: Int, decisionDays: Int,
                                acceptanceDays: Int = 5, conclusionDays: Int = 10) -> ProcessDefinition {
        ProcessDefinition(id: id, name: name, timeLimit: timeLimit, initialStep: StandardStep.acceptance, steps: [
            acceptanceStep(days: acceptanceDays, next: StandardStep.review),
            Step(id: StandardStep.review, name: "审查", kind: .review, timeLimit: reviewDays, actions: [
                StepAction(.approve, roles: [.reviewer], next: StandardStep.decision),
                StepAction(.reject, roles: [.reviewer], next: StandardStep.decision),
                StepAction(.requestSupplement, roles: [.reviewer]),
                StepAction(.suspend, roles: [.reviewer]),
            ]),
            decisionStep(days: decisionDays, department: nil),
            conclusionStep(days: conclusionDays),
        ])
    }

    /// 受理 → 联合审查 → 决定 → 办结: departments review in parallel, and the lead
    /// department both closes the joint review and takes the decision.
    public static func withJointReview(id: String, name: String, timeLimit: Int,
                                       participants: [JointParticipant], leadDepartment: String, joinMode: JoinMode,
                                       jointReviewDays: Int, decisionDays: Int,
                                       acceptanceDays: Int = 5, conclusionDays: Int = 10) -> ProcessDefinition {
        ProcessDefinition(id: id, name: name, timeLimit: timeLimit, initialStep: StandardStep.acceptance, steps: [
            acceptanceStep(days: acceptanceDays, next: StandardStep.jointReview),
            Step(id: StandardStep.jointReview, name: "联合审查", kind: .jointReview, timeLimit: jointReviewDays,
                 actions: [
                     StepAction(.giveOpinion, roles: [.reviewer]),
                     StepAction(.approve, roles: [.reviewer], next: StandardStep.decision),
                     StepAction(.reject, roles: [.reviewer], next: StandardStep.decision),
                     StepAction(.requestSupplement, roles: [.reviewer]),
                     StepAction(.suspend, roles: [.reviewer]),
                 ],
                 jointReview: JointReview(participants: participants, joinMode: joinMode, leadDepartment: leadDepartment)),
            decisionStep(days: decisionDays, department: leadDepartment),
            conclusionStep(days: conclusionDays),
        ])
    }

    /// Step ids of the standard definitions.
    public enum StandardStep {
        public static let acceptance = "acceptance"
        public static let review = "review"
        public static let jointReview = "jointReview"
        public static let decision = "decision"
        public static let conclusion = "conclusion"
    }

    private static func acceptanceStep(days: Int, next: String) -> Step {
        Step(id: StandardStep.acceptance, name: "受理", kind: .acceptance, timeLimit: days, actions: [
            StepAction(.accept, roles: [.acceptor], next: next),
            StepAction(.refuseToAccept, roles: [.acceptor]),
            StepAction(.requestSupplement, roles: [.acceptor]),
        ])
    }

    private static func decisionStep(days: Int, department: String?) -> Step {
        Step(id: StandardStep.decision, name: "决定", kind: .decision, timeLimit: days, department: department, actions: [
            StepAction(.approve, roles: [.decisionMaker], next: StandardStep.conclusion),
            StepAction(.reject, roles: [.decisionMaker], next: StandardStep.conclusion),
            StepAction(.returnToPreviousStep, roles: [.decisionMaker]),
            StepAction(.suspend, roles: [.decisionMaker]),
        ])
    }

    private static func conclusionStep(days: Int) -> Step {
        Step(id: StandardStep.conclusion, name: "办结", kind: .conclusion, timeLimit: days, actions: [
            StepAction(.conclude, roles: [.acceptor]),
        ])
    }
}
