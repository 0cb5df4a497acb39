import Foundation
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
}
