import Foundation
import HTTPTypes
import SQLKit
import Testing
import TongbanCore
@testable import TongbanServer

/// Demo persons log in with their ID number and the demo password.
private let zhangWei = "330106198503120116"
private let wangFang = "330102199007080257"

private let wageText = "公司拖欠工资三个月不发，老板拒绝支付，社保也没有缴纳，请劳动监察部门帮忙讨薪。"

extension TestSession {
    func person(_ idNumber: String) async throws -> String { try await logIn(idNumber, password: DemoData.password) }

    /// Sets the confidence threshold: 0 routes everything the table covers, 1 nothing.
    /// Logs the administrator in unless given their token (a TOTP code works once).
    func threshold(_ value: Double, admin token: String? = nil) async throws {
        let admin: String
        if let token { admin = token } else { admin = try await logInDemoStaff("admin") }
        let reply = try await call(.put, "/api/v1/appeal-settings", token: admin, json: [
            "confidenceThreshold": value,
            "timeLimits": ["acceptDays": 1, "replyDays": ["complaint": 15, "consultation": 5, "suggestion": 15, "help": 5, "report": 15, "praise": 15]],
        ])
        #expect(reply.status == .ok, "\(reply.text)")
    }

    @discardableResult
    func fileAppeal(_ token: String, title: String = "公司拖欠工资", text: String = wageText, type: String = "complaint",
                    division: String = "330106", address: String = "西湖区文三路 90 号") async throws -> Reply {
        try await call(.post, "/api/v1/appeals", token: token, json: [
            "type": type, "title": title, "text": text, "divisionCode": division, "address": address])
    }

    func act(_ id: String, _ action: String, token: String, json: Any? = nil) async throws -> Reply {
        try await call(.post, "/api/v1/appeals/\(id)/\(action)", token: token, json: json, raw: json == nil ? "{}" : nil)
    }
}

private func appeal(_ reply: TestSession.Reply) -> [String: Any] { reply.json["appeal"] as? [String: Any] ?? reply.json }
private func id(_ reply: TestSession.Reply) -> String { appeal(reply)["id"] as? String ?? "" }

@Suite("Appeals hotline over HTTP")
struct AppealsTests {
    static let goodReply = "您反映的公司拖欠工资问题已收悉。经调查核实，该公司确有拖欠，我局已责令其在十日内足额支付工资并补缴社保，如未按期履行请您拨打12345反映。"

    @Test(arguments: TestEngine.available)
    func confidentAppealIsRoutedRepliedRatedAndClosed(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            try await s.threshold(0)
            let citizen = try await s.person(zhangWei)
            let filed = try await s.fileAppeal(citizen)
            #expect(filed.status == .created, "\(filed.text)")
            let a = appeal(filed)
            #expect(a["status"] as? String == "dispatched")
            #expect(a["departmentCode"] as? String == "330100-rsj")
            #expect(a["routing"] == nil, "routing details are for staff")

            let handler = try await s.logInDemoStaff("handler-rsj")
            let appealID = id(filed)
            let staffView = try await s.call(.get, "/api/v1/appeals/\(appealID)", token: handler)
            #expect((staffView.json["routing"] as? [String: Any])?["category"] as? String == "劳动和社会保障")
            #expect(try await s.act(appealID, "accept", token: handler).status == .ok)
            let short = try await s.act(appealID, "reply", token: handler, json: ["text": "已收悉。"])
            #expect(short.status == .unprocessableContent)
            #expect(Set((short.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }) == ["tooShort", "offTopic", "noBasisOrNextStep"])
            let check = try await s.call(.post, "/api/v1/appeals/\(appealID)/reply-check", token: handler, json: ["text": Self.goodReply])
            #expect((check.json["flags"] as? [Any])?.isEmpty == true, "\(check.text)")
            let replied = try await s.act(appealID, "reply", token: handler, json: ["text": Self.goodReply])
            #expect(replied.json["status"] as? String == "replied", "\(replied.text)")
            let replyAgain = try await s.act(appealID, "reply", token: handler, json: ["text": Self.goodReply])
            #expect(replyAgain.status == .conflict)
            // RFC 9457: `status` is the HTTP status; the appeal's own state is an extension member.
            #expect(replyAgain.json["status"] as? Int == 409 && replyAgain.json["currentStatus"] as? String == "replied")

            let rated = try await s.act(appealID, "rate", token: citizen, json: ["rating": "satisfied"])
            #expect(rated.json["status"] as? String == "closed", "\(rated.text)")
            let mine = try await s.call(.get, "/api/v1/appeals/\(appealID)", token: citizen)
            #expect((mine.json["reply"] as? [String: Any])?["text"] as? String == Self.goodReply)
            #expect((mine.json["events"] as? [[String: Any]])?.map { $0["action"] as? String } == ["create", "dispatch", "accept", "reply", "rate", "close"])
        }
    }

    @Test(arguments: TestEngine.available)
    func lowConfidenceGoesToTheDispatcherWithSuggestions(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            try await s.threshold(1)
            let citizen = try await s.person(zhangWei)
            let filed = try await s.fileAppeal(citizen)
            #expect(appeal(filed)["status"] as? String == "received")
            let dispatcher = try await s.logInDemoStaff("dispatcher")
            let queue = try await s.call(.get, "/api/v1/appeals?scope=dispatch", token: dispatcher)
            #expect((queue.json["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [id(filed)])
            let detail = try await s.call(.get, "/api/v1/appeals/\(id(filed))", token: dispatcher)
            let routing = detail.json["routing"] as? [String: Any]
            #expect(routing?["manualReason"] as? String == "lowConfidence")
            #expect((routing?["suggestions"] as? [[String: Any]])?.count == 3)
            #expect((routing?["suggestions"] as? [[String: Any]])?.first?["departmentCode"] as? String == "330100-rsj")
            let unknown = try await s.act(id(filed), "dispatch", token: dispatcher, json: ["departmentCode": "nope"])
            #expect(unknown.errorFields == ["departmentCode"])
            let dispatched = try await s.act(id(filed), "dispatch", token: dispatcher, json: ["departmentCode": "330100-rsj"])
            #expect(dispatched.json["status"] as? String == "dispatched")
            let handler = try await s.logInDemoStaff("handler-rsj")
            let list = try await s.call(.get, "/api/v1/appeals", token: handler)
            #expect(list.json["total"] as? Int == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func threeReturnsEscalateAndTheSupervisorFixesTheLead(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            try await s.threshold(1)
            let citizen = try await s.person(zhangWei)
            let appealID = id(try await s.fileAppeal(citizen))
            let dispatcher = try await s.logInDemoStaff("dispatcher")
            let zjw = try await s.logInDemoStaff("handler-zjw")
            let noReason = try await {
                _ = try await s.act(appealID, "dispatch", token: dispatcher, json: ["departmentCode": "330100-zjw"])
                return try await s.act(appealID, "return", token: zjw, json: ["reason": ""])
            }()
            #expect(noReason.errorFields == ["reason"])
            var last: TestSession.Reply?
            for round in 1...3 {
                if round > 1 { _ = try await s.act(appealID, "dispatch", token: dispatcher, json: ["departmentCode": "330100-zjw"]) }
                last = try await s.act(appealID, "return", token: zjw, json: ["reason": "不属于住建职责"])
            }
            #expect(last?.json["status"] as? String == "escalated")
            #expect(last?.json["returnCount"] as? Int == 3)
            #expect(try await s.act(appealID, "dispatch", token: dispatcher, json: ["departmentCode": "330100-rsj"]).status == .conflict)
            #expect(try await s.act(appealID, "fix-lead", token: dispatcher, json: ["departmentCode": "330100-rsj"]).status == .forbidden)
            let supervisor = try await s.logInDemoStaff("supervisor")
            let escalated = try await s.call(.get, "/api/v1/appeals?scope=escalated", token: supervisor)
            #expect(escalated.json["total"] as? Int == 1)
            let fixed = try await s.act(appealID, "fix-lead", token: supervisor, json: ["departmentCode": "330100-rsj"])
            #expect(fixed.json["status"] as? String == "dispatched" && fixed.json["leadFixed"] as? Bool == true)
            let rsj = try await s.logInDemoStaff("handler-rsj")
            let refused = try await s.act(appealID, "return", token: rsj, json: ["reason": "还是不归我们"])
            #expect(refused.status == .conflict && refused.json["code"] as? String == "lead-fixed")
        }
    }

    @Test(arguments: TestEngine.available)
    func dissatisfiedReopensOnceWithTheNote(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            try await s.threshold(0)
            let citizen = try await s.person(zhangWei)
            let appealID = id(try await s.fileAppeal(citizen))
            let handler = try await s.logInDemoStaff("handler-rsj")
            #expect(try await s.act(appealID, "accept", token: handler).status == .ok)
            #expect(try await s.act(appealID, "reply", token: handler, json: ["text": Self.goodReply]).status == .ok)
            let state = try await s.call(.get, "/api/v1/appeals/\(appealID)", token: citizen)
            #expect(state.json["status"] as? String == "replied")
            let reopened = try await s.act(appealID, "rate", token: citizen, json: ["rating": "dissatisfied", "note": "工资仍未发放"])
            #expect(reopened.json["status"] as? String == "reopened")
            #expect(reopened.json["departmentCode"] as? String == "330100-rsj")
            #expect(reopened.json["ratingNote"] as? String == "工资仍未发放")
            #expect(try await s.act(appealID, "accept", token: handler).status == .ok)
            #expect(try await s.act(appealID, "reply", token: handler, json: ["text": Self.goodReply + "已再次督促。"]).status == .ok)
            let final = try await s.act(appealID, "rate", token: citizen, json: ["rating": "dissatisfied"])
            #expect(final.json["status"] as? String == "closed")
            #expect(final.json["reopenCount"] as? Int == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func repeatsLinkToTheFirstAndShareItsReply(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            try await s.threshold(0)
            let zhang = try await s.person(zhangWei)
            let wang = try await s.person(wangFang)
            let first = try await s.fileAppeal(zhang)
            s.clock.advance(2 * 3600)
            let same = try await s.fileAppeal(wang, title: "拖欠工资", address: "西湖区文三路90号")
            #expect(same.json["duplicateOf"] as? String == id(first), "\(same.text)")
            #expect((same.json["notice"] as? String)?.contains(id(first)) == true)
            #expect(appeal(same)["status"] as? String == "received")
            let again = try await s.fileAppeal(zhang, title: "公司拖欠工资还没解决", text: "公司拖欠工资三个月了还是不发，社保也没缴纳，请尽快处理讨薪。", address: "文三路")
            #expect(again.json["duplicateOf"] as? String == id(first))
            s.clock.advance(8 * 86_400)
            let late = try await s.fileAppeal(try await s.person(wangFang), title: "拖欠工资", address: "西湖区文三路90号")
            #expect(late.json["duplicateOf"] == nil, "outside the 7-day window")

            let handler = try await s.logInDemoStaff("handler-rsj")
            let firstView = try await s.call(.get, "/api/v1/appeals/\(id(first))", token: handler)
            #expect(firstView.json["repeatCount"] as? Int == 2)
            #expect((firstView.json["priority"] as? [String: Any])?["score"] as? Int ?? 0 >= AppealPriority.baseScore + 16)
            _ = try await s.act(id(first), "accept", token: handler)
            _ = try await s.act(id(first), "reply", token: handler, json: ["text": Self.goodReply])
            let answered = try await s.call(.get, "/api/v1/appeals/\(id(same))", token: try await s.person(wangFang))
            #expect(answered.json["status"] as? String == "replied")
            #expect((answered.json["reply"] as? [String: Any])?["text"] as? String == Self.goodReply)
            let dispatcher = try await s.logInDemoStaff("dispatcher")
            let queue = try await s.call(.get, "/api/v1/appeals?scope=dispatch", token: dispatcher)
            #expect(queue.json["total"] as? Int == 0, "repeats never reach the dispatch queue")
        }
    }

    @Test(arguments: TestEngine.available)
    func everyoneSeesOnlyWhatIsTheirs(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            try await s.threshold(0)
            let zhang = try await s.person(zhangWei)
            let wang = try await s.person(wangFang)
            let appealID = id(try await s.fileAppeal(zhang))
            #expect(try await s.call(.get, "/api/v1/appeals/\(appealID)", token: wang).status == .notFound)
            #expect(try await s.act(appealID, "rate", token: wang, json: ["rating": "satisfied"]).status == .notFound)
            #expect((try await s.call(.get, "/api/v1/appeals", token: wang)).json["total"] as? Int == 0)
            let zjw = try await s.logInDemoStaff("handler-zjw")
            #expect(try await s.call(.get, "/api/v1/appeals/\(appealID)", token: zjw).status == .notFound)
            #expect(try await s.act(appealID, "accept", token: zjw).status == .notFound)
            #expect((try await s.call(.get, "/api/v1/appeals", token: zjw)).json["total"] as? Int == 0)
            #expect(try await s.call(.get, "/api/v1/appeals?scope=area", token: zjw).status == .badRequest)
            let rsj = try await s.logInDemoStaff("handler-rsj")
            #expect(try await s.act(appealID, "rate", token: rsj, json: ["rating": "satisfied"]).status == .forbidden)
            #expect(try await s.call(.get, "/api/v1/appeals/\(appealID)", token: rsj).status == .ok)
            #expect(try await s.call(.post, "/api/v1/hotline/appeals", token: zhang, json: [:]).status == .forbidden)
            #expect(try await s.call(.get, "/api/v1/appeals").status == .unauthorized)
            let clerk = try await s.logInDemoStaff("clerk")
            #expect(try await s.call(.get, "/api/v1/appeals/\(appealID)", token: clerk).status == .notFound)
            #expect(try await s.call(.get, "/api/v1/hot-topics", token: zhang).status == .forbidden)
            // Staff reads are audited.
            struct N: Decodable { var n: Int }
            try await s.services.audit.seal()
            let reads = try await s.services.database.sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'appeal.read'").first(decoding: N.self)
            #expect(reads?.n == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func hotlineCallsAndBadInput(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let dispatcher = try await s.logInDemoStaff("dispatcher")
            let base: [String: Any] = ["type": "consultation", "title": "公积金提取", "text": "请问租房提取公积金需要什么材料？",
                                       "divisionCode": "330106", "address": "西湖区"]
            let missingPhone = try await s.call(.post, "/api/v1/hotline/appeals", token: dispatcher, json: base)
            #expect(missingPhone.errorFields == ["callerPhone"])
            var anonymous = base
            anonymous["anonymous"] = true
            let anon = try await s.call(.post, "/api/v1/hotline/appeals", token: dispatcher, json: anonymous)
            #expect(anon.status == .created, "\(anon.text)")
            #expect(appeal(anon)["channel"] as? String == "hotline")
            var named = base
            named["callerPhone"] = "0571-88886666"
            named["callerName"] = "刘先生"
            let call = try await s.call(.post, "/api/v1/hotline/appeals", token: dispatcher, json: named)
            let detail = try await s.call(.get, "/api/v1/appeals/\(id(call))", token: dispatcher)
            #expect((detail.json["caller"] as? [String: Any])?["phone"] as? String == "057188886666")
            #expect((detail.json["deadlines"] as? [String: Any])?["replyLimitWorkingDays"] as? Int == 5)

            let citizen = try await s.person(zhangWei)
            let bad = try await s.call(.post, "/api/v1/appeals", token: citizen, json: [
                "type": "complaint", "title": "", "text": "  ", "divisionCode": "999999", "address": "", "latitude": 91])
            #expect(Set(bad.errorFields) == ["title", "text", "divisionCode", "address", "latitude", "longitude"])
            let wrongType = try await s.call(.post, "/api/v1/appeals", token: citizen, json: ["type": "gossip"])
            #expect(wrongType.status == .badRequest)
            for raw in ["{", "[]", "null", "{\"title\": 5}"] {
                let reply = try await s.call(.post, "/api/v1/appeals", token: citizen, raw: raw)
                #expect((400..<500).contains(Int(reply.status.code)), "\(raw) → \(reply.status)")
            }
            let badFile = try await s.call(.post, "/api/v1/appeals", token: citizen, json: [
                "type": "complaint", "title": "噪音", "text": "夜间施工噪音", "divisionCode": "330106", "address": "文三路",
                "attachments": [["name": "a.exe", "contentType": "application/x-msdownload", "contentBase64": "!!"]]])
            #expect(Set(badFile.errorFields) == ["attachments/0/contentType", "attachments/0/contentBase64"])
            let photo = try await s.call(.post, "/api/v1/appeals", token: citizen, json: [
                "type": "complaint", "title": "噪音", "text": "夜间施工噪音", "divisionCode": "330106", "address": "文三路",
                "attachments": [["name": "现场.png", "contentType": "image/png", "contentBase64": Data("png".utf8).base64EncodedString()]]])
            let withFile = try await s.call(.get, "/api/v1/appeals/\(id(photo))", token: citizen)
            let attachment = (withFile.json["attachments"] as? [[String: Any]])?.first
            #expect(attachment?["name"] as? String == "现场.png")
            // The file itself: its owner and staff who may read the appeal (audited); nobody else.
            let fileURI = "/api/v1/appeals/\(id(photo))/attachments/\(attachment?["id"] as? String ?? "")"
            let download = try await s.call(.get, fileURI, token: citizen)
            #expect(download.status == .ok)
            #expect(download.body == Data("png".utf8))
            #expect(download.headers[.contentType] == "image/png")
            #expect(download.headers[.cacheControl] == "private, no-store")
            let stranger = try await s.logIn(DemoData.persons[1].mobile, password: DemoData.password)
            #expect(try await s.call(.get, fileURI, token: stranger).status == .notFound)
            #expect(try await s.call(.get, "/api/v1/appeals/\(id(photo))/attachments/nosuch", token: citizen).status == .notFound)
            // An attachment is found only under its own appeal, even by someone who may read both.
            let plain = try await s.call(.post, "/api/v1/appeals", token: citizen, json: [
                "type": "suggestion", "title": "路灯", "text": "建议增设路灯", "divisionCode": "330106", "address": "文三路"])
            let attachmentID = attachment?["id"] as? String ?? ""
            #expect(try await s.call(.get, "/api/v1/appeals/\(id(plain))/attachments/\(attachmentID)", token: citizen).status == .notFound)
            let supervisor = try await s.logInDemoStaff("supervisor")
            #expect(try await s.call(.get, fileURI, token: supervisor).status == .ok)
            var reads = AuditFilter()
            reads.action = "appeal.attachment.read"
            #expect(try await s.services.audit.list(reads, paging: Paging()).total == 1)
            struct N: Decodable { var n: Int }
            let stored = try await s.services.database.sql.raw("SELECT COUNT(*) AS n FROM appeals").first(decoding: N.self)
            #expect(stored?.n == 4, "rejected appeals store nothing")
        }
    }

    @Test(arguments: TestEngine.available)
    func warningAndOverdueLists(_ engine: TestEngine) async throws {
        // Monday 2026-03-02 10:00 in China.
        let clock = TestClock(Date(timeIntervalSince1970: 1_772_416_800))
        try await withApp(engine, demo: true, clock: clock) { s in
            try await s.threshold(0)
            let citizen = try await s.person(zhangWei)
            let consultation = try await s.fileAppeal(citizen, title: "社保缴费咨询", text: "请问灵活就业人员社保怎么缴纳，养老保险缴费基数是多少？", type: "consultation")
            #expect((appeal(consultation)["deadlines"] as? [String: Any])?["replyDueOn"] as? String == "2026-03-09", "\(consultation.text)")
            // Bearer tokens expire within the day, so the handler logs in again after each jump.
            func handler() async throws -> String { try await s.logInDemoStaff("handler-rsj") }
            func listed(_ deadline: String) async throws -> Int {
                try await s.call(.get, "/api/v1/appeals?deadline=\(deadline)", token: try await handler()).json["total"] as? Int ?? -1
            }
            #expect(try await listed("overdue") == 0)
            clock.advance(86_400 * 2)   // Wednesday: not accepted within one working day
            #expect(try await listed("overdue") == 1)
            clock.advance(31)
            _ = try await s.act(id(consultation), "accept", token: try await handler())
            clock.advance(31)
            #expect(try await listed("overdue") == 0)
            clock.advance(86_400 * 3)   // Saturday 03-07: 4 of 5 working days used
            #expect(try await listed("warning") == 1)
            clock.advance(86_400 * 3)   // Tuesday 03-10: past the limit
            #expect(try await listed("overdue") == 1)
            clock.advance(31)
            let token = try await handler()
            let view = try await s.call(.get, "/api/v1/appeals/\(id(consultation))", token: token)
            #expect((view.json["deadlines"] as? [String: Any])?["state"] as? String == "overdue")
            let late = try await s.act(id(consultation), "reply", token: token, json: ["text": Self.goodReply])
            #expect((late.json["errors"] as? [[String: Any]])?.compactMap { $0["code"] as? String }.contains("late") == true)
            let sent = try await s.act(id(consultation), "reply", token: token, json: ["text": Self.goodReply, "acknowledgeFlags": true])
            #expect((sent.json["reply"] as? [String: Any])?["flags"] as? [String] == ["late"])
            clock.advance(31)
            #expect(try await listed("overdue") == 0)
            clock.advance(31)
            let handlerToken = try await handler()
            #expect(try await s.call(.get, "/api/v1/appeals?deadline=soon", token: handlerToken).status == .badRequest)
        }
    }

    @Test(arguments: TestEngine.available)
    func routingTableAndSettingsAreEditableData(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let supervisor = try await s.logInDemoStaff("supervisor")
            let routes = try await s.call(.get, "/api/v1/appeal-routes", token: supervisor)
            let table = (try JSONSerialization.jsonObject(with: routes.body) as? [[String: Any]]) ?? []
            #expect(table.count == 7)
            #expect(table.contains { $0["category"] as? String == "商贸旅游" && $0["departmentCode"] as? String == "330100-scjgj" })
            let bad = try await s.call(.put, "/api/v1/appeal-routes", token: supervisor, json: ["category": "教育文体", "divisionCode": "330106", "departmentCode": "none"])
            #expect(bad.errorFields == ["departmentCode"])
            let county = try await s.call(.put, "/api/v1/appeal-routes", token: supervisor, json: ["category": "教育文体", "divisionCode": "330106", "departmentCode": "330106-jyj"])
            #expect(county.status == .ok)
            let admin = try await s.logInDemoStaff("admin")
            try await s.threshold(0, admin: admin)
            let citizen = try await s.person(zhangWei)
            let school = try await s.fileAppeal(citizen, title: "学校乱收费", text: "孩子所在的小学向学生收取补课费和资料费，老师强制学生参加校外培训班，请教育局查处。")
            #expect(appeal(school)["departmentCode"] as? String == "330106-jyj", "\(school.text)")
            #expect(try await s.call(.delete, "/api/v1/appeal-routes/教育文体/330106".addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!, token: supervisor).status == .noContent)
            let handler = try await s.logInDemoStaff("handler-rsj")
            #expect(try await s.call(.put, "/api/v1/appeal-routes", token: handler, json: [:]).status == .forbidden)
            let invalid = try await s.call(.put, "/api/v1/appeal-settings", token: admin, json: [
                "confidenceThreshold": 2, "timeLimits": ["acceptDays": 0, "replyDays": [:]]])
            #expect(invalid.errorFields.contains("confidenceThreshold") && invalid.errorFields.contains("acceptDays"))
            // Numbers no integer field can hold are named one by one; a fraction in a Double field is not blamed.
            let unfit = try await s.call(.put, "/api/v1/appeal-settings", token: admin, raw: """
                {"confidenceThreshold": 0.5, "timeLimits": {"acceptDays": 1.5, "replyDays": {"complaint": 1e30, "help": 5}}}
                """)
            #expect(unfit.status == .badRequest)
            #expect(unfit.errorFields == ["timeLimits/acceptDays", "timeLimits/replyDays/complaint"])
        }
    }
}
