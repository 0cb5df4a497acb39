import Foundation
import Testing
import TongbanCore
@testable import TongbanServer

/// The decision after a joint review (食品经营许可 at 西湖区: 市场监管 leads, 卫生健康 joins, AND).
@Suite("Deciding after a joint review")
struct JointDecisionTests {
    /// A submitted food licence in joint review; returns its id and the officials' tokens.
    private static func inJointReview(_ s: TestSession) async throws -> (id: String, person: String, clerk: String, scjg: String, wjj: String, approver: String) {
        let person = try await s.demoPerson()
        let id = try await s.submittedFoodApplication(token: person)
        let clerk = try await s.logInDemoStaff("clerk")
        try await s.act(id, ["action": "accept"], token: clerk)
        return (id, person, clerk, try await s.logInDemoStaff("reviewer-scjg"), try await s.logInDemoStaff("reviewer-wjj"),
                try await s.logInDemoStaff("approver"))
    }

    /// The same case after 卫生健康 disagreed, 市场监管 agreed and, as lead, recommended refusal: at 决定.
    private static func refusedByTheJointReview(_ s: TestSession) async throws
        -> (id: String, person: String, clerk: String, scjg: String, wjj: String, approver: String) {
        let officials = try await inJointReview(s)
        let (id, scjg, wjj) = (officials.id, officials.scjg, officials.wjj)
        try await s.act(id, ["action": "giveOpinion", "verdict": "disagree", "comment": "无健康证"], token: wjj)
        try await s.act(id, ["action": "giveOpinion", "verdict": "agree"], token: scjg)
        try await s.act(id, ["action": "approve"], token: scjg, expect: .conflict)
        try await s.act(id, rejection, token: scjg)
        return officials
    }

    private static var rejection: [String: Any] { ["action": "reject", "reason": "从业人员无健康证明", "legalBasis": "《食品安全法》第四十五条"] }

    @Test(arguments: TestEngine.available)
    func theDeciderCannotGrantWhatTheJointReviewRefused(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let (id, person, clerk, _, _, approver) = try await Self.refusedByTheJointReview(s)

            let refused = try await s.act(id, ["action": "approve"], token: approver, expect: .conflict)
            let issue = (refused.json["errors"] as? [[String: Any]])?.first
            #expect(issue?["code"] as? String == "contradictsJointResult", "\(refused.text)")
            #expect((issue?["message"] as? String)?.contains("联合审查") == true && (issue?["messageEn"] as? String)?.contains("joint review") == true)
            #expect(refused.json["currentStep"] as? String == "decision")
            let unchanged = try await s.call(.get, "/api/v1/applications/\(id)", token: approver)
            #expect(unchanged.json["status"] as? String == "inProgress" && unchanged.json["currentStep"] as? String == "decision")

            try await s.act(id, Self.rejection, token: approver)
            let concluded = try await s.act(id, ["action": "conclude"], token: clerk)
            #expect(concluded.json["status"] as? String == "concluded" && concluded.json["outcome"] as? String == "rejected")
            let wallet = try await s.call(.get, "/api/v1/certificates?mine=true", token: person)
            #expect(!(wallet.json["items"] as? [[String: Any]] ?? []).contains { $0["applicationId"] as? String == id },
                    "no licence for a refused case")
        }
    }

    @Test(arguments: TestEngine.available)
    func aJointReviewSentBackDecidesAfresh(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let (id, _, clerk, scjg, wjj, approver) = try await Self.refusedByTheJointReview(s)
            try await s.act(id, ["action": "returnToPreviousStep", "reason": "申请人已补办健康证，请卫生健康局重新核查"], token: approver)
            try await s.act(id, ["action": "giveOpinion", "verdict": "agree", "comment": "健康证已核验"], token: wjj)
            try await s.act(id, ["action": "giveOpinion", "verdict": "agree"], token: scjg)
            try await s.act(id, ["action": "approve"], token: scjg)
            try await s.act(id, ["action": "approve", "comment": "准予许可"], token: approver)
            let concluded = try await s.act(id, ["action": "conclude"], token: clerk)
            #expect(concluded.json["outcome"] as? String == "approved")
        }
    }
}
