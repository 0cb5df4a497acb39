import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TongbanCore

/// Open311 GeoReport v2 at /open311/v2: services are the appeal types, requests are
/// ordinary appeals. Every answer comes as `.json` or `.xml`, errors in the spec's format.
///
/// Listing is public, as the spec has it, so a listed request carries only its title, place
/// and progress: the citizen's full text and identity stay inside the platform.
struct Open311API {
    let service: AppealService
    let audit: any AuditLog

    static let defaultWindow: TimeInterval = 90 * 86_400
    static let specification = "http://wiki.open311.org/GeoReport_v2"

    enum Format: String { case json, xml }

    struct Failure: Error {
        var status: HTTPResponse.Status
        var description: String
    }

    // MARK: Encoding

    /// One value in both formats: JSON keeps types, XML writes text.
    indirect enum Node {
        case string(String?)
        case number(Double?)
        case bool(Bool)
        case object([(String, Node)])
        case list(element: String, [Node])

        var json: Any {
            switch self {
            case .string(let s): s ?? NSNull()
            case .number(let n): n ?? NSNull()
            case .bool(let b): b
            case .object(let fields): Dictionary(fields.map { ($0.0, $0.1.json) }, uniquingKeysWith: { a, _ in a })
            case .list(_, let items): items.map(\.json)
            }
        }

        func xml(_ name: String) -> String {
            switch self {
            case .string(let s): s.map { "<\(name)>\(Open311API.escape($0))</\(name)>" } ?? "<\(name)/>"
            case .number(let n): n.map { "<\(name)>\(Open311API.number($0))</\(name)>" } ?? "<\(name)/>"
            case .bool(let b): "<\(name)>\(b)</\(name)>"
            case .object(let fields): "<\(name)>" + fields.map { $0.1.xml($0.0) }.joined() + "</\(name)>"
            case .list(let element, let items): "<\(name)>" + items.map { $0.xml(element) }.joined() + "</\(name)>"
            }
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ n: Double) -> String { n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n) }

    static func respond(_ root: String, _ node: Node, _ format: Format, status: HTTPResponse.Status = .ok) throws -> Response {
        let body: Data
        var headers: HTTPFields = [:]
        switch format {
        case .json:
            body = try JSONSerialization.data(withJSONObject: node.json, options: [.sortedKeys, .withoutEscapingSlashes])
            headers[.contentType] = "application/json; charset=utf-8"
        case .xml:
            body = Data(("<?xml version=\"1.0\" encoding=\"utf-8\"?>" + node.xml(root)).utf8)
            headers[.contentType] = "text/xml; charset=utf-8"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func errors(_ failures: [Failure], _ format: Format) throws -> Response {
        let node = Node.list(element: "error", failures.map {
            .object([("code", .number(Double($0.status.code))), ("description", .string($0.description))])
        })
        return try respond("errors", node, format, status: failures.first?.status ?? .badRequest)
    }

    /// Runs a handler and answers its failures in the spec's error format.
    static func guarded(_ format: Format, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let failure as Failure {
            return try errors([failure], format)
        } catch let several as Open311Failures {
            return try errors(several.failures, format)
        } catch {
            guard let problem = Problem.from(error), problem.status.code < 500 else { throw error }
            let failures = problem.issues.isEmpty
                ? [Failure(status: problem.status, description: "\(problem.titleEn) / \(problem.titleZh)")]
                : problem.issues.map { Failure(status: problem.status, description: "\($0.field): \($0.messageEn) / \($0.messageZh)") }
            return try errors(failures, format)
        }
    }

    /// Splits `name.json` into name and format.
    static func split(_ file: String) throws -> (String, Format) {
        guard let dot = file.lastIndex(of: "."), let format = Format(rawValue: String(file[file.index(after: dot)...])) else {
            throw Failure(status: .notFound, description: "unknown response format; use .json or .xml")
        }
        return (String(file[..<dot]), format)
    }

    // MARK: Content

    static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(secondsFromGMT: CivilDate.chinaStandardTimeOffset)
        return f.string(from: date)
    }

    static func serviceNode(_ type: AppealType) -> Node {
        .object([("service_code", .string(type.rawValue)), ("service_name", .string(type.zh)),
                 ("description", .string("12345 热线\(type.zh)类诉求 / 12345 hotline \(type.rawValue)")),
                 ("metadata", .bool(true)), ("type", .string("realtime")),
                 ("keywords", .string("12345,\(type.zh)")), ("group", .string("12345"))])
    }

    static func definitionNode(_ type: AppealType) -> Node {
        func attribute(_ code: String, _ datatype: String, required: Bool, order: Int, _ zh: String, _ en: String) -> Node {
            .object([("variable", .bool(true)), ("code", .string(code)), ("datatype", .string(datatype)),
                     ("required", .bool(required)), ("datatype_description", .string(en)), ("order", .number(Double(order))),
                     ("description", .string(zh)), ("values", .list(element: "value", []))])
        }
        return .object([("service_code", .string(type.rawValue)), ("attributes", .list(element: "attribute", [
            attribute("division_code", "string", required: true, order: 1, "诉求发生地的六位行政区划代码", "six-digit GB/T 2260 division code of the place"),
            attribute("title", "string", required: false, order: 2, "诉求标题（不填则取描述开头）", "short title; defaults to the start of the description"),
        ]))])
    }

    func requestNode(_ r: AppealRecord, departmentName: String?) -> Node {
        let closed = r.appealStatus == .closed || r.appealStatus == .rated
        let due = CivilDate(iso: r.replyDueOn).map {
            Date(timeIntervalSince1970: TimeInterval(($0.dayNumber + 1) * 86_400 - CivilDate.chinaStandardTimeOffset - 1))
        }
        return .object([
            ("service_request_id", .string(r.id)), ("status", .string(closed ? "closed" : "open")),
            ("status_notes", .string(r.appealStatus.zh)), ("service_name", .string(r.appealType.zh)),
            ("service_code", .string(r.type)), ("description", .string(r.title)),
            ("agency_responsible", .string(departmentName)),
            ("service_notice", .string("\(r.replyLimit) 个工作日内答复 / reply within \(r.replyLimit) working days")),
            ("requested_datetime", .string(Self.iso(r.filedAt))),
            ("updated_datetime", .string(Self.iso(AppealView.date(r.updatedAt)))),
            ("expected_datetime", .string(due.map(Self.iso))),
            ("address", .string(r.address)), ("address_id", .string(nil)), ("zipcode", .string(nil)),
            ("lat", .number(r.latitude)), ("long", .number(r.longitude)), ("media_url", .string(nil)),
        ])
    }

    func requestsNode(_ records: [AppealRecord]) async throws -> Node {
        var names: [String: String] = [:]
        for department in try await service.reference.departments(division: nil) { names[department.code] = department.name }
        return .list(element: "request", records.map { requestNode($0, departmentName: $0.departmentCode.flatMap { names[$0] }) })
    }

    static func keyHash(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).hexEncoded
    }

    // MARK: Routes

    func register(_ routes: SecuredRouter) {
        let base = "/open311/v2"
        for format in [Format.json, .xml] {
            routes.get("\(base)/discovery.\(format.rawValue)", access: .anyone) { _, _ in
                try await Self.guarded(format) { try Self.respond("discovery", discovery(), format) }
            }
            routes.get("\(base)/services.\(format.rawValue)", access: .anyone) { _, _ in
                try await Self.guarded(format) {
                    try Self.respond("services", .list(element: "service", AppealType.allCases.map(Self.serviceNode)), format)
                }
            }
            routes.get("\(base)/requests.\(format.rawValue)", access: .anyone) { request, _ in
                try await Self.guarded(format) { try Self.respond("service_requests", try await list(request), format) }
            }
            routes.post("\(base)/requests.\(format.rawValue)", access: .anyone) { request, context in
                try await Self.guarded(format) { try Self.respond("service_requests", try await create(request, context: context), format) }
            }
        }
        routes.get("\(base)/services/{file}", access: .anyone) { _, context in
            let file = try context.parameters.require("file")
            let format = (try? Self.split(file).1) ?? .json
            return try await Self.guarded(format) {
                let (code, format) = try Self.split(file)
                guard let type = AppealType(rawValue: code) else { throw Failure(status: .notFound, description: "unknown service_code \(code)") }
                return try Self.respond("service_definition", Self.definitionNode(type), format)
            }
        }
        routes.get("\(base)/requests/{file}", access: .anyone) { _, context in
            let file = try context.parameters.require("file")
            let format = (try? Self.split(file).1) ?? .json
            return try await Self.guarded(format) {
                let (id, format) = try Self.split(file)
                guard let record = try await service.store.appeal(id: id) else {
                    throw Failure(status: .notFound, description: "no service request \(id)")
                }
                return try Self.respond("service_requests", try await requestsNode([record]), format)
            }
        }
        routes.get("\(base)/tokens/{file}", access: .anyone) { _, context in
            let file = try context.parameters.require("file")
            let format = (try? Self.split(file).1) ?? .json
            return try await Self.guarded(format) {
                let (token, format) = try Self.split(file)
                guard let record = try await service.store.appeal(open311Token: token) else {
                    throw Failure(status: .notFound, description: "unknown token \(token)")
                }
                return try Self.respond("service_requests", .list(element: "request", [
                    .object([("service_request_id", .string(record.id)), ("token", .string(token))])]), format)
            }
        }
        registerKeys(routes)
    }

    func discovery() -> Node {
        .object([
            ("changeset", .string("2026-01-01T00:00:00+08:00")),
            ("contact", .string("12345 政务服务便民热线")),
            ("key_service", .string("api_key 由系统管理员签发 / api_key issued by the platform administrators")),
            ("endpoints", .list(element: "endpoint", [.object([
                ("specification", .string(Self.specification)), ("url", .string("/open311/v2")),
                ("changeset", .string("2026-01-01T00:00:00+08:00")), ("type", .string("production")),
                ("formats", .list(element: "format", [.string("application/json"), .string("text/xml")])),
            ])])),
        ])
    }

    func list(_ request: Request) async throws -> Node {
        let q = request.queryFields
        var filter = AppealFilter()
        if let ids = q["service_request_id"], !ids.isEmpty {
            // The spec: a list of ids overrides every other argument.
            filter.ids = ids.split(separator: ",").map { String($0).trimmed() }
            let (items, _) = try await service.store.list(filter, paging: Paging(page: 1, pageSize: 200))
            return try await requestsNode(items)
        }
        func date(_ name: String) throws -> Date? {
            guard let raw = q[name], !raw.isEmpty else { return nil }
            guard let date = Request.instant(raw) else {
                throw Failure(status: .badRequest, description: "\(name) must be a W3C date-time such as 2026-01-01T00:00:00+08:00")
            }
            return date
        }
        let end = try date("end_date") ?? service.clock()
        let start = try date("start_date") ?? end - Self.defaultWindow
        if start > end { throw Failure(status: .badRequest, description: "start_date must not be after end_date") }
        if end.timeIntervalSince(start) > Self.defaultWindow {
            throw Failure(status: .badRequest, description: "start_date and end_date may span at most 90 days")
        }
        filter.createdFrom = Int64(start.timeIntervalSince1970 * 1000)
        filter.createdTo = Int64(end.timeIntervalSince1970 * 1000) + 1
        if let code = q["service_code"], !code.isEmpty {
            guard AppealType(rawValue: code) != nil else { throw Failure(status: .badRequest, description: "unknown service_code \(code)") }
            filter.type = code
        }
        if let raw = q["status"], !raw.isEmpty {
            var statuses: Set<AppealStatus> = []
            for part in raw.split(separator: ",") {
                switch part {
                case "open": statuses.formUnion(AppealStatus.allCases.filter { $0 != .closed && $0 != .rated })
                case "closed": statuses.formUnion([.closed, .rated])
                default: throw Failure(status: .badRequest, description: "status must be open or closed")
                }
            }
            filter.statuses = AppealStatus.allCases.filter(statuses.contains)
        }
        var page = 1, pageSize = 50
        if let raw = q["page"] {
            guard let n = Int(raw), Paging.pages.contains(n) else {
                throw Failure(status: .badRequest, description: "page must be an integer between 1 and \(Paging.pages.upperBound)")
            }
            page = n
        }
        if let raw = q["page_size"] {
            guard let n = Int(raw), (1...200).contains(n) else { throw Failure(status: .badRequest, description: "page_size must be between 1 and 200") }
            pageSize = n
        }
        let (items, _) = try await service.store.list(filter, paging: Paging(page: page, pageSize: pageSize))
        return try await requestsNode(items)
    }

    func create(_ request: Request, context: TongbanContext) async throws -> Node {
        var request = request
        let buffer = try await request.collectBody(upTo: JSONBody.limit)
        let form = FormBody.parse(String(buffer: buffer))
        if let field = form.first(where: { $0.key.contains("\0") || $0.value.contains("\0") })?.key {
            throw Failure(status: .badRequest, description: "\(field.replacingOccurrences(of: "\0", with: "")) must not contain the NUL character")
        }
        guard let key = form["api_key"], !key.isEmpty else { throw Failure(status: .forbidden, description: "api_key is required") }
        guard let record = try await service.store.open311Key(hash: Self.keyHash(key)), record.revokedAt == nil else {
            throw Failure(status: .forbidden, description: "invalid or revoked api_key")
        }
        guard let code = form["service_code"], let type = AppealType(rawValue: code) else {
            throw Failure(status: .badRequest, description: "service_code is missing or unknown")
        }
        var failures: [Failure] = []
        func coordinate(_ name: String) -> Double? {
            guard let raw = form[name], !raw.isEmpty else { return nil }
            guard let value = Double(raw) else { failures.append(Failure(status: .badRequest, description: "\(name) must be a number")); return nil }
            return value
        }
        let lat = coordinate("lat"), long = coordinate("long")
        let addressString = form["address_string"]?.trimmed() ?? ""
        if addressString.isEmpty && (lat == nil || long == nil) {
            failures.append(Failure(status: .badRequest, description: "a location is required: lat and long, or address_string"))
        }
        let description = form["description"] ?? ""
        if description.trimmed().isEmpty {
            failures.append(Failure(status: .badRequest, description: "description is required"))
        }
        let division = form["attribute[division_code]"] ?? ""
        if division.isEmpty { failures.append(Failure(status: .badRequest, description: "attribute[division_code] is required")) }
        if !failures.isEmpty {
            throw Open311Failures(failures: failures)
        }
        let title = form["attribute[title]"].flatMap { $0.isEmpty ? nil : $0 } ?? String(description.prefix(30))
        let input = AppealInput(
            type: type, title: title, text: description, divisionCode: division,
            address: addressString.isEmpty ? String(format: "%.6f, %.6f", lat ?? 0, long ?? 0) : addressString,
            latitude: lat, longitude: long, organizationId: nil, attachments: nil)
        let name = [form["last_name"], form["first_name"]].compactMap { $0 }.joined()
        var actor = context.auditActor
        actor.accountID = "open311:\(record.id)"
        let filed = try await service.file(input, by: .open311(keyID: record.id, phone: form["phone"], name: name), actor: actor)
        return .list(element: "request", [.object([
            ("service_request_id", .string(filed.appeal.id)), ("token", .string(filed.appeal.open311Token)),
            ("service_notice", .string(AppealView.duplicateNotice(filed.appeal) ?? "\(filed.appeal.replyLimit) 个工作日内答复 / reply within \(filed.appeal.replyLimit) working days")),
            ("account_id", .string(nil)),
        ])])
    }

    // MARK: API keys

    struct KeyView: Encodable, Sendable {
        var id: String
        var name: String
        var createdAt: Date
        var revokedAt: Date?
        /// Shown once, at creation.
        var apiKey: String?
    }

    struct KeyBody: Decodable, Sendable { var name: String }

    func registerKeys(_ routes: SecuredRouter) {
        routes.post("/api/v1/open311/keys", access: .roles([.systemAdmin])) { request, context in
            let body = try await JSONBody.decodeStrict(KeyBody.self, from: request)
            let name = body.name.trimmed()
            guard (1...100).contains(name.count) else {
                throw ValidationFailure(FieldIssue(field: "name", code: "length", zh: "名称应为 1 到 100 字", en: "name must be 1 to 100 characters"))
            }
            let key = IdentityService.randomToken()
            let record = Open311KeyRecord(id: UUID.newID(), name: name, keyHash: Self.keyHash(key),
                                          createdBy: context.principal!.accountID, createdAt: service.now, revokedAt: nil)
            try await service.database.transaction { db in
                try await service.store.insert(record, on: db)
                try await audit.append(AuditRecord("open311.key.create", targetType: "open311Key", targetID: record.id, detail: name),
                                       actor: context.auditActor, on: db)
            }
            return try JSONOut.response(KeyView(id: record.id, name: name, createdAt: AppealView.date(record.createdAt), apiKey: key),
                                        status: .created)
        }
        routes.get("/api/v1/open311/keys", access: .roles([.systemAdmin])) { _, _ in
            try JSONOut.response(try await service.store.open311Keys().map {
                KeyView(id: $0.id, name: $0.name, createdAt: AppealView.date($0.createdAt), revokedAt: $0.revokedAt.map(AppealView.date))
            })
        }
        routes.delete("/api/v1/open311/keys/{id}", access: .roles([.systemAdmin])) { _, context in
            let id = try context.parameters.require("id")
            let at = service.now
            try await service.database.transaction { db in
                guard try await service.store.revokeOpen311Key(id: id, at: at, on: db) else { throw Problem.notFound("api key") }
                try await audit.append(AuditRecord("open311.key.revoke", targetType: "open311Key", targetID: id), actor: context.auditActor, on: db)
            }
            return Response(status: .noContent)
        }
    }
}

/// Several missing or bad parameters at once, so the client fixes them in one pass.
struct Open311Failures: Error {
    var failures: [Open311API.Failure]
}
