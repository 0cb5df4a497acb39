import Foundation

/// Editable groups of words citizens use interchangeably (社保 / 社会保障). A query is
/// expanded with each group member it contains swapped for the others, so 社保卡补办 also
/// searches 社会保障卡补办. JSON: `{"groups": [["身份证", "居民身份证"], …]}`.
public struct SynonymTable: Sendable, Hashable, Codable {
    public private(set) var groups: [[String]]
    /// Normalised members, longest first, so the most specific member of a group is matched.
    private var normalizedGroups: [[String]]

    public static let empty = SynonymTable(groups: [])

    public init(groups: [[String]]) {
        self.groups = groups
        normalizedGroups = groups.map { group in
            var seen: Set<String> = []
            return group.map(SearchText.normalize)
                .filter { !$0.isEmpty && seen.insert($0).inserted }
                .sorted { $0.count > $1.count }
        }
    }

    private enum CodingKeys: String, CodingKey { case groups }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(groups: try c.decode([[String]].self, forKey: .groups))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(groups, forKey: .groups)
    }

    /// A usable group has at least two members that stay distinct, non-empty and free of
    /// spaces or punctuation after normalisation (a query segment never contains those).
    public func validate() throws {
        var issues = IssueCollector()
        for (g, group) in groups.enumerated() {
            var seen: Set<String> = []
            for (m, member) in group.enumerated() {
                let normalized = SearchText.normalize(member)
                if normalized.isEmpty {
                    issues.add(FieldIssue(field: "groups/\(g)/\(m)", code: "required", zh: "同义词不能为空", en: "synonym must not be blank"))
                } else if normalized.contains(" ") {
                    issues.add(FieldIssue(field: "groups/\(g)/\(m)", code: "format", zh: "同义词「\(member)」不能含空格或标点", en: "synonym \(member) must not contain spaces or punctuation"))
                } else if !seen.insert(normalized).inserted {
                    issues.add(FieldIssue(field: "groups/\(g)/\(m)", code: "duplicate", zh: "同义词「\(member)」在本组重复", en: "synonym \(member) repeats within its group"))
                }
            }
            if seen.count < 2 {
                issues.add(FieldIssue(field: "groups/\(g)", code: "tooFew", zh: "每组至少需要两个不同的同义词", en: "a group needs at least two distinct synonyms"))
            }
        }
        try issues.throwIfAny()
    }

    /// Rewrites of one normalised query segment, each swapping one group's member for
    /// another; the segment itself is not included.
    public func alternatives(for segment: String, limit: Int = 16) -> [String] {
        var out: [String] = []
        var seen: Set<String> = [segment]
        for group in normalizedGroups {
            guard let found = group.first(where: { Self.contains(segment, $0) }) else { continue }
            for other in group where other != found {
                let rewritten = segment.replacingOccurrences(of: found, with: other)
                if seen.insert(rewritten).inserted {
                    out.append(rewritten)
                    if out.count == limit { return out }
                }
            }
        }
        return out
    }

    /// Scalar-wise substring test: both sides are already normalised, and Foundation's
    /// `contains` would decompose them again on every query.
    private static func contains(_ text: String, _ part: String) -> Bool {
        let hay = Array(text.unicodeScalars), needle = Array(part.unicodeScalars)
        guard !needle.isEmpty, needle.count <= hay.count else { return needle.isEmpty }
        return (0...(hay.count - needle.count)).contains { start in
            hay[start..<(start + needle.count)].elementsEqual(needle)
        }
    }
}
