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

    /// The food licence republished at 西湖区 with an ANY join (并联审查, join = any) led by 卫生健康.
    private static var anyJoinDefinition: [String: Any] {
        let decide: [[String: Any]] = [["kind": "approve", "roles": ["decisionMaker"], "next": "conclusion"],
                                       ["kind": "reject", "roles": ["decisionMaker"], "next": "conclusion"],
                                       ["kind": "returnToPreviousStep", "roles": ["decisionMaker"]]]
        return [
            "schemaVersion": 1, "id": "330106-food-business-any", "version": 1, "name": "食品经营许可（新办）并联审批：任一部门同意",
            "timeLimit": 10, "initialStep": "acceptance",
            "steps": [
                ["id": "acceptance", "name": "受理", "kind": "acceptance", "timeLimit": 5, "actions": [
                    ["kind": "accept", "roles": ["acceptor"], "next": "jointReview"],
                    ["kind": "refuseToAccept", "roles": ["acceptor"]],
                    ["kind": "requestSupplement", "roles": ["acceptor"]]]],
                ["id": "jointReview", "name": "联合审查", "kind": "jointReview", "timeLimit": 5,
                 "jointReview": ["joinMode": "any", "leadDepartment": "330106-wjj", "participants": [
                    ["departmentCode": "330106-wjj", "timeLimit": 5], ["departmentCode": "330106-scjgj", "timeLimit": 3]]],
                 "actions": [
                    ["kind": "giveOpinion", "roles": ["reviewer"]],
                    ["kind": "approve", "roles": ["reviewer"], "next": "decision"],
                    ["kind": "reject", "roles": ["reviewer"], "next": "decision"]]],
                ["id": "decision", "name": "决定", "kind": "decision", "timeLimit": 3, "actions": decide],
                ["id": "conclusion", "name": "办结", "kind": "conclusion", "timeLimit": 2, "actions": [
                    ["kind": "conclude", "roles": ["acceptor"]]]],
            ] as [[String: Any]],
        ]
    }

    /// Issue #4 (QA F3): once an ANY joint review has settled, a later opinion (here the lead's
    /// disagreement) is refused and leaves no trace, so the file never shows the lead department
    /// against the result it then carries out.
    @Test(arguments: TestEngine.available)
    func anAnyJointReviewTakesNoOpinionOnceSettled(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let catalogAdmin = try await s.logInDemoStaff("catalog")
            let published = try await s.call(.put, "/api/v1/processes/\(TestSession.foodItem)", token: catalogAdmin,
                                             json: ["divisionCode": "330106", "definition": Self.anyJoinDefinition])
            #expect(published.status == .ok, "\(published.text)")
            let (id, _, _, scjg, wjj, _) = try await Self.inJointReview(s)

            try await s.act(id, ["action": "giveOpinion", "verdict": "agree", "comment": "经营场所符合要求"], token: scjg)
            let settled = try await s.call(.get, "/api/v1/applications/\(id)", token: wjj)
            let events = (settled.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["event"] as? String }
            #expect(events.filter { $0 == "jointReviewSettled" }.count == 1, "\(events)")

            let late = try await s.act(id, ["action": "giveOpinion", "verdict": "disagree", "comment": "卫生条件不达标"], token: wjj,
                                       expect: .conflict)
            let issue = (late.json["errors"] as? [[String: Any]])?.first
            #expect(issue?["code"] as? String == "jointReviewSettled", "\(late.text)")
            #expect((issue?["message"] as? String)?.contains("联合审查意见已汇总") == true)
            #expect((issue?["messageEn"] as? String)?.contains("joint review has already settled") == true)
            #expect(late.json["currentStep"] as? String == "jointReview")

            let after = try await s.call(.get, "/api/v1/applications/\(id)", token: wjj)
            #expect(after.json["version"] as? Int == settled.json["version"] as? Int, "nothing stored")
            let opinions = after.json["opinions"] as? [String: Any] ?? [:]
            #expect(opinions.keys.sorted() == ["330106-scjgj"], "\(opinions)")
            #expect((after.json["timeline"] as? [[String: Any]] ?? []).count == (settled.json["timeline"] as? [[String: Any]] ?? []).count)

            // The lead closes the review on the result that stands, on record only through it.
            let closed = try await s.act(id, ["action": "approve"], token: wjj)
            #expect(closed.json["currentStep"] as? String == "decision", "\(closed.text)")
            let closedOpinions = closed.json["opinions"] as? [String: Any] ?? [:]
            #expect(closedOpinions.keys.sorted() == ["330106-scjgj"], "\(closedOpinions)")
        }
    }
}
