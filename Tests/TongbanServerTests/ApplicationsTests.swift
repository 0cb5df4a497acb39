import Foundation
import HTTPTypes
import NIOCore
import SQLKit
import Testing
import TongbanCore
@testable import TongbanServer
import ZIPFoundation

/// Helpers for driving applications over HTTP.
extension TestSession {
    static let foodItem = "330000-XK-0009"
    static let foodMaterials = ["食品经营许可申请书", "食品安全管理制度", "与食品经营相适应的主要设备设施布局、操作流程等文件", "食品安全管理人员健康证明"]
    static let pdf = Array("%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n".utf8)

    func demoPerson(_ index: Int = 0) async throws -> String {
        try await logIn(DemoData.persons[index].idNumber, password: DemoData.password)
    }

    func upload(_ id: String, material: String, bytes: [UInt8] = TestSession.pdf, type: String = "application/pdf",
                fileName: String = "材料.pdf", token: String) async throws -> Reply {
        let query = "material=\(material.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&filename=\(fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        return try await post("/api/v1/applications/\(id)/attachments?\(query)", bytes: bytes, contentType: type, token: token)
    }

    /// A body of raw bytes, as an upload sends it.
    func post(_ uri: String, bytes: [UInt8], contentType: String, token: String) async throws -> Reply {
        try await client.execute(uri: uri, method: .post, headers: [.authorization: "Bearer \(token)", .contentType: contentType],
                                 body: ByteBuffer(bytes: bytes)) { response in
            Reply(status: response.status, headers: response.headers, body: Data(buffer: response.body))
        }
    }

    /// An empty food-licence draft; returns its id.
    func foodDraft(token: String) async throws -> String {
        try await call(.post, "/api/v1/applications", token: token, json: ["itemCode": Self.foodItem, "divisionCode": "330106"]).json["id"] as? String ?? ""
    }

    /// A complete food-licence application, submitted; returns its id.
    func submittedFoodApplication(token: String) async throws -> String {
        let created = try await call(.post, "/api/v1/applications", token: token, json: ["itemCode": Self.foodItem, "divisionCode": "330106"])
        #expect(created.status == .created, "\(created.text)")
        let id = created.json["id"] as? String ?? ""
        let filled = try await call(.put, "/api/v1/applications/\(id)", token: token, json: ["form": [
            "operatorName": "西湖小吃店", "operatorType": "individual", "premisesDivision": "330106",
            "premisesAddress": "杭州市西湖区文三路 1 号", "businessScope": "restaurant", "floorArea": 45] as [String: Any]])
        #expect(filled.status == .ok, "\(filled.text)")
        for material in Self.foodMaterials {
            let uploaded = try await upload(id, material: material, token: token)
            #expect(uploaded.status == .created, "\(uploaded.text)")
        }
        let submitted = try await call(.post, "/api/v1/applications/\(id)/submit", token: token)
        #expect(submitted.status == .ok, "\(submitted.text)")
        return id
    }

    /// Cases of 失业登记 in 西湖区 (no upload needed), created with their form and submitted, oldest first.
    func submittedUnemploymentApplications(_ count: Int, token: String) async throws -> [String] {
        var ids: [String] = []
        for _ in 0..<count {
            let created = try await call(.post, "/api/v1/applications", token: token,
                                         json: ["itemCode": "330106-GG-0002", "divisionCode": "330106", "form": ["request": "申请失业登记"]])
            let id = created.json["id"] as? String ?? ""
            #expect(try await call(.post, "/api/v1/applications/\(id)/submit", token: token).status == .ok)
            ids.append(id)
        }
        return ids
    }

    @discardableResult
    func act(_ id: String, _ body: [String: Any], token: String, expect status: HTTPResponse.Status = .ok) async throws -> Reply {
        let reply = try await call(.post, "/api/v1/applications/\(id)/actions", token: token, json: body)
        #expect(reply.status == status, "\(body) → \(reply.text)")
        return reply
    }
}

@Suite("Applications over HTTP")
struct ApplicationsTests {
    @Test(arguments: TestEngine.available)
    func jointReviewScenarioFromDraftToConclusion(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let created = try await s.call(.post, "/api/v1/applications", token: person,
                                           json: ["itemCode": TestSession.foodItem, "divisionCode": "330106"])
            #expect(created.status == .created)
            #expect(created.json["status"] as? String == "draft")
            let id = created.json["id"] as? String ?? ""

            // Registered data prefills the form; the business licence is never asked for.
            let draft = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
            let form = draft.json["form"] as? [String: String] ?? [:]
            #expect(form["principalName"] == DemoData.persons[0].name)
            #expect(form["principalIdNumber"] == DemoData.persons[0].idNumber)
            let requirements = draft.json["requirements"] as? [[String: Any]] ?? []
            let licence = requirements.first { $0["name"] as? String == "营业执照" }
            #expect(licence?["governmentSupplied"] as? Bool == true && licence?["provided"] as? Bool == true)
            let licenceUpload = try await s.upload(id, material: "营业执照", token: person)
            #expect(licenceUpload.status == .unprocessableContent)

            // Submitting the empty draft names every missing field and material at once.
            let incomplete = try await s.call(.post, "/api/v1/applications/\(id)/submit", token: person)
            #expect(incomplete.status == .unprocessableContent)
            let missing = Set(incomplete.errorFields)
            for field in ["form/operatorName", "form/operatorType", "form/premisesDivision", "form/premisesAddress",
                          "form/businessScope", "form/floorArea"] {
                #expect(missing.contains(field), "\(field) missing from \(missing)")
            }
            for material in TestSession.foodMaterials { #expect(missing.contains("materials/\(material)")) }
            #expect(!missing.contains("materials/营业执照") && !missing.contains("materials/授权委托书"))
            #expect(!missing.contains("form/principalName"))

            // Conditional and malformed values.
            let bad = try await s.call(.put, "/api/v1/applications/\(id)", token: person, json: ["form": [
                "operatorType": "chain", "creditCode": "91330106MA2H0001X7", "floorArea": "abc", "premisesDivision": "999999",
                "plannedOpening": "2026-13-01", "registeredCapital": "1.001", "nickname": "x"]])
            #expect(bad.status == .unprocessableContent)
            #expect(Set(bad.errorFields) == ["form/operatorType", "form/creditCode", "form/floorArea", "form/premisesDivision",
                                             "form/plannedOpening", "form/registeredCapital", "form/nickname"])
            _ = try await s.call(.put, "/api/v1/applications/\(id)", token: person, json: ["form": [
                "operatorName": "西湖餐饮有限公司", "operatorType": "company", "premisesDivision": "330106",
                "premisesAddress": "杭州市西湖区文三路 1 号", "businessScope": "restaurant", "floorArea": 120] as [String: Any]])
            let needsCode = try await s.call(.post, "/api/v1/applications/\(id)/submit", token: person)
            #expect(needsCode.errorFields.contains("form/creditCode"))
            let fixed = try await s.call(.put, "/api/v1/applications/\(id)", token: person,
                                         json: ["form": ["creditCode": "91330106MA2H0001X6", "registeredCapital": "500000"]])
            #expect(fixed.status == .ok, "\(fixed.text)")
            for material in TestSession.foodMaterials.dropLast() {
                #expect(try await s.upload(id, material: material, token: person).status == .created)
            }
            let uploadedHealth = try await s.upload(id, material: TestSession.foodMaterials.last!, token: person)
            #expect((uploadedHealth.json["sha256"] as? String)?.count == 64)

            let submitted = try await s.call(.post, "/api/v1/applications/\(id)/submit", token: person)
            #expect(submitted.status == .ok, "\(submitted.text)")
            let receipt = submitted.json["receiptNumber"] as? String ?? ""
            let today = CivilDate(instant: s.clock.read())
            #expect(receipt == ReceiptNumber.make(division: "330106", date: today, sequence: 1))

            // The clerk of the approval bureau sees it and asks for a supplement once.
            let clerk = try await s.logInDemoStaff("clerk")
            let queue = try await s.call(.get, "/api/v1/work/queue", token: clerk)
            #expect((queue.json["items"] as? [[String: Any]])?.first?["applicationId"] as? String == id)
            #expect((queue.json["counts"] as? [String: Any])?["unclaimed"] as? Int == 1)
            let claimed = try await s.call(.post, "/api/v1/work/queue/\(id)/claim", token: clerk)
            #expect(claimed.status == .ok)
            #expect(try await s.call(.get, "/api/v1/work/queue?claim=mine", token: clerk).json["total"] as? Int == 1)
            // The notice names materials of the guide that the applicant provides, nothing else.
            let unlisted = try await s.act(id, ["action": "requestSupplement", "materials": ["食品安全管理人员健康证明", "不存在的材料", "营业执照"]],
                                           token: clerk, expect: .unprocessableContent)
            #expect(unlisted.errorFields == ["materials/1", "materials/2"])
            try await s.act(id, ["action": "requestSupplement", "materials": ["食品安全管理人员健康证明"],
                                 "comment": "健康证明已过期"], token: clerk)
            let again = try await s.act(id, ["action": "requestSupplement", "materials": ["食品安全管理制度"]], token: clerk, expect: .conflict)
            #expect(again.json["currentStatus"] as? String == "supplementRequested", "a refusal carries the current state")

            // The applicant sees the one-time notice; resubmitting without the material brings it
            // back at once; replaced, it goes through.
            s.clock.advance(60)
            let waiting = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
            #expect(waiting.json["status"] as? String == "supplementRequested")
            #expect(waiting.json["outstandingMaterials"] as? [String] == ["食品安全管理人员健康证明"])
            let unchanged = try await s.call(.post, "/api/v1/applications/\(id)/submit", token: person)
            #expect(unchanged.status == .unprocessableContent)
            #expect(unchanged.errorFields == ["materials/食品安全管理人员健康证明"])
            // What the notice does not name was reviewed as it stands: not replaced, not taken back.
            let unasked = try await s.upload(id, material: TestSession.foodMaterials[0], token: person)
            #expect(unasked.status == .unprocessableContent && unasked.errorFields == ["material"], "\(unasked.text)")
            let kept = (waiting.json["materials"] as? [[String: Any]] ?? []).first { $0["materialName"] as? String == TestSession.foodMaterials[0] }
            let keptID = kept?["id"] as? String ?? ""
            #expect(try await s.call(.delete, "/api/v1/applications/\(id)/attachments/\(keptID)", token: person).status == .unprocessableContent)
            #expect(try await s.upload(id, material: "食品安全管理人员健康证明", token: person).status == .created)
            let resubmitted = try await s.call(.post, "/api/v1/applications/\(id)/submit", token: person)
            #expect(resubmitted.status == .ok, "\(resubmitted.text)")
            #expect(resubmitted.json["receiptNumber"] as? String == receipt)

            // A client that needs only the new state says so (RFC 7240) and gets no timeline.
            let accepted = try await s.call(.post, "/api/v1/applications/\(id)/actions", token: clerk, json: ["action": "accept"],
                                            headers: [HTTPField.Name("Prefer")!: "respond-async, return=minimal"])
            #expect(accepted.status == .ok, "\(accepted.text)")
            #expect(accepted.headers[HTTPField.Name("Preference-Applied")!] == "return=minimal")
            #expect(accepted.json["status"] as? String == "inProgress" && accepted.json["receiptNumber"] as? String == receipt)
            #expect(accepted.json["currentStep"] != nil && accepted.json["version"] as? Int != nil)
            #expect(accepted.json["timeline"] == nil && accepted.json["form"] == nil)

            // Joint review: only participants give opinions, only the lead closes it.
            let scjg = try await s.logInDemoStaff("reviewer-scjg")
            let wjj = try await s.logInDemoStaff("reviewer-wjj")
            let bureauReviewer = try await s.logInDemoStaff("reviewer")
            try await s.act(id, ["action": "giveOpinion", "verdict": "agree"], token: bureauReviewer, expect: .forbidden)
            let early = try await s.act(id, ["action": "approve"], token: scjg, expect: .conflict)
            #expect(early.json["currentStep"] as? String == "jointReview" && early.json["currentVersion"] != nil, "\(early.text)")
            // A task that stays open through another department's move keeps its claim.
            #expect(try await s.call(.post, "/api/v1/work/queue/\(id)/claim", token: wjj).status == .ok)
            try await s.act(id, ["action": "giveOpinion", "verdict": "agree", "comment": "经营场所符合要求"], token: scjg)
            #expect(try await s.call(.get, "/api/v1/work/queue?claim=mine", token: wjj).json["total"] as? Int == 1)
            try await s.act(id, ["action": "giveOpinion", "verdict": "agree", "comment": "卫生条件符合要求"], token: wjj)
            #expect(try await s.call(.get, "/api/v1/work/queue?claim=mine", token: wjj).json["total"] as? Int == 0)
            let notLead = try await s.act(id, ["action": "approve"], token: wjj, expect: .forbidden)
            #expect((notLead.json["errors"] as? [[String: Any]])?.first?["message"] as? String
                    == "只有牵头部门可以作出决定，杭州市西湖区卫生健康局 不是牵头部门", "\(notLead.text)")
            try await s.act(id, ["action": "giveOpinion", "verdict": "agree"], token: wjj, expect: .conflict)
            try await s.act(id, ["action": "approve", "comment": "联合审查通过"], token: scjg)

            // The bureau's approver decides; the clerk concludes.
            let approver = try await s.logInDemoStaff("approver")
            try await s.act(id, ["action": "approve"], token: clerk, expect: .forbidden)
            try await s.act(id, ["action": "approve", "comment": "准予许可"], token: approver)
            let concluded = try await s.act(id, ["action": "conclude"], token: clerk)
            #expect(concluded.json["status"] as? String == "concluded")
            #expect(concluded.json["outcome"] as? String == "approved")
            #expect((concluded.json["tasks"] as? [Any])?.isEmpty == true)

            let timeline = (concluded.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["event"] as? String }
            #expect(timeline == ["created", "materialsSupplied", "submitted", "supplementRequested", "resubmitted", "accepted",
                                 "stepEntered", "opinionGiven", "opinionGiven", "jointReviewSettled", "recommended", "stepEntered",
                                 "decided", "stepEntered", "concluded"])

            let notices = try await s.call(.get, "/api/v1/notices", token: person)
            let titles = (notices.json["items"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
            #expect(Set(titles).isSuperset(of: ["申请已提交", "请补正材料", "补正材料已提交", "申请已受理", "审批决定：准予", "办件已办结"]))

            let mine = try await s.call(.get, "/api/v1/applications?mine=true", token: person)
            #expect(mine.json["total"] as? Int == 1)

            // Approval issued the item's certificate into the applicant's wallet, signed and verifiable.
            let wallet = try await s.call(.get, "/api/v1/certificates?mine=true", token: person)
            let issued = (wallet.json["items"] as? [[String: Any]] ?? []).first { $0["applicationId"] as? String == id }
            #expect(issued?["typeCode"] as? String == "food-business-licence")
            if let number = issued?["number"] as? String {
                // The licence reads as a licence: the form's codes become the certificate's words.
                let certificate = try await s.call(.get, "/api/v1/certificates/\(number)", token: person)
                let fields = Dictionary((certificate.json["fields"] as? [[String: Any]] ?? []).compactMap { field in
                    (field["name"] as? String).map { ($0, field["value"] as? String ?? "") }
                }) { first, _ in first }
                #expect(fields["businessType"] == "餐饮服务经营者" && fields["scope"] == "热食类食品制售", "\(fields)")
            }
            if let number = issued?["number"] as? String {
                let verification = try await s.call(.get, "/api/v1/certificates/\(number)/verification")
                #expect(verification.json["outcome"] as? String == "valid", "\(verification.text)")
            }

            struct N: Decodable { var n: Int }
            try await s.services.audit.seal()
            let audited = try await s.services.database.sql.raw(
                "SELECT COUNT(*) AS n FROM audit_log WHERE target_type = 'application' AND target_id = \(bind: id) AND action LIKE 'application.%'")
                .first(decoding: N.self)
            // Every change, refused attempts excepted: create, 2 fills, 5 uploads, submit and resubmit,
            // 2 claims, supplement request, acceptance, 2 opinions, 2 approvals, conclusion.
            #expect(audited?.n == 19)
        }
    }

    /// 免证办: a material the guide names as a certificate comes from the applicant's wallet when a
    /// valid certificate is held there, and from the government's library otherwise.
    /// RFC 7240 preferences are the client's to get wrong: anything but `return=minimal`
    /// gets the full view (`Prefer: ;` once stopped the whole server).
    @Test func malformedPreferencesGetTheFullView() async throws {
        try await withApp(.sqlite, demo: true) { s in
            let person = try await s.demoPerson()
            let created = try await s.call(.post, "/api/v1/applications", token: person,
                                           json: ["itemCode": "330106-GG-0002", "divisionCode": "330106"])
            let id = created.json["id"] as? String ?? ""
            for prefer in [";", ",;,", " ; ", "return", "=minimal", "return=representation", "return=minimal;"] {
                let filled = try await s.call(.put, "/api/v1/applications/\(id)", token: person, json: ["form": ["request": "x"]],
                                              headers: [HTTPField.Name("Prefer")!: prefer])
                #expect(filled.status == .ok, "\(prefer): \(filled.text)")
                let minimal = prefer == "return=minimal;"
                #expect((filled.json["timeline"] == nil) == minimal, "\(prefer)")
                #expect((filled.headers[HTTPField.Name("Preference-Applied")!] != nil) == minimal, "\(prefer)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func walletCertificatesFillMaterials(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            func suppliedIDCard(for person: Int) async throws -> String? {
                let token = try await s.demoPerson(person)
                let created = try await s.call(.post, "/api/v1/applications", token: token, json: ["itemCode": "330000-QR-0003"])
                #expect(created.status == .created, "\(created.text)")
                let id = created.json["id"] as? String ?? ""
                let draft = try await s.call(.get, "/api/v1/applications/\(id)", token: token)
                let materials = draft.json["materials"] as? [[String: Any]] ?? []
                return materials.first { ($0["suppliedBy"] as? String)?.contains("resident-id") == true
                    || ($0["suppliedBy"] as? String)?.hasPrefix("wallet:") == true }?["suppliedBy"] as? String
            }
            // 张伟 holds an electronic ID card in the demo wallet; 李娜 holds none.
            let fromWallet = try await suppliedIDCard(for: 0)
            #expect(fromWallet?.hasPrefix("wallet:330106-") == true, "\(fromWallet ?? "nil")")
            let fromLibrary = try await suppliedIDCard(for: 2)
            #expect(fromLibrary == "certificate:resident-id")
        }
    }

    @Test(arguments: TestEngine.available)
    func twoOfficialsActingAtOnceExactlyOneWins(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let id = try await s.submittedFoodApplication(token: person)
            let clerk = try await s.logInDemoStaff("clerk")
            let stale = try await s.act(id, ["action": "accept", "version": 1], token: clerk, expect: .conflict)
            #expect(stale.json["currentStatus"] as? String == "submitted")
            async let first = s.call(.post, "/api/v1/applications/\(id)/actions", token: clerk, json: ["action": "accept"])
            async let second = s.call(.post, "/api/v1/applications/\(id)/actions", token: clerk,
                                      json: ["action": "refuseToAccept", "reason": "材料不齐"])
            let statuses = try await [first.status.code, second.status.code].sorted()
            #expect(statuses == [200, 409])
            let after = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
            let events = (after.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["event"] as? String }
            #expect(events.filter { $0 == "accepted" || $0 == "refusedAtIntake" }.count == 1)
        }
    }

    /// 并联审批: departments reviewing in parallel do not lose each other's race.
    @Test(arguments: TestEngine.available)
    func jointReviewDepartmentsGiveTheirOpinionsAtOnce(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let clerk = try await s.logInDemoStaff("clerk")
            let scjg = try await s.logInDemoStaff("reviewer-scjg")
            let wjj = try await s.logInDemoStaff("reviewer-wjj")
            for _ in 0..<4 {
                let id = try await s.submittedFoodApplication(token: person)
                try await s.act(id, ["action": "accept"], token: clerk)
                async let first = s.call(.post, "/api/v1/applications/\(id)/actions", token: scjg,
                                         json: ["action": "giveOpinion", "verdict": "agree"])
                async let second = s.call(.post, "/api/v1/applications/\(id)/actions", token: wjj,
                                          json: ["action": "giveOpinion", "verdict": "agree"])
                let (a, b) = try await (first, second)
                #expect(a.status == .ok && b.status == .ok, "\(a.text) \(b.text)")
                let view = try await s.call(.get, "/api/v1/applications/\(id)", token: scjg)
                let events = (view.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["event"] as? String }
                #expect(events.filter { $0 == "opinionGiven" }.count == 2 && events.filter { $0 == "jointReviewSettled" }.count == 1,
                        "\(events)")
                let summaries = (view.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["summary"] as? String }
                #expect(summaries.contains("杭州市西湖区卫生健康局 同意"), "departments by name: \(summaries)")
                // One department twice at once is still one opinion.
                let again = try await s.submittedFoodApplication(token: person)
                try await s.act(again, ["action": "accept"], token: clerk)
                async let third = s.call(.post, "/api/v1/applications/\(again)/actions", token: wjj,
                                         json: ["action": "giveOpinion", "verdict": "agree"])
                async let fourth = s.call(.post, "/api/v1/applications/\(again)/actions", token: wjj,
                                          json: ["action": "giveOpinion", "verdict": "disagree", "comment": "不符合"])
                #expect(try await [third.status.code, fourth.status.code].sorted() == [200, 409])
            }
            // The case page sends the version it showed and a digest of the case, opinions aside:
            // another department's opinion since is no reason to refuse, any other change is.
            let csrf = String(repeating: "k", count: 40)
            func page(_ id: String, _ token: String) async throws -> (version: String, basis: String) {
                let html = try await s.call(.get, "/applications/\(id)", headers: [.authorization: "Bearer \(token)"]).text
                func hidden(_ name: String) -> String {
                    html.firstMatch(of: try! Regex("name=\"\(name)\" value=\"([^\"]*)\""))?.output[1].substring.map(String.init) ?? ""
                }
                return (hidden("version"), hidden("basis"))
            }
            func post(_ id: String, _ token: String, _ shown: (version: String, basis: String), _ fields: String) async throws -> TestSession.Reply {
                try await s.call(.post, "/applications/\(id)/actions", raw: "_csrf=\(csrf)&version=\(shown.version)&basis=\(shown.basis)&\(fields)",
                                 headers: [.authorization: "Bearer \(token)", .contentType: "application/x-www-form-urlencoded",
                                           .cookie: "\(CSRF.cookie)=\(csrf)"])
            }
            let onPages = try await s.submittedFoodApplication(token: person)
            try await s.act(onPages, ["action": "accept"], token: clerk)
            let (seenByScjg, seenByWjj) = (try await page(onPages, scjg), try await page(onPages, wjj))
            #expect(!seenByWjj.basis.isEmpty && seenByScjg == seenByWjj)
            #expect(try await post(onPages, scjg, seenByScjg, "action=giveOpinion&verdict=agree").status == .seeOther)
            #expect(try await post(onPages, wjj, seenByWjj, "action=giveOpinion&verdict=agree").status == .seeOther)
            let both = try await s.call(.get, "/api/v1/applications/\(onPages)", token: scjg)
            #expect((both.json["timeline"] as? [[String: Any]] ?? []).filter { $0["event"] as? String == "opinionGiven" }.count == 2)
            // A page from the first round of a joint review the decider sent back: the digest is
            // the same, the opinions were cleared, so the versions since were not all opinions.
            let again = try await s.submittedFoodApplication(token: person)
            try await s.act(again, ["action": "accept"], token: clerk)
            let firstRound = try await page(again, scjg)
            try await s.act(again, ["action": "giveOpinion", "verdict": "agree"], token: scjg)
            try await s.act(again, ["action": "giveOpinion", "verdict": "agree"], token: wjj)
            try await s.act(again, ["action": "approve"], token: scjg)
            try await s.act(again, ["action": "returnToPreviousStep", "reason": "请补充审查意见"], token: try await s.logInDemoStaff("approver"))
            #expect(try await page(again, scjg).basis == firstRound.basis)
            #expect(try await post(again, scjg, firstRound, "action=giveOpinion&verdict=disagree").text.contains("办件版本已变化"))
            // A page from before the case went back a step is refused, digest or not.
            let moved = try await s.submittedFoodApplication(token: person)
            try await s.act(moved, ["action": "accept"], token: clerk)
            let early = try await page(moved, wjj)
            try await s.act(moved, ["action": "requestSupplement", "materials": ["食品安全管理制度"]], token: scjg)
            #expect(try await post(moved, wjj, early, "action=giveOpinion&verdict=agree").text.contains("办件版本已变化"))

            // A client that names the version it saw keeps the strict check.
            let id = try await s.submittedFoodApplication(token: person)
            let accepted = try await s.act(id, ["action": "accept"], token: clerk)
            let seen = accepted.json["version"] as? Int ?? 0
            try await s.act(id, ["action": "giveOpinion", "verdict": "agree", "version": seen], token: scjg)
            let strict = try await s.act(id, ["action": "giveOpinion", "verdict": "agree", "version": seen], token: wjj, expect: .conflict)
            #expect(strict.json["currentVersion"] as? Int == seen + 1, "\(strict.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func strangersLearnNothingAndOtherDepartmentsCannotAct(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let other = try await s.demoPerson(2)
            // A draft is the applicant's alone: not even the staff who will handle it see it yet.
            let draft = try await s.call(.post, "/api/v1/applications", token: person, json: ["itemCode": TestSession.foodItem, "divisionCode": "330106"])
            let draftID = draft.json["id"] as? String ?? ""
            let clerk = try await s.logInDemoStaff("clerk")
            let scjg = try await s.logInDemoStaff("reviewer-scjg")
            for staff in [clerk, scjg, try await s.logInDemoStaff("approver"), try await s.logInDemoStaff("supervisor"),
                          try await s.logInDemoStaff("admin")] {
                let read = try await s.call(.get, "/api/v1/applications/\(draftID)", token: staff)
                #expect(read.status == .notFound, "a staff member read a draft: \(read.status)")
            }
            #expect(try await s.call(.get, "/api/v1/applications/\(draftID)", token: person).status == .ok)
            let id = try await s.submittedFoodApplication(token: person)
            for (method, path) in [(HTTPRequest.Method.get, "/api/v1/applications/\(id)"), (.put, "/api/v1/applications/\(id)"),
                                   (.post, "/api/v1/applications/\(id)/submit")] {
                let reply = try await s.call(method, path, token: other, json: ["form": ["operatorName": "x"]])
                #expect(reply.status == .notFound, "\(method) \(path) → \(reply.status)")
            }
            try await s.act(id, ["action": "withdraw"], token: other, expect: .notFound)
            #expect(try await s.call(.get, "/api/v1/applications?mine=true", token: other).json["total"] as? Int == 0)
            let unrelated = try await s.logInDemoStaff("handler-zjw")
            #expect(try await s.call(.get, "/api/v1/applications/\(id)", token: unrelated).status == .notFound)
            try await s.act(id, ["action": "accept"], token: scjg, expect: .forbidden)
            try await s.act(id, ["action": "accept"], token: person, expect: .forbidden)
            #expect(try await s.call(.get, "/api/v1/work/queue", token: person).status == .forbidden)
            #expect(try await s.call(.get, "/api/v1/work/queue", token: scjg).json["total"] as? Int == 0)
            #expect(try await s.call(.get, "/api/v1/work/queue?warningLevel=red", token: scjg).status == .badRequest)
            for status in ["draft", "concluded", "withdrawn", "supplementRequested", "nonsense"] {
                let refused = try await s.call(.get, "/api/v1/work/queue?status=\(status)", token: scjg)
                #expect(refused.status == .badRequest && (refused.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "status",
                        "a queue holds no \(status) case")
            }
            #expect(try await s.call(.get, "/api/v1/work/queue?status=inProgress", token: scjg).status == .ok)
            let materials = try await s.call(.get, "/api/v1/applications/\(id)", token: person).json["materials"] as? [[String: Any]] ?? []
            let file = materials.first { $0["fileName"] != nil }?["id"] as? String ?? ""
            #expect(try await s.call(.get, "/api/v1/applications/\(id)/attachments/\(file)", token: other).status == .notFound)
            let download = try await s.call(.get, "/api/v1/applications/\(id)/attachments/\(file)", token: person)
            #expect(download.status == .ok && Array(download.body) == TestSession.pdf)
            // The applicant withdraws before any decision.
            try await s.act(id, ["action": "withdraw"], token: person)
            #expect(try await s.call(.get, "/api/v1/work/queue", token: clerk).json["total"] as? Int == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func storedFilesAreServedOnlyAsUploaded(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let id = try await s.submittedFoodApplication(token: person)
            let materials = try await s.call(.get, "/api/v1/applications/\(id)", token: person).json["materials"] as? [[String: Any]] ?? []
            let file = try #require(materials.first { $0["fileName"] != nil }?["id"] as? String)
            // Kept in the configured upload directory, not in the data directory.
            let stored = s.app.services.configuration.uploadDirectory.appendingPathComponent("\(id)/\(file)")
            #expect(s.app.services.configuration.uploadDirectory.lastPathComponent == "shared-uploads")
            #expect(try Data(contentsOf: stored) == Data(TestSession.pdf))
            let path = "/api/v1/applications/\(id)/attachments/\(file)"

            // Changed on disk behind the application's back: refused, and the refusal audited.
            try Data(TestSession.pdf + [0x0A]).write(to: stored)
            let altered = try await s.call(.get, path, token: person)
            #expect(altered.status == .internalServerError)
            #expect(altered.json["code"] as? String == "attachment-altered", "\(altered.text)")
            var filter = AuditFilter()
            filter.action = "application.attachment.altered"
            let entries = try await s.services.audit.list(filter, paging: Paging()).entries
            #expect(entries.count == 1 && entries.first?.outcome == "failure" && entries.first?.targetID == id)

            // Gone from the directory (lost, or a process pointed at a directory the others do not share).
            try FileManager.default.removeItem(at: stored)
            let missing = try await s.call(.get, path, token: person)
            #expect(missing.status == .internalServerError)
            #expect(missing.json["code"] as? String == "attachment-unavailable", "\(missing.text)")

            let clerk = try await s.logInDemoStaff("clerk")
            #expect(try await s.call(.get, path, token: clerk).status == .internalServerError)

            try Data(TestSession.pdf).write(to: stored)
            #expect(Array(try await s.call(.get, path, token: person).body) == TestSession.pdf)
            #expect(Array(try await s.call(.get, path, token: clerk).body) == TestSession.pdf)
            // A supervisor may read the case but does not handle it: its files stay with those who do.
            let supervisor = try await s.logInDemoStaff("supervisor")
            #expect(try await s.call(.get, "/api/v1/applications/\(id)", token: supervisor).status == .ok)
            #expect(try await s.call(.get, path, token: supervisor).status == .notFound)
            // Staff of a department the case never reaches: not even told the case exists, but the attempt is entered.
            let unrelated = try await s.logInDemoStaff("handler-zjw")
            #expect(try await s.call(.get, path, token: unrelated).status == .notFound)
            // The applicant asking for a file that is not there is no staff attempt.
            #expect(try await s.call(.get, "/api/v1/applications/\(id)/attachments/nope", token: person).status == .notFound)
            // Each staff read is one entry saying how it ended; failed reads are entered for the applicant too.
            var reads = AuditFilter()
            reads.action = "application.attachment.read"
            let outcomes = try await s.services.audit.list(reads, paging: Paging()).entries.map(\.outcome)
            #expect(outcomes.sorted() == ["denied", "denied", "failure", "failure", "success"], "\(outcomes)")
        }
    }

    @Test(arguments: TestEngine.available)
    func aWrongUploadIsTakenBackBeforeSubmission(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let created = try await s.call(.post, "/api/v1/applications", token: person, json: ["itemCode": TestSession.foodItem, "divisionCode": "330106"])
            let id = created.json["id"] as? String ?? ""
            let material = TestSession.foodMaterials[0]
            let wrong = try await s.upload(id, material: material, token: person).json["id"] as? String ?? ""
            _ = try await s.upload(id, material: material, token: person)
            let path = "/api/v1/applications/\(id)/attachments/\(wrong)"
            #expect(try await s.call(.delete, path, token: try await s.demoPerson(2)).status == .notFound)
            #expect(try await s.call(.delete, path, token: person).status == .noContent)
            #expect(try await s.call(.delete, path, token: person).status == .notFound)
            #expect(!FileManager.default.fileExists(atPath: s.services.configuration.uploadDirectory.appendingPathComponent("\(id)/\(wrong)").path))
            let view = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
            let materials = view.json["materials"] as? [[String: Any]] ?? []
            #expect(materials.filter { $0["materialName"] as? String == material }.count == 1)
            // What the government supplied is not the applicant's to remove.
            let supplied = try #require(materials.first { $0["source"] as? String != "applicant" }?["id"] as? String)
            #expect(try await s.call(.delete, "/api/v1/applications/\(id)/attachments/\(supplied)", token: person).status == .notFound)
            var filter = AuditFilter()
            filter.action = "application.attachment.remove"
            #expect(try await s.services.audit.list(filter, paging: Paging()).total == 1)

            // Once submitted, the materials travel with the case.
            let submitted = try await s.submittedFoodApplication(token: person)
            let file = (try await s.call(.get, "/api/v1/applications/\(submitted)", token: person).json["materials"] as? [[String: Any]] ?? [])
                .first { $0["source"] as? String == "applicant" }?["id"] as? String ?? ""
            let late = try await s.call(.delete, "/api/v1/applications/\(submitted)/attachments/\(file)", token: person)
            #expect(late.status == .conflict && late.json["currentStatus"] as? String == "submitted", "\(late.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func uploadsAreCheckedByTypeAndSize(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let id = try await s.foodDraft(token: person)
            let material = TestSession.foodMaterials[0]
            let text = try await s.upload(id, material: material, bytes: Array("just text".utf8), type: "application/pdf", token: person)
            #expect(text.status == .unsupportedMediaType)
            let zip = try await s.upload(id, material: material, bytes: [0x50, 0x4B, 0x03, 0x04, 1, 2], type: "application/zip",
                                         fileName: "a.zip", token: person)
            #expect(zip.status == .unsupportedMediaType)
            // An OFD is a ZIP package with OFD.xml at its root; any other ZIP, or bytes that only start like one, are refused.
            let ofd = try await s.upload(id, material: material, bytes: try Self.zip(["OFD.xml": "<ofd:OFD/>", "Doc_0/Document.xml": "<d/>"]),
                                         type: "application/ofd", fileName: "申请书.ofd", token: person)
            #expect(ofd.status == .created, "\(ofd.text)")
            #expect(ofd.json["contentType"] as? String == "application/ofd" && ofd.json["fileName"] as? String == "申请书.ofd")
            for (name, bytes) in [("no OFD.xml", try Self.zip(["evil.exe": "MZ", "index.html": "<script>"])),
                                  ("OFD.xml not at the root", try Self.zip(["Doc_0/OFD.xml": "<ofd:OFD/>"])),
                                  ("garbage after PK", [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 60))] {
                let refused = try await s.upload(id, material: material, bytes: bytes, type: "application/ofd", fileName: "licence.ofd", token: person)
                #expect(refused.status == .unsupportedMediaType && refused.errorFields == ["file"], "\(name): \(refused.text)")
            }
            // A name that lies about the content is stored under the detected type's extension.
            let renamed = try await s.upload(id, material: material, fileName: "x.html", token: person)
            #expect(renamed.status == .created && renamed.json["fileName"] as? String == "x.pdf", "\(renamed.text)")
            let unnamed = try await s.upload(id, material: "", token: person)
            #expect(unnamed.status == .unprocessableContent && unnamed.errorFields == ["material"], "\(unnamed.text)")
            #expect((unnamed.json["errors"] as? [[String: Any]])?.first?["code"] as? String == "required")
            let huge = try await s.upload(id, material: material, bytes: TestSession.pdf + [UInt8](repeating: 0x20, count: AttachmentPolicy.maxBytes),
                                          token: person)
            #expect(huge.status == .contentTooLarge)
            let unknown = try await s.upload(id, material: "不在指南里的材料", token: person)
            #expect(unknown.status == .unprocessableContent && unknown.errorFields == ["material"])
            let empty = try await s.upload(id, material: material, bytes: [], token: person)
            #expect(empty.status == .unprocessableContent)

            // The same rules through multipart, as the page sends it.
            let boundary = "tb-boundary-1"
            var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"material\"\r\n\r\n\(material)\r\n".utf8)
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"图.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
            body += [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0] + Array("\r\n--\(boundary)--\r\n".utf8)
            let multipart = try await s.client.execute(uri: "/api/v1/applications/\(id)/attachments", method: .post,
                                                       headers: [.authorization: "Bearer \(person)",
                                                                 .contentType: "multipart/form-data; boundary=\(boundary)"],
                                                       body: ByteBuffer(bytes: body)) { $0.status }
            #expect(multipart == .created)

            struct N: Decodable { var n: Int }
            let stored = try await s.services.database.sql.raw("SELECT COUNT(*) AS n FROM application_materials WHERE source = 'applicant'")
                .first(decoding: N.self)
            #expect(stored?.n == 3)
            let files = try FileManager.default.contentsOfDirectory(
                atPath: s.services.configuration.uploadDirectory.appendingPathComponent(id).path)
            #expect(files.count == 3)
        }
    }

    /// A ZIP archive of `entries` (path → text), built with the library the server reads them with.
    static func zip(_ entries: [String: String]) throws -> [UInt8] {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in entries.sorted(by: { $0.key < $1.key }) {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Data.Index(position)..<Data.Index(position) + size)
            }
        }
        return Array(try #require(archive.data))
    }

    @Test(arguments: TestEngine.available)
    func applicationsKeepTheGuideVersionTheyWereFiledUnder(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson(1)
            let catalog = try await s.logInDemoStaff("catalog")
            let item = "330106-GG-0002", record = "/api/v1/catalog/items/330106-GG-0002/330106"
            func requirements(_ id: String) async throws -> [String] {
                let view = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
                return (view.json["requirements"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            }
            let filedEarlier = try await s.call(.post, "/api/v1/applications", token: person,
                                                json: ["itemCode": item, "divisionCode": "330106", "form": ["request": "申请失业登记"]])
            let earlierID = filedEarlier.json["id"] as? String ?? ""
            let before = try await requirements(earlierID)
            #expect(before.count == 3, "\(before)")

            // The item is republished with one more required material: a new version.
            var current = try await s.call(.get, record, token: catalog).json["current"] as? [String: Any] ?? [:]
            var materials = current["materials"] as? [[String: Any]] ?? []
            materials.append(["name": "失业人员登记表", "source": ["type": "applicant"], "form": "original", "copies": 1,
                              "required": true, "notes": ""])
            current["materials"] = materials
            let saved = try await s.call(.put, record, token: catalog, json: current)
            #expect(saved.status == .ok, "\(saved.text)")
            #expect(try await s.call(.post, record + "/publish", token: catalog).status == .ok)

            // The draft filed before keeps its guide and can be submitted as it stands;
            // an application filed now asks for the new material.
            #expect(try await requirements(earlierID) == before)
            #expect(try await s.call(.post, "/api/v1/applications/\(earlierID)/submit", token: person).status == .ok)
            let filedNow = try await s.call(.post, "/api/v1/applications", token: person,
                                            json: ["itemCode": item, "divisionCode": "330106", "form": ["request": "申请失业登记"]])
            let nowID = filedNow.json["id"] as? String ?? ""
            #expect(try await requirements(nowID) == before + ["失业人员登记表"])
            let refused = try await s.call(.post, "/api/v1/applications/\(nowID)/submit", token: person)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.errorFields == ["materials/失业人员登记表"], "\(refused.text)")

            // A retired item takes no submissions, not even of drafts filed before.
            let draft = try await s.call(.post, "/api/v1/applications", token: person,
                                         json: ["itemCode": item, "divisionCode": "330106", "form": ["request": "申请失业登记"]])
            #expect(try await s.call(.post, record + "/retire", token: catalog).status == .ok)
            let retired = try await s.call(.post, "/api/v1/applications/\(draft.json["id"] as? String ?? "")/submit", token: person)
            #expect(retired.errorFields == ["itemCode"], "\(retired.text)")
            #expect(try await s.call(.post, "/api/v1/applications", token: person,
                                     json: ["itemCode": item, "divisionCode": "330106"]).status == .unprocessableContent)
            // A division that does not exist is named as such, not as an unknown item.
            let nowhere = try await s.call(.post, "/api/v1/applications", token: person,
                                           json: ["itemCode": TestSession.foodItem, "divisionCode": "999999"])
            #expect(nowhere.status == .unprocessableContent && nowhere.errorFields == ["divisionCode"], "\(nowhere.text)")
        }
    }

    /// The queue's total is the count its claim filter picks (taken from the counts, not
    /// counted again): it must agree with the items and the counts under every filter.
    @Test(arguments: TestEngine.available)
    func queueTotalsFollowTheClaimFilter(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let ids = try await s.submittedUnemploymentApplications(3, token: try await s.demoPerson(1))
            let clerk = try await s.logInDemoStaff("clerk")
            struct Seen { var total: Int; var items: [String]; var counts: [String: Int] }
            func queue(_ query: String) async throws -> Seen {
                let answer = try await s.call(.get, "/api/v1/work/queue?pageSize=200" + query, token: clerk)
                #expect(answer.status == .ok, "\(answer.text)")
                return Seen(total: answer.json["total"] as? Int ?? -1,
                            items: (answer.json["items"] as? [[String: Any]] ?? []).compactMap { $0["applicationId"] as? String },
                            counts: answer.json["counts"] as? [String: Int] ?? [:])
            }
            func check(_ filter: String) async throws -> (all: Seen, mine: Seen, unclaimed: Seen) {
                let all = try await queue(filter), mine = try await queue(filter + "&claim=mine")
                let unclaimed = try await queue(filter + "&claim=unclaimed")
                for seen in [all, mine, unclaimed] {
                    #expect(seen.items.count == seen.total, "\(filter)")
                    #expect(seen.counts == all.counts, "\(filter)")
                }
                #expect(all.total == all.counts["total"] && mine.total == all.counts["mine"] && unclaimed.total == all.counts["unclaimed"])
                #expect(Set(mine.items).isDisjoint(with: unclaimed.items) && Set(mine.items + unclaimed.items).isSubset(of: all.items))
                return (all, mine, unclaimed)
            }
            let before = try await check("&itemCode=330106-GG-0002")
            #expect(Set(ids).isSubset(of: before.unclaimed.items))
            #expect(try await s.call(.post, "/api/v1/work/queue/\(ids[0])/claim", token: clerk).status == .ok)
            let after = try await check("&itemCode=330106-GG-0002")
            #expect(after.all.total == before.all.total)
            #expect(after.mine.total == before.mine.total + 1 && after.unclaimed.total == before.unclaimed.total - 1)
            #expect(after.mine.items.contains(ids[0]))
            // The page holds its slice; the total stays the filter's.
            let firstPage = try await s.call(.get, "/api/v1/work/queue?pageSize=1&claim=unclaimed&itemCode=330106-GG-0002", token: clerk)
            #expect((firstPage.json["items"] as? [Any])?.count == 1 && firstPage.json["total"] as? Int == after.unclaimed.total)
            let none = try await check("&itemCode=330106-XK-9999")
            #expect(none.all.total == 0 && none.mine.total == 0 && none.unclaimed.total == 0)
        }
    }

    /// A queue is worked red cards first, then yellow, then the oldest submission. The order lives
    /// on the task rows (M017), so each rewrite of a case's tasks must carry the case's escalation.
    @Test(arguments: TestEngine.available)
    func queueListsRedCardsThenYellowThenTheOldest(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let ids = try await s.submittedUnemploymentApplications(3, token: try await s.demoPerson(1))
            let clerk = try await s.logInDemoStaff("clerk")
            func order() async throws -> (ids: [String], counts: [String: Int]) {
                let answer = try await s.call(.get, "/api/v1/work/queue?pageSize=200&itemCode=330106-GG-0002", token: clerk)
                let listed = (answer.json["items"] as? [[String: Any]] ?? []).compactMap { $0["applicationId"] as? String }
                return (listed.filter(ids.contains), answer.json["counts"] as? [String: Int] ?? [:])
            }
            #expect(try await order().ids == ids, "oldest first")

            // As the deadline sweep marks them: the second at 黄牌, the newest at 红牌 and escalated.
            let store = s.services.applications.store, database = s.services.database
            func mark(_ id: String, level: WarningLevel, escalated: Bool) async throws {
                var record = try #require(try await store.application(id: id, on: database.sql))
                let tasks = try await store.tasks(application: id, on: database.sql).map {
                    ScheduledTask(task: CaseTask(departmentCode: $0.departmentCode, role: try #require(ProcessRole(rawValue: $0.role)),
                                                 kind: try #require(TaskKind(rawValue: $0.kind)), step: $0.step),
                                  dueDate: $0.dueDate, warningLevel: level.rawValue)
                }
                let expected = record.version
                record.warningLevel = level.rawValue
                record.escalated = escalated ? 1 : 0
                record.version += 1
                let staged = record
                try await database.transaction { db in
                    try await store.update(staged, expectedVersion: expected, on: db)
                    try await store.replaceTasks(of: staged, with: tasks, now: staged.updatedAt, on: db)
                }
            }
            try await mark(ids[1], level: .warning, escalated: false)
            try await mark(ids[2], level: .overdue, escalated: true)
            let marked = try await order()
            #expect(marked.ids == [ids[2], ids[1], ids[0]])
            #expect(marked.counts["escalated"] == 1 && marked.counts["warning"] == 1 && marked.counts["overdue"] == 1, "\(marked.counts)")
            let page = try await s.call(.get, "/api/v1/work/queue?pageSize=1&itemCode=330106-GG-0002", token: clerk)
            #expect((page.json["items"] as? [[String: Any]])?.first?["escalated"] as? Bool == true)

            // The escalated case moves on: its next tasks keep the red card and their place, and
            // carry its new state, which the state filter and its counts read (M018).
            #expect(try await s.call(.post, "/api/v1/work/queue/\(ids[2])/claim", token: clerk).status == .ok)
            try await s.act(ids[2], ["action": "accept"], token: clerk)
            struct Task: Decodable { var escalated: Int; var submittedAt: Int64?; var status: String?; var itemCode: String? }
            let next = try await database.sql.select().columns("escalated", "submitted_at", "status", "item_code").from("application_tasks")
                .where("application_id", .equal, ids[2]).all(decoding: Task.self, keyDecodingStrategy: .snakeCase)
            let accepted = try #require(try await store.application(id: ids[2], on: database.sql))
            #expect(accepted.status != "submitted")
            #expect(!next.isEmpty && next.allSatisfy {
                $0.escalated == 1 && $0.submittedAt == accepted.submittedAt && $0.status == accepted.status && $0.itemCode == "330106-GG-0002"
            }, "\(next)")
            let waiting = try await s.call(.get, "/api/v1/work/queue?pageSize=200&status=submitted&itemCode=330106-GG-0002", token: clerk)
            let waitingIDs = (waiting.json["items"] as? [[String: Any]] ?? []).compactMap { $0["applicationId"] as? String }
            #expect(waitingIDs.filter(ids.contains) == [ids[1], ids[0]])
            #expect(waiting.json["total"] as? Int == waitingIDs.count && (waiting.json["counts"] as? [String: Int])?["total"] == waitingIDs.count)
        }
    }

    /// An action is guarded by the case's version alone, so a claim makes a new version: an official
    /// who read the case before a colleague's claim gets 409 with the case as it stands, never acts on
    /// the claimed task. And a supplement notice given with `reason` (as refusals take it) carries it.
    @Test(arguments: TestEngine.available)
    func aClaimOutdatesWhatColleaguesReadAndASupplementKeepsItsReason(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson(1)
            let ids = try await s.submittedUnemploymentApplications(2, token: person)
            let clerk = try await s.logInDemoStaff("clerk")
            let read = try await s.call(.get, "/api/v1/applications/\(ids[0])", token: clerk).json["version"] as? Int
            #expect(try await s.call(.post, "/api/v1/work/queue/\(ids[0])/claim", token: clerk).status == .ok)
            let stale = try await s.act(ids[0], ["action": "accept", "version": read ?? 0], token: clerk, expect: .conflict)
            #expect(stale.json["currentVersion"] as? Int == (read ?? 0) + 1, "\(stale.text)")
            try await s.act(ids[0], ["action": "accept", "version": (read ?? 0) + 1], token: clerk)

            try await s.act(ids[1], ["action": "requestSupplement", "materials": ["解除或者终止劳动关系证明"], "reason": "缺少解除劳动合同证明的签章"],
                            token: clerk)
            let notices = try await s.call(.get, "/api/v1/notices", token: person).json["items"] as? [[String: Any]] ?? []
            #expect(notices.contains { ($0["body"] as? String)?.contains("缺少解除劳动合同证明的签章") == true }, "\(notices)")

            // A case the clerk reads but whose step is with other departments: 409 with its state, not 404;
            // staff of an uninvolved department learn nothing.
            let food = try await s.submittedFoodApplication(token: try await s.demoPerson())
            try await s.act(food, ["action": "accept"], token: clerk)
            let elsewhere = try await s.call(.post, "/api/v1/work/queue/\(food)/claim", token: clerk)
            #expect(elsewhere.status == .conflict && elsewhere.json["currentStep"] as? String == "jointReview", "\(elsewhere.text)")
            let stranger = try await s.logInDemoStaff("handler-zjw")
            let refused = try await s.call(.post, "/api/v1/work/queue/\(food)/claim", token: stranger)
            #expect([.forbidden, .notFound].contains(refused.status) && refused.json["currentStep"] == nil, "\(refused.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func claimsFollowPostsAndHoldTheirTask(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let id = try await s.submittedFoodApplication(token: person)
            let created = try await s.call(.post, "/api/v1/staff", token: try await s.logInDemoStaff("admin"), json: [
                "username": "wang.shou", "name": "王受", "password": "Shouli#2026long", "departmentCode": "330106-xzspj",
                "post": "受理岗", "roles": ["windowClerk"]])
            #expect(created.status == .created, "\(created.text)")
            let secret = try #require((created.json["otpauthURI"] as? String).flatMap { URLComponents(string: $0) }?
                .queryItems?.first { $0.name == "secret" }?.value)
            let colleague = try await s.logIn("wang.shou", password: "Shouli#2026long", otp: TOTP.code(secret: TOTP.base32Decode(secret) ?? [], at: s.clock.read()))
            let clerk = try await s.logInDemoStaff("clerk")
            let approver = try await s.logInDemoStaff("approver")
            let queue = "/api/v1/work/queue/\(id)"

            // A claim is for a task of one's own post.
            let notMine = try await s.call(.post, queue + "/claim", token: approver)
            #expect(notMine.status == .forbidden, "\(notMine.text)")
            let claimed = try await s.call(.post, queue + "/claim", token: clerk)
            #expect(claimed.status == .ok)
            let again = try await s.call(.post, queue + "/claim", token: clerk)
            #expect(again.status == .ok && again.json["claimedBy"] as? String == claimed.json["claimedBy"] as? String, "claiming twice is no conflict")

            // Claimed, the task is the claimant's: a colleague can neither take it nor act on it.
            let taken = try await s.call(.post, queue + "/claim", token: colleague)
            #expect(taken.status == .conflict && taken.json["currentStatus"] as? String == "submitted", "\(taken.text)")
            #expect(try await s.call(.post, queue + "/release", token: colleague).status == .conflict)
            let blocked = try await s.act(id, ["action": "accept"], token: colleague, expect: .conflict)
            #expect(blocked.errorFields == ["claimedBy"] && blocked.json["currentStatus"] as? String == "submitted", "\(blocked.text)")

            // The head oversees every post's tasks of the department; others see their own post's.
            let whole = try await s.call(.get, "/api/v1/work/queue?scope=department", token: approver)
            #expect((whole.json["items"] as? [[String: Any]] ?? []).contains { $0["applicationId"] as? String == id && $0["kind"] as? String == "intake" })
            #expect((try await s.call(.get, "/api/v1/work/queue", token: approver).json["items"] as? [[String: Any]] ?? [])
                .allSatisfy { $0["applicationId"] as? String != id })
            #expect(try await s.call(.get, "/api/v1/work/queue?scope=department", token: clerk).status == .forbidden)
            #expect(try await s.call(.get, "/api/v1/work/queue?scope=all", token: approver).errorFields == ["scope"])

            // The head finds whom to assign to among the department's case workers.
            let colleagues = try await s.call(.get, "/api/v1/work/colleagues", token: approver)
            let usernames = Set((colleagues.json["items"] as? [[String: Any]] ?? []).compactMap { $0["username"] as? String })
            #expect(usernames.isSuperset(of: ["clerk", "wang.shou", "reviewer", "approver"]) && !usernames.contains("reviewer-scjg"), "\(usernames)")
            #expect(try await s.call(.get, "/api/v1/work/colleagues", token: clerk).status == .forbidden)
            // Paged like every list: the second page of one holds the second colleague; a bad page is named.
            let all = colleagues.json["items"] as? [[String: Any]] ?? []
            let second = try await s.call(.get, "/api/v1/work/colleagues?page=2&pageSize=1", token: approver)
            #expect(second.json["total"] as? Int == all.count && second.json["page"] as? Int == 2 && second.json["pageSize"] as? Int == 1)
            #expect((second.json["items"] as? [[String: Any]])?.first?["id"] as? String == all.dropFirst().first?["id"] as? String && all.count > 1)
            #expect(try await s.call(.get, "/api/v1/work/colleagues?page=0", token: approver).errorFields == ["page"])

            // The department head reassigns it by log-in name (as typed at log-in, any case); the colleague then works it.
            let assigned = try await s.call(.post, queue + "/assign", token: approver, json: ["assignee": "Wang.Shou"])
            #expect(assigned.status == .ok, "\(assigned.text)")
            #expect(assigned.json["claimedBy"] as? String != claimed.json["claimedBy"] as? String)
            #expect(try await s.call(.post, queue + "/assign", token: approver, json: ["assignee": "reviewer"]).status == .unprocessableContent)
            try await s.act(id, ["action": "accept"], token: clerk, expect: .conflict)
            try await s.act(id, ["action": "accept"], token: colleague)

            // Releasing what nobody holds says so.
            let unclaimed = try await s.call(.post, queue + "/release", token: try await s.logInDemoStaff("reviewer-scjg"))
            #expect(unclaimed.status == .conflict && unclaimed.errorFields == ["claimedBy"], "\(unclaimed.text)")
            #expect((unclaimed.json["errors"] as? [[String: Any]])?.first?["code"] as? String == "notClaimed", "\(unclaimed.text)")
        }
    }

    /// The pages say who works a claimed task (由 … 办理) and offer only what the viewer may do: a
    /// colleague of the holder gets neither 释放 nor the case's actions, the holder releases, and the
    /// department head, who may, keeps 释放 and 分派 and the actions.
    @Test(arguments: TestEngine.available)
    func pagesNameWhoHoldsATaskAndOfferOnlyWhatTheViewerMay(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let id = try #require(try await s.submittedUnemploymentApplications(1, token: try await s.demoPerson(1)).first)
            let created = try await s.call(.post, "/api/v1/staff", token: try await s.logInDemoStaff("admin"), json: [
                "username": "wang.shou", "name": "王受", "password": "Shouli#2026long", "departmentCode": "330106-xzspj",
                "post": "受理岗", "roles": ["windowClerk"]])
            let secret = try #require((created.json["otpauthURI"] as? String).flatMap { URLComponents(string: $0) }?
                .queryItems?.first { $0.name == "secret" }?.value)
            let colleague = try await s.logIn("wang.shou", password: "Shouli#2026long", otp: TOTP.code(secret: TOTP.base32Decode(secret) ?? [], at: s.clock.read()))
            let clerk = try await s.logInDemoStaff("clerk")
            let approver = try await s.logInDemoStaff("approver")
            func page(_ path: String, _ token: String) async throws -> String {
                let reply = try await s.call(.get, path, token: token)
                #expect(reply.status == .ok, "\(path): \(reply.text)")
                return reply.text
            }
            /// The queue row of the case: what it says and which forms it holds.
            func row(_ html: String) -> String {
                guard let link = html.range(of: "href=\"/applications/\(id)\"") else { return "" }
                let start = html[..<link.lowerBound].range(of: "<tr", options: .backwards)?.lowerBound ?? link.lowerBound
                return html[start...].components(separatedBy: "</tr>").first ?? ""
            }
            let release = "action=\"/work/\(id)/release\"", claim = "action=\"/work/\(id)/claim\"", assign = "action=\"/work/\(id)/assign\""

            // Unclaimed: each clerk may claim it; nobody is named.
            let open = row(try await page("/work", colleague))
            #expect(open.contains(claim) && !open.contains(release) && !open.contains("办理</span>"), "\(open)")
            #expect(try await s.call(.post, "/api/v1/work/queue/\(id)/claim", token: clerk).status == .ok)

            // The colleague learns who holds it and is offered nothing the server would refuse.
            let colleagueRow = row(try await page("/work", colleague))
            #expect(colleagueRow.contains("由 陈受理 办理") && !colleagueRow.contains(release) && !colleagueRow.contains(claim), "\(colleagueRow)")
            let colleagueCase = try await page("/applications/\(id)", colleague)
            #expect(colleagueCase.contains("受理：由 陈受理 办理") && colleagueCase.contains("id=\"held-by-colleague\""), "\(colleagueCase)")
            #expect(!colleagueCase.contains("id=\"action-form\""), "\(colleagueCase)")
            #expect(try await s.call(.post, "/api/v1/work/queue/\(id)/release", token: colleague).status == .conflict)

            // The holder releases and acts.
            let clerkRow = row(try await page("/work", clerk))
            #expect(clerkRow.contains("我已认领") && clerkRow.contains(release) && !clerkRow.contains(claim), "\(clerkRow)")
            let clerkCase = try await page("/applications/\(id)", clerk)
            #expect(clerkCase.contains("受理：由您办理（已认领）") && clerkCase.contains("id=\"action-form\"") && !clerkCase.contains("held-by-colleague"),
                    "\(clerkCase)")

            // The head oversees: names the holder, may release and reassign, and may act.
            let headRow = row(try await page("/work?scope=department", approver))
            #expect(headRow.contains("由 陈受理 办理") && headRow.contains(release) && headRow.contains(assign) && !headRow.contains(claim),
                    "\(headRow)")
            let headCase = try await page("/applications/\(id)", approver)
            #expect(headCase.contains("受理：由 陈受理 办理") && !headCase.contains("held-by-colleague"), "\(headCase)")
            // Nobody else's claim: the colleague is offered nothing to assign.
            #expect(!colleagueRow.contains(assign))
        }
    }

    @Test(arguments: TestEngine.available)
    func inputIsBoundedAndRefusalsReadWell(_ engine: TestEngine) async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_772_409_600)) // 2026-03-02 08:00 CST
        try await withApp(engine, demo: true, clock: clock) { s in
            let person = try await s.demoPerson()
            let id = try await s.submittedFoodApplication(token: person)
            let clerk = try await s.logInDemoStaff("clerk")
            func english(_ reply: TestSession.Reply) -> [String] {
                (reply.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["messageEn"] as? String }
            }
            // Texts that go into the timeline and the applicant's notices are bounded.
            let long = String(repeating: "长", count: 2001)
            let tooLong = try await s.act(id, ["action": "refuseToAccept", "reason": long, "comment": long], token: clerk,
                                          expect: .unprocessableContent)
            #expect(Set(tooLong.errorFields) == ["reason", "comment"])
            // A state refusal names the state as a client reads it, not as the program prints it.
            let state = try await s.act(id, ["action": "giveOpinion", "verdict": "agree"], token: try await s.logInDemoStaff("reviewer-scjg"),
                                        expect: .conflict)
            #expect(english(state) == ["giveOpinion is not allowed in state submitted"], "\(state.text)")
            // A wrong JSON type is named in JSON's words.
            let wrongType = try await s.call(.post, "/api/v1/applications", token: person, json: ["itemCode": "x", "form": "text"])
            #expect(wrongType.status == .badRequest && english(wrongType) == ["field form must be an object"], "\(wrongType.text)")
            let wrongNumber = try await s.call(.post, "/api/v1/applications", token: person, json: ["itemCode": 5])
            #expect(english(wrongNumber) == ["field itemCode must be a string"], "\(wrongNumber.text)")
            let nullBody = try await s.call(.post, "/api/v1/applications", token: person, raw: "null")
            #expect(english(nullBody) == ["the request body must be an object"], "\(nullBody.text)")
            let badDivision = try await s.call(.post, "/api/v1/applications", token: person, json: ["itemCode": TestSession.foodItem, "divisionCode": "3301"])
            #expect(badDivision.errorFields == ["divisionCode"], "\(badDivision.text)")
            // Posts and actions are named in Chinese too.
            let notMyPost = try await s.act(id, ["action": "accept"], token: try await s.logInDemoStaff("approver"), expect: .forbidden)
            #expect((notMyPost.json["errors"] as? [[String: Any]])?.first?["message"] as? String == "决定人员无权执行“受理”", "\(notMyPost.text)")
            // What the caller sent is echoed clipped.
            let unknown = try await s.call(.post, "/api/v1/applications", token: person, json: ["itemCode": String(repeating: "X", count: 100_000)])
            #expect(unknown.status == .unprocessableContent && unknown.text.count < 2_000, "\(unknown.text.prefix(300))")
            // An unknown item's process is an unknown item, not an unknown application.
            let noItem = try await s.call(.get, "/api/v1/processes/NO-SUCH-ITEM", token: clerk)
            #expect(noItem.status == .notFound && noItem.json["title"] as? String == "item not found")

            // The holiday schedule this year's time limits count on cannot be dropped by mistake.
            let admin = try await s.logInDemoStaff("admin")
            let emptied = try await s.call(.put, "/api/v1/calendar", token: admin, json: ["version": 1, "years": [] as [Any]])
            #expect(emptied.status == .unprocessableContent && emptied.errorFields == ["years"], "\(emptied.text)")
            #expect(english(emptied) == ["the 2026 schedule cannot be removed: current and future time limits count on it"], "2025 is past")
            let longName = try await s.call(.put, "/api/v1/calendar", token: admin, json: ["version": 1, "years": [
                ["year": 2026, "holidays": [["name": String(repeating: "节", count: 51), "dates": ["2026-10-01"]]], "workdays": [] as [Any]],
                ["year": 2025, "holidays": [] as [Any], "workdays": [] as [Any]]]])
            #expect(longName.errorFields == ["years/0/holidays/0/name"], "\(longName.text)")
            #expect(s.services.calendars.current.coveredYears == [2025, 2026])
        }
    }

    @Test(arguments: TestEngine.available)
    func receiptNumbersStayUniqueUnderConcurrentSubmits(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson(1)
            var ids: [String] = []
            for n in 0..<8 {
                // Half fill the form in a second request, half give it with the creation.
                let created = try await s.call(.post, "/api/v1/applications", token: person,
                                               json: n.isMultiple(of: 2) ? ["itemCode": "330106-GG-0002", "divisionCode": "330106"]
                                                   : ["itemCode": "330106-GG-0002", "divisionCode": "330106", "form": ["request": "申请失业登记"]])
                #expect(created.status == .created, "\(created.text)")
                let id = created.json["id"] as? String ?? ""
                if n.isMultiple(of: 2) {
                    #expect(try await s.call(.put, "/api/v1/applications/\(id)", token: person,
                                             json: ["form": ["request": "申请失业登记"]]).status == .ok)
                }
                ids.append(id)
            }
            // A bad value given with the creation is named, and no draft is left behind.
            let before = try await s.call(.get, "/api/v1/applications?mine=true", token: person).json["total"] as? Int
            let bad = try await s.call(.post, "/api/v1/applications", token: person,
                                       json: ["itemCode": "330106-GG-0002", "divisionCode": "330106",
                                              "form": ["request": String(repeating: "长", count: 1001), "applicantIdNumber": "330106198503120117"]])
            #expect(bad.status == .unprocessableContent)
            #expect(Set(bad.errorFields) == ["form/request", "form/applicantIdNumber"], "\(bad.text)")
            #expect(try await s.call(.get, "/api/v1/applications?mine=true", token: person).json["total"] as? Int == before)
            let receipts = try await withThrowingTaskGroup(of: String?.self) { group in
                for id in ids {
                    group.addTask { try await s.call(.post, "/api/v1/applications/\(id)/submit", token: person).json["receiptNumber"] as? String }
                }
                var all: [String] = []
                for try await receipt in group { if let receipt { all.append(receipt) } }
                return all
            }
            #expect(receipts.count == 8)
            #expect(Set(receipts).count == 8)
            #expect(Set(receipts.map { Int($0.suffix(6)) ?? 0 }) == Set(1...8))

            // One draft submitted twice at once: one submission wins; the other is refused
            // with the current state and stores nothing, whether or not it drew a number.
            let draft = try await s.call(.post, "/api/v1/applications", token: person,
                                         json: ["itemCode": "330106-GG-0002", "divisionCode": "330106", "form": ["request": "申请失业登记"]])
            let draftID = draft.json["id"] as? String ?? ""
            async let first = s.call(.post, "/api/v1/applications/\(draftID)/submit", token: person)
            async let second = s.call(.post, "/api/v1/applications/\(draftID)/submit", token: person)
            let answers = try await [first, second]
            #expect(answers.map(\.status.code).sorted() == [200, 409], "\(answers.map(\.text))")
            let winner = answers.first { $0.status == .ok }?.json["receiptNumber"] as? String ?? ""
            let stored = try await s.call(.get, "/api/v1/applications/\(draftID)", token: person)
            #expect(stored.json["receiptNumber"] as? String == winner)
            #expect(!receipts.contains(winner) && (Int(winner.suffix(6)) ?? 0) > 8)
            let timeline = (stored.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["event"] as? String }
            #expect(timeline.filter { $0 == "submitted" }.count == 1, "\(timeline)")
        }
    }

    /// Several processes share one database: a calendar edit stored through another one counts at once here.
    @Test(arguments: TestEngine.available)
    func aCalendarEditedByAnotherProcessCountsAtOnce(_ engine: TestEngine) async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_772_409_600)) // 2026-03-02 08:00 CST, a Monday
        try await withApp(engine, demo: true, clock: clock) { s in
            let person = try await s.demoPerson()
            let id = try await s.submittedFoodApplication(token: person)
            // What the other process stored: the week of 9 March made holidays (a notice changed, say).
            struct Row: Decodable { var schedule: String }
            let db = s.services.database.sql
            let stored = try #require(try await db.select().column("schedule").from("holiday_calendar").first(decoding: Row.self))
            var schedule = try #require(try JSONSerialization.jsonObject(with: Data(stored.schedule.utf8)) as? [String: Any])
            var years = schedule["years"] as! [[String: Any]]
            let index = try #require(years.firstIndex { $0["year"] as? Int == 2026 })
            var holidays = years[index]["holidays"] as! [[String: Any]]
            holidays.append(["name": "临时调整", "dates": ["2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13"]])
            years[index]["holidays"] = holidays
            schedule["years"] = years
            let edited = String(decoding: try JSONSerialization.data(withJSONObject: schedule), as: UTF8.self)
            try await db.update("holiday_calendar").set("schedule", to: edited).set("revision", to: SQLRaw("revision + 1")).run()

            let accepted = try await s.act(id, ["action": "accept"], token: try await s.logInDemoStaff("clerk"))
            #expect(accepted.json["dueDate"] as? String == "2026-03-23", "ten working days past the new holidays: \(accepted.text)")
        }
    }

    /// Time the law excludes from a limit (a hearing, an expert review): the clock stops, the applicant is told, and the limit moves on.
    @Test(arguments: TestEngine.available)
    func aHearingStopsTheClockAndTheApplicantIsTold(_ engine: TestEngine) async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_772_409_600)) // 2026-03-02 08:00 CST, a Monday
        try await withApp(engine, demo: true, clock: clock) { s in
            let person = try await s.demoPerson()
            let id = try await s.submittedFoodApplication(token: person)
            try await s.act(id, ["action": "accept"], token: try await s.logInDemoStaff("clerk"))
            let scjg = try await s.logInDemoStaff("reviewer-scjg")
            let wjj = try await s.logInDemoStaff("reviewer-wjj")
            let missing = try await s.act(id, ["action": "suspend"], token: scjg, expect: .unprocessableContent)
            #expect(missing.errorFields == ["pauseReason"])
            let paused = try await s.act(id, ["action": "suspend", "pauseReason": "hearing", "comment": "申请人要求听证，定于3月6日举行"], token: scjg)
            #expect(paused.json["dueDate"] is NSNull || paused.json["dueDate"] == nil, "no date while the clock stands")
            // Nothing moves while it stands, but resuming.
            try await s.act(id, ["action": "giveOpinion", "verdict": "agree"], token: wjj, expect: .conflict)
            var notices = try await s.call(.get, "/api/v1/notices", token: person).json["items"] as? [[String: Any]] ?? []
            let stopped = notices.first { $0["title"] as? String == "办理时限暂停计算" }
            #expect((stopped?["body"] as? String)?.contains("听证程序，所需时间依法不计入办理时限") == true, "\(notices)")
            #expect((stopped?["body"] as? String)?.hasSuffix("说明：申请人要求听证，定于3月6日举行") == true)

            clock.advance(7 * 86_400) // the next Monday: five working days stood still; tokens last a day
            let (person2, scjg2, wjj2) = (try await s.demoPerson(), try await s.logInDemoStaff("reviewer-scjg"), try await s.logInDemoStaff("reviewer-wjj"))
            let resumed = try await s.act(id, ["action": "resume"], token: scjg2)
            #expect(resumed.json["dueDate"] as? String == "2026-03-23", "\(resumed.text)")
            notices = try await s.call(.get, "/api/v1/notices", token: person2).json["items"] as? [[String: Any]] ?? []
            let running = notices.first { $0["title"] as? String == "办理时限恢复计算" }
            #expect(running?["body"] as? String == "您的“食品经营许可（新办）”申请已恢复计算办理时限，预计 2026-03-23 前办结。", "\(running ?? [:])")
            let events = (resumed.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["event"] as? String }
            #expect(events.contains("clockPaused") && events.contains("clockResumed"))
            try await s.act(id, ["action": "giveOpinion", "verdict": "agree"], token: wjj2)
            // A supplement's stop and restart are told by its own notices, not these.
            #expect(notices.filter { ($0["title"] as? String)?.hasPrefix("办理时限") == true }.count == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func overdueCasesEscalateOnceToTheDepartmentHead(_ engine: TestEngine) async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_772_409_600)) // 2026-03-02 08:00 CST, a Monday
        try await withApp(engine, demo: true, clock: clock) { s in
            let person = try await s.demoPerson()
            let id = try await s.submittedFoodApplication(token: person)
            let clerk = try await s.logInDemoStaff("clerk")
            try await s.act(id, ["action": "accept"], token: clerk)
            let service = s.services.applications
            #expect(try await service.sweep(worker: "a") == 1)
            #expect(try await service.sweep(worker: "a") == 0)
            let accepted = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
            #expect(accepted.json["warningLevel"] as? String == "normal")
            // The whole case has 10 working days, the joint review 5: 市场监管 5 for its opinion, 卫健 3.
            #expect(accepted.json["dueDate"] as? String == "2026-03-16" && accepted.json["stepDueDate"] as? String == "2026-03-09")
            // Staff log in once per step of the clock: a TOTP code is not accepted twice, a token not after a day.
            var tokens: [String: String] = [:]
            func task(_ username: String, filter: String = "") async throws -> [String: Any]? {
                if tokens[username] == nil { tokens[username] = try await s.logInDemoStaff(username) }
                let queue = try await s.call(.get, "/api/v1/work/queue" + filter, token: tokens[username]!)
                return (queue.json["items"] as? [[String: Any]])?.first { $0["applicationId"] as? String == id }
            }
            #expect(try await task("reviewer-wjj")?["dueDate"] as? String == "2026-03-05")
            #expect(try await task("reviewer-scjg")?["dueDate"] as? String == "2026-03-09")

            // Thursday: 卫健 has used its three days (黄牌) while the step and the case are far from theirs.
            clock.advance(3 * 86_400)
            tokens = [:]
            async let a = service.sweep(worker: "a")
            async let b = service.sweep(worker: "b")
            #expect(try await a + b == 1)
            let warned = try await s.call(.get, "/api/v1/applications/\(id)", token: try await s.demoPerson())
            #expect(warned.json["warningLevel"] as? String == "warning")
            let warning = (warned.json["timeline"] as? [[String: Any]] ?? []).last { $0["event"] as? String == "warning" }
            #expect(warning?["summary"] as? String == "预警：杭州市西湖区卫生健康局联合审查意见时限用时已达 80%（黄牌），截止 2026-03-05", "\(warning ?? [:])")
            #expect(try await task("reviewer-wjj")?["warningLevel"] as? String == "warning")
            #expect(try await task("reviewer-scjg")?["warningLevel"] as? String == "normal")
            #expect(try await task("reviewer-wjj", filter: "?warningLevel=warning") != nil)

            // Friday: 卫健 is past its limit (红牌) and the case goes to the department head.
            clock.advance(86_400)
            tokens = [:]
            _ = try await service.sweep(worker: "a")
            let overdue = try await s.call(.get, "/api/v1/applications/\(id)", token: try await s.demoPerson())
            #expect(overdue.json["warningLevel"] as? String == "overdue")
            #expect(overdue.json["escalated"] as? Bool == true)
            let events = (overdue.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["event"] as? String }
            #expect(events.filter { $0 == "escalated" }.count == 1 && events.contains("warning"))
            #expect(try await task("reviewer-wjj")?["warningLevel"] as? String == "overdue")
            #expect(try await task("reviewer-scjg")?["warningLevel"] as? String == "warning", "4 of its 5 days")

            let approver = try await s.logInDemoStaff("approver")
            let queue = try await s.call(.get, "/api/v1/work/queue?warningLevel=overdue", token: approver)
            let supervision = (queue.json["items"] as? [[String: Any]])?.first
            #expect(supervision?["kind"] as? String == "supervise" && supervision?["dueDate"] as? String == "2026-03-05")
            #expect((queue.json["counts"] as? [String: Any])?["escalated"] as? Int == 1)

            // Supervisors see it among the late cases of the divisions they oversee; others do not.
            let supervisor = try await s.logInDemoStaff("supervisor")
            let late = try await s.call(.get, "/api/v1/supervision/applications", token: supervisor)
            #expect(late.status == .ok, "\(late.text)")
            let listed = (late.json["items"] as? [[String: Any]])?.first { $0["id"] as? String == id }
            #expect(listed?["warningLevel"] as? String == "overdue" && listed?["escalated"] as? Bool == true)
            #expect(listed?["dueDate"] as? String == "2026-03-16" && listed?["stepDueDate"] as? String == "2026-03-09")
            #expect((late.json["counts"] as? [String: Int]) == ["warning": 0, "overdue": 1, "escalated": 1])
            #expect(try await s.call(.get, "/api/v1/supervision/applications?warningLevel=warning", token: supervisor).json["total"] as? Int == 0)
            // The 超期督办 page names the handling department.
            let latePage = try await s.call(.get, "/supervision", headers: [.authorization: "Bearer \(supervisor)"])
            #expect(latePage.status == .ok && latePage.text.contains("<td data-label=\"承办部门\">杭州市西湖区行政审批局</td>") && latePage.text.contains("红牌"),
                    "\(latePage.text)")
            // The electronic supervision's own entries are in the log the supervisor reads, with the department's.
            for action in ["application.warning", "application.escalate"] {
                let entries = try await s.call(.get, "/api/v1/audit?action=\(action)&targetId=\(id)", token: supervisor)
                #expect(entries.json["total"] as? Int == 1, "\(action): \(entries.text)")
            }
            #expect(try await s.call(.get, "/api/v1/supervision/applications?escalated=true&department=330106-xzspj", token: supervisor)
                .json["total"] as? Int == 1)
            #expect(try await s.call(.get, "/api/v1/supervision/applications?department=330106-wjj", token: supervisor).json["total"] as? Int == 0)
            #expect(try await s.call(.get, "/api/v1/supervision/applications?escalated=false", token: supervisor).json["total"] as? Int == 0)
            let bad = try await s.call(.get, "/api/v1/supervision/applications?warningLevel=red&escalated=yes", token: supervisor)
            #expect(bad.status == .badRequest && Set(bad.errorFields) == ["warningLevel", "escalated"])
            #expect(try await s.call(.get, "/api/v1/supervision/applications", token: approver).status == .forbidden)
            #expect(try await s.call(.get, "/api/v1/supervision/applications", token: try await s.demoPerson()).status == .forbidden)
            let created = try await s.call(.post, "/api/v1/staff", token: try await s.logInDemoStaff("admin"), json: [
                "username": "jian.shangcheng", "name": "上城监察", "password": "Jiancha#2026long", "departmentCode": "330102-scjgj",
                "roles": ["supervisor"]])
            #expect(created.status == .created, "\(created.text)")
            let secret = (created.json["otpauthURI"] as? String).flatMap { URLComponents(string: $0) }?.queryItems?.first { $0.name == "secret" }?.value
            let elsewhere = try await s.logIn("jian.shangcheng", password: "Jiancha#2026long",
                                              otp: TOTP.code(secret: TOTP.base32Decode(secret ?? "") ?? [], at: s.clock.read()))
            #expect(try await s.call(.get, "/api/v1/supervision/applications", token: elsewhere).json["total"] as? Int == 0, "上城区 oversees no 西湖区 case")

            clock.advance(3 * 86_400)
            _ = try await service.sweep(worker: "b")
            let again = try await s.call(.get, "/api/v1/applications/\(id)", token: try await s.demoPerson())
            #expect(((again.json["timeline"] as? [[String: Any]]) ?? []).filter { $0["event"] as? String == "escalated" }.count == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func dueDatesInAYearWithoutItsNoticeAreProvisional(_ engine: TestEngine) async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_798_416_000)) // 2026-12-28 08:00 CST, a Monday
        try await withApp(engine, demo: true, clock: clock) { s in
            let person = try await s.demoPerson()
            let id = try await s.submittedFoodApplication(token: person)
            try await s.act(id, ["action": "accept"], token: try await s.logInDemoStaff("clerk"))
            let calendar = s.services.calendars.current
            let accepted = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
            let due = try #require((accepted.json["dueDate"] as? String).flatMap(CivilDate.init(iso:)))
            #expect(accepted.json["dueDateProvisional"] as? Bool == true)
            // Ten working days from Monday 28 December skip New Year's Day, an estimated holiday.
            #expect(due == CivilDate(year: 2027, month: 1, day: 12))
            #expect(calendar.workingDays(between: CivilDate(year: 2026, month: 12, day: 28)!, and: due) == 10)
            let reviewer = try await s.logInDemoStaff("reviewer-scjg")
            let queue = try await s.call(.get, "/api/v1/work/queue", token: reviewer)
            let item = (queue.json["items"] as? [[String: Any]])?.first { $0["applicationId"] as? String == id }
            #expect(item?["dueDateProvisional"] as? Bool == true)
            #expect(try await s.call(.get, "/api/v1/calendar").json["provisionalFrom"] as? Int == 2027)
            #expect(try await s.services.applications.sweep(worker: "a") == 1)
            #expect(try await s.services.applications.sweep(worker: "a") == 0, "checked for today")

            // The administrator enters the 2027 notice (here New Year's Day and a make-up working
            // Saturday); the sweep recounts the case on it and the due date is no longer provisional.
            var schedule = try await s.call(.get, "/api/v1/calendar").json["schedule"] as? [String: Any] ?? [:]
            schedule["years"] = (schedule["years"] as? [[String: Any]] ?? []) + [[
                "year": 2027, "holidays": [["name": "元旦", "dates": ["2027-01-01"]]],
                "workdays": [["name": "元旦", "dates": ["2027-01-09"]]],
            ]]
            let saved = try await s.call(.put, "/api/v1/calendar", token: try await s.logInDemoStaff("admin"), json: schedule)
            #expect(saved.status == .ok, "\(saved.text)")
            #expect(try await s.services.applications.sweep(worker: "a") == 1, "an edited calendar has the case counted again the same day")
            let recounted = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
            #expect(recounted.json["dueDateProvisional"] as? Bool == false)
            #expect(recounted.json["dueDate"] as? String == "2027-01-11")
        }
    }

    /// During a supplement the case page offers only what the notice names, by the rule the
    /// server refuses by: in the upload form and as 删除 buttons. A draft offers everything.
    @Test(arguments: TestEngine.available)
    func theCasePageOffersOnlyWhatTheSupplementNoticeNames(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let clerk = try await s.logInDemoStaff("clerk")
            func page(_ id: String, _ token: String) async throws -> String {
                let reply = try await s.call(.get, "/applications/\(id)", headers: [.authorization: "Bearer \(token)"])
                #expect(reply.status == .ok, "\(reply.text)")
                return reply.text
            }
            func offered(_ html: String) -> [String] {
                guard let select = html.firstMatch(of: #/<select name="material">(.*?)</select>/#) else { return [] }
                return select.output.1.matches(of: #/<option value="([^"]*)">/#).map { String($0.output.1) }
            }
            func removable(_ html: String, _ id: String) -> Set<String> {
                Set(html.matches(of: #/action="/applications/([^/"]+)/attachments/([^/"]+)/delete"/#).filter { $0.output.1 == id }
                    .map { String($0.output.2) })
            }
            func files(_ id: String) async throws -> [String: String] {
                let materials = try await s.call(.get, "/api/v1/applications/\(id)", token: person).json["materials"] as? [[String: Any]] ?? []
                return Dictionary(materials.filter { $0["source"] as? String == "applicant" }.compactMap { m in
                    (m["materialName"] as? String).map { ($0, m["id"] as? String ?? "") }
                }) { _, last in last }
            }
            let health = TestSession.foodMaterials[3]
            // The four the tests upload and the conditional power of attorney; not the government-supplied business licence.
            let applicantMaterials = Set(TestSession.foodMaterials + ["授权委托书"])

            // A draft: every material the applicant provides, every uploaded file removable.
            let draft = try await s.foodDraft(token: person)
            for material in TestSession.foodMaterials.prefix(2) { _ = try await s.upload(draft, material: material, token: person) }
            let draftPage = try await page(draft, person)
            #expect(Set(offered(draftPage)) == applicantMaterials, "\(offered(draftPage))")
            let draftFiles = try await files(draft)
            #expect(removable(draftPage, draft) == Set(draftFiles.values) && draftFiles.count == 2)
            #expect(!draftPage.contains("supplement-notice") && !draftPage.contains("需补正"))

            // The official asking for a supplement may name any of them.
            let id = try await s.submittedFoodApplication(token: person)
            let intake = try await page(id, clerk)
            #expect(Set(intake.matches(of: #/name="supplement:([^"]+)"/#).map { String($0.output.1) }) == applicantMaterials)
            #expect(offered(intake).isEmpty && removable(intake, id).isEmpty)
            try await s.act(id, ["action": "requestSupplement", "materials": [health], "comment": "健康证明已过期"], token: clerk)

            s.clock.advance(60)
            // The applicant is offered the named material only, and told which it is.
            let waiting = try await page(id, person)
            #expect(offered(waiting) == [health], "\(offered(waiting))")
            let uploaded = try await files(id)
            #expect(removable(waiting, id) == [uploaded[health] ?? "?"])
            let notice = waiting.firstMatch(of: #/<div class="notice-box" id="supplement-notice">(.*?)</div>/#)?.output.1 ?? ""
            #expect(notice.contains("<li>\(health)</li>") && notice.matches(of: #/<li>/#).count == 1, "\(notice)")
            #expect(waiting.matches(of: #/需补正/#).count == 1)
            // The file there was found wanting: it reads as to be provided again, not as uploaded.
            #expect(waiting.contains("<li>\(health) <span class=\"tag warn\">待补正</span> <span class=\"tag warn requested\">需补正</span></li>"))
            // What the page offers, the server takes; what it holds back, the server refuses.
            let csrf = String(repeating: "s", count: 40)
            func remove(_ material: String) async throws -> TestSession.Reply {
                try await s.call(.post, "/applications/\(id)/attachments/\(uploaded[material] ?? "?")/delete", raw: "_csrf=\(csrf)",
                                 headers: [.authorization: "Bearer \(person)", .contentType: "application/x-www-form-urlencoded",
                                           .cookie: "\(CSRF.cookie)=\(csrf)"])
            }
            let refused = try await remove(TestSession.foodMaterials[0])
            #expect(refused.status == .unprocessableContent && refused.text.contains("补正告知未要求"), "\(refused.status)")
            #expect(offered(refused.text) == [health], "the refusal's page offers the same")
            #expect(try await remove(health).status == .seeOther)
            #expect(try await s.upload(id, material: health, token: person).status == .created)
            #expect(try await s.call(.post, "/api/v1/applications/\(id)/submit", token: person).status == .ok)

            // Resubmitted: nothing to upload or remove, and the notice is gone.
            let resubmitted = try await page(id, person)
            #expect(!resubmitted.contains("upload-form") && removable(resubmitted, id).isEmpty)
            #expect(!resubmitted.contains("supplement-notice") && !resubmitted.contains("需补正"))
        }
    }

    /// U+0000 in what a multipart file part says of itself (its name, file name, declared type)
    /// is a 400 naming it, as in any other field: in the part's name it once read as no file (422).
    @Test(arguments: TestEngine.available)
    func nulInAFilePartIsRefusedNamingIt(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let id = try await s.foodDraft(token: person)
            let boundary = "tb-boundary-nul"
            func post(_ path: String, name: String = "file", fileName: String = "申请书.pdf",
                      type: String = "application/pdf") async throws -> TestSession.Reply {
                var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"material\"\r\n\r\n\(TestSession.foodMaterials[0])\r\n".utf8)
                body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
                body += TestSession.pdf + Array("\r\n--\(boundary)--\r\n".utf8)
                return try await s.post(path, bytes: body, contentType: "multipart/form-data; boundary=\(boundary)", token: person)
            }
            let api = "/api/v1/applications/\(id)/attachments"
            for (reply, field) in [(try await post(api, name: "fi\0le"), "file"), (try await post(api, fileName: "申请\0书.pdf"), "filename"),
                                   (try await post(api, type: "application/\0pdf"), "Content-Type")] {
                #expect(reply.status == .badRequest && reply.errorFields == [field], "\(field): \(reply.text)")
                #expect((reply.json["errors"] as? [[String: Any]])?.first?["message"] as? String == "\(field) 不能含有空字符（U+0000）")
            }
            // Every one at once; and the page's form gets the friendly page.
            let all = try await post(api, name: "fi\0le", fileName: "\0", type: "\0")
            #expect(Set(all.errorFields) == ["file", "filename", "Content-Type"], "\(all.text)")
            let onPage = try await post("/applications/\(id)/attachments", name: "fi\0le")
            #expect(onPage.status == .badRequest && onPage.headers[.contentType]?.hasPrefix("text/html") == true, "\(onPage.status)")
            let materials = try await s.call(.get, "/api/v1/applications/\(id)", token: person).json["materials"] as? [[String: Any]] ?? []
            #expect(!materials.isEmpty && !materials.contains { $0["source"] as? String == "applicant" }, "nothing stored: \(materials)")
            // A part with another name is still no file; the same part without the NUL goes through.
            #expect(try await post(api, name: "attachment").errorFields == ["file"])
            #expect(try await post(api).status == .created)
        }
    }

    /// The guide promises 2 working days at 西湖区 (承诺时限) within the legal 10 (法定时限): the case shows both.
    @Test(arguments: TestEngine.available)
    func theApplicantSeesThePromisedDateBesideTheLegalOne(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let id = try await s.submittedFoodApplication(token: person)
            let before = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
            #expect(before.json["promisedDueDate"] == nil, "the promise runs from acceptance")
            let guide = try await s.call(.get, "/api/v1/services/\(TestSession.foodItem)?division=330106")
            #expect(guide.json["promisedLimitDays"] as? Int == 2, "\(guide.text.prefix(200))")
            try await s.act(id, ["action": "accept"], token: try await s.logInDemoStaff("clerk"))
            let accepted = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
            let today = CivilDate(instant: s.clock.read())
            let calendar = s.services.calendars.current
            let promised = CaseClock(limit: 2, startedOn: today).status(asOf: today, calendar: calendar).dueDate?.description
            let legal = CaseClock(limit: 10, startedOn: today).status(asOf: today, calendar: calendar).dueDate?.description
            #expect(promised != nil && accepted.json["promisedDueDate"] as? String == promised, "\(accepted.text)")
            #expect(accepted.json["dueDate"] as? String == legal)
            let page = try await s.call(.get, "/applications/\(id)", token: person)
            #expect(page.text.contains("承诺办结时间：<span id=\"promised-due-date\">\(promised ?? "-")</span>"))
        }
    }

    @Test func everyApplicationsRouteIsDescribedInOpenAPI() async throws {
        try await withApp(.sqlite) { s in
            let document = try await s.call(.get, "/api/v1/openapi.json").json
            let paths = document["paths"] as? [String: Any] ?? [:]
            for route in s.app.registeredRoutes where !route.hasPrefix("HEAD ")
                && (route.contains("/api/v1/applications") || route.contains("/api/v1/work") || route.contains("/api/v1/notices")) {
                let parts = route.split(separator: " ", maxSplits: 1)
                let path = String(parts[1]).replacingOccurrences(of: #":(\w+)"#, with: "{$1}", options: .regularExpression)
                let item = paths[path] as? [String: Any]
                #expect(item?[parts[0].lowercased()] != nil, "\(route) missing from OpenAPI")
            }
        }
    }
}
