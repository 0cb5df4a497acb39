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
}
