import Foundation
import HTTPTypes
import Testing
import TongbanCore
@testable import TongbanServer

/// What the government holds for the applicant of record (免填) is prefilled and cannot be
/// replaced, through the API or the pages; what is only offered (a contact number, an agent's own
/// identity on an organisation's case) may be changed and is not marked 免填.
@Suite("Applications: prefilled fields")
struct PrefilledFieldTests {
    static let refusal = "由申请人身份自动填写，不能修改"

    static func prefilled(_ reply: TestSession.Reply) -> [String: Bool] {
        var flags: [String: Bool] = [:]
        for field in reply.json["fields"] as? [[String: Any]] ?? [] {
            if let id = field["id"] as? String { flags[id] = field["prefilled"] as? Bool }
        }
        return flags
    }

    static func codes(_ reply: TestSession.Reply) -> [String: String] {
        var codes: [String: String] = [:]
        for issue in reply.json["errors"] as? [[String: Any]] ?? [] {
            if let field = issue["field"] as? String { codes[field] = issue["code"] as? String }
        }
        return codes
    }

    static func applications(_ s: TestSession, token: String) async throws -> Int {
        try await s.call(.get, "/api/v1/applications", token: token).json["total"] as? Int ?? -1
    }

    @Test(arguments: TestEngine.available)
    func aPersonsOwnIdentityIsNotReplacedThroughTheAPI(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let (zhang, wang) = (DemoData.persons[0], DemoData.persons[1])
            let token = try await s.demoPerson(0)
            let foreign = try await s.call(.post, "/api/v1/applications", token: token, json: ["itemCode": TestSession.foodItem, "form": [
                "principalName": wang.name, "principalIdNumber": wang.idNumber, "contactMobile": wang.mobile, "operatorName": "小吃店"]])
            #expect(foreign.status == .unprocessableContent, "\(foreign.text)")
            #expect(Self.codes(foreign) == ["form/principalName": "prefilled", "form/principalIdNumber": "prefilled"], "\(foreign.text)")
            #expect(foreign.text.contains("“负责人身份证号”\(Self.refusal)"), "\(foreign.text)")
            #expect(foreign.text.contains("principalIdNumber is filled in from the applicant's identity and cannot be changed"))
            #expect(try await Self.applications(s, token: token) == 0, "nothing is created")

            // His own identity sent back is no change; the contact number is his to choose.
            let created = try await s.call(.post, "/api/v1/applications", token: token, json: ["itemCode": TestSession.foodItem, "form": [
                "principalName": zhang.name, "principalIdNumber": zhang.idNumber, "contactMobile": wang.mobile]])
            #expect(created.status == .created, "\(created.text)")
            let id = created.json["id"] as? String ?? ""
            let draft = try await s.call(.get, "/api/v1/applications/\(id)", token: token)
            let form = draft.json["form"] as? [String: String] ?? [:]
            #expect(form["principalIdNumber"] == zhang.idNumber && form["contactMobile"] == wang.mobile, "\(form)")
            let flags = Self.prefilled(draft)
            #expect(flags["principalName"] == true && flags["principalIdNumber"] == true, "\(flags)")
            #expect(flags["contactMobile"] == false && flags["operatorName"] == false, "a value only offered is not 免填: \(flags)")

            // Neither replaced nor cleared by a fill; the same value, written as he may write it, is fine.
            for values in [["principalName": wang.name], ["principalIdNumber": wang.idNumber], ["principalIdNumber": ""]] {
                let refused = try await s.call(.put, "/api/v1/applications/\(id)", token: token, json: ["form": values])
                #expect(refused.status == .unprocessableContent, "\(values) → \(refused.text)")
                #expect(Self.codes(refused) == ["form/\(values.keys.first!)": "prefilled"], "\(refused.text)")
            }
            let same = try await s.call(.put, "/api/v1/applications/\(id)", token: token, json: ["form": [
                "principalName": " \(zhang.name) ", "principalIdNumber": zhang.idNumber, "contactMobile": zhang.mobile, "operatorName": "西湖小吃店"]])
            #expect(same.status == .ok, "\(same.text)")
            let stored = try await s.call(.get, "/api/v1/applications/\(id)", token: token).json["form"] as? [String: String] ?? [:]
            #expect(stored["principalName"] == zhang.name && stored["principalIdNumber"] == zhang.idNumber && stored["operatorName"] == "西湖小吃店")
        }
    }

    /// Filing for an organisation, the organisation is the applicant of record: its registered name
    /// and credit code are fixed, the agent's own name and ID number only offered.
    @Test(arguments: TestEngine.available)
    func anAgentFilingForAnOrganisationKeepsItsRegisteredData(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let token = try await s.demoPerson(0)
            let company = "杭州上城某某餐饮有限公司"
            let org = try await ApplyPageTests.organisation(company, creditCode: Fixtures.creditCodes[1], representative: 0, in: s, token: token)

            // The food licence's 负责人 of a company need not be the agent who files.
            let food = try await s.call(.post, "/api/v1/applications", token: token, json: [
                "itemCode": TestSession.foodItem, "organizationId": org,
                "form": ["principalName": "李店长", "principalIdNumber": Fixtures.idNumbers[0]]] as [String: Any])
            #expect(food.status == .created, "\(food.text)")
            let foodCase = try await s.call(.get, "/api/v1/applications/\(food.json["id"] as? String ?? "")", token: token)
            #expect((foodCase.json["form"] as? [String: String])?["principalName"] == "李店长")
            #expect(Self.prefilled(foodCase)["principalName"] == false, "\(foodCase.text)")

            // 有限责任公司设立登记 is for organisations only: the generic form names the organisation.
            let licence = "330000-XK-0001"
            let other = try await s.call(.post, "/api/v1/applications", token: token, json: [
                "itemCode": licence, "organizationId": org,
                "form": ["organizationName": "别的公司", "creditCode": Fixtures.creditCodes[0], "applicantName": "王经办"]] as [String: Any])
            #expect(other.status == .unprocessableContent, "\(other.text)")
            #expect(Self.codes(other) == ["form/organizationName": "prefilled", "form/creditCode": "prefilled"], "\(other.text)")

            let created = try await s.call(.post, "/api/v1/applications", token: token, json: [
                "itemCode": licence, "organizationId": org,
                "form": ["organizationName": company, "creditCode": Fixtures.creditCodes[1].lowercased(), "applicantName": "王经办"]] as [String: Any])
            #expect(created.status == .created, "\(created.text)")
            let id = created.json["id"] as? String ?? ""
            let draft = try await s.call(.get, "/api/v1/applications/\(id)", token: token)
            let flags = Self.prefilled(draft)
            #expect(flags["organizationName"] == true && flags["creditCode"] == true, "\(flags)")
            #expect(flags["applicantName"] == false && flags["applicantIdNumber"] == false, "\(flags)")
            let refused = try await s.call(.put, "/api/v1/applications/\(id)", token: token, json: ["form": ["creditCode": Fixtures.creditCodes[0]]])
            #expect(Self.codes(refused) == ["form/creditCode": "prefilled"], "\(refused.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func thePagesShowFactsReadOnlyAndRefuseAnotherIdentity(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let (zhang, wang) = (DemoData.persons[0], DemoData.persons[1])
            let token = try await s.demoPerson(0)
            let browser = ApplyPageTests.Browser(s: s, token: token)
            let page = try await browser.get(ApplyPageTests.apply)
            #expect(page.text.contains("<label>负责人身份证号 <span class=\"req\">*</span> <span class=\"tag\">免填</span>"), "\(page.text)")
            #expect(page.text.contains("<input name=\"principalIdNumber\" type=\"text\" value=\"\(zhang.idNumber)\" readonly>"))
            #expect(page.text.contains("<input name=\"contactMobile\" type=\"tel\" value=\"\(zhang.mobile)\">"), "a contact number is only offered")

            // A post with the read-only inputs changed (a tampered form) files nothing.
            let tampered = try await browser.post(ApplyPageTests.apply, [("_division", ""), ("_organization", ""), ("operatorName", "小吃店"),
                                                                          ("principalName", wang.name), ("principalIdNumber", wang.idNumber)])
            #expect(tampered.status == .unprocessableContent, "\(tampered.text)")
            #expect(tampered.text.contains("“负责人姓名”\(Self.refusal)") && tampered.text.contains("“负责人身份证号”\(Self.refusal)"),
                    "\(tampered.text)")
            #expect(try await Self.applications(s, token: token) == 0)

            let filed = try await browser.filed(try await browser.post(ApplyPageTests.apply, [
                ("_division", ""), ("_organization", ""), ("operatorName", "小吃店"), ("principalName", zhang.name),
                ("principalIdNumber", zhang.idNumber), ("contactMobile", wang.mobile)]))
            let id = filed["id"] as? String ?? ""
            #expect((filed["form"] as? [String: String])?["contactMobile"] == wang.mobile, "\(filed)")

            // The case page's form: the same refusal for a changed fact; the facts sent back unchanged save.
            let edit = try await browser.post("/applications/\(id)/form", [("principalName", zhang.name), ("principalIdNumber", wang.idNumber)])
            #expect(edit.status == .unprocessableContent && edit.text.contains("“负责人身份证号”\(Self.refusal)"), "\(edit.text)")
            let saved = try await browser.post("/applications/\(id)/form", [("principalName", zhang.name), ("principalIdNumber", zhang.idNumber),
                                                                              ("premisesAddress", "文三路 1 号")])
            #expect(saved.status == .seeOther, "\(saved.text)")
            let casePage = try await browser.get("/applications/\(id)")
            #expect(casePage.text.contains("<input name=\"principalIdNumber\" type=\"text\" value=\"\(zhang.idNumber)\" readonly>"), "\(casePage.text)")
        }
    }
}
