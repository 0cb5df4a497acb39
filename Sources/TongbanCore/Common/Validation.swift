/// One problem with one input field, worded for both audiences the platform serves:
/// citizens read Chinese, integrators often read English.
public struct FieldIssue: Sendable, Equatable, Codable, Hashable {
    /// JSON-pointer-like path of the field, e.g. `idNumber` or `materials/2/file`.
    public var field: String
    /// Stable machine code, e.g. `required`, `checksum`, `format`.
    public var code: String
    public var messageZh: String
    public var messageEn: String

    public init(field: String, code: String, zh: String, en: String) {
        self.field = field
        self.code = code
        self.messageZh = zh
        self.messageEn = en
    }

    public static func required(_ field: String) -> FieldIssue {
        FieldIssue(field: field, code: "required", zh: "\(field) 为必填项", en: "\(field) is required")
    }
}

/// Thrown by domain validation when input is unacceptable; carries every issue found
/// so the applicant fixes everything in one pass (一次性告知).
public struct ValidationFailure: Error, Sendable, Equatable {
    public var issues: [FieldIssue]
    public init(_ issues: [FieldIssue]) { self.issues = issues }
    public init(_ issue: FieldIssue) { self.issues = [issue] }
}

/// Collects issues across several checks, then throws once.
public struct IssueCollector: Sendable {
    public private(set) var issues: [FieldIssue] = []
    public init() {}
    public mutating func add(_ issue: FieldIssue) { issues.append(issue) }
    public mutating func add(contentsOf more: [FieldIssue]) { issues.append(contentsOf: more) }
    /// Runs a throwing check and keeps its issues instead of stopping at the first.
    public mutating func check(_ body: () throws -> Void) {
        do { try body() } catch let failure as ValidationFailure {
            issues.append(contentsOf: failure.issues)
        } catch {
            issues.append(FieldIssue(field: "", code: "invalid", zh: "输入无效", en: "invalid input"))
        }
    }
    public func throwIfAny() throws {
        if !issues.isEmpty { throw ValidationFailure(issues) }
    }
}
