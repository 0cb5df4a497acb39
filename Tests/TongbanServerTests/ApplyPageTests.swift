import Foundation
import HTTPTypes
import Testing
import TongbanCore
@testable import TongbanServer

/// The apply page files a case as the API does without `divisionCode` (属地办理), keeps a
/// division the applicant came with, offers the choice when the rule leaves it to them, and
/// lets an agent apply for their organisation.
@Suite("Applications: the apply page")
struct ApplyPageTests {
    /// The browser's side of the apply page: a bearer token stands for the session cookie, the
    /// CSRF token is the double-submitted one.
    struct Browser {
        let s: TestSession
        let token: String
        static let csrf = String(repeating: "p", count: 40)

        func get(_ uri: String) async throws -> TestSession.Reply {
            try await s.call(.get, uri, headers: [.authorization: "Bearer \(token)"])
        }

        func post(_ uri: String, _ fields: [(String, String)]) async throws -> TestSession.Reply {
            let body = ([("_csrf", Self.csrf)] + fields)
                .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
            return try await s.call(.post, uri, raw: body, headers: [.authorization: "Bearer \(token)",
                                                                     .contentType: "application/x-www-form-urlencoded",
                                                                     .cookie: "\(CSRF.cookie)=\(Self.csrf)"])
        }

        /// The case a post of the apply form created, as the API shows it.
        func filed(_ reply: TestSession.Reply) async throws -> [String: Any] {
            #expect(reply.status == .seeOther, "\(reply.text)")
            let location = reply.headers[.location] ?? ""
            #expect(location.hasPrefix("/applications/"), "\(location)")
            let id = String(location.dropFirst("/applications/".count))
            return try await s.call(.get, "/api/v1/applications/\(id)", token: token).json
        }
    }

    static let apply = "/apply/\(TestSession.foodItem)"

    /// Registers an organisation whose legal representative is the demo person `index`, who then acts for it.
    static func organisation(_ name: String, creditCode: String, representative index: Int, in s: TestSession, token: String) async throws -> String {
        let seed = DemoData.persons[index]
        let org = try await s.call(.post, "/api/v1/organizations", token: token, json: [
            "name": name, "creditCode": creditCode, "legalRepresentative": ["name": seed.name, "idNumber": seed.idNumber]])
        #expect(org.status == .created, "\(org.text)")
        return org.json["id"] as? String ?? ""
    }

    @Test(arguments: TestEngine.available)
    func withoutADivisionTheCaseIsFiledWhereTheApplicantBelongs(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            // The plain guide's 在线办理 names no division.
            let guide = try await s.call(.get, "/services/\(TestSession.foodItem)")
            #expect(guide.text.contains("href=\"\(Self.apply)\""), "\(guide.text)")

            // 张伟's ID number was issued in 西湖区, which runs the item itself.
            let zhang = Browser(s: s, token: try await s.demoPerson(0))
            let page = try await zhang.get(Self.apply)
            #expect(page.status == .ok, "\(page.text)")
            #expect(page.text.contains("<span id=\"filing-division\">330106 西湖区</span>（按申请人所在地确定）"), "\(page.text)")
            #expect(page.text.contains("<input type=\"hidden\" name=\"_division\" value=\"\">"), "the page forces no division")
            #expect(!page.text.contains("name=\"_division\" value=\"330000\""))
            let filed = try await zhang.filed(try await zhang.post(Self.apply, [("_division", ""), ("_organization", ""),
                                                                                ("operatorName", "西湖小吃店")]))
            #expect(filed["divisionCode"] as? String == "330106", "\(filed)")
            #expect(filed["handlingDepartment"] as? String != "330000-scjgj")
            #expect((filed["form"] as? [String: String])?["operatorName"] == "西湖小吃店")
        }
    }

    @Test(arguments: TestEngine.available)
    func anApplicantTheRuleCannotPlaceChoosesAmongTheDivisionsAndIsFiledWhereChosen(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            // 李娜's ID number is from 深圳: no implementation covers her and the item is handled in three divisions.
            let li = Browser(s: s, token: try await s.demoPerson(2))
            let choices = ["<option value=\"330000\">330000 浙江省</option>", "<option value=\"330102\">330102 上城区</option>",
                           "<option value=\"330106\">330106 西湖区</option>"]
            let page = try await li.get(Self.apply)
            #expect(page.status == .ok)
            #expect(page.text.contains("<select name=\"_division\" required>"), "\(page.text)")
            for choice in choices { #expect(page.text.contains(choice), "\(choice)") }

            // Sent without a choice (a client that skips the browser's check): the 422's message, and the choice again.
            let refused = try await li.post(Self.apply, [("_division", ""), ("operatorName", "小吃店")])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("该事项由多个地区分别办理，请选择办理地区（divisionCode）：330000 浙江省、330102 上城区、330106 西湖区"),
                    "\(refused.text)")
            for choice in choices { #expect(refused.text.contains(choice), "\(choice)") }
            #expect(refused.text.contains("name=\"operatorName\" type=\"text\" value=\"小吃店\""), "what was typed is kept")

            let filed = try await li.filed(try await li.post(Self.apply, [("_division", "330102"), ("operatorName", "小吃店")]))
            #expect(filed["divisionCode"] as? String == "330102", "\(filed)")

            // A refused form keeps the division chosen, still changeable.
            let again = try await li.post(Self.apply, [("_division", "330106"), ("contactMobile", "12")])
            #expect(again.status == .unprocessableContent)
            #expect(again.text.contains("<option value=\"330106\" selected>330106 西湖区</option>"), "\(again.text)")

            // A division that does not handle the item: the form again with where it is handled, not a 404.
            let nowhere = try await li.post(Self.apply, [("_division", "110101"), ("operatorName", "小吃店")])
            #expect(nowhere.status == .unprocessableContent && nowhere.text.contains("该事项不在 110101"), "\(nowhere.text)")
            for choice in choices { #expect(nowhere.text.contains(choice), "\(choice)") }
            // An item handled in one division only: filed there, and not said to follow from where she lives (深圳).
            let single = try await li.get("/apply/330106-GG-0002")
            #expect(single.text.contains("<span id=\"filing-division\">330106 西湖区</span>") && !single.text.contains("按申请人所在地确定"),
                    "\(single.text)")
        }
    }

    /// A material the guide asks for only in a situation (授权委托书 when someone else applies) is
    /// listed with its situation, not among the materials every applicant provides; an optional one as optional.
    @Test(arguments: TestEngine.available)
    func materialsAreListedAsTheGuideAsksForThem(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let zhang = Browser(s: s, token: try await s.demoPerson(0))
            let page = try await zhang.get(Self.apply).text
            func paragraph(_ lead: String, in html: String) -> String {
                guard let start = html.range(of: "<p>\(lead)") ?? html.range(of: "\(lead)") else { return "" }
                return String(html[start.lowerBound...].prefix { $0 != "\n" })
            }
            let required = paragraph("需提交的材料：", in: page)
            #expect(TestSession.foodMaterials.allSatisfy(required.contains) && !required.contains("授权委托书"), "\(required)")
            #expect(page.contains("<p id=\"conditional-materials\">视情形提交：授权委托书（委托他人办理的）；</p>"), "\(page)")

            let licence = try await zhang.get("/apply/330000-XK-0016").text
            #expect(paragraph("可选提交：", in: licence).contains("近期免冠照片"), "\(licence)")
            #expect(!paragraph("需提交的材料：", in: licence).contains("近期免冠照片"), "\(licence)")
        }
    }

    @Test(arguments: TestEngine.available)
    func aDivisionTheApplicantCameWithFromALocalGuideIsKept(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            // 上城区's guide applies in 上城区, even for 张伟 of 西湖区.
            let guide = try await s.call(.get, "/services/\(TestSession.foodItem)?division=330102")
            #expect(guide.text.contains("href=\"\(Self.apply)?division=330102\""), "\(guide.text)")
            let zhang = Browser(s: s, token: try await s.demoPerson(0))
            let page = try await zhang.get("\(Self.apply)?division=330102")
            #expect(page.text.contains("<span id=\"filing-division\">330102 上城区</span>"), "\(page.text)")
            #expect(!page.text.contains("按申请人所在地确定"))
            #expect(page.text.contains("<input type=\"hidden\" name=\"_division\" value=\"330102\">"))
            let filed = try await zhang.filed(try await zhang.post(Self.apply, [("_division", "330102")]))
            #expect(filed["divisionCode"] as? String == "330102", "\(filed)")

            // 李娜, whom the rule cannot place, finds the division she came with chosen for her.
            let li = Browser(s: s, token: try await s.demoPerson(2))
            let hers = try await li.get("\(Self.apply)?division=330106")
            #expect(hers.text.contains("<option value=\"330106\" selected>330106 西湖区</option>"), "\(hers.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func anAgentAppliesForTheirOrganisation(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let zhangToken = try await s.demoPerson(0)
            let zhang = Browser(s: s, token: zhangToken)
            let company = "杭州上城某某餐饮有限公司"
            let org = try await Self.organisation(company, creditCode: Fixtures.creditCodes[1], representative: 0, in: s, token: zhangToken)

            // For an item both persons and organisations apply for, he chooses for whom.
            let page = try await zhang.get(Self.apply)
            #expect(page.text.contains("<legend>以谁的名义申请</legend>"), "\(page.text)")
            #expect(page.text.contains("<input type=\"radio\" name=\"organization\" value=\"\" checked> 本人（张伟）"), "\(page.text)")
            #expect(page.text.contains("<input type=\"radio\" name=\"organization\" value=\"\(org)\"> \(company)"))
            let forCompany = try await zhang.get("\(Self.apply)?organization=\(org)")
            #expect(forCompany.text.contains("<input type=\"radio\" name=\"organization\" value=\"\(org)\" checked>"), "\(forCompany.text)")
            #expect(forCompany.text.contains("<input type=\"hidden\" name=\"_organization\" value=\"\(org)\">"))
            // The company is registered in 上城区: its case goes there.
            #expect(forCompany.text.contains("<span id=\"filing-division\">330102 上城区</span>"), "\(forCompany.text)")
            let filed = try await zhang.filed(try await zhang.post(Self.apply, [("_division", ""), ("_organization", org)]))
            #expect(filed["divisionCode"] as? String == "330102", "\(filed)")
            struct Row: Decodable { var organizationId: String? }
            let stored = try await s.services.database.sql.select().column("organization_id").from("applications")
                .where("id", .equal, filed["id"] as? String ?? "").first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            #expect(stored?.organizationId == org)

            // An item only organisations apply for offers only his organisation, its data prefilled.
            let licence = "/apply/330000-XK-0001"
            let orgOnly = try await zhang.get(licence)
            #expect(orgOnly.status == .ok, "\(orgOnly.text)")
            #expect(!orgOnly.text.contains("本人（张伟）") && !orgOnly.text.contains("name=\"organization\""), "\(orgOnly.text)")
            #expect(orgOnly.text.contains("申请人：<span id=\"applicant-name\">\(company)</span>"))
            #expect(orgOnly.text.contains("name=\"organizationName\" type=\"text\" value=\"\(company)\""))
            let registered = try await zhang.filed(try await zhang.post(licence, [("_organization", org), ("request", "设立登记")]))
            #expect(registered["itemCode"] as? String == "330000-XK-0001", "\(registered)")

            // 王芳 acts for no organisation: told so, with no form that could only fail.
            let wang = Browser(s: s, token: try await s.demoPerson(1))
            let none = try await wang.get(licence)
            #expect(none.status == .ok)
            #expect(none.text.contains("id=\"needs-organization\"") && none.text.contains("href=\"/register/organization\""), "\(none.text)")
            #expect(!none.text.contains("id=\"apply-form\""))
            // Nor does she file for 张伟's company by sending its id.
            let stranger = try await wang.post(Self.apply, [("_organization", org)])
            #expect(stranger.status == .unprocessableContent && stranger.text.contains("您不是该单位的经办人"), "\(stranger.text)")
        }
    }
}
