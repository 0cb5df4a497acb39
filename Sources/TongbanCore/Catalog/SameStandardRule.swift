/// What a city or county records when it implements a provincial item (实施清单): only the
/// fields that are genuinely local. Everything else comes from the standard.
public struct LocalImplementation: Codable, Sendable, Hashable {
    public var itemCode: String
    public var divisionCode: String
    public var departmentCode: String
    public var location: ServiceLocation
    /// A local commitment faster than the standard's; nil keeps the standard's.
    public var promisedLimitDays: Int?

    public init(itemCode: String, divisionCode: String, departmentCode: String, location: ServiceLocation, promisedLimitDays: Int? = nil) {
        self.itemCode = itemCode
        self.divisionCode = divisionCode
        self.departmentCode = departmentCode
        self.location = location
        self.promisedLimitDays = promisedLimitDays
    }
}

/// 同标准办理: the same item code is handled to the same standard everywhere. A local
/// implementation may only say where, when, who answers the phone, and promise to be faster.
public enum SameStandardRule {
    /// Fields a local implementation may set. `status` and `version` describe the local
    /// record's own life (a county publishes later, edits its address), not the standard.
    public static let localFields: Set<String> = [
        "divisionCode", "departmentCode", "location", "promisedLimitDays", "status", "version",
    ]

    /// Refuses a full local item that departs from the standard outside the local fields,
    /// naming every such field; also applies the checks of `check(_:against:)`.
    public static func check(localItem: ServiceItem, against standard: ServiceItem) throws {
        var issues = IssueCollector()
        for field in changedStandardFields(standard, localItem) {
            issues.add(FieldIssue(
                field: field, code: "notLocalField",
                zh: "「\(field)」由省级标准统一规定，市县实施时不得变更",
                en: "\(field) is fixed by the provincial standard and may not be changed locally"))
        }
        issues.check { try check(implementation(of: localItem), against: standard) }
        try issues.throwIfAny()
    }

    /// Checks a local implementation record against the standard it implements.
    public static func check(_ local: LocalImplementation, against standard: ServiceItem) throws {
        var issues = IssueCollector()
        if local.itemCode != standard.itemCode {
            issues.add(FieldIssue(
                field: "itemCode", code: "mismatch",
                zh: "实施清单的事项编码 \(local.itemCode) 与标准事项 \(standard.itemCode) 不一致",
                en: "local item code \(local.itemCode) differs from the standard's \(standard.itemCode)"))
        }
        if !CatalogScope.isDivisionCode(local.divisionCode) {
            issues.add(FieldIssue(field: "divisionCode", code: "format", zh: "行政区划代码应为6位数字", en: "division code must be 6 digits"))
        } else if local.divisionCode == standard.divisionCode || !CatalogScope.contains(standard.divisionCode, local.divisionCode) {
            issues.add(FieldIssue(
                field: "divisionCode", code: "notSubordinate",
                zh: "实施区划 \(local.divisionCode) 须为标准制定区划 \(standard.divisionCode) 的下级区划",
                en: "implementing division \(local.divisionCode) must lie below the standard's division \(standard.divisionCode)"))
        }
        if local.departmentCode.catalogTrimmed.isEmpty { issues.add(.required("departmentCode")) }
        issues.add(contentsOf: local.location.issues(at: "location"))
        if let days = local.promisedLimitDays {
            if days < 0 {
                issues.add(FieldIssue(field: "promisedLimitDays", code: "range", zh: "承诺时限不得为负", en: "promised limit must not be negative"))
            } else if days > standard.promisedLimitDays {
                issues.add(FieldIssue(
                    field: "promisedLimitDays", code: "longerThanStandard",
                    zh: "本地承诺时限（\(days)个工作日）不得长于省级标准（\(standard.promisedLimitDays)个工作日）",
                    en: "local promised limit (\(days) working days) is longer than the standard's (\(standard.promisedLimitDays))"))
            }
        }
        try issues.throwIfAny()
    }

    /// The item a citizen of the local division is served by: the standard with the local
    /// fields laid over it. The result is published with the standard's status and version.
    public static func effectiveItem(standard: ServiceItem, local: LocalImplementation) throws -> ServiceItem {
        try check(local, against: standard)
        var item = standard
        item.divisionCode = local.divisionCode
        item.departmentCode = local.departmentCode
        item.location = local.location
        if let days = local.promisedLimitDays { item.promisedLimitDays = days }
        return item
    }

    /// The local record a full local item amounts to; a promised limit equal to the
    /// standard's is no local commitment and is left out.
    public static func implementation(of localItem: ServiceItem, standard: ServiceItem? = nil) -> LocalImplementation {
        LocalImplementation(
            itemCode: localItem.itemCode, divisionCode: localItem.divisionCode,
            departmentCode: localItem.departmentCode, location: localItem.location,
            promisedLimitDays: localItem.promisedLimitDays == standard?.promisedLimitDays ? nil : localItem.promisedLimitDays)
    }

    /// Names of the standard fields (everything outside `localFields` and the item code,
    /// which is checked on its own) in which the two items differ, in declaration order.
    /// Reflection keeps a field added to `ServiceItem` later standard-only by default.
    static func changedStandardFields(_ standard: ServiceItem, _ local: ServiceItem) -> [String] {
        zip(Mirror(reflecting: standard).children, Mirror(reflecting: local).children).compactMap { a, b in
            guard let label = a.label, label != "itemCode", !localFields.contains(label) else { return nil }
            return (a.value as? AnyHashable) == (b.value as? AnyHashable) ? nil : label
        }
    }
}
