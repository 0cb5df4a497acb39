import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TongbanCore

/// Reads JSON bodies strictly: size cap, malformed JSON, wrong types and unknown enum
/// values all become 4xx problems that name the field, never a 500.
enum JSONBody {
    static let limit = 1 << 20

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        try decode(type, from: try await body(of: request))
    }

    /// For administrative bodies, where a key the type does not know (`divison` for `divisionCode`)
    /// would otherwise be dropped and the rest stored as if it had not been sent: every such key,
    /// at any depth, is a 400 naming its path (`KeyLedger`).
    static func decodeStrict<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        try decodeStrict(type, from: try await body(of: request))
    }

    /// For a body a request may leave out: none (or only white space) is nil, anything else must decode.
    static func decodeIfPresent<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T? {
        let data = try await body(of: request)
        return data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) ? nil : try decode(type, from: data)
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decode(type, from: data, refusingUnknownKeys: false)
    }

    static func decodeStrict<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decode(type, from: data, refusingUnknownKeys: true)
    }

    /// As `decodeStrict`, but the unknown keys come back as issues beside the value instead of
    /// being thrown: an import file reports them with every other problem of its record.
    static func decodeNamingUnknown<T: Decodable>(_ type: T.Type, from data: Data) throws -> (value: T, unknown: [FieldIssue]) {
        try decodeRecording(type, from: data, refusingUnknownKeys: true)
    }

    private static func body(of request: Request) async throws -> Data {
        var request = request
        do {
            return Data(try await request.collectBody(upTo: limit).readableBytesView)
        } catch {
            throw Problem.tooLarge
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, from data: Data, refusingUnknownKeys: Bool) throws -> T {
        let (value, unknown) = try decodeRecording(type, from: data, refusingUnknownKeys: refusingUnknownKeys)
        if !unknown.isEmpty { throw Problem.badRequest("请求含有未知字段", "the body has fields this request does not take", issues: unknown) }
        return value
    }

    private static func decodeRecording<T: Decodable>(_ type: T.Type, from data: Data,
                                                      refusingUnknownKeys: Bool) throws -> (value: T, unknown: [FieldIssue]) {
        if data.isEmpty {
            throw Problem.badRequest("请求体为空，应为 JSON", "request body is empty; JSON expected")
        }
        let nul = NulInput.issues(inJSON: data)
        if !nul.isEmpty { throw NulInput.refusal(nul) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let value: T, unknown: [String]
        do {
            (value, unknown) = refusingUnknownKeys ? try KeyLedger.decode(type, from: data, with: decoder)
                : (try decoder.decode(type, from: data), [])
        } catch let error as DecodingError {
            throw Problem.badRequest("请求内容格式有误", "malformed request body",
                                     issues: issues(for: error, decoding: type, with: decoder, from: data))
        } catch let problem as Problem {
            // A type that names a bad value in its own words (`ApplicationService.ActionInput`).
            throw problem
        } catch {
            throw Problem.badRequest("请求内容不是有效的 JSON", "body is not valid JSON")
        }
        return (value, unknown.map { FieldIssue(field: $0, code: "unknown", zh: "未知字段 \($0)", en: "unknown field \($0)") })
    }

    /// Foundation's decoder reports a number that does not fit its integer field (`1.5`, or one
    /// past 64 bits) as invalid JSON with no path. When the body is valid JSON, each such number is
    /// tried alone (the others set to 0) against the same type, so the answer names exactly the
    /// fields that fail and never a `Double` field holding a fraction. Runs only on a failed decode.
    static func issues<T: Decodable>(for error: DecodingError, decoding type: T.Type, with decoder: JSONDecoder,
                                     from data: Data) -> [FieldIssue] {
        guard case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
              let tree = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            return [issue(for: error)]
        }
        func failsOnANumber(_ candidate: Any) -> Bool {
            guard let body = try? JSONSerialization.data(withJSONObject: candidate, options: [.fragmentsAllowed]) else { return false }
            do { _ = try decoder.decode(type, from: body) } catch DecodingError.dataCorrupted(let c) { return c.codingPath.isEmpty } catch {}
            return false
        }
        let suspects = JSONNumbers.unfitForInt(in: tree)
        let neutral = suspects.reduce(tree) { JSONNumbers.replacing($0, at: $1.path[...], with: 0) }
        let culprits = failsOnANumber(neutral) ? [] : suspects.filter {
            failsOnANumber(JSONNumbers.replacing(neutral, at: $0.path[...], with: $0.number))
        }
        if culprits.isEmpty { return [issue(for: error)] }
        return culprits.map {
            let field = $0.path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
            return FieldIssue(field: field, code: "range", zh: "字段 \(field) 应为 64 位范围内的整数",
                              en: "field \(field) must be a whole number within 64-bit range")
        }
    }

    /// What a JSON client calls the type a field wanted, rather than the Swift type's name.
    static func jsonKind(of type: Any.Type) -> (zh: String, en: String) {
        switch type {
        case is String.Type, is Substring.Type: ("字符串", "a string")
        case is Bool.Type: ("布尔值（true 或 false）", "a boolean")
        case is any BinaryInteger.Type: ("整数", "a whole number")
        case is any BinaryFloatingPoint.Type, is Decimal.Type: ("数字", "a number")
        default:
            String(describing: type).hasPrefix("Array") ? ("数组", "an array")
                : String(describing: type).hasPrefix("Dictionary") ? ("对象", "an object") : ("正确类型的值", "a value of the right type")
        }
    }

    static func issue(for error: DecodingError) -> FieldIssue {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return FieldIssue(field: field, code: "required", zh: "缺少必填字段 \(field)", en: "missing required field \(field)")
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            let (zh, en) = jsonKind(of: type)
            if field.isEmpty { return FieldIssue(field: "", code: "type", zh: "请求体应为\(zh)", en: "the request body must be \(en)") }
            return FieldIssue(field: field, code: "type", zh: "字段 \(field) 应为\(zh)", en: "field \(field) must be \(en)")
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            if field.isEmpty {
                let (zh, en) = jsonKind(of: type)
                return FieldIssue(field: "", code: "type", zh: "请求体应为\(zh)", en: "the request body must be \(en)")
            }
            return FieldIssue(field: field, code: "required", zh: "字段 \(field) 不能为空", en: "field \(field) must not be null")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty {
                return FieldIssue(field: "", code: "syntax", zh: "JSON 语法错误", en: "JSON syntax error")
            }
            return FieldIssue(field: field, code: "invalid", zh: "字段 \(field) 的值无效", en: "field \(field) has an invalid value")
        @unknown default:
            return FieldIssue(field: "", code: "invalid", zh: "请求内容无效", en: "invalid body")
        }
    }
}

/// Numbers in a `JSONSerialization` tree that no integer field can hold, and the tree with one
/// of them replaced; used to name the field behind Foundation's pathless number error.
private enum JSONNumbers {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
    }

    static func unfitForInt(in value: Any, path: [Key] = []) -> [(path: [Key], number: NSNumber)] {
        switch value {
        case let object as [String: Any]:
            return object.sorted { $0.key < $1.key }.flatMap { unfitForInt(in: $0.value, path: path + [Key(stringValue: $0.key)]) }
        case let array as [Any]:
            return array.enumerated().flatMap { unfitForInt(in: $0.element, path: path + [Key(intValue: $0.offset)]) }
        case let number as NSNumber:
            let double = number.doubleValue
            return double.rounded() != double || abs(double) >= 0x1p63 ? [(path, number)] : []
        default:
            return []
        }
    }

    static func replacing(_ value: Any, at path: ArraySlice<Key>, with replacement: Any) -> Any {
        guard let key = path.first else { return replacement }
        if let index = key.intValue, var array = value as? [Any], array.indices.contains(index) {
            array[index] = replacing(array[index], at: path.dropFirst(), with: replacement)
            return array
        }
        if var object = value as? [String: Any], let inner = object[key.stringValue] {
            object[key.stringValue] = replacing(inner, at: path.dropFirst(), with: replacement)
            return object
        }
        return value
    }
}

/// Shared list envelope of every JSON list: `{"items", "total", "page", "pageSize"}`.
public struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    public var items: [Item]
    public var total: Int
    public var page: Int
    public var pageSize: Int

    public init(items: [Item], total: Int, page: Int, pageSize: Int) {
        self.items = items
        self.total = total
        self.page = page
        self.pageSize = pageSize
    }

    /// One page of a list that is small enough to hold whole (reference data).
    public init(slicing all: [Item], _ paging: Paging) {
        self.init(items: Array(all.dropFirst(paging.offset).prefix(paging.pageSize)), total: all.count,
                  page: paging.page, pageSize: paging.pageSize)
    }
}

/// Page and page size from the query string, validated so that bad paging is a 400.
public struct Paging: Sendable {
    public var page: Int
    public var pageSize: Int
    public var offset: Int { (page - 1) * pageSize }
    /// Bounds `offset`: an unbounded page number overflowed it and a single request stopped the
    /// process. No list is anywhere near a million pages.
    public static let pages = 1...1_000_000

    public init(page: Int = 1, pageSize: Int = 20) {
        self.page = page
        self.pageSize = pageSize
    }

    public init(_ request: Request, defaultSize: Int = 20, maxSize: Int = 200) throws {
        var issues: [FieldIssue] = []
        let q = request.queryFields
        page = 1
        pageSize = defaultSize
        if let raw = q["page"] {
            if let v = Int(raw), Self.pages.contains(v) { page = v } else {
                issues.append(FieldIssue(field: "page", code: "range", zh: "page 必须是 1 到 \(Self.pages.upperBound) 之间的整数",
                                         en: "page must be an integer between 1 and \(Self.pages.upperBound)"))
            }
        }
        if let raw = q["pageSize"] {
            if let v = Int(raw), (1...maxSize).contains(v) { pageSize = v } else {
                issues.append(FieldIssue(field: "pageSize", code: "range", zh: "pageSize 必须在 1 到 \(maxSize) 之间", en: "pageSize must be between 1 and \(maxSize)"))
            }
        }
        if !issues.isEmpty { throw Problem.badRequest("分页参数有误", "invalid paging parameters", issues: issues) }
    }
}

enum JSONOut {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        // Keys unsorted (in hash order on Linux): sorting them at every object cost
        // measurably on the busiest responses, and no client may depend on key order.
        e.outputFormatting = [.withoutEscapingSlashes]
        return e
    }()

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let body: ByteBuffer
        if let writable = value as? any JSONWritable {
            var writer = JSONTextWriter(escapingSlashes: false, capacity: 4096)
            writable.write(to: &writer)
            body = ByteBuffer(bytes: writer.bytes)
        } else {
            body = ByteBuffer(bytes: try encoder.encode(value))
        }
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }
}

/// A response shape that writes its own JSON (see `JSONTextWriter`); it must write what its
/// `Encodable` conformance encodes with `JSONOut.encoder`.
protocol JSONWritable {
    func write(to w: inout JSONTextWriter)
}

/// RFC 7240 `Prefer: return=minimal`: a client that needs only the new state after a change
/// says so, and the server skips building the full representation.
enum Preference {
    static let prefer = HTTPField.Name("Prefer")!
    static let applied = HTTPField.Name("Preference-Applied")!

    static func returnMinimal(_ request: Request) -> Bool {
        request.headers[values: prefer].contains { header in
            header.split(separator: ",").contains { preference in
                // `Prefer: ;` splits into nothing: no token, no preference.
                guard let token = preference.split(separator: ";").first else { return false }
                let parts = token.split(separator: "=", maxSplits: 1)
                return parts.count == 2 && parts[0].trimmed().lowercased() == "return"
                    && ["minimal", "\"minimal\""].contains(parts[1].trimmed().lowercased())
            }
        }
    }

    static let minimalApplied: HTTPFields = [applied: "return=minimal"]
}

extension Request {
    /// The query as browsers send it and the WHATWG URL standard reads it
    /// (`application/x-www-form-urlencoded`, like a posted form): `+` is a space and a literal
    /// plus comes as %2B (a GET form sends `q=营业+执照`), names are decoded too, and the last of a
    /// repeated name wins. Hummingbird's `uri.queryParameters` keeps `+` as it came and leaves
    /// names encoded, so routes read this instead.
    var queryFields: [String: String] { FormBody.parse(uri.query ?? "") }

    func query(_ name: String) -> String? {
        guard let s = queryFields[name], !s.isEmpty else { return nil }
        return s
    }

    /// An ISO 8601 date-time given in the query (`2026-01-01T00:00:00+08:00`). A client that wrote
    /// its offset's `+` unencoded sends a space there (see `queryFields`); a date-time holds no
    /// space, so one is read back as the `+` it was and such links keep working.
    static func instant(_ raw: String) -> Date? {
        ISO8601DateFormatter().date(from: raw.replacingOccurrences(of: " ", with: "+"))
    }
}

/// A stored file sent as a download: never cached by shared caches, named safely.
enum FileOut {
    static func response(name: String?, contentType: String?, data: Data) -> Response {
        let encoded = (name ?? "attachment").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "attachment"
        return Response(status: .ok, headers: [
            .contentType: contentType ?? "application/octet-stream",
            .contentDisposition: "attachment; filename*=UTF-8''\(encoded)",
            .cacheControl: "private, no-store",
        ], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
