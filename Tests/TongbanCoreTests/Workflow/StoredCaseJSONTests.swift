import Foundation
import Testing
@testable import TongbanCore

/// The hand-written stored form must be the JSON that JSONEncoder writes for the synthesized
/// conformance (the same members and values; JSONEncoder's member order follows hashing),
/// so old and new rows read alike, and must read back to the same case.
@Suite struct StoredCaseJSONTests {
    private func base() -> WorkflowCase {
        WorkflowCase(id: "case-1", definition: ProcessDefinitionTests.standard)
    }

    private func cases() throws -> [WorkflowCase] {
        let states: [CaseState] = [.draft, .submitted, .accepted(step: "review"), .supplementRequested(step: nil),
                                   .supplementRequested(step: "review"), .rejectedAtIntake, .approved(step: "conclusion"),
                                   .rejected(step: "delivery"), .concluded, .withdrawn]
        var out: [WorkflowCase] = []
        for (index, state) in states.enumerated() {
            var c = base()
            c.state = state
            c.version = index
            out.append(c)
        }
        var full = base()
        full.state = .accepted(step: "joint")
        full.version = 7
        var clock = CaseClock(limit: 20, startedOn: try day("2026-02-10"))
        try clock.pause(.supplement, on: try day("2026-02-11"))
        try clock.resume(on: try day("2026-02-16"))
        try clock.pause(.expertReview, on: try day("2026-02-17"))
        full.clock = clock
        full.stepClock = clock.withLimit(5)
        full.stepPath = ["review", "joint"]
        full.opinions = ["330106-scjgj": JointOpinion(.agree, comment: "经营场所符合要求"),
                         "330106-wjj": JointOpinion(.disagree, comment: "引号\"、反斜杠\\、斜杠/、换行\n制表\t\u{1}与 é 组合"),
                         "330106-xfj": JointOpinion(.agree, comment: "")]
        full.outstandingMaterials = ["食品安全管理人员健康证明（须在有效期内）", "a/b \"c\""]
        full.supplementNoticeSent = true
        full.decision = Decision(outcome: .rejected, reason: "不符合《食品经营许可管理办法》第十条", legalBasis: "《行政许可法》第三十八条",
                                 departmentCode: "330106-scjgj", date: try day("2026-03-02"))
        full.lastActionOn = try day("2026-03-02")
        out.append(full)
        var partial = full
        partial.decision = Decision(outcome: .approved, reason: nil, legalBasis: nil, departmentCode: nil, date: try day("2026-03-03"))
        partial.clock = nil
        out.append(partial)
        return out
    }

    private func canonical(_ json: Data) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: json), options: [.sortedKeys]),
               as: UTF8.self)
    }

    @Test func matchesJSONEncoderAndReadsBack() throws {
        for workflowCase in try cases() {
            let written = workflowCase.storedJSON
            #expect(try canonical(Data(written.utf8)) == canonical(try JSONEncoder().encode(workflowCase)), "\(written)")
            #expect(try JSONDecoder().decode(WorkflowCase.self, from: Data(written.utf8)) == workflowCase)
        }
    }

    @Test func controlCharactersAndCombiningMarksSurvive() throws {
        var c = base()
        // A combining mark right after an escaped quote forms one Character with it.
        c.outstandingMaterials = ["\"\u{301}x", "\u{0}\u{1f}\u{7f}", "🀄️", ""]
        let decoded = try JSONDecoder().decode(WorkflowCase.self, from: Data(c.storedJSON.utf8))
        #expect(decoded.outstandingMaterials == c.outstandingMaterials)
    }
}
