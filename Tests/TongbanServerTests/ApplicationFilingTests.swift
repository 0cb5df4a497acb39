import Foundation
import Testing
import TongbanCore
@testable import TongbanServer

/// Where an application is filed when it names no division, and what its applicant's acts leave
/// for the supervisors of that division.
@Suite("Applications: filing division")
struct ApplicationFilingTests {
    @Test(arguments: TestEngine.available)
    func anApplicationWithoutDivisionGoesToTheApplicantsCompetentImplementation(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            /// The case as filed (creation answers with its id only).
            func filed(_ body: [String: Any], token: String) async throws -> TestSession.Reply {
                let created = try await s.call(.post, "/api/v1/applications", token: token, json: body)
                guard created.status == .created else { return created }
                return try await s.call(.get, "/api/v1/applications/\(created.json["id"] as? String ?? "")", token: token)
            }
            // 张伟's ID number was issued in 西湖区, which runs the item itself with a joint review.
            let xihu = try await s.demoPerson(0)
            let local = try await filed(["itemCode": TestSession.foodItem], token: xihu)
            #expect(local.status == .ok, "\(local.text)")
            #expect(local.json["divisionCode"] as? String == "330106")
            let named = try await filed(["itemCode": TestSession.foodItem, "divisionCode": "330106"], token: xihu)
            #expect(named.json["handlingDepartment"] as? String == local.json["handlingDepartment"] as? String)
            #expect(local.json["handlingDepartment"] as? String != "330000-scjgj")

            // 王芳's is from 上城区, which runs its own implementation too.
            let shangcheng = try await s.demoPerson(1)
            let other = try await filed(["itemCode": TestSession.foodItem], token: shangcheng)
            #expect(other.status == .ok, "\(other.text)")
            #expect(other.json["divisionCode"] as? String == "330102")
            #expect(![nil, "330000-scjgj", local.json["handlingDepartment"] as? String].contains(other.json["handlingDepartment"] as? String))

            // 李娜's ID number is from 深圳: no implementation covers her and the item is handled in three divisions.
            let shenzhen = try await s.demoPerson(2)
            let ambiguous = try await s.call(.post, "/api/v1/applications", token: shenzhen, json: ["itemCode": TestSession.foodItem])
            #expect(ambiguous.status == .unprocessableContent && ambiguous.errorFields == ["divisionCode"], "\(ambiguous.text)")
            let issue = (ambiguous.json["errors"] as? [[String: Any]])?.first
            // Each division to choose from is named, not only coded.
            #expect((issue?["message"] as? String)?.contains("330000 浙江省、330102 上城区、330106 西湖区") == true, "\(ambiguous.text)")
            #expect(ambiguous.json["divisionChoices"] as? [[String: String]] == [
                ["code": "330000", "name": "浙江省"], ["code": "330102", "name": "上城区"], ["code": "330106", "name": "西湖区"]], "\(ambiguous.text)")
            #expect((issue?["messageEn"] as? String)?.contains("divisionCode among 330000 (浙江省), 330102 (上城区), 330106 (西湖区)") == true,
                    "\(ambiguous.text)")
            // A division that does not handle the item is the division's fault, with where it is handled;
            // an item that exists nowhere is the item's.
            let elsewhere = try await s.call(.post, "/api/v1/applications", token: shenzhen,
                                             json: ["itemCode": "330106-GG-0002", "divisionCode": "330102"])
            #expect(elsewhere.status == .unprocessableContent && elsewhere.errorFields == ["divisionCode"], "\(elsewhere.text)")
            #expect(((elsewhere.json["errors"] as? [[String: Any]])?.first?["message"] as? String)?.hasPrefix("该事项不在 330102 上城区 办理") == true)
            #expect(elsewhere.json["divisionChoices"] as? [[String: String]] == [["code": "330106", "name": "西湖区"]], "\(elsewhere.text)")
            let nowhere = try await s.call(.post, "/api/v1/applications", token: shenzhen,
                                           json: ["itemCode": "330106-XK-9999", "divisionCode": "330106"])
            #expect(nowhere.errorFields == ["itemCode"] && nowhere.json["divisionChoices"] == nil, "\(nowhere.text)")
            // The apply page, sent without a division, says the same.
            let csrf = String(repeating: "d", count: 40)
            let page = try await s.call(.post, "/apply/\(TestSession.foodItem)", raw: "_csrf=\(csrf)&_division=",
                                        headers: [.authorization: "Bearer \(shenzhen)", .contentType: "application/x-www-form-urlencoded",
                                                  .cookie: "\(CSRF.cookie)=\(csrf)"])
            #expect(page.status == .unprocessableContent && page.text.contains("330000 浙江省、330102 上城区、330106 西湖区"), "\(page.text)")
            let chosen = try await filed(["itemCode": TestSession.foodItem, "divisionCode": "330106"], token: shenzhen)
            #expect(chosen.status == .ok && chosen.json["divisionCode"] as? String == "330106")

            // Nothing was stored for the refused one.
            struct N: Decodable { var n: Int }
            let count = try await s.services.database.sql.raw("SELECT COUNT(*) AS n FROM applications").first(decoding: N.self)
            #expect(count?.n == 4)
        }
    }

    @Test(arguments: TestEngine.available)
    func anAgentsApplicationWithoutDivisionIsFiledWhereItsOrganisationIsRegistered(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            /// Registers an organisation whose legal representative is the demo person `index`, who then acts for it.
            func organisation(_ name: String, creditCode: String, representative index: Int, token: String) async throws -> String {
                let seed = DemoData.persons[index]
                let org = try await s.call(.post, "/api/v1/organizations", token: token, json: [
                    "name": name, "creditCode": creditCode, "legalRepresentative": ["name": seed.name, "idNumber": seed.idNumber]])
                #expect(org.status == .created, "\(org.text)")
                return org.json["id"] as? String ?? ""
            }
            func filed(_ body: [String: Any], token: String) async throws -> TestSession.Reply {
                let created = try await s.call(.post, "/api/v1/applications", token: token, json: body)
                guard created.status == .created else { return created }
                return try await s.call(.get, "/api/v1/applications/\(created.json["id"] as? String ?? "")", token: token)
            }
            struct Row: Decodable { var divisionCode: String; var organizationId: String? }
            func stored(_ view: TestSession.Reply) async throws -> Row? {
                try await s.services.database.sql.select().columns("division_code", "organization_id").from("applications")
                    .where("id", .equal, view.json["id"] as? String ?? "").first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            }

            // 张伟's ID number is from 西湖区; the company he acts for is registered in 上城区 (its credit code's 330102).
            let zhang = try await s.demoPerson(0)
            let shangchengCompany = try await organisation("杭州上城某某餐饮有限公司", creditCode: Fixtures.creditCodes[1], representative: 0, token: zhang)
            let forCompany = try await filed(["itemCode": TestSession.foodItem, "organizationId": shangchengCompany], token: zhang)
            #expect(forCompany.status == .ok, "\(forCompany.text)")
            #expect(forCompany.json["divisionCode"] as? String == "330102", "the organisation's division, not the agent's")
            let named = try await filed(["itemCode": TestSession.foodItem, "divisionCode": "330102"], token: zhang)
            #expect(forCompany.json["handlingDepartment"] as? String == named.json["handlingDepartment"] as? String)
            #expect(try await stored(forCompany).map { [$0.divisionCode, $0.organizationId] } == ["330102", shangchengCompany])
            // For himself he still files in 西湖区.
            let forHimself = try await filed(["itemCode": TestSession.foodItem], token: zhang)
            #expect(forHimself.json["divisionCode"] as? String == "330106", "\(forHimself.text)")

            // 李娜's ID number (深圳) leaves the choice to her, but not when she acts for a 西湖区 company.
            let li = try await s.demoPerson(2)
            let xihuCompany = try await organisation("杭州西湖某某食品有限公司", creditCode: Fixtures.creditCodes[0], representative: 2, token: li)
            let asAgent = try await filed(["itemCode": TestSession.foodItem, "organizationId": xihuCompany], token: li)
            #expect(asAgent.status == .ok && asAgent.json["divisionCode"] as? String == "330106", "\(asAgent.text)")
            #expect(try await stored(asAgent)?.organizationId == xihuCompany)
            let asHerself = try await s.call(.post, "/api/v1/applications", token: li, json: ["itemCode": TestSession.foodItem])
            #expect(asHerself.status == .unprocessableContent && asHerself.errorFields == ["divisionCode"], "\(asHerself.text)")

            // Nobody files for a company they do not act for, wherever it is registered.
            let stranger = try await s.call(.post, "/api/v1/applications", token: li,
                                            json: ["itemCode": TestSession.foodItem, "organizationId": shangchengCompany])
            #expect(stranger.status == .unprocessableContent && stranger.errorFields == ["organizationId"], "\(stranger.text)")
        }
    }

    /// A submitted food-licence case whose clerk asked for `materials` again; returns its id.
    static func supplementRequested(_ materials: [String], comment: String, in s: TestSession, by person: String) async throws -> String {
        let id = try await s.submittedFoodApplication(token: person)
        let clerk = try await s.logInDemoStaff("clerk")
        #expect(try await s.call(.post, "/api/v1/work/queue/\(id)/claim", token: clerk).status == .ok)
        try await s.act(id, ["action": "requestSupplement", "materials": materials, "comment": comment], token: clerk)
        return id
    }

    @Test(arguments: TestEngine.available)
    func aSupplementNoticeCarriesItsReasonAndTheNamedMaterialsReadAsToBeProvidedAgain(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let named = [TestSession.foodMaterials[0], TestSession.foodMaterials[3]]
            let id = try await Self.supplementRequested(named, comment: "申请书未签字；健康证明已过期", in: s, by: person)

            let notices = try await s.call(.get, "/api/v1/notices", token: person).json["items"] as? [[String: Any]] ?? []
            let notice = try #require(notices.first { $0["title"] as? String == "请补正材料" })
            let body = notice["body"] as? String ?? ""
            #expect(body.contains("补正原因：申请书未签字；健康证明已过期") && body.contains(named[1]), "\(body)")

            func requirements() async throws -> [String: [String: Any]] {
                let view = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
                return Dictionary(uniqueKeysWithValues: (view.json["requirements"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) })
            }
            var listed = try await requirements()
            for name in TestSession.foodMaterials {
                #expect(listed[name]?["resubmissionRequired"] as? Bool == named.contains(name), "\(name)")
                #expect(listed[name]?["provided"] as? Bool == true, "a file is still there: \(name)")
            }
            #expect(listed["营业执照"]?["resubmissionRequired"] as? Bool == false)
            s.clock.advance(60)
            #expect(try await s.upload(id, material: named[0], token: person).status == .created)
            listed = try await requirements()
            #expect(listed[named[0]]?["resubmissionRequired"] as? Bool == false && listed[named[1]]?["resubmissionRequired"] as? Bool == true)
            let page = try await s.call(.get, "/applications/\(id)", headers: [.authorization: "Bearer \(person)"])
            #expect(page.text.contains("<li>\(named[1]) <span class=\"tag warn\">待补正</span>"), "\(page.text)")
            #expect(page.text.contains("<li>\(named[0]) <span class=\"tag ok\">已上传</span>"))

            // Once resubmitted, nothing waits for the applicant any more.
            #expect(try await s.upload(id, material: named[1], token: person).status == .created)
            #expect(try await s.call(.post, "/api/v1/applications/\(id)/submit", token: person).status == .ok)
            #expect(try await requirements().values.allSatisfy { $0["resubmissionRequired"] as? Bool == false })
        }
    }

    @Test(arguments: TestEngine.available)
    func theSupervisorOfTheDivisionReadsTheApplicantsActsOnItsCases(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let id = try await Self.supplementRequested([TestSession.foodMaterials[3]], comment: "健康证明已过期", in: s, by: person)
            s.clock.advance(60)
            #expect(try await s.upload(id, material: TestSession.foodMaterials[3], token: person).status == .created)
            #expect(try await s.call(.post, "/api/v1/applications/\(id)/submit", token: person).status == .ok)

            try await s.act(id, ["action": "withdraw", "comment": "不再经营"], token: person)
            let supervisor = try await s.logInDemoStaff("supervisor")
            for (action, count) in [("application.create", 1), ("application.fill", 1), ("application.attach", 5), ("application.submit", 1),
                                    ("application.resubmit", 1), ("application.withdraw", 1)] {
                let entries = try await s.call(.get, "/api/v1/audit?action=\(action)&targetId=\(id)", token: supervisor)
                #expect(entries.json["total"] as? Int == count, "\(action): \(entries.text)")
                let first = (entries.json["items"] as? [[String: Any]])?.first
                #expect(first?["departmentCode"] as? String == "330106-xzspj" && first?["actorRole"] as? String != "system", "\(action): \(entries.text)")
            }

            // A draft is entered with the department it is filed with; a case of the province stays out of the city's view.
            let draft = try await s.foodDraft(token: person)
            #expect(try await s.call(.get, "/api/v1/audit?action=application.create&targetId=\(draft)", token: supervisor).json["total"] as? Int == 1)
            let province = try await s.call(.post, "/api/v1/applications", token: try await s.demoPerson(1),
                                            json: ["itemCode": TestSession.foodItem, "divisionCode": "330000"]).json["id"] as? String ?? ""
            #expect(try await s.call(.get, "/api/v1/audit?action=application.create&targetId=\(province)", token: supervisor).json["total"] as? Int == 0)
            let admin = try await s.logInDemoStaff("admin")
            let provincial = try await s.call(.get, "/api/v1/audit?action=application.create&targetId=\(province)", token: admin)
            #expect((provincial.json["items"] as? [[String: Any]])?.first?["departmentCode"] as? String == "330000-scjgj", "\(provincial.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func formValuesAreCheckedByTheFieldsRules(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let id = try await s.foodDraft(token: person)
            let bad = try await s.call(.put, "/api/v1/applications/\(id)", token: person, json: ["form": [
                "operatorName": "a\u{0001}b", "contactMobile": "abc", "premisesDivision": "440304", "plannedOpening": "1900-01-01",
                "premisesAddress": "文三路\n1 号"]])
            #expect(bad.status == .unprocessableContent)
            #expect(Set(bad.errorFields) == ["form/operatorName", "form/contactMobile", "form/premisesDivision", "form/plannedOpening",
                                             "form/premisesAddress"], "\(bad.text)")
            let stored = try await s.call(.get, "/api/v1/applications/\(id)", token: person).json["form"] as? [String: String] ?? [:]
            #expect(stored["operatorName"] == nil && stored["contactMobile"] == DemoData.persons[0].mobile, "nothing of a refused fill is stored")
            // A right-to-left override would show the name reversed to the official: refused like any control character.
            let reversed = try await s.call(.put, "/api/v1/applications/\(id)", token: person, json: ["form": [
                "operatorName": "西湖\u{202E}小吃店", "premisesAddress": "文三路\u{2067}1 号"]])
            #expect(reversed.status == .unprocessableContent)
            let issues = reversed.json["errors"] as? [[String: Any]] ?? []
            #expect(Set(issues.map { "\($0["field"] ?? "") \($0["code"] ?? "")" }) == ["form/operatorName control", "form/premisesAddress control"],
                    "\(reversed.text)")
            let today = CivilDate(instant: s.clock.read())
            let good = try await s.call(.put, "/api/v1/applications/\(id)", token: person, json: ["form": [
                "operatorName": "西湖小吃店", "contactMobile": "13900000009", "premisesDivision": "330106",
                "plannedOpening": today.adding(days: 30).description]])
            #expect(good.status == .ok, "\(good.text)")
        }
    }
}
