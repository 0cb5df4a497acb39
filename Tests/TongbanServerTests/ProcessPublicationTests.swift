import Foundation
import SQLKit
import Testing
import TongbanCore
@testable import TongbanServer

@Suite("Process definitions published by administrators")
struct ProcessPublicationTests {
    static let item = "330106-GG-0002"

    /// Acceptance → review → decision → conclusion, all in the approval bureau of 西湖区.
    static func definition(id: String, reviewNext: String = "decision", department: String = "330106-xzspj") -> [String: Any] {
        [
            "schemaVersion": 1, "id": id, "version": 1, "name": "失业登记（两级审查）", "timeLimit": 5, "initialStep": "acceptance",
            "steps": [
                ["id": "acceptance", "name": "受理", "kind": "acceptance", "timeLimit": 1, "department": department, "actions": [
                    ["kind": "accept", "roles": ["acceptor"], "next": "review"],
                    ["kind": "refuseToAccept", "roles": ["acceptor"]],
                    ["kind": "requestSupplement", "roles": ["acceptor"]]]],
                ["id": "review", "name": "审查", "kind": "review", "timeLimit": 2, "actions": [
                    ["kind": "approve", "roles": ["reviewer"], "next": reviewNext],
                    ["kind": "reject", "roles": ["reviewer"], "next": reviewNext]]],
                ["id": "decision", "name": "决定", "kind": "decision", "timeLimit": 1, "actions": [
                    ["kind": "approve", "roles": ["decisionMaker"], "next": "conclusion"],
                    ["kind": "reject", "roles": ["decisionMaker"], "next": "conclusion"]]],
                ["id": "conclusion", "name": "办结", "kind": "conclusion", "timeLimit": 1, "actions": [
                    ["kind": "conclude", "roles": ["acceptor"]]]],
            ],
        ]
    }

    @Test(arguments: TestEngine.available)
    func publishedDefinitionGovernsNewCasesOnly(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.logIn(DemoData.persons[0].mobile, password: DemoData.password)
            let clerk = try await s.logInDemoStaff("clerk")
            let catalogAdmin = try await s.logInDemoStaff("catalog")
            let path = "/api/v1/processes/\(Self.item)"

            let shipped = try await s.call(.get, path + "?division=330106", token: clerk)
            #expect(shipped.status == .ok, "\(shipped.text)")
            #expect(shipped.json["source"] as? String == "standard")
            #expect((shipped.json["history"] as? [Any])?.isEmpty == true)
            #expect(try await s.call(.get, path, token: person).status == .forbidden)
            #expect(try await s.call(.get, path).status == .unauthorized)
            #expect(try await s.call(.get, "/api/v1/processes/NO-SUCH-ITEM", token: clerk).status == .notFound)

            // A case filed before the change keeps its definition.
            let before = try await s.call(.post, "/api/v1/applications", token: person,
                                          json: ["itemCode": Self.item, "divisionCode": "330106"])
            #expect(before.status == .created, "\(before.text)")

            // Only catalog and system administrators publish.
            let body: [String: Any] = ["divisionCode": "330106", "definition": Self.definition(id: "330106-unemployment-two-level")]
            #expect(try await s.call(.put, path, token: clerk, json: body).status == .forbidden)

            // A dead step and an unknown department are named, and nothing is stored.
            let broken: [String: Any] = ["divisionCode": "330106",
                                         "definition": Self.definition(id: "330106-unemployment-two-level", reviewNext: "conclusion",
                                                                       department: "330106-nosuch")]
            let refused = try await s.call(.put, path, token: catalogAdmin, json: broken)
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            #expect(refused.errorFields.contains("definition/steps/0/department"), "\(refused.errorFields)")
            #expect(refused.errorFields.contains { $0.hasPrefix("definition/steps") && $0 != "definition/steps/0/department" },
                    "\(refused.errorFields)")
            let reserved = try await s.call(.put, path, token: catalogAdmin,
                                            json: ["definition": Self.definition(id: "standard-\(Self.item)-330106")])
            #expect(reserved.errorFields == ["definition/id"], "\(reserved.text)")
            // A post no staff account holds would leave its step without anyone to act.
            var wizard = Self.definition(id: "330106-unemployment-two-level")
            var steps = wizard["steps"] as! [[String: Any]]
            steps[0]["actions"] = [["kind": "accept", "roles": ["wizard"], "next": "review"], ["kind": "refuseToAccept", "roles": ["acceptor", "applicant"]],
                                   ["kind": "requestSupplement", "roles": ["acceptor"]]]
            wizard["steps"] = steps
            let unknownPost = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "330106", "definition": wizard])
            #expect(unknownPost.errorFields == ["definition/steps/0/actions/0/roles/0", "definition/steps/0/actions/1/roles/1"], "\(unknownPost.text)")
            // Limits nest: a review step longer than the whole case, an id nobody could type.
            var loose = Self.definition(id: String(repeating: "x", count: 65))
            var looseSteps = loose["steps"] as! [[String: Any]]
            looseSteps[1]["timeLimit"] = 9
            looseSteps[3]["timeLimit"] = 10 // 办结 runs on its own statutory days after the decision
            loose["steps"] = looseSteps
            let nested = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "330106", "definition": loose])
            #expect(nested.errorFields == ["definition/id", "definition/steps/1/timeLimit"], "\(nested.text)")
            let badDivision = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "33", "definition": body["definition"]!])
            #expect(badDivision.errorFields == ["divisionCode"])
            let nowhere = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "999999", "definition": body["definition"]!])
            #expect(nowhere.status == .unprocessableContent && nowhere.errorFields == ["divisionCode"], "\(nowhere.text)")
            #expect(try await s.call(.get, path + "?division=999999", token: clerk).errorFields == ["division"])
            #expect(try await s.call(.put, path, token: catalogAdmin, json: ["definition": "steps"]).status == .badRequest)
            #expect((try await s.call(.get, path + "?division=330106", token: clerk).json["history"] as? [Any])?.isEmpty == true)

            // The server assigns the revision: a definition sent without one is taken.
            var unversioned = body["definition"] as! [String: Any]
            unversioned["version"] = nil
            unversioned["schemaVersion"] = nil
            let published = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "330106", "definition": unversioned])
            #expect(published.status == .ok, "\(published.text)")
            #expect(published.json["source"] as? String == "published")
            let definition = published.json["definition"] as? [String: Any] ?? [:]
            #expect(definition["id"] as? String == "330106-unemployment-two-level")
            #expect(definition["version"] as? Int == 1)

            // Republishing the same id makes a new version; history lists both, newest first.
            let again = try await s.call(.put, path, token: catalogAdmin, json: body)
            #expect((again.json["definition"] as? [String: Any])?["version"] as? Int == 2)
            let history = again.json["history"] as? [[String: Any]] ?? []
            #expect(history.compactMap { $0["definitionVersion"] as? Int } == [2, 1])

            let after = try await s.call(.post, "/api/v1/applications", token: person,
                                         json: ["itemCode": Self.item, "divisionCode": "330106"])
            #expect(after.status == .created)
            struct Row: Decodable { var id: String; var definitionId: String; var definitionVersion: Int }
            let rows = try await s.services.database.sql.select().columns("id", "definition_id", "definition_version").from("applications")
                .where("item_code", .equal, Self.item).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
            #expect(byID[before.json["id"] as? String ?? ""]?.definitionId.hasPrefix("standard-") == true)
            #expect(byID[after.json["id"] as? String ?? ""]?.definitionId == "330106-unemployment-two-level")
            #expect(byID[after.json["id"] as? String ?? ""]?.definitionVersion == 2)

            var filter = AuditFilter()
            filter.action = "process.publish"
            #expect(try await s.services.audit.list(filter, paging: Paging()).total == 2)
        }
    }

    /// A misspelt key was dropped and the rest published: `divison` for `divisionCode` put the
    /// process in force in every division. Every unknown key, at any depth, is now a 400 naming it.
    @Test(arguments: TestEngine.available)
    func unknownKeysAreRefusedAtEveryLevel(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let catalogAdmin = try await s.logInDemoStaff("catalog")
            let clerk = try await s.logInDemoStaff("clerk")
            let path = "/api/v1/processes/\(Self.item)"
            let definition = Self.definition(id: "330106-unemployment-two-level")

            let misspelt = try await s.call(.put, path, token: catalogAdmin, json: ["divison": "330106", "definition": definition])
            #expect(misspelt.status == .badRequest, "\(misspelt.text)")
            #expect(misspelt.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect(misspelt.errorFields == ["divison"], "\(misspelt.text)")
            let issue = (misspelt.json["errors"] as? [[String: Any]])?.first ?? [:]
            #expect(issue["code"] as? String == "unknown")
            #expect(issue["message"] as? String == "未知字段 divison")
            #expect(issue["messageEn"] as? String == "unknown field divison")

            // Inside a step, an action and a joint review's participant, all named at once.
            var nested = definition
            var steps = nested["steps"] as! [[String: Any]]
            steps[0]["departmnet"] = "330106-rsj"
            var actions = steps[0]["actions"] as! [[String: Any]]
            actions[0]["nxt"] = "conclusion"
            steps[0]["actions"] = actions
            steps[1]["jointReview"] = ["joinMode": "all", "leadDepartment": "330106-xzspj", "participants": [
                ["departmentCode": "330106-rsj", "timeLimit": 1, "timelimit": 2]]]
            nested["steps"] = steps
            nested["timeLimits"] = 5
            let deep = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "330106", "definition": nested])
            #expect(deep.status == .badRequest, "\(deep.text)")
            #expect(deep.errorFields == ["definition/steps/0/actions/0/nxt", "definition/steps/0/departmnet",
                                         "definition/steps/1/jointReview/participants/0/timelimit", "definition/timeLimits"],
                    "\(deep.text)")
            // A wrong type is still reported as such, not as unknown keys.
            let mistyped = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": 330106, "extra": 1, "definition": definition])
            #expect(mistyped.errorFields == ["divisionCode"], "\(mistyped.text)")

            // Nothing was published by the refused bodies.
            let shown = try await s.call(.get, path + "?division=330106", token: clerk)
            #expect(shown.json["source"] as? String == "standard")
            #expect((shown.json["history"] as? [Any])?.isEmpty == true)
            var filter = AuditFilter()
            filter.action = "process.publish"
            #expect(try await s.services.audit.list(filter, paging: Paging()).total == 0)

            // The same body spelt right is taken, optional keys left out or given.
            let taken = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "330106", "definition": definition])
            #expect(taken.status == .ok, "\(taken.text)")
            var bare = definition
            bare["version"] = nil
            bare["schemaVersion"] = nil
            #expect(try await s.call(.put, path, token: catalogAdmin, json: ["definition": bare]).status == .ok)
        }
    }

    /// After 办结 in a process with a 送达 step, the open task is the delivery: the case page's
    /// task, the queue row and the claim describe the step the case is at, not the conclusion it left.
    @Test(arguments: TestEngine.available)
    func afterConclusionTheOpenTaskIsTheDelivery(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            var definition = Self.definition(id: "330106-unemployment-delivered")
            var steps = definition["steps"] as! [[String: Any]]
            steps[3]["actions"] = [["kind": "conclude", "roles": ["acceptor"], "next": "delivery"]]
            steps.append(["id": "delivery", "name": "送达", "kind": "delivery", "timeLimit": 2, "actions": [
                ["kind": "deliver", "roles": ["acceptor"]]]])
            definition["steps"] = steps
            let published = try await s.call(.put, "/api/v1/processes/\(Self.item)", token: try await s.logInDemoStaff("catalog"),
                                             json: ["divisionCode": "330106", "definition": definition])
            #expect(published.status == .ok, "\(published.text)")
            let id = try #require(try await s.submittedUnemploymentApplications(1, token: try await s.demoPerson(1)).first)
            let clerk = try await s.logInDemoStaff("clerk")
            try await s.act(id, ["action": "accept"], token: clerk)
            try await s.act(id, ["action": "approve"], token: try await s.logInDemoStaff("reviewer"))
            try await s.act(id, ["action": "approve"], token: try await s.logInDemoStaff("approver"))
            #expect(try await s.call(.post, "/api/v1/work/queue/\(id)/claim", token: clerk).status == .ok)

            let concluded = try await s.act(id, ["action": "conclude"], token: clerk)
            #expect(concluded.json["status"] as? String == "approved" && concluded.json["currentStep"] as? String == "delivery",
                    "\(concluded.text)")
            let tasks = try await s.call(.get, "/api/v1/applications/\(id)", token: clerk).json["tasks"] as? [[String: Any]] ?? []
            #expect(tasks.count == 1 && tasks.first?["step"] as? String == "delivery", "\(tasks)")
            // The claim was on the conclusion: the delivery is new work, waiting to be claimed.
            #expect(tasks.first?["claimedBy"] == nil, "\(tasks)")
            let queue = try await s.call(.get, "/api/v1/work/queue", token: clerk).json["items"] as? [[String: Any]] ?? []
            let row = queue.first { $0["applicationId"] as? String == id }
            #expect(row?["step"] as? String == "delivery" && row?["claimedBy"] == nil, "\(queue)")

            let delivered = try await s.act(id, ["action": "deliver"], token: clerk)
            #expect(delivered.json["status"] as? String == "concluded", "\(delivered.text)")
            #expect((try await s.call(.get, "/api/v1/applications/\(id)", token: clerk).json["tasks"] as? [Any])?.isEmpty == true)
        }
    }

    /// The shipped 西湖区 food-business joint review (AND, led by 330106-scjgj with 330106-wjj), as
    /// an administrator would send it back.
    static func shippedJointDefinition(id: String) throws -> [String: Any] {
        let file = try JSONSerialization.jsonObject(with: BundledResources.data("applications/processes.json")) as? [String: Any]
        let items = file?["items"] as? [[String: Any]] ?? []
        var definition = try #require(items.first { $0["itemCode"] as? String == TestSession.foodItem }?["definition"] as? [String: Any])
        definition["id"] = id
        definition["version"] = nil
        return definition
    }

    static func issue(_ reply: TestSession.Reply, _ field: String) -> [String: Any]? {
        (reply.json["errors"] as? [[String: Any]])?.first { $0["field"] as? String == field }
    }

    @Test func shippedDefinitionsMeetThePublicationRules() throws {
        let library = try ProcessLibrary(publications: SQLProcessPublicationStore())
        #expect(!library.processes.isEmpty)
        for process in library.processes {
            #expect(process.definition.publicationIssues.isEmpty, "\(process.definition.id): \(process.definition.publicationIssues)")
        }
    }

    /// QA finding G8: a 决定 offering only approve after an AND joint review. When the joint review
    /// disagrees, the engine refuses approve (contradictsJointResult) and nothing else moves the
    /// case, so the definition is refused before any case runs on it, naming the step.
    @Test(arguments: TestEngine.available)
    func aDefinitionThatCouldStrandACaseIsRefused(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let catalogAdmin = try await s.logInDemoStaff("catalog")
            let path = "/api/v1/processes/\(TestSession.foodItem)"
            var definition = try Self.shippedJointDefinition(id: "qa-food-approve-only")
            var steps = definition["steps"] as! [[String: Any]]
            steps[2]["actions"] = [["kind": "approve", "roles": ["decisionMaker"], "next": "conclusion"],
                                   ["kind": "suspend", "roles": ["decisionMaker"]]]
            definition["steps"] = steps
            let refused = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "330106", "definition": definition])
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            #expect(Set(refused.errorFields) == ["definition/steps/2", "definition/steps/2/actions/reject"], "\(refused.text)")
            let stuck = Self.issue(refused, "definition/steps/2")
            #expect(stuck?["code"] as? String == "stuckAfterDisagreement")
            #expect((stuck?["message"] as? String)?.contains("决定") == true && (stuck?["message"] as? String)?.contains("reject") == true, "\(refused.text)")
            #expect((stuck?["messageEn"] as? String)?.contains("step decision") == true, "\(refused.text)")
            #expect((Self.issue(refused, "definition/steps/2/actions/reject")?["message"] as? String)?.contains("第三十八条") == true)

            // An acceptance that can neither refuse nor ask for the missing materials (第三十二条).
            var intake = try Self.shippedJointDefinition(id: "qa-food-accept-only")
            var intakeSteps = intake["steps"] as! [[String: Any]]
            intakeSteps[0]["actions"] = [["kind": "accept", "roles": ["acceptor"], "next": "jointReview"]]
            intake["steps"] = intakeSteps
            let blind = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "330106", "definition": intake])
            #expect(blind.status == .unprocessableContent && Set(blind.errorFields) == [
                "definition/steps/0/actions/refuseToAccept", "definition/steps/0/actions/requestSupplement"], "\(blind.text)")

            // Nothing was stored: the shipped definition still governs.
            let inForce = try await s.call(.get, path + "?division=330106", token: catalogAdmin)
            #expect(inForce.json["source"] as? String == "shipped" && (inForce.json["history"] as? [Any])?.isEmpty == true, "\(inForce.text)")

            // With a way on after the disagreement, it is published.
            steps[2]["actions"] = (steps[2]["actions"] as! [[String: Any]]) + [["kind": "reject", "roles": ["decisionMaker"], "next": "conclusion"]]
            definition["steps"] = steps
            let fixed = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "330106", "definition": definition])
            #expect(fixed.status == .ok, "\(fixed.text)")
        }
    }

    /// QA finding G9: 上城区's process naming 西湖区 departments let 西湖区 staff work and read
    /// 上城区 citizens' cases. A department takes part in the divisions it serves: its own and
    /// those within it (a city's or the province's department in a county's process).
    @Test(arguments: TestEngine.available)
    func departmentsServeTheDivisionsTheDefinitionGoverns(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let catalogAdmin = try await s.logInDemoStaff("catalog")
            let path = "/api/v1/processes/\(TestSession.foodItem)"
            var definition = try Self.shippedJointDefinition(id: "330102-food-joint")
            let borrowed = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "330102", "definition": definition])
            #expect(borrowed.status == .unprocessableContent, "\(borrowed.text)")
            #expect(Set(borrowed.errorFields) == ["definition/steps/1/jointReview/leadDepartment",
                                                  "definition/steps/1/jointReview/participants/0/departmentCode",
                                                  "definition/steps/1/jointReview/participants/1/departmentCode"], "\(borrowed.text)")
            let lead = Self.issue(borrowed, "definition/steps/1/jointReview/leadDepartment")
            #expect(lead?["code"] as? String == "departmentOutsideDivision")
            #expect((lead?["message"] as? String)?.contains("330106-scjgj") == true && (lead?["message"] as? String)?.contains("330102") == true,
                    "\(borrowed.text)")
            #expect((lead?["messageEn"] as? String)?.contains("330102") == true, "\(borrowed.text)")
            let untouched = try await s.call(.get, path + "?division=330102", token: catalogAdmin)
            #expect(untouched.json["source"] as? String != "published" && (untouched.json["history"] as? [Any])?.isEmpty == true,
                    "\(untouched.text)")

            // 上城区's own department with the province's; a step bound to 西湖区's is still refused.
            var steps = definition["steps"] as! [[String: Any]]
            steps[1]["jointReview"] = ["joinMode": "all", "leadDepartment": "330102-scjgj", "participants": [
                ["departmentCode": "330102-scjgj", "timeLimit": 5], ["departmentCode": "330000-wsjkw", "timeLimit": 3]]]
            steps[2]["department"] = "330106-scjgj"
            definition["steps"] = steps
            let decidedElsewhere = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "330102", "definition": definition])
            #expect(decidedElsewhere.errorFields == ["definition/steps/2/department"], "\(decidedElsewhere.text)")
            steps[2]["department"] = "330100-scjgj"
            definition["steps"] = steps
            let city = try await s.call(.put, path, token: catalogAdmin, json: ["divisionCode": "330102", "definition": definition])
            #expect(city.status == .ok, "\(city.text)")

            // For every division: the item is offered in several counties, so a county's
            // department is refused and only departments containing them all take part.
            let offering = try await s.services.catalog.offeringDivisions(code: TestSession.foodItem)
            #expect(offering.contains("330102") && offering.contains("330106"), "\(offering)")
            var everywhere = try Self.shippedJointDefinition(id: "food-joint-everywhere")
            let county = try await s.call(.put, path, token: catalogAdmin, json: ["definition": everywhere])
            #expect(county.status == .unprocessableContent && county.errorFields.count == 3, "\(county.text)")
            #expect((Self.issue(county, "definition/steps/1/jointReview/leadDepartment")?["messageEn"] as? String)?
                .contains("every division") == true, "\(county.text)")
            var everywhereSteps = everywhere["steps"] as! [[String: Any]]
            everywhereSteps[1]["jointReview"] = ["joinMode": "all", "leadDepartment": "330000-scjgj", "participants": [
                ["departmentCode": "330000-scjgj", "timeLimit": 5], ["departmentCode": "330000-wsjkw", "timeLimit": 3]]]
            everywhere["steps"] = everywhereSteps
            let province = try await s.call(.put, path, token: catalogAdmin, json: ["definition": everywhere])
            #expect(province.status == .ok, "\(province.text)")
        }
    }

    /// Two administrators publish at the same moment: each publication either gets its own
    /// version or a 409; never do two stored publications share one id and version.
    @Test(arguments: TestEngine.available)
    func simultaneousPublicationsNeverShareAVersion(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let catalogAdmin = try await s.logInDemoStaff("catalog")
            let path = "/api/v1/processes/\(Self.item)"
            let id = "330106-unemployment-race"
            let replies = try await withThrowingTaskGroup(of: TestSession.Reply.self) { group in
                for round in 0..<6 {
                    // Alternate two different definitions under one id.
                    let department = round % 2 == 0 ? "330106-xzspj" : "330106-rsj"
                    let body = try JSONSerialization.data(withJSONObject: [
                        "divisionCode": "330106", "definition": Self.definition(id: id, department: department)])
                    let raw = String(decoding: body, as: UTF8.self)
                    group.addTask { try await s.call(.put, path, token: catalogAdmin, raw: raw) }
                }
                var all: [TestSession.Reply] = []
                for try await reply in group { all.append(reply) }
                return all
            }
            #expect(replies.allSatisfy { $0.status == .ok || $0.status == .conflict }, "\(replies.map(\.status))")
            let accepted = replies.filter { $0.status == .ok }.count
            #expect(accepted >= 1)
            let history = try await s.call(.get, path + "?division=330106", token: catalogAdmin).json["history"] as? [[String: Any]] ?? []
            let versions = history.compactMap { $0["definitionVersion"] as? Int }
            #expect(versions.count == accepted)
            #expect(Set(versions).count == versions.count, "two publications got one version: \(versions)")
            // Each successful reply shows the version that request published, never another's.
            let answered = replies.filter { $0.status == .ok }.compactMap { ($0.json["definition"] as? [String: Any])?["version"] as? Int }
            #expect(answered.count == accepted)
            #expect(Set(answered) == Set(versions), "replies \(answered) against stored \(versions)")
            struct Row: Decodable { var n: Int }
            let stored = try await s.services.database.sql.raw(
                "SELECT COUNT(*) AS n FROM process_definitions WHERE id = \(bind: id)").first(decoding: Row.self)
            #expect(stored?.n == accepted, "a refused publication left its definition behind")
        }
    }
}
