import Foundation

extension FieldIssue {
    /// Turns a JSON decoding error into the same issue shape as every other validation
    /// problem, so an administrator editing stored data sees which field is wrong.
    static func decoding(_ error: any Error) -> FieldIssue {
        guard let error = error as? DecodingError else {
            return FieldIssue(field: "", code: "malformed", zh: "数据格式无效", en: "malformed data")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .required(path(context.codingPath + [key]))
        case .valueNotFound(_, let context):
            return .required(path(context.codingPath))
        case .typeMismatch(_, let context), .dataCorrupted(let context):
            let field = path(context.codingPath)
            return FieldIssue(field: field, code: "malformed",
                              zh: "\(field.isEmpty ? "数据" : field) 格式无效：\(context.debugDescription)",
                              en: "\(field.isEmpty ? "data" : field) is malformed: \(context.debugDescription)")
        @unknown default:
            return FieldIssue(field: "", code: "malformed", zh: "数据格式无效", en: "malformed data")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
    }
}

extension String {
    var workflowIsBlank: Bool { trimmed().isEmpty }
}
