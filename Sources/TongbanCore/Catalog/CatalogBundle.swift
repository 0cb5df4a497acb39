/// A catalog as exchanged in files: the standard items, and the local implementations of
/// standards by lower divisions (实施清单), which hold only their local fields.
public struct CatalogBundle: Codable, Sendable, Hashable {
    public var items: [ServiceItem]
    public var localImplementations: [LocalImplementation]

    public init(items: [ServiceItem], localImplementations: [LocalImplementation] = []) {
        self.items = items
        self.localImplementations = localImplementations
    }

    /// Validates every item and implementation, reporting all problems with paths such as
    /// `items/3/materials/0/name` or `localImplementations/1/promisedLimitDays`.
    public func validate() throws {
        var issues = IssueCollector()
        var keys: Set<String> = []
        for (index, item) in items.enumerated() {
            issues.add(contentsOf: Self.prefixed("items/\(index)") { try item.validate() })
            if !keys.insert("\(item.itemCode)@\(item.divisionCode)").inserted {
                issues.add(FieldIssue(
                    field: "items/\(index)/itemCode", code: "duplicate",
                    zh: "事项 \(item.itemCode) 在区划 \(item.divisionCode) 重复",
                    en: "item \(item.itemCode) repeats in division \(item.divisionCode)"))
            }
        }
        let standards = Dictionary(grouping: items, by: \.itemCode)
        for (index, local) in localImplementations.enumerated() {
            let path = "localImplementations/\(index)"
            guard let standard = Self.standard(for: local, among: standards[local.itemCode] ?? []) else {
                issues.add(FieldIssue(
                    field: "\(path)/itemCode", code: "noStandard",
                    zh: "实施清单引用的事项 \(local.itemCode) 没有上级标准",
                    en: "no standard item \(local.itemCode) above division \(local.divisionCode)"))
                continue
            }
            issues.add(contentsOf: Self.prefixed(path) { try SameStandardRule.check(local, against: standard) })
            if !keys.insert("\(local.itemCode)@\(local.divisionCode)").inserted {
                issues.add(FieldIssue(
                    field: "\(path)/divisionCode", code: "duplicate",
                    zh: "事项 \(local.itemCode) 在区划 \(local.divisionCode) 重复",
                    en: "item \(local.itemCode) repeats in division \(local.divisionCode)"))
            }
        }
        try issues.throwIfAny()
    }

    /// Every item a division might serve: the standards, then each local implementation
    /// merged over the nearest standard above it.
    public func effectiveItems() throws -> [ServiceItem] {
        try validate()
        let standards = Dictionary(grouping: items, by: \.itemCode)
        return try items + localImplementations.map { local in
            try SameStandardRule.effectiveItem(standard: Self.standard(for: local, among: standards[local.itemCode] ?? [])!, local: local)
        }
    }

    /// The most local standard strictly above the implementing division.
    public static func standard(for local: LocalImplementation, among candidates: [ServiceItem]) -> ServiceItem? {
        let above = CatalogScope.chain(of: local.divisionCode).dropFirst()
        return above.lazy.compactMap { division in candidates.first { $0.divisionCode == division } }.first
    }

    private static func prefixed(_ path: String, _ body: () throws -> Void) -> [FieldIssue] {
        var collector = IssueCollector()
        collector.check(body)
        return collector.issues.map { issue in
            var issue = issue
            issue.field = issue.field.isEmpty ? path : "\(path)/\(issue.field)"
            return issue
        }
    }
}
