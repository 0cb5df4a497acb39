import Foundation
import HTTPTypes
import Logging
import SQLKit
import Testing
import TongbanCore
@testable import TongbanServer

@Suite("Service catalog over HTTP")
struct CatalogTests {
    static func names(_ reply: TestSession.Reply) -> [String] {
        (reply.json["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    static func item(code: String = "330000-XK-9001", name: String = "测试事项许可", division: String = "330000",
                     department: String = "330000-scjgj", promised: Int = 5) -> [String: Any] {
        [
            "itemCode": code, "name": name, "kind": "licensing",
            "legalBasis": [["law": "《中华人民共和国行政许可法》", "article": "第十二条"]],
            "departmentCode": department, "divisionCode": division, "applicantType": "person",
            "conditions": ["申请人具有完全民事行为能力"],
            "materials": [["name": "申请表", "source": ["type": "applicant"], "form": "original", "copies": 1, "required": true, "notes": ""]],
            "steps": ["申请", "受理", "决定"], "statutoryLimitDays": 20, "promisedLimitDays": promised,
            "fee": ["type": "free"], "visits": 0, "onlineFull": true,
            "location": ["address": "杭州市中河中路 1 号", "hours": "工作日 9:00-17:00", "phone": "0571-12345678"],
            "lifeEvents": ["businessStartup"], "tags": ["测试"], "status": "draft", "version": 1,
        ]
    }

    static func count(_ s: TestSession, _ table: String) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await s.services.database.sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first(decoding: N.self)?.n ?? -1
    }

    @Test(arguments: TestEngine.available)
    func rankingFindsWhatCitizensType(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let licence = try await s.call(.get, "/api/v1/services?q=\("营业执照".percentEncoded)&pageSize=5")
            #expect(licence.status == .ok)
            let top = Self.names(licence)
            #expect(top.first?.contains("设立登记") == true, "\(top)")
            #expect(top.prefix(3).allSatisfy { $0.contains("设立登记") || $0.contains("开办") }, "\(top)")
            for key in ["items", "total", "page", "pageSize", "facets"] { #expect(licence.json[key] != nil, "\(key)") }
            let first = (licence.json["items"] as? [[String: Any]])?.first ?? [:]
            for key in ["code", "name", "kind", "department", "division", "visits", "online", "title", "score"] {
                #expect(first[key] != nil, "\(key)")
            }

            let socialSecurity = Self.names(try await s.call(.get, "/api/v1/services?q=\("社保".percentEncoded)&pageSize=20"))
            #expect(socialSecurity.contains { $0.contains("社会保障卡") }, "\(socialSecurity)")
            let hukou = Self.names(try await s.call(.get, "/api/v1/services?q=\("户口".percentEncoded)"))
            #expect(hukou.prefix(3).allSatisfy { $0.contains("户口") || $0.contains("落户") }, "\(hukou)")
            let passport = Self.names(try await s.call(.get, "/api/v1/services?q=\("护照".percentEncoded)"))
            #expect(passport.first == "普通护照签发", "\(passport)")

            let highlighted = (try await s.call(.get, "/api/v1/services?q=\("护照".percentEncoded)").json["items"] as? [[String: Any]])?.first
            #expect((highlighted?["title"] as? String)?.contains("<mark>") == true)
        }
    }

    @Test(arguments: TestEngine.available)
    func filtersFacetsAndBadParameters(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let zero = try await s.call(.get, "/api/v1/services?visits=0&online=true&pageSize=100")
            let items = zero.json["items"] as? [[String: Any]] ?? []
            #expect(!items.isEmpty)
            #expect(items.allSatisfy { ($0["visits"] as? Int) == 0 && ($0["online"] as? Bool) == true })
            let facets = zero.json["facets"] as? [String: Any]
            #expect((facets?["kind"] as? [[String: Any]])?.isEmpty == false)

            let birth = Self.names(try await s.call(.get, "/api/v1/services?lifeEvent=birth"))
            #expect(birth.contains("出生医学证明首次签发"))

            let bad = try await s.call(.get, "/api/v1/services?kind=permit&visits=-1&online=maybe&division=33&pageSize=1000")
            #expect(bad.status == .badRequest)
            #expect(Set(bad.errorFields) == ["kind", "visits", "online", "division", "pageSize"])
            // A page number whose offset overflowed stopped the whole process.
            let huge = try await s.call(.get, "/api/v1/services?page=9223372036854775807&pageSize=100")
            #expect(huge.status == .badRequest)
            #expect(huge.errorFields == ["page"])
            #expect(try await s.call(.get, "/api/v1/services?page=1000000&pageSize=100").status == .ok)
        }
    }

    @Test(arguments: TestEngine.available)
    func citizenOfACountySeesEachItemOnceAtTheCompetentLevel(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            var all: [[String: Any]] = []
            var page = 1
            while true {
                let reply = try await s.call(.get, "/api/v1/services?division=330106&pageSize=100&page=\(page)")
                let items = reply.json["items"] as? [[String: Any]] ?? []
                all += items
                if items.count < 100 { break }
                page += 1
            }
            let codes = all.compactMap { $0["code"] as? String }
            #expect(codes.count == Set(codes).count, "each item code once")
            #expect(Set(all.compactMap { $0["division"] as? String }).isSubset(of: ["330106", "330100", "330000", "000000"]))
            let registration = all.first { $0["code"] as? String == "330000-XK-0001" }
            #expect(registration?["division"] as? String == "330106")
            #expect(registration?["department"] as? String == "330106-scjgj")
            // 上城区 items are not 西湖区's.
            #expect(!all.contains { $0["division"] as? String == "330102" })

            let guide = try await s.call(.get, "/api/v1/services/330000-XK-0001?division=330106")
            #expect(guide.status == .ok)
            #expect((guide.json["location"] as? [String: Any])?["address"] as? String == "杭州市西湖区文二西路1号西湖区行政服务中心1楼市场准入窗口")
            #expect(guide.json["localDivisionCode"] as? String == "330106")
            #expect((guide.json["materials"] as? [Any])?.isEmpty == false)
            let standard = try await s.call(.get, "/api/v1/services/330000-XK-0001")
            #expect(standard.json["divisionCode"] as? String == "330000")
            #expect(try await s.call(.get, "/api/v1/services/330000-XK-0999").status == .notFound)
        }
    }

    @Test(arguments: TestEngine.available)
    func localImplementationMaySetOnlyLocalFields(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let token = try await s.logInDemoStaff("catalog")
            let location: [String: Any] = ["address": "杭州市上城区新地址 8 号", "hours": "周一至周五 9:00-17:00", "phone": "0571-86009999"]
            let refused = try await s.call(.put, "/api/v1/catalog/local/330000-XK-0001/330102", token: token, json: [
                "name": "上城区自定名称", "statutoryLimitDays": 1, "departmentCode": "330102-scjgj", "location": location])
            #expect(refused.status == .unprocessableContent)
            #expect(Set(refused.errorFields) == ["name", "statutoryLimitDays"], "\(refused.text)")

            let slower = try await s.call(.put, "/api/v1/catalog/local/330000-XK-0001/330102", token: token, json: [
                "departmentCode": "330102-scjgj", "location": location, "promisedLimitDays": 99])
            #expect(slower.errorFields == ["promisedLimitDays"])

            let accepted = try await s.call(.put, "/api/v1/catalog/local/330000-XK-0001/330102", token: token, json: [
                "departmentCode": "330102-scjgj", "location": location])
            #expect(accepted.status == .ok, "\(accepted.text)")
            let guide = try await s.call(.get, "/api/v1/services/330000-XK-0001?division=330102")
            #expect((guide.json["location"] as? [String: Any])?["address"] as? String == "杭州市上城区新地址 8 号")
            #expect(guide.json["name"] as? String == "有限责任公司设立登记")

            let person = try await s.registerPerson(idNumber: Fixtures.idNumbers[0], mobile: Fixtures.mobiles[0])
            let denied = try await s.call(.put, "/api/v1/catalog/local/330000-XK-0001/330102", token: person.token, json: ["location": location])
            #expect(denied.status == .forbidden)
        }
    }

    @Test(arguments: TestEngine.available)
    func publishingTwiceKeepsBothVersions(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let token = try await s.logInDemoStaff("catalog")
            let created = try await s.call(.post, "/api/v1/catalog/items", token: token, json: Self.item())
            #expect(created.status == .created, "\(created.text)")
            #expect(try await s.call(.get, "/api/v1/services/330000-XK-9001").status == .notFound, "drafts are not public")
            #expect(try await s.call(.post, "/api/v1/catalog/items/330000-XK-9001/330000/publish", token: token).status == .ok)
            #expect(Self.names(try await s.call(.get, "/api/v1/services?q=\("测试事项".percentEncoded)")).contains("测试事项许可"))

            let edited = try await s.call(.put, "/api/v1/catalog/items/330000-XK-9001/330000", token: token,
                                          json: Self.item(name: "测试事项许可（新版）"))
            #expect(edited.status == .ok, "\(edited.text)")
            let stale = try await s.call(.put, "/api/v1/catalog/items/330000-XK-9001/330000", token: token,
                                         json: Self.item(name: "过时的修改"), headers: [.ifMatch: "1"])
            #expect(stale.status == .conflict)
            #expect(try await s.call(.get, "/api/v1/services/330000-XK-9001").json["name"] as? String == "测试事项许可",
                    "the published version stays until the draft is published")
            #expect(try await s.call(.post, "/api/v1/catalog/items/330000-XK-9001/330000/publish", token: token).status == .ok)

            let current = try await s.call(.get, "/api/v1/services/330000-XK-9001")
            #expect(current.json["name"] as? String == "测试事项许可（新版）")
            #expect(current.json["version"] as? Int == 2)
            let first = try await s.call(.get, "/api/v1/services/330000-XK-9001?version=1")
            #expect(first.json["name"] as? String == "测试事项许可")
            let versions = try await s.call(.get, "/api/v1/services/330000-XK-9001/versions")
            #expect((versions.json["items"] as? [[String: Any]])?.compactMap { $0["version"] as? Int } == [2, 1])
            #expect(try await s.call(.get, "/api/v1/services/330000-XK-9001?version=7").status == .notFound)

            #expect(try await s.call(.post, "/api/v1/catalog/items/330000-XK-9001/330000/retire", token: token).status == .ok)
            #expect(!Self.names(try await s.call(.get, "/api/v1/services?q=\("测试事项".percentEncoded)")).contains("测试事项许可"))
            #expect(try await s.call(.post, "/api/v1/catalog/items/330000-XK-9001/330000/publish", token: token).status == .conflict)

            let (entries, _) = try await s.services.audit.list(AuditFilter(), paging: Paging(page: 1, pageSize: 200))
            let actions = Set(entries.filter { $0.targetID == "330000-XK-9001@330000" }.map(\.action))
            #expect(actions == ["catalog.item.create", "catalog.item.edit", "catalog.item.publish", "catalog.item.retire"])
        }
    }

    @Test(arguments: TestEngine.available)
    func invalidItemsNameEveryField(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let token = try await s.logInDemoStaff("catalog")
            var bad = Self.item(promised: 30)
            bad["name"] = ""
            bad["departmentCode"] = "no-such-dept"
            let reply = try await s.call(.post, "/api/v1/catalog/items", token: token, json: bad)
            #expect(reply.status == .unprocessableContent)
            #expect(Set(reply.errorFields).isSuperset(of: ["name", "promisedLimitDays", "departmentCode"]), "\(reply.errorFields)")
            var wrongType = Self.item()
            wrongType["visits"] = "many"
            #expect(try await s.call(.post, "/api/v1/catalog/items", token: token, json: wrongType).errorFields == ["visits"])
            #expect(try await Self.count(s, "catalog_items") == 139)
            #expect(try await s.call(.post, "/api/v1/catalog/items", token: token, json: Self.item(code: "330000-XK-0001")).status == .conflict)
        }
    }

    @Test(arguments: TestEngine.available)
    func onlyCatalogAdministratorsEdit(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            #expect(try await s.call(.post, "/api/v1/catalog/items", json: Self.item()).status == .unauthorized)
            let person = try await s.registerPerson(idNumber: Fixtures.idNumbers[0], mobile: Fixtures.mobiles[0])
            #expect(try await s.call(.post, "/api/v1/catalog/items", token: person.token, json: Self.item()).status == .forbidden)
            #expect(try await s.call(.put, "/api/v1/catalog/synonyms", token: person.token, json: ["groups": [["a", "b"]]]).status == .forbidden)
            #expect(try await s.call(.get, "/api/v1/catalog/export", token: person.token).status == .forbidden)
            let clerk = try await s.logInDemoStaff("clerk")
            #expect(try await s.call(.post, "/api/v1/catalog/items/330000-XK-0001/330000/retire", token: clerk).status == .forbidden)
            let admin = try await s.logInDemoStaff("catalog")
            #expect(try await s.call(.post, "/api/v1/catalog/items", token: admin, json: Self.item()).status == .created)
            let system = try await s.logInDemoStaff("admin")
            #expect(try await s.call(.post, "/api/v1/catalog/items", token: system, json: Self.item(code: "330000-XK-9002")).status == .created)
            #expect(try await Self.count(s, "catalog_items") == 141)
        }
    }

    @Test(arguments: TestEngine.available)
    func importReportsOneErrorPerBadRowAndStoresNothing(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let token = try await s.logInDemoStaff("catalog")
            let exported = try await s.call(.get, "/api/v1/catalog/export?format=csv", token: token)
            #expect(exported.status == .ok)
            let lines = exported.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.first?.hasPrefix("record,itemCode,name") == true)

            // Round trip: the exported catalog imports as unchanged.
            let same = try await s.call(.post, "/api/v1/catalog/import?format=csv", token: token, raw: exported.text)
            #expect(same.status == .ok, "\(same.text.prefix(500))")
            #expect(same.json["unchanged"] as? Int == 139)
            #expect(same.json["created"] as? Int == 0)

            let header = CatalogTransfer.csvColumns.joined(separator: ",")
            let basis = "\"[{\"\"law\"\":\"\"《某某条例》\"\",\"\"article\"\":\"\"第一条\"\"}]\""
            let good = "item,330000-GG-9001,新事项,publicService,330000-scjgj,330000,person,published,10,5,0,true,birth,新,条件,\"申请\n受理\",地址,全天,0571-12345678,,,\(basis),[]"
            let badKind = "item,330000-GG-9002,坏事项,permit,330000-scjgj,330000,person,published,10,5,0,true,,,,申请,地址,全天,0571-12345678,,,\(basis),[]"
            let badLimits = "item,330000-GG-9003,坏时限,publicService,no-dept,330000,person,published,5,10,0,true,,,,申请,地址,全天,0571-12345678,,,\(basis),[]"
            let csv = [header, good, badKind, badLimits].joined(separator: "\n")
            let rejected = try await s.call(.post, "/api/v1/catalog/import?format=csv", token: token, raw: csv)
            #expect(rejected.status == .unprocessableContent, "\(rejected.text)")
            #expect(rejected.errorFields == ["rows/3", "rows/4"], "\(rejected.text)")
            let messages = (rejected.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(messages.last?.contains("promisedLimitDays") == true && messages.last?.contains("departmentCode") == true)
            #expect(try await Self.count(s, "catalog_items") == 139)

            let json: [String: Any] = ["items": [Self.item(code: "330000-XK-9005"), ["itemCode": "x"], Self.item(code: "330000-XK-9006", promised: 40)]]
            let badJSON = try await s.call(.post, "/api/v1/catalog/import", token: token, json: json)
            #expect(badJSON.errorFields == ["items/1", "items/2"], "\(badJSON.text)")
            #expect(try await Self.count(s, "catalog_items") == 139)

            let okJSON = try await s.call(.post, "/api/v1/catalog/import", token: token, json: ["items": [Self.item(code: "330000-XK-9005")]])
            #expect(okJSON.json["drafts"] as? Int == 1, "\(okJSON.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func importRefusesKeysItsRecordsDoNotTakeNamingEachPath(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            // The shipped demo catalog holds only keys the importer knows (its `_comment` is a note on the file).
            let (entries, parsed) = CatalogTransfer.parse(try BundledResources.data("catalog/demo-catalog.json"), format: .json)
            #expect(parsed.isEmpty && entries.count == 139 + 21 && entries.allSatisfy { $0.unknownKeys.isEmpty }, "\(parsed)")
            #expect(try await Self.count(s, "catalog_items") == 139)

            let token = try await s.logInDemoStaff("catalog")
            // What the JSON export writes, the import reads back.
            let exported = try await s.call(.get, "/api/v1/catalog/export", token: token)
            let same = try await s.call(.post, "/api/v1/catalog/import", token: token, raw: exported.text)
            #expect(same.status == .ok && same.json["unchanged"] as? Int == 139, "\(same.text.prefix(500))")

            // Misspelt keys at every depth: of the file, of an item and its materials, of a local implementation.
            var typo = Self.item(code: "330000-XK-9007")
            typo["tag"] = ["新"]
            var materials = typo["materials"] as? [[String: Any]] ?? []
            materials[0]["sampleUrl"] = "https://example.org/sample.pdf"
            typo["materials"] = materials
            var local = (exported.json["localImplementations"] as? [[String: Any]] ?? []).first ?? [:]
            local["promisedLimitdays"] = 3
            let file: [String: Any] = ["_comment": "测试", "itemz": [], "items": [Self.item(code: "330000-XK-9006"), typo],
                                       "localImplementations": [local]]
            let refused = try await s.call(.post, "/api/v1/catalog/import", token: token, json: file)
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            #expect(refused.errorFields == ["itemz", "items/1", "localImplementations/0"], "\(refused.text)")
            let errors = Dictionary(uniqueKeysWithValues: (refused.json["errors"] as? [[String: Any]] ?? []).map { ($0["field"] as? String ?? "", $0) })
            #expect(errors["itemz"]?["message"] as? String == "未知字段 itemz" && errors["itemz"]?["messageEn"] as? String == "unknown field itemz")
            #expect(errors["items/1"]?["message"] as? String == "第 2 条事项：materials/0/sampleUrl：未知字段；tag：未知字段", "\(refused.text)")
            #expect(errors["items/1"]?["messageEn"] as? String == "items #2: materials/0/sampleUrl: unknown field; tag: unknown field")
            #expect(errors["localImplementations/0"]?["message"] as? String == "第 1 条实施清单：promisedLimitdays：未知字段", "\(refused.text)")
            #expect(try await Self.count(s, "catalog_items") == 139, "nothing of a refused file is stored")

            // The same in CSV: an unknown column, and an unknown key in a cell holding JSON.
            let header = CatalogTransfer.csvColumns.joined(separator: ",")
            let basis = "\"[{\"\"law\"\":\"\"《某某条例》\"\",\"\"article\"\":\"\"第一条\"\",\"\"articel\"\":\"\"第二条\"\"}]\""
            let row = "item,330000-GG-9011,新事项,publicService,330000-scjgj,330000,person,published,10,5,0,true,birth,新,条件,申请,地址,全天,0571-12345678,,,\(basis),[],"
            let csv = try await s.call(.post, "/api/v1/catalog/import?format=csv", token: token, raw: [header + ",feeBasiss", row].joined(separator: "\n"))
            #expect(csv.status == .unprocessableContent && csv.errorFields == ["columns/feeBasiss", "rows/2"], "\(csv.text)")
            let messages = (csv.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(messages.first == "未知列 feeBasiss" && messages.last?.contains("legalBasis/0/articel：未知字段") == true, "\(messages)")
            #expect(try await Self.count(s, "catalog_items") == 139)
        }
    }

    @Test(arguments: TestEngine.available)
    func editedSynonymsApplyInEveryProcess(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            // A second service on the same database stands for another server process.
            let other = CatalogService(database: s.services.database, store: SQLCatalogStore(), audit: s.services.audit,
                                       clock: { Date() }, logger: Logger(label: "other"))
            #expect(try await other.search("娃娃证", filters: .init(), page: 1, pageSize: 10).result.total == 0)
            let token = try await s.logInDemoStaff("catalog")
            var groups = (try await s.call(.get, "/api/v1/catalog/synonyms").json["groups"] as? [[String]]) ?? []
            #expect(!groups.isEmpty)
            groups.append(["娃娃证", "出生医学证明"])
            #expect(try await s.call(.put, "/api/v1/catalog/synonyms", token: token, json: ["groups": groups]).status == .ok)
            let found = try await other.search("娃娃证", filters: .init(), page: 1, pageSize: 10)
            #expect(found.result.hits.first?.name == "出生医学证明首次签发")

            let invalid = try await s.call(.put, "/api/v1/catalog/synonyms", token: token, json: ["groups": [["只有一个"]]])
            #expect(invalid.errorFields == ["groups/0"])

            // An item published through this process is found by the other one.
            #expect(try await s.call(.post, "/api/v1/catalog/items", token: token, json: Self.item()).status == .created)
            #expect(try await s.call(.post, "/api/v1/catalog/items/330000-XK-9001/330000/publish", token: token).status == .ok)
            #expect(try await other.search("测试事项", filters: .init(), page: 1, pageSize: 10).result.hits.first?.name == "测试事项许可")
        }
    }

    @Test(arguments: TestEngine.available)
    func pagesRenderSearchAndGuide(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let home = try await s.call(.get, "/")
            #expect(home.text.contains("action=\"/services\""))
            let browse = try await s.call(.get, "/services")
            #expect(browse.status == .ok)
            for word in ["出生", "身后事", "企业开办", "投资建设", "浙江省公安厅"] { #expect(browse.text.contains(word), "\(word)") }
            let results = try await s.call(.get, "/services?q=\("社保卡".percentEncoded)")
            #expect(results.text.replacingOccurrences(of: "<mark>", with: "").replacingOccurrences(of: "</mark>", with: "").contains("社会保障卡申领"))
            let guide = try await s.call(.get, "/services/330000-GG-0003")
            #expect(guide.status == .ok)
            for word in ["设定依据", "受理条件", "申请材料", "办理流程", "承诺时限", "零跑动", "在线办理", "/apply/330000-GG-0003", "版本记录"] {
                #expect(guide.text.contains(word), "\(word)")
            }
            let registration = try await s.call(.get, "/services/330000-XK-0001")
            #expect(registration.text.contains("免提交"))
            #expect(try await s.call(.get, "/services/330000-XK-0999").status == .notFound)
            let anonymous = try await s.call(.get, "/admin/catalog")
            #expect(anonymous.status == .seeOther, "browsers are sent to log in")
            let token = try await s.logInDemoStaff("catalog")
            #expect(try await s.call(.get, "/admin/catalog", token: token).text.contains("330000-XK-0001"))
        }
    }

    @Test func everyCatalogRouteIsDocumented() async throws {
        try await withApp(.sqlite) { s in
            let document = try JSONSerialization.jsonObject(with: try OpenAPIDocument.merged()) as? [String: Any]
            let paths = document?["paths"] as? [String: [String: Any]] ?? [:]
            let catalogRoutes = s.app.declaredRoutes.keys.filter {
                $0.method != .head && ($0.path.hasPrefix("/api/v1/services") || $0.path.hasPrefix("/api/v1/catalog"))
            }
            #expect(catalogRoutes.count >= 12)
            for route in catalogRoutes {
                #expect(paths[route.path]?[route.method.rawValue.lowercased()] != nil, "\(route.method) \(route.path)")
            }
        }
    }
}

extension String {
    var percentEncoded: String { addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? self }
}
