import Foundation
import SQLKit
import Testing
import TongbanCore
@testable import TongbanServer

/// Overdue cases escalated to the department head (督办): the head's supervision task beside the
/// case's own tasks.
@Suite("Escalated cases")
struct EscalatedCaseTests {
    /// 2026-03-02 08:00 CST, a Monday.
    static let monday = Date(timeIntervalSince1970: 1_772_409_600)

    /// A case overdue before acceptance goes to the head at 受理: its supervision carries the step in
    /// the queue and in the case's tasks, as at every later step. A row stored without it (before the
    /// step was given) is put right by the next sweep.
    @Test(arguments: TestEngine.available)
    func supervisionBeforeAcceptanceNamesTheStep(_ engine: TestEngine) async throws {
        let clock = TestClock(Self.monday)
        try await withApp(engine, demo: true, clock: clock) { s in
            let id = try #require(try await s.submittedUnemploymentApplications(1, token: try await s.demoPerson(1)).first)
            clock.advance(14 * 86_400) // the intake period's 5 working days are long past
            _ = try await s.services.applications.sweep(worker: "a")
            let approver = try await s.logInDemoStaff("approver")
            func supervision(_ token: String) async throws -> [String: Any]? {
                let queue = try await s.call(.get, "/api/v1/work/queue?pageSize=200", token: token)
                return (queue.json["items"] as? [[String: Any]])?.first { $0["applicationId"] as? String == id }
            }
            let listed = try await supervision(approver)
            #expect(listed?["kind"] as? String == "supervise" && listed?["step"] as? String == "acceptance", "\(listed ?? [:])")
            let view = try await s.call(.get, "/api/v1/applications/\(id)", token: approver)
            #expect(view.json["escalated"] as? Bool == true && view.json["currentStep"] as? String == "acceptance")
            let tasks = view.json["tasks"] as? [[String: Any]] ?? []
            #expect(Set(tasks.compactMap { $0["kind"] as? String }) == ["intake", "supervise"], "\(tasks)")
            #expect(tasks.allSatisfy { $0["step"] as? String == "acceptance" }, "\(tasks)")

            try await s.services.database.sql.update("application_tasks").set("step", to: SQLLiteral.null)
                .where("application_id", .equal, id).where("kind", .equal, "supervise").run()
            #expect(try await supervision(approver)?["step"] == nil)
            clock.advance(86_400)
            _ = try await s.services.applications.sweep(worker: "a")
            #expect(try await supervision(try await s.logInDemoStaff("approver"))?["step"] as? String == "acceptance")
        }
    }

    /// On an escalated case the head's supervision (督办) stands beside the review task: the head
    /// still assigns the review task to a reviewer and releases the reviewer's claim, from the API
    /// and from the queue page, whose rows name the task they offer. Where several tasks fit, the
    /// request names one by kind; a kind that is none, or not the department's now, is refused.
    @Test(arguments: TestEngine.available)
    func theHeadAssignsAndReleasesTheStepsTaskOfAnEscalatedCase(_ engine: TestEngine) async throws {
        let clock = TestClock(Self.monday)
        try await withApp(engine, demo: true, clock: clock) { s in
            let id = try #require(try await s.submittedUnemploymentApplications(1, token: try await s.demoPerson(1)).first)
            try await s.act(id, ["action": "accept"], token: try await s.logInDemoStaff("clerk"))
            clock.advance(60 * 86_400)
            _ = try await s.services.applications.sweep(worker: "a")
            let (approver, reviewer) = (try await s.logInDemoStaff("approver"), try await s.logInDemoStaff("reviewer"))
            let reviewerID = try #require(try await s.services.accounts.account(username: "reviewer")?.id)
            func tasks() async throws -> [String: [String: Any]] {
                let view = try await s.call(.get, "/api/v1/applications/\(id)", token: approver)
                #expect(view.json["escalated"] as? Bool == true)
                return Dictionary((view.json["tasks"] as? [[String: Any]] ?? []).map { ($0["kind"] as? String ?? "", $0) }) { a, _ in a }
            }
            #expect(Set(try await tasks().keys) == ["handle", "supervise"])
            func post(_ path: String, _ token: String, _ body: [String: Any]? = nil) async throws -> TestSession.Reply {
                try await s.call(.post, "/api/v1/work/queue/\(id)/\(path)", token: token, json: body)
            }

            // The API: the assignment goes to the task of the reviewer's post, the release to the claimed task.
            let assigned = try await post("assign", approver, ["assignee": "reviewer"])
            #expect(assigned.status == .ok && assigned.json["kind"] as? String == "handle" && assigned.json["claimedBy"] as? String == reviewerID,
                    "\(assigned.text)")
            #expect(try await tasks()["handle"]?["claimedBy"] as? String == reviewerID)
            #expect(try await tasks()["supervise"]?["claimedBy"] == nil)
            let released = try await post("release", approver)
            #expect(released.status == .ok && released.json["kind"] as? String == "handle", "\(released.text)")
            #expect(try await tasks()["handle"]?["claimedBy"] == nil)
            #expect(try await post("claim", reviewer).json["kind"] as? String == "handle")
            #expect(try await post("release", approver, ["kind": "handle"]).status == .ok)

            // Two claims the head may release: his own goes first; naming the task takes the other.
            #expect(try await post("claim", approver).json["kind"] as? String == "supervise")
            #expect(try await post("claim", reviewer).status == .ok)
            let own = try await post("release", approver)
            #expect(own.status == .ok && own.json["kind"] as? String == "supervise", "\(own.text)")
            #expect(try await post("assign", approver, ["assignee": "approver"]).json["kind"] as? String == "supervise")
            #expect(try await post("release", approver, ["kind": "handle"]).json["kind"] as? String == "handle")
            #expect(try await tasks()["supervise"]?["claimedBy"] != nil)

            // Refused: a kind that is none, one the department has no task of now, an assignee of no fitting post.
            let bogus = try await post("release", approver, ["kind": "review"])
            #expect(bogus.status == .unprocessableContent && bogus.errorFields == ["kind"], "\(bogus.text)")
            let absent = try await post("assign", approver, ["assignee": "reviewer", "kind": "intake"])
            #expect(absent.status == .conflict && absent.text.contains("noTaskHere"), "\(absent.text)")
            let clerk = try await post("assign", approver, ["assignee": "clerk"])
            #expect(clerk.status == .unprocessableContent && clerk.errorFields == ["assignee"], "\(clerk.text)")
            let wrongPost = try await post("assign", approver, ["assignee": "reviewer", "kind": "supervise"])
            #expect(wrongPost.status == .unprocessableContent && wrongPost.errorFields == ["assignee"], "\(wrongPost.text)")

            // The page: each row offers what the service does for that row's task, and names it.
            let csrf = String(repeating: "w", count: 40)
            func row(_ kind: String) async throws -> String {
                let html = try await s.call(.get, "/work?scope=department", token: approver).text
                return html.components(separatedBy: "<tr").first { $0.contains("href=\"/applications/\(id)\"") && $0.contains("name=\"kind\" value=\"\(kind)\"") } ?? ""
            }
            let handleRow = try await row("handle")
            #expect(handleRow.contains("action=\"/work/\(id)/assign\"") && handleRow.contains("<option value=\"reviewer\">"), "\(handleRow)")
            func form(_ path: String, _ fields: String) async throws -> TestSession.Reply {
                try await s.call(.post, "/work/\(id)/\(path)", raw: "_csrf=\(csrf)&kind=handle&\(fields)",
                                 headers: [.authorization: "Bearer \(approver)", .contentType: "application/x-www-form-urlencoded",
                                           .cookie: "\(CSRF.cookie)=\(csrf)"])
            }
            let pageAssign = try await form("assign", "assignee=reviewer")
            #expect(pageAssign.status == .seeOther, "\(pageAssign.text)")
            #expect(try await tasks()["handle"]?["claimedBy"] as? String == reviewerID)
            #expect(try await row("handle").contains("action=\"/work/\(id)/release\""))
            #expect(try await form("release", "").status == .seeOther)
            #expect(try await tasks()["handle"]?["claimedBy"] == nil)
        }
    }
}
