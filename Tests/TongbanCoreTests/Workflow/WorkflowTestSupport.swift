import Foundation
import Testing
@testable import TongbanCore

func day(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> CivilDate {
    try #require(CivilDate(iso: text), sourceLocation: sourceLocation)
}

/// The schedule the server ships, so these tests also check the data file itself.
func officialCalendar() throws -> WorkingCalendar {
    let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent()   // Workflow
        .deletingLastPathComponent()   // TongbanCoreTests
        .deletingLastPathComponent()   // Tests
        .deletingLastPathComponent()
    let file = repository.appendingPathComponent("Sources/TongbanServer/Resources/calendar/cn-holidays.json")
    return try WorkingCalendar(json: Data(contentsOf: file))
}

/// Issue codes by field; empty when the body succeeds.
func issueCodes(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> [String: Set<String>] {
    do {
        try body()
        return [:]
    } catch let failure as ValidationFailure {
        return Dictionary(grouping: failure.issues, by: \.field).mapValues { Set($0.map(\.code)) }
    } catch {
        Issue.record("expected a ValidationFailure, got \(error)", sourceLocation: sourceLocation)
        return [:]
    }
}

enum Staff {
    static let market = "330000-scjgj"
    static let acceptor = WorkflowActor(role: .acceptor, departmentCode: market)
    static let reviewer = WorkflowActor(role: .reviewer, departmentCode: market)
    static let decisionMaker = WorkflowActor(role: .decisionMaker, departmentCode: market)
}

/// Drives one case through an engine, keeping the events, as the server would.
struct CaseRun {
    let engine: WorkflowEngine
    var current: WorkflowCase
    var date: CivilDate
    var events: [WorkflowEvent] = []

    init(_ definition: ProcessDefinition, on date: CivilDate) throws {
        engine = try WorkflowEngine(definition: definition)
        current = engine.newCase(id: "case-1")
        self.date = date
    }

    mutating func act(_ action: CaseAction, by actor: WorkflowActor, on date: CivilDate? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        if let date { self.date = date }
        do {
            let (next, newEvents) = try engine.apply(action, by: actor, to: current, on: self.date)
            current = next
            events += newEvents
        } catch {
            Issue.record("\(action) by \(actor.role) failed: \(error)", sourceLocation: sourceLocation)
            throw error
        }
    }

    /// The action must fail with exactly `expected` and leave the case as it was.
    func refuses(_ action: CaseAction, by actor: WorkflowActor, with expected: WorkflowError,
                 on date: CivilDate? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: expected, sourceLocation: sourceLocation) {
            _ = try engine.apply(action, by: actor, to: current, on: date ?? self.date)
        }
    }
}
