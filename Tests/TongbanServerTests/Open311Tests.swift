import Foundation
import HTTPTypes
import Testing
import TongbanCore
@testable import TongbanServer

@Suite("Open311 GeoReport v2 and hot topics")
struct Open311Tests {
    static let requestFields: Set<String> = [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
        "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
        "lat", "long", "media_url"]

    func array(_ reply: TestSession.Reply) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: reply.body)) as? [[String: Any]] ?? []
    }

    func form(_ s: TestSession, _ path: String, _ fields: [String: String]) async throws -> TestSession.Reply {
        let body = fields.map { "\($0.key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
            .joined(separator: "&")
        return try await s.call(.post, path, raw: body, headers: [.contentType: "application/x-www-form-urlencoded"])
    }

    @Test(arguments: TestEngine.available)
    func discoveryServicesAndDefinitionsInBothFormats(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let discovery = try await s.call(.get, "/open311/v2/discovery.json")
            let endpoints = discovery.json["endpoints"] as? [[String: Any]]
            #expect(endpoints?.first?["specification"] as? String == "http://wiki.open311.org/GeoReport_v2")
            #expect((endpoints?.first?["formats"] as? [String])?.contains("text/xml") == true)
            #expect(try await s.call(.get, "/open311/v2/discovery.xml").text.contains("<discovery><changeset>"))

            let services = array(try await s.call(.get, "/open311/v2/services.json"))
            #expect(services.count == AppealType.allCases.count)
            for service in services {
                #expect(service["service_code"] is String && service["service_name"] is String)
                #expect(service["metadata"] as? Bool == true && service["type"] as? String == "realtime")
            }
            let xml = try await s.call(.get, "/open311/v2/services.xml")
            #expect(xml.headers[.contentType]?.hasPrefix("text/xml") == true)
            #expect(xml.text.contains("<services><service><service_code>complaint</service_code>"))

            let definition = try await s.call(.get, "/open311/v2/services/complaint.json")
            #expect(definition.json["service_code"] as? String == "complaint")
            let attributes = definition.json["attributes"] as? [[String: Any]] ?? []
            #expect(attributes.first?["code"] as? String == "division_code" && attributes.first?["required"] as? Bool == true)
            #expect(attributes.allSatisfy { $0["variable"] is Bool && $0["datatype"] is String })
            #expect(try await s.call(.get, "/open311/v2/services/complaint.xml").text.contains("<service_definition><service_code>complaint</service_code><attributes><attribute>"))
            let missing = try await s.call(.get, "/open311/v2/services/nothing.xml")
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("<errors><error><code>404</code><description>"))
        }
    }

    @Test(arguments: TestEngine.available)
    func postRequiresAKeyAndCreatesAnOrdinaryAppeal(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let request: [String: String] = [
                "service_code": "complaint", "description": "文三路路灯损坏一个月，夜间很黑，请尽快维修。",
                "address_string": "西湖区文三路 90 号", "lat": "30.2770", "long": "120.1290",
                "attribute[division_code]": "330106", "attribute[title]": "路灯损坏", "phone": "13900001111", "first_name": "明", "last_name": "李"]
            let noKey = try await form(s, "/open311/v2/requests.json", request)
            #expect(noKey.status == .forbidden)
            #expect(array(noKey).first?["code"] as? Int == 403)
            #expect(array(noKey).first?["description"] is String)
            let wrongKey = try await form(s, "/open311/v2/requests.xml", request.merging(["api_key": "guess"]) { $1 })
            #expect(wrongKey.status == .forbidden && wrongKey.text.contains("<errors><error><code>403</code>"))

            let admin = try await s.logInDemoStaff("admin")
            let supervisor = try await s.logInDemoStaff("supervisor")
            #expect(try await s.call(.post, "/api/v1/open311/keys", token: supervisor, json: ["name": "x"]).status == .forbidden)
            let issued = try await s.call(.post, "/api/v1/open311/keys", token: admin, json: ["name": "城市大脑"])
            let key = issued.json["apiKey"] as? String ?? ""
            #expect(issued.status == .created && !key.isEmpty)

            let incomplete = try await form(s, "/open311/v2/requests.json", ["api_key": key, "service_code": "complaint"])
            #expect(incomplete.status == .badRequest)
            #expect(array(incomplete).count == 3, "location, description and division are each named: \(incomplete.text)")

            let created = try await form(s, "/open311/v2/requests.json", request.merging(["api_key": key]) { $1 })
            #expect(created.status == .ok, "\(created.text)")
            let answer = array(created).first ?? [:]
            let requestID = answer["service_request_id"] as? String ?? ""
            let token = answer["token"] as? String ?? ""
            #expect(!requestID.isEmpty && !token.isEmpty && answer.keys.contains("service_notice"))

            let one = array(try await s.call(.get, "/open311/v2/requests/\(requestID).json"))
            #expect(one.count == 1)
            let r = one.first ?? [:]
            #expect(Set(r.keys) == Self.requestFields)
            #expect(r["status"] as? String == "open" && r["service_code"] as? String == "complaint" && r["description"] as? String == "路灯损坏")
            #expect(r["lat"] as? Double == 30.277 && r["long"] as? Double == 120.129)
            #expect((r["requested_datetime"] as? String)?.hasSuffix("+08:00") == true)
            let oneXML = try await s.call(.get, "/open311/v2/requests/\(requestID).xml")
            #expect(oneXML.text.contains("<service_requests><request><service_request_id>\(requestID)</service_request_id><status>open</status>"))
            #expect(oneXML.text.contains("<address_id/>"))
            let resolved = array(try await s.call(.get, "/open311/v2/tokens/\(token).json"))
            #expect(resolved.first?["service_request_id"] as? String == requestID && resolved.first?["token"] as? String == token)
            #expect(try await s.call(.get, "/open311/v2/tokens/\(token).xml").text.contains("<token>\(token)</token>"))
            #expect(try await s.call(.get, "/open311/v2/tokens/unknown.json").status == .notFound)

            // An ordinary appeal: the hotline's staff see it, with the caller's number.
            let dispatcher = try await s.logInDemoStaff("dispatcher")
            let detail = try await s.call(.get, "/api/v1/appeals/\(requestID)", token: dispatcher)
            #expect(detail.json["channel"] as? String == "open311")
            #expect((detail.json["caller"] as? [String: Any])?["phone"] as? String == "13900001111")

            let keyID = issued.json["id"] as? String ?? ""
            #expect(try await s.call(.delete, "/api/v1/open311/keys/\(keyID)", token: admin).status == .noContent)
            #expect(try await form(s, "/open311/v2/requests.json", request.merging(["api_key": key]) { $1 }).status == .forbidden)
        }
    }

    @Test(arguments: TestEngine.available)
    func listingFiltersWindowAndPaging(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let dispatcher = try await s.logInDemoStaff("dispatcher")
            var ids: [String] = []
            for (i, type) in ["complaint", "consultation", "complaint"].enumerated() {
                let reply = try await s.call(.post, "/api/v1/hotline/appeals", token: dispatcher, json: [
                    "type": type, "title": "来电 \(i)", "text": "第 \(i) 个不同的诉求内容：\(["噪音", "公积金", "路灯"][i])问题",
                    "divisionCode": "330106", "address": "地址 \(i)", "anonymous": true])
                ids.append((reply.json["appeal"] as? [String: Any])?["id"] as? String ?? "")
            }
            #expect(array(try await s.call(.get, "/open311/v2/requests.json")).count == 3)
            #expect(array(try await s.call(.get, "/open311/v2/requests.json?service_code=complaint")).count == 2)
            #expect(array(try await s.call(.get, "/open311/v2/requests.json?status=closed")).isEmpty)
            #expect(array(try await s.call(.get, "/open311/v2/requests.json?page=2&page_size=2")).count == 1)
            let byID = array(try await s.call(.get, "/open311/v2/requests.json?service_request_id=\(ids[0]),\(ids[2])&service_code=consultation"))
            #expect(Set(byID.compactMap { $0["service_request_id"] as? String }) == [ids[0], ids[2]])
            s.clock.advance(91 * 86_400)
            #expect(array(try await s.call(.get, "/open311/v2/requests.json")).isEmpty, "default window is the last 90 days")
            let tooWide = try await s.call(.get, "/open311/v2/requests.xml?start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z")
            #expect(tooWide.status == .badRequest && tooWide.text.contains("<errors><error><code>400</code>"))
            let badDate = try await s.call(.get, "/open311/v2/requests.json?start_date=yesterday")
            #expect(badDate.status == .badRequest && array(badDate).first?["code"] as? Int == 400)
        }
    }

    @Test(arguments: TestEngine.available)
    func aSpikingTopicAlertsSupervisorsAndShowsAsHot(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let dispatcher = try await s.logInDemoStaff("dispatcher")
            // The watcher's first turn only sets its watermark (the background one may have
            // taken it already); what is filed after it is news.
            let watcher = try AppealsModule.makeService(s.services, clock: { s.clock.read() })
            try await watcher.watchSpikes()
            s.clock.advance(10)
            for (i, phone) in ["13700000001", "13700000002", "13700000003"].enumerated() {
                let reply = try await s.call(.post, "/api/v1/hotline/appeals", token: dispatcher, json: [
                    "type": "complaint", "title": "丽发新城小区旁搅拌站噪音扰民",
                    "text": "丽发新城小区旁边的搅拌站夜间施工，噪音和粉尘很大，居民无法休息。", "divisionCode": "330106",
                    "address": "丽发新城 \(i + 1) 栋", "callerPhone": phone])
                #expect(reply.status == .created)
                s.clock.advance(600)
            }
            _ = try await s.call(.post, "/api/v1/hotline/appeals", token: dispatcher, json: [
                "type": "consultation", "title": "公积金提取", "text": "请问租房提取公积金需要什么材料？", "divisionCode": "330106",
                "address": "西湖区", "anonymous": true])
            let supervisor = try await s.logInDemoStaff("supervisor")
            // Filing does not mine topics; the watcher does, in the background, once per window.
            let beforeWatch = try await s.call(.get, "/api/v1/hot-topics/alerts", token: supervisor)
            #expect(beforeWatch.json["total"] as? Int == 0, "\(beforeWatch.text)")
            s.clock.advance(10)
            // Two processes' watchers on one window: only one stores (and audits) its alerts.
            let other = try AppealsModule.makeService(s.services, clock: { s.clock.read() })
            async let first = watcher.watchSpikes()
            async let second = other.watchSpikes()
            #expect(try await [first, second].sorted() == [0, 4])
            #expect(try await watcher.watchSpikes() == 0, "a window is checked once")
            let alerts = try await s.call(.get, "/api/v1/hot-topics/alerts", token: supervisor)
            #expect(alerts.json["total"] as? Int == 1, "\(alerts.text)")
            var audited = AuditFilter()
            audited.action = "appeal.hotTopic.alert"
            #expect(try await s.services.audit.list(audited, paging: Paging()).total == 1)
            let alert = (alerts.json["items"] as? [[String: Any]])?.first
            #expect(alert?["recent"] as? Int == 3 && (alert?["title"] as? String)?.contains("搅拌站") == true)

            let hot = try await s.call(.get, "/api/v1/hot-topics?division=330106", token: supervisor)
            let topics = hot.json["topics"] as? [[String: Any]] ?? []
            #expect(topics.first?["count"] as? Int == 3, "\(hot.text)")
            #expect((topics.first?["places"] as? [String])?.contains { $0.contains("丽发新城") } == true)
            #expect(topics.count == 2)
            #expect(try await s.call(.get, "/api/v1/hot-topics?division=110101", token: supervisor).status == .badRequest)
            #expect(try await s.call(.get, "/api/v1/hot-topics?from=2026-13-01", token: supervisor).status == .badRequest)
            let empty = try await s.call(.get, "/api/v1/hot-topics?from=2020-01-01&to=2020-01-31", token: supervisor)
            #expect((empty.json["topics"] as? [Any])?.isEmpty == true)
        }
    }
}
