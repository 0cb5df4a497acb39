import Foundation
import HTTPTypes
import Testing
import TongbanCore
@testable import TongbanServer

/// What an official's action answers when its input or the case's state refuses it.
@Suite("Workflow action input over HTTP")
struct WorkflowInputTests {
    @Test(arguments: TestEngine.available)
    func oneAnswerNamesEveryMissingInput(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let id = try await s.submittedFoodApplication(token: person)
            let clerk = try await s.logInDemoStaff("clerk")
            func fields(_ body: [String: Any], _ token: String) async throws -> [String] {
                try await s.act(id, body, token: token, expect: .unprocessableContent).errorFields
            }
            #expect(try await fields(["action": "refuseToAccept"], clerk) == ["reason"])
            #expect(try await fields(["action": "requestSupplement", "materials": [String]()], clerk) == ["materials"])
            try await s.act(id, ["action": "accept"], token: clerk)

            let scjg = try await s.logInDemoStaff("reviewer-scjg")
            let wjj = try await s.logInDemoStaff("reviewer-wjj")
            #expect(try await fields(["action": "giveOpinion", "verdict": "disagree"], wjj) == ["comment"])
            let long = String(repeating: "长", count: ApplicationService.textLimit + 1)
            // A fault found before the engine is asked comes with everything else missing.
            #expect(try await fields(["action": "suspend", "comment": long], scjg) == ["comment", "pauseReason"])
            #expect(try await fields(["action": "giveOpinion", "comment": long], wjj) == ["comment", "verdict"])
            // The Chinese message names a field as the case page labels it, not by its JSON key.
            let named = try await s.act(id, ["action": "giveOpinion", "comment": long], token: wjj, expect: .unprocessableContent)
            let messages = (named.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(messages == ["说明不能超过 2000 个字", "请填写审查意见（同意或不同意）"], "\(messages)")
            // Every refusal, not only a 409, carries the case as it stands.
            #expect(named.json["currentVersion"] as? Int != nil && named.json["currentStatus"] as? String == "inProgress", "\(named.text)")
            let notApplicant = try await s.act(id, ["action": "withdraw"], token: clerk, expect: .forbidden)
            #expect(notApplicant.json["currentStep"] as? String == "jointReview", "\(notApplicant.text)")
            try await s.act(id, ["action": "giveOpinion", "verdict": "disagree", "comment": "无健康证"], token: wjj)
            #expect(try await fields(["action": "reject"], scjg) == ["reason", "legalBasis"])
            #expect(try await fields(["action": "reject", "reason": " "], scjg) == ["reason", "legalBasis"])
            #expect(try await fields(["action": "reject", "reason": long], scjg) == ["reason", "legalBasis"])
            #expect(try await fields(["action": "reject", "legalBasis": "《食品安全法》第四十五条"], scjg) == ["reason"])
            let unchanged = try await s.call(.get, "/api/v1/applications/\(id)", token: scjg)
            #expect(unchanged.json["currentStep"] as? String == "jointReview", "nothing half done")
            try await s.act(id, ["action": "reject", "reason": "无健康证", "legalBasis": "《食品安全法》第四十五条"], token: scjg)
        }
    }

    /// An `action` the endpoint does not know is a 422 naming the field as the case page labels it
    /// (动作) with the actions it takes, as the other inputs' refusals are; not a malformed body.
    @Test(arguments: TestEngine.available)
    func anUnknownActionIsNamedWithTheActionsTaken(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let id = try await s.submittedFoodApplication(token: try await s.demoPerson())
            let clerk = try await s.logInDemoStaff("clerk")
            let refused = try await s.act(id, ["action": "approveAll", "comment": "全部通过"], token: clerk, expect: .unprocessableContent)
            #expect(refused.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            let issue = (refused.json["errors"] as? [[String: Any]])?.first ?? [:]
            #expect(refused.errorFields == ["action"] && issue["code"] as? String == "invalid", "\(refused.text)")
            let zh = issue["message"] as? String ?? ""
            #expect(zh.hasPrefix("未知的动作“approveAll”，动作须为以下之一：受理（accept）、不予受理（refuseToAccept）") && !zh.contains("action"), "\(zh)")
            #expect(zh.contains("送达（deliver）") && zh.contains("撤回（withdraw）") && !zh.contains("（submit）"), "\(zh)")
            #expect((issue["messageEn"] as? String)?.hasPrefix("unknown action approveAll; action must be one of accept, refuseToAccept,") == true,
                    "\(refused.text)")
            // A value of the wrong type is still a malformed body; a known action still works.
            #expect(try await s.act(id, ["action": 7], token: clerk, expect: .badRequest).errorFields == ["action"])
            try await s.act(id, ["action": "accept"], token: clerk)
        }
    }

    /// Two officials act without `version` and the loser reads the case after the winner moved it
    /// on: the loser could take the action at the step the case left, so it gets 409 with the state,
    /// not the 403 of the step it never meant to act at. An official who could act at none of the
    /// steps the case passed, or who saw the current step (sent its version), keeps the 403.
    @Test(arguments: TestEngine.available)
    func aCaseMovedOnIsAConflictForWhoCouldActBeforeIt(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let clerk = try await s.logInDemoStaff("clerk")
            let scjg = try await s.logInDemoStaff("reviewer-scjg")
            let wjj = try await s.logInDemoStaff("reviewer-wjj")
            let food = try await s.submittedFoodApplication(token: try await s.demoPerson())
            try await s.act(food, ["action": "accept"], token: clerk)
            try await s.act(food, ["action": "giveOpinion", "verdict": "agree"], token: wjj)
            try await s.act(food, ["action": "giveOpinion", "verdict": "agree"], token: scjg)
            // The lead closes the joint review; a colleague of the same post closing it too comes second.
            let closed = try await s.act(food, ["action": "approve"], token: scjg)
            let version = closed.json["version"] as? Int
            let second = try await s.act(food, ["action": "approve"], token: scjg, expect: .conflict)
            #expect(second.json["currentVersion"] as? Int == version && version != nil, "\(second.text)")
            #expect(second.json["currentStatus"] as? String == "inProgress" && second.json["currentStep"] as? String == "decision",
                    "\(second.text)")
            let issue = (second.json["errors"] as? [[String: Any]])?.first ?? [:]
            #expect(second.errorFields == ["action"] && issue["code"] as? String == "stepLeft", "\(second.text)")
            #expect(issue["message"] as? String == "办件已离开“联合审查”环节，现处于“决定”环节", "\(second.text)")
            // Having seen the decision step (its version), the reviewer is refused as one who may not decide.
            try await s.act(food, ["action": "approve", "version": version ?? 0], token: scjg, expect: .forbidden)
            // 卫生健康 never closes the joint review, and the clerk never approves: their 403 stands.
            #expect(try await s.act(food, ["action": "approve"], token: wjj, expect: .forbidden).json["currentStep"] as? String == "decision")
            try await s.act(food, ["action": "reject", "reason": "无", "legalBasis": "无"], token: clerk, expect: .forbidden)

            // The standard process: the reviewer's approval meets the case at 决定.
            let person = try await s.demoPerson(1)
            let id = try #require(try await s.submittedUnemploymentApplications(1, token: person).first)
            try await s.act(id, ["action": "accept"], token: clerk)
            // A clerk's supplement notice meets the case accepted by a colleague: at 审查 only reviewers send one.
            let late = try await s.act(id, ["action": "requestSupplement", "materials": ["解除或者终止劳动关系证明"]], token: clerk, expect: .conflict)
            #expect(late.json["currentStep"] as? String == "review" && late.errorFields == ["action"], "\(late.text)")
            let reviewer = try await s.logInDemoStaff("reviewer")
            try await s.act(id, ["action": "approve"], token: reviewer)
            let again = try await s.act(id, ["action": "approve"], token: reviewer, expect: .conflict)
            #expect(again.json["currentStep"] as? String == "decision" && again.errorFields == ["action"], "\(again.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func refusalsStateTheStepAndVersionAsTheCaseShowsThem(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let id = try await s.submittedFoodApplication(token: person)
            let clerk = try await s.logInDemoStaff("clerk")
            let scjg = try await s.logInDemoStaff("reviewer-scjg")
            let submitted = try await s.call(.get, "/api/v1/applications/\(id)", token: clerk)
            #expect(submitted.json["currentStep"] as? String == "acceptance" && submitted.json["currentStepName"] as? String == "受理",
                    "\(submitted.text)")
            let version = submitted.json["version"] as? Int
            for (body, token, status) in [(["action": "accept"], scjg, HTTPResponse.Status.forbidden),
                                          (["action": "giveOpinion", "verdict": "agree"], scjg, .conflict),
                                          (["action": "conclude"], clerk, .conflict)] {
                let refused = try await s.act(id, body, token: token, expect: status)
                #expect(refused.json["currentStep"] as? String == "acceptance", "\(refused.text)")
                #expect(refused.json["currentVersion"] as? Int == version && version != nil)
                #expect(refused.errorFields.allSatisfy { $0 == "action" }, "\(refused.text)")
            }
            try await s.act(id, ["action": "refuseToAccept", "reason": "不属于本机关职权范围"], token: clerk)
            let final = try await s.act(id, ["action": "accept"], token: clerk, expect: .conflict)
            #expect(final.json["currentStatus"] as? String == "rejectedAtIntake" && final.json["currentStep"] == nil, "\(final.text)")
            #expect(final.json["currentVersion"] as? Int == (version ?? 0) + 1)
        }
    }
}
