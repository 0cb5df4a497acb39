@testable import TongbanCore

/// Helpers of the identity tests, kept in a namespace so other suites of the module can use the same names.
enum IDFixture {
    /// A handful of real GB/T 2260 codes, standing in for the division table.
    static let divisions: Set<String> = [
        "110000", "110101", "110105", "310000", "320102", "330106", "350100", "350102", "440300", "440305",
    ]

    static func divisionExists(_ code: String) -> Bool { divisions.contains(code) }

    /// The single issue of a validation failure, or nil when `body` did not throw exactly one.
    static func issue(_ body: () throws -> Void) -> FieldIssue? {
        let found = issues(body)
        return found.count == 1 ? found[0] : nil
    }

    /// All issue codes of a validation failure; empty when nothing was thrown.
    static func codes(_ body: () throws -> Void) -> [String] {
        issues(body).map(\.code)
    }

    private static func issues(_ body: () throws -> Void) -> [FieldIssue] {
        do {
            try body()
            return []
        } catch let failure as ValidationFailure {
            return failure.issues
        } catch {
            return [FieldIssue(field: "", code: "unexpected \(error)", zh: "", en: "")]
        }
    }
}
