import Foundation
import TongbanCore

/// Any JSON value, so a local implementation can be read as "the fields the caller sent"
/// and laid over the standard before the 同标准办理 rule judges the result.
enum JSONValue: Codable, Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let v = try? c.decode(Bool.self) { self = .bool(v) }
        else if let v = try? c.decode(Double.self) { self = .number(v) }
        else if let v = try? c.decode(String.self) { self = .string(v) }
        else if let v = try? c.decode([JSONValue].self) { self = .array(v) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let v): try c.encode(v)
        // Whole numbers go out as integers so Int fields decode again.
        case .number(let v): if v.rounded() == v, abs(v) < 1e15 { try c.encode(Int64(v)) } else { try c.encode(v) }
        case .string(let v): try c.encode(v)
        case .array(let v): try c.encode(v)
        case .object(let v): try c.encode(v)
        }
    }
}

/// Who may change which part of the catalog: a catalog administrator edits the items of
/// their own division and the divisions below it; a system administrator edits all; nil
/// is the operator at the command line, who holds the database anyway.
enum CatalogReach {
    static func covers(_ principal: Principal?, division: String) -> Bool {
        guard let principal else { return true }
        if principal.has(.systemAdmin) { return true }
        guard principal.has(.catalogAdmin), let own = principal.divisionCode else { return false }
        return CatalogScope.contains(own, division)
    }

    static func check(_ principal: Principal?, division: String, field: String = "divisionCode") throws {
        guard covers(principal, division: division) else {
            throw Problem(.forbidden, code: "out-of-reach", zh: "无权管理该区划的事项", en: "not permitted to manage items of division \(division)",
                          issues: [FieldIssue(field: field, code: "outOfReach", zh: "区划 \(division) 不在您的管理范围内",
                                              en: "division \(division) is outside your reach")])
        }
    }
}

enum CatalogError: ProblemConvertible {
    case itemNotFound(String)
    case versionNotFound(Int)
    case exists(String, String)
    case nothingToPublish
    case notPublished
    case staleEdit(currentRowVersion: Int)

    var problem: Problem {
        switch self {
        case .itemNotFound(let code):
            return Problem(.notFound, code: "not-found", zh: "未找到事项 \(code)", en: "service item \(code) not found")
        case .versionNotFound(let version):
            return Problem(.notFound, code: "not-found", zh: "未找到第 \(version) 版", en: "version \(version) not found")
        case .exists(let code, let division):
            return .conflict("区划 \(division) 已有事项 \(code)", "item \(code) already exists in division \(division)",
                             issues: [FieldIssue(field: "itemCode", code: "duplicate", zh: "区划 \(division) 已有事项 \(code)",
                                                 en: "item \(code) already exists in division \(division)")])
        case .nothingToPublish:
            return .conflict("没有待发布的草稿", "there is no draft to publish")
        case .notPublished:
            return .conflict("事项未处于发布状态，不能停用", "only a published item can be retired")
        case .staleEdit(let current):
            return Problem(.conflict, code: "conflict", zh: "事项已被他人修改，请刷新后重试", en: "the item was changed by someone else",
                           extra: ["currentRowVersion": current])
        }
    }
}

extension ServiceItem {
    /// Stored and exchanged form: sorted keys, so equal items have equal text.
    func jsonText() throws -> String {
        String(decoding: try CatalogJSON.encoder.encode(self), as: UTF8.self)
    }
}

enum CatalogJSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
    static let pretty: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return e
    }()
}
