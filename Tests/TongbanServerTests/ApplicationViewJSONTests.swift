import Foundation
import Hummingbird
import NIOCore
import Testing
import TongbanCore
@testable import TongbanServer

/// The hand-written application view must be the JSON its synthesized `Encodable` conformance
/// gives through `JSONOut.encoder`: the same members, values and left-out nils.
@Suite struct ApplicationViewJSONTests {
    static let awkward = "引号\"、反斜杠\\、斜杠/、换行\n制表\t\u{1}\u{1f}与 é 组合 🀄️"

    static var full: ApplicationView {
        ApplicationView(
            id: "0193a1b2-0000-7000-8000-000000000001", status: "inProgress", statusZh: "审查中", version: 7,
            itemCode: "330106-XK-0001", itemName: "食品经营许可", divisionCode: "330106", handlingDepartment: "330106-scjgj",
            receiptNumber: "330106202611240001", currentStep: "joint", currentStepName: "联合审查", warningLevel: "warning",
            dueDate: "2026-12-08", promisedDueDate: "2026-11-30", dueDateProvisional: true, stepDueDate: "2026-12-01", escalated: true, outcome: "approved",
            outstandingMaterials: ["健康证明", awkward],
            opinions: ["330106-scjgj": JointOpinion(.agree, comment: "符合要求"), "330106-wjj": JointOpinion(.disagree, comment: awkward),
                       "330106-xfj": JointOpinion(.agree, comment: "")],
            form: ["name": "张三", "note": awkward, "empty": ""],
            fields: [
                .init(id: "name", label: "姓名", type: "text", required: true, requiredWhen: nil, options: nil, prefilled: true,
                      help: nil, value: "张三"),
                .init(id: "kind", label: "类别", type: "choice", required: false,
                      requiredWhen: FieldCondition(field: "name", values: ["a/b", awkward]),
                      options: [ChoiceOption(value: "a", label: "甲"), ChoiceOption(value: "b/c", label: awkward)], prefilled: false,
                      help: "请选择 \"类别\"", value: nil),
                .init(id: "none", label: "空", type: "choice", required: false, requiredWhen: nil, options: [], prefilled: false,
                      help: nil, value: nil),
            ],
            requirements: [
                .init(name: "身份证明", required: true, condition: nil, governmentSupplied: true, provided: true, resubmissionRequired: false),
                .init(name: "租赁合同", required: false, condition: "租用场地的", governmentSupplied: false, provided: false, resubmissionRequired: true),
            ],
            materials: [
                .init(id: "m1", materialName: "身份证明", source: "government", suppliedBy: "330106-gaj", fileName: nil,
                      contentType: nil, sizeBytes: nil, sha256: nil, createdAt: 1_764_000_000_000),
                .init(id: "m2", materialName: "租赁合同", source: "upload", suppliedBy: nil, fileName: "合同 a/b.pdf",
                      contentType: "application/pdf", sizeBytes: Int64.max, sha256: String(repeating: "ab", count: 32),
                      createdAt: -1),
            ],
            timeline: [
                .init(at: 1_764_000_000_000, time: "2026-11-24 08:00", event: "submitted", summary: "提交申请", comment: nil,
                      actorName: nil, actorRole: nil, departmentCode: nil),
                .init(at: 1_764_000_060_000, time: "2026-11-24 08:01", event: "accept", summary: "受理", comment: awkward,
                      actorName: "李四", actorRole: "windowClerk", departmentCode: "330106-scjgj"),
            ],
            tasks: [
                .init(departmentCode: "330106-wjj", role: "reviewer", kind: "joint", step: "joint", claimedBy: "acc-9"),
                .init(departmentCode: "330106-scjgj", role: "reviewer", kind: "step", step: nil, claimedBy: nil),
            ],
            createdAt: 1_763_999_000_000, submittedAt: 1_764_000_000_000, concludedAt: 1_764_100_000_000)
    }

    static var bare: ApplicationView {
        var view = full
        view.receiptNumber = nil; view.currentStep = nil; view.currentStepName = nil; view.dueDate = nil; view.promisedDueDate = nil; view.stepDueDate = nil
        view.escalated = false; view.outcome = nil; view.outstandingMaterials = []; view.opinions = [:]; view.form = [:]
        view.fields = []; view.requirements = []; view.materials = []; view.timeline = []; view.tasks = []
        view.submittedAt = nil; view.concludedAt = nil
        return view
    }

    private func canonical(_ json: Data) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: json), options: [.sortedKeys]),
               as: UTF8.self)
    }

    private func body(_ response: Response) async throws -> Data {
        let collected = Collected()
        try await response.body.write(CollectingWriter(collected: collected))
        return Data(collected.buffer.readableBytesView)
    }

    @Test(arguments: ["every member set", "nils and empty collections"])
    func writtenViewEqualsEncodedView(_ shape: String) async throws {
        let view = shape == "every member set" ? Self.full : Self.bare
        var writer = JSONTextWriter(escapingSlashes: false)
        view.write(to: &writer)
        let reference = try JSONOut.encoder.encode(view)
        #expect(try canonical(Data(writer.bytes)) == canonical(reference))
        // The answer sent is the written one, slashes unescaped as JSONOut writes them.
        let sent = try await body(try JSONOut.response(view))
        #expect(sent == Data(writer.bytes))
        #expect(view.materials.isEmpty || String(decoding: sent, as: UTF8.self).contains("合同 a/b.pdf"))
    }

    /// The minimal answers (a submission's, a created draft's) likewise.
    @Test(arguments: ["every member set", "nils"])
    func writtenSmallAnswersEqualEncodedOnes(_ shape: String) async throws {
        var state = ApplicationStateView(ApplicationRecord(
            id: "0193a1b2-0000-7000-8000-000000000001", itemCode: "330106-XK-0001", itemVersion: 1, itemName: "食品经营许可",
            divisionCode: "330106", itemDepartment: "330106-scjgj", handlingDepartment: "330106-scjgj", definitionId: "d",
            definitionVersion: 1, formVersion: 1, applicantId: "a", organizationId: nil, status: "inProgress", currentStep: "a/b",
            formJson: "{}", caseJson: "{}", version: 3, receiptNumber: "330106202611240001", warningLevel: 1, dueDate: "2026-12-08",
            escalated: 0, outcome: nil, createdAt: 0, updatedAt: 0, submittedAt: nil, concludedAt: nil, lastTimelinePosition: 2))
        if shape == "nils" { state.receiptNumber = nil; state.currentStep = nil; state.dueDate = nil }
        let created = ApplicationsAPI.Created(id: "0193a1b2-0000-7000-8000-000000000002", status: Self.awkward, version: 1)
        for (value, reference) in [(state as any JSONWritable & Encodable, try JSONOut.encoder.encode(state)),
                                   (created, try JSONOut.encoder.encode(created))] {
            var writer = JSONTextWriter(escapingSlashes: false)
            value.write(to: &writer)
            #expect(try canonical(Data(writer.bytes)) == canonical(reference))
            #expect(try await body(try JSONOut.response(value)) == Data(writer.bytes))
        }
    }
}

/// Gathers a response body in memory.
private final class Collected { var buffer = ByteBuffer() }

private struct CollectingWriter: ResponseBodyWriter {
    let collected: Collected
    mutating func write(_ part: ByteBuffer) async throws { var part = part; collected.buffer.writeBuffer(&part) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
