import Foundation
import SQLKit
import Testing
import TongbanCore
@testable import TongbanServer

/// Adding or taking back a material changes the case: it takes a new version, so it and a
/// submission racing it cannot both be stored.
@Suite("Attachments racing a submission")
struct AttachmentRaceTests {
    /// A complete food-licence draft; returns its id and the id of its 食品安全管理制度 file.
    private static func completeDraft(_ s: TestSession, token: String) async throws -> (id: String, rules: String) {
        let id = try await s.foodDraft(token: token)
        let filled = try await s.call(.put, "/api/v1/applications/\(id)", token: token, json: ["form": [
            "operatorName": "西湖小吃店", "operatorType": "individual", "premisesDivision": "330106",
            "premisesAddress": "杭州市西湖区文三路 1 号", "businessScope": "restaurant", "floorArea": 45] as [String: Any]])
        #expect(filled.status == .ok, "\(filled.text)")
        var rules = ""
        for material in TestSession.foodMaterials {
            let uploaded = try await s.upload(id, material: material, token: token)
            #expect(uploaded.status == .created, "\(uploaded.text)")
            if material == TestSession.foodMaterials[1] { rules = uploaded.json["id"] as? String ?? "" }
        }
        return (id, rules)
    }

    private static func files(_ id: String, _ s: TestSession) -> Set<String> {
        let directory = s.services.configuration.uploadDirectory.appendingPathComponent(id)
        return Set((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
    }

    private static func storedFiles(_ id: String, _ s: TestSession) async throws -> Set<String> {
        Set(try await s.services.applications.store.materials(application: id, on: s.services.database.sql)
            .compactMap { $0.storedName?.split(separator: "/").last.map(String.init) })
    }

    /// The interleavings the race can take, made one after the other: whichever writes second
    /// read the case before the other's write, and fails its guarded update.
    @Test(arguments: TestEngine.available)
    func aChangeAndASubmissionReadingTheSameVersionCannotBothBeStored(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let store = s.services.applications.store
            let database = s.services.database

            // The removal first: a submission that read the case before it is stale.
            let (first, rules) = try await Self.completeDraft(s, token: person)
            let read = try #require(try await store.application(id: first, on: database.sql))
            let removed = try await s.call(.delete, "/api/v1/applications/\(first)/attachments/\(rules)", token: person)
            #expect(removed.status == .noContent, "\(removed.text)")
            var submitted = read
            submitted.status = ApplicationStatus.submitted.rawValue
            submitted.version += 1
            let staged = submitted
            await #expect(throws: StaleWrite.self) {
                try await database.transaction { db in try await store.update(staged, expectedVersion: read.version, on: db) }
            }
            #expect(try await store.application(id: first, on: database.sql)?.version == read.version + 1)
            // An upload too.
            let again = try #require(try await store.application(id: first, on: database.sql))
            #expect(try await s.upload(first, material: TestSession.foodMaterials[1], token: person).status == .created)
            var late = again
            late.version += 1
            let stale = late
            await #expect(throws: StaleWrite.self) {
                try await database.transaction { db in try await store.update(stale, expectedVersion: again.version, on: db) }
            }

            // The submission first: a change that read the draft is stale, and so is one that
            // carries the submitted case's own version (the case is no longer editable).
            let (second, _) = try await Self.completeDraft(s, token: person)
            let draft = try #require(try await store.application(id: second, on: database.sql))
            #expect(try await s.call(.post, "/api/v1/applications/\(second)/submit", token: person).status == .ok)
            let now = try #require(try await store.application(id: second, on: database.sql))
            for (record, expected) in [(draft, draft.version), (now, now.version)] {
                await #expect(throws: StaleWrite.self) {
                    try await database.transaction { db in
                        try await store.updateMaterialsVersion(of: record.changingMaterials(now: 0), expectedVersion: expected, on: db)
                    }
                }
            }
            #expect(try await store.application(id: second, on: database.sql)?.version == now.version)
            // Refused after submission through the API, with the case's state; no file left behind.
            let refused = try await s.upload(second, material: TestSession.foodMaterials[1], token: person)
            #expect(refused.status == .conflict && refused.json["currentStatus"] as? String == "submitted"
                    && refused.json["currentVersion"] as? Int == now.version, "\(refused.text)")
            #expect(Self.files(second, s) == (try await Self.storedFiles(second, s)))
        }
    }

    /// Submission and removal, or submission and upload, sent at once: never both stored.
    @Test(arguments: TestEngine.available)
    func concurrentSubmissionAndAttachmentChangeHaveOneWinner(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            for round in 0..<6 {
                let (id, rules) = try await Self.completeDraft(s, token: person)
                let before = try await s.call(.get, "/api/v1/applications/\(id)", token: person).json["version"] as? Int ?? 0
                let removing = round % 2 == 0
                let answers = try await withThrowingTaskGroup(of: (Bool, TestSession.Reply).self) { group in
                    group.addTask { (true, try await s.call(.post, "/api/v1/applications/\(id)/submit", token: person)) }
                    group.addTask {
                        (false, removing
                            ? try await s.call(.delete, "/api/v1/applications/\(id)/attachments/\(rules)", token: person)
                            : try await s.upload(id, material: TestSession.foodMaterials[2], token: person))
                    }
                    var all: [Bool: TestSession.Reply] = [:]
                    for try await (isSubmit, reply) in group { all[isSubmit] = reply }
                    return all
                }
                let submit = try #require(answers[true]), change = try #require(answers[false])
                let view = try await s.call(.get, "/api/v1/applications/\(id)", token: person).json
                let status = view["status"] as? String
                let materials = (view["materials"] as? [[String: Any]] ?? []).compactMap { $0["materialName"] as? String }
                if removing {
                    // The removal stored first leaves the submission stale (409) or, read after it, missing a material (422).
                    #expect(!(submit.status == .ok && change.status == .noContent), "round \(round): \(submit.text) \(change.text)")
                    if submit.status == .ok {
                        #expect(change.status == .conflict && change.json["currentStatus"] as? String == "submitted", "\(change.text)")
                        #expect(materials.contains(TestSession.foodMaterials[1]))
                    } else {
                        #expect([409, 422].contains(submit.status.code) && status == "draft", "\(submit.text)")
                    }
                } else if submit.status == .ok && change.status == .created {
                    // Both stand only when the upload was stored before the submission read the case.
                    #expect(submit.json["version"] as? Int == before + 2, "round \(round): \(submit.text)")
                } else {
                    let codes = Set([submit.status.code, change.status.code])
                    #expect(codes == [200, 409] || codes == [201, 409], "round \(round): \(submit.text) \(change.text)")
                }
                // Every file in the upload directory has its row, and every row its file.
                #expect(Self.files(id, s) == (try await Self.storedFiles(id, s)), "round \(round)")
            }
        }
    }

    /// The same after a supplement notice: the resubmission and the removal of the material the
    /// notice asked for, sent at once, are never both stored.
    @Test(arguments: TestEngine.available)
    func aResubmissionAndTheRemovalOfTheRenewedMaterialHaveOneWinner(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let clerk = try await s.logInDemoStaff("clerk")
            let health = TestSession.foodMaterials[3]
            for round in 0..<3 {
                let id = try await s.submittedFoodApplication(token: person)
                try await s.act(id, ["action": "requestSupplement", "materials": [health], "comment": "健康证明已过期"], token: clerk)
                s.clock.advance(60)
                let renewed = try await s.upload(id, material: health, token: person).json["id"] as? String ?? ""
                async let resubmit = s.call(.post, "/api/v1/applications/\(id)/submit", token: person)
                async let removal = s.call(.delete, "/api/v1/applications/\(id)/attachments/\(renewed)", token: person)
                let (submit, change) = try await (resubmit, removal)
                #expect(!(submit.status == .ok && change.status == .noContent), "round \(round): \(submit.text) \(change.text)")
                let view = try await s.call(.get, "/api/v1/applications/\(id)", token: person).json
                let files = (view["materials"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                if submit.status == .ok {
                    #expect(change.status == .conflict && files.contains(renewed), "round \(round): \(change.text)")
                } else {
                    #expect([409, 422].contains(submit.status.code) && view["status"] as? String == "supplementRequested"
                            && !files.contains(renewed), "round \(round): \(submit.text)")
                }
            }
        }
    }
}
