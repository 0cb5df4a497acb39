import Testing
@testable import TongbanCore

extension CaseTasksTests {
    /// An escalated case not yet accepted is at 受理: its supervision says so, as every other task does.
    @Test func supervisionBeforeAcceptanceStandsAtAcceptance() throws {
        let engine = try WorkflowEngine(definition: Self.joint)
        let c = try engine.apply(.submit, by: .applicant, to: engine.newCase(id: "c"), on: Self.date).case
        #expect(engine.openTasks(of: c, handlingDepartment: "bureau", escalated: true) == [
            CaseTask(departmentCode: "bureau", role: .acceptor, kind: .intake, step: "acceptance"),
            CaseTask(departmentCode: "bureau", role: .decisionMaker, kind: .supervise, step: "acceptance"),
        ])
    }
}
