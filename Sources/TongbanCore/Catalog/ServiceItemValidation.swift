/// Item codes read `DDDDDD-KK-NNNN`: the defining division, the kind segment
/// (`ItemKind.codeSegment`) and a serial. The defining division is where the standard is
/// set; every implementing division lies within it.
public struct ItemCode: Sendable, Hashable {
    public var definingDivision: String
    public var kindSegment: String
    public var serial: String

    public init?(_ code: String) {
        let parts = code.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3,
              CatalogScope.isDivisionCode(parts[0]),
              ItemKind.allCases.contains(where: { $0.codeSegment == parts[1] }),
              parts[2].utf8.count == 4, parts[2].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        definingDivision = parts[0]
        kindSegment = parts[1]
        serial = parts[2]
    }
}

extension ServiceItem {
    public static let maxNameLength = 100

    /// Checks every rule of a publishable service guide and reports all problems at once.
    public func validate() throws {
        var issues = IssueCollector()
        issues.add(contentsOf: identityIssues())
        issues.add(contentsOf: legalBasisIssues())
        issues.add(contentsOf: textListIssues(conditions, field: "conditions", zh: "受理条件"))
        if steps.isEmpty {
            issues.add(Self.issue("steps", "required", zh: "办理流程至少一步", en: "at least one step is required"))
        }
        issues.add(contentsOf: textListIssues(steps, field: "steps", zh: "办理流程"))
        for (index, material) in materials.enumerated() {
            issues.add(contentsOf: material.issues(at: "materials/\(index)"))
        }
        issues.add(contentsOf: duplicateIssues(materials.map(\.name), field: "materials", part: "name", zh: "申请材料"))
        issues.add(contentsOf: limitIssues())
        issues.add(contentsOf: feeAndVisitIssues())
        issues.add(contentsOf: location.issues(at: "location"))
        issues.add(contentsOf: duplicateIssues(lifeEvents.map(\.rawValue), field: "lifeEvents", part: nil, zh: "主题"))
        issues.add(contentsOf: textListIssues(tags, field: "tags", zh: "标签"))
        issues.add(contentsOf: duplicateIssues(tags, field: "tags", part: nil, zh: "标签"))
        if version < 1 {
            issues.add(Self.issue("version", "range", zh: "版本号须从1开始", en: "version must be at least 1"))
        }
        try issues.throwIfAny()
    }

    private func identityIssues() -> [FieldIssue] {
        var out: [FieldIssue] = []
        if !CatalogScope.isDivisionCode(divisionCode) {
            out.append(Self.issue("divisionCode", "format", zh: "行政区划代码应为6位数字", en: "division code must be 6 digits"))
        }
        if itemCode.isEmpty {
            out.append(.required("itemCode"))
        } else if let code = ItemCode(itemCode) {
            if code.kindSegment != kind.codeSegment {
                out.append(Self.issue(
                    "itemCode", "kindMismatch",
                    zh: "事项编码类型段「\(code.kindSegment)」与事项类型「\(kind.zh)」（\(kind.codeSegment)）不符",
                    en: "item code segment \(code.kindSegment) does not match kind \(kind.rawValue) (\(kind.codeSegment))"))
            }
            if CatalogScope.isDivisionCode(divisionCode), !CatalogScope.contains(code.definingDivision, divisionCode) {
                out.append(Self.issue(
                    "itemCode", "divisionMismatch",
                    zh: "事项编码的设定区划 \(code.definingDivision) 不包含实施区划 \(divisionCode)",
                    en: "defining division \(code.definingDivision) does not contain implementing division \(divisionCode)"))
            }
        } else {
            out.append(Self.issue(
                "itemCode", "format",
                zh: "事项编码格式应为“区划代码-类型-四位序号”，如 330000-XK-0001",
                en: "item code must read DIVISION-KIND-NNNN, e.g. 330000-XK-0001"))
        }
        let trimmedName = name.catalogTrimmed
        if trimmedName.isEmpty {
            out.append(.required("name"))
        } else if trimmedName.count > Self.maxNameLength {
            out.append(Self.issue(
                "name", "tooLong",
                zh: "事项名称不得超过\(Self.maxNameLength)个字", en: "name must not exceed \(Self.maxNameLength) characters"))
        }
        if departmentCode.catalogTrimmed.isEmpty { out.append(.required("departmentCode")) }
        return out
    }

    private func legalBasisIssues() -> [FieldIssue] {
        if legalBasis.isEmpty {
            return [Self.issue("legalBasis", "required", zh: "至少列明一项设定依据", en: "at least one legal basis is required")]
        }
        var out: [FieldIssue] = []
        for (index, basis) in legalBasis.enumerated() {
            let law = basis.law.catalogTrimmed
            if law.isEmpty {
                out.append(.required("legalBasis/\(index)/law"))
            } else if !(law.hasPrefix("《") && law.contains("》")) {
                out.append(Self.issue(
                    "legalBasis/\(index)/law", "format",
                    zh: "法律法规名称应使用书名号，如《中华人民共和国行政许可法》",
                    en: "the law must be cited in title marks 《…》"))
            }
        }
        return out
    }

    private func limitIssues() -> [FieldIssue] {
        var out: [FieldIssue] = []
        if statutoryLimitDays < 0 {
            out.append(Self.issue("statutoryLimitDays", "range", zh: "法定时限不得为负", en: "statutory limit must not be negative"))
        } else if statutoryLimitDays > WorkingCalendar.timeLimits.upperBound {
            // A standard process takes its time limit from here.
            let most = WorkingCalendar.timeLimits.upperBound
            out.append(Self.issue("statutoryLimitDays", "range", zh: "法定时限不得超过\(most)个工作日",
                                  en: "statutory limit must be at most \(most) working days"))
        }
        if promisedLimitDays < 0 {
            out.append(Self.issue("promisedLimitDays", "range", zh: "承诺时限不得为负", en: "promised limit must not be negative"))
        } else if promisedLimitDays > statutoryLimitDays, statutoryLimitDays >= 0 {
            out.append(Self.issue(
                "promisedLimitDays", "exceedsStatutory",
                zh: "承诺时限（\(promisedLimitDays)个工作日）不得超过法定时限（\(statutoryLimitDays)个工作日）",
                en: "promised limit (\(promisedLimitDays) working days) exceeds the statutory limit (\(statutoryLimitDays))"))
        }
        return out
    }

    private func feeAndVisitIssues() -> [FieldIssue] {
        var out: [FieldIssue] = []
        if case .charged(let amount, let basis) = fee {
            if amount <= 0 {
                out.append(Self.issue("fee/amountFen", "range", zh: "收费金额须大于0，不收费请选择免费", en: "a charged fee must be positive; use free otherwise"))
            }
            if basis.catalogTrimmed.isEmpty { out.append(.required("fee/basis")) }
        }
        if visits < 0 {
            out.append(Self.issue("visits", "range", zh: "跑动次数不得为负", en: "visits must not be negative"))
        }
        if onlineFull && visits != 0 {
            out.append(Self.issue(
                "visits", "onlineFullNeedsZeroVisits",
                zh: "全程网办事项的跑动次数应为0", en: "an item done fully online requires zero visits"))
        }
        return out
    }

    private func textListIssues(_ values: [String], field: String, zh: String) -> [FieldIssue] {
        values.enumerated().compactMap { index, value in
            value.catalogTrimmed.isEmpty
                ? Self.issue("\(field)/\(index)", "required", zh: "\(zh)第\(index + 1)项不能为空", en: "\(field)/\(index) must not be blank")
                : nil
        }
    }

    /// Flags each repeat after the first, at the repeat's own index.
    private func duplicateIssues(_ values: [String], field: String, part: String?, zh: String) -> [FieldIssue] {
        var seen: Set<String> = []
        var out: [FieldIssue] = []
        for (index, value) in values.enumerated() {
            let key = value.catalogTrimmed
            guard !key.isEmpty else { continue }
            if !seen.insert(key).inserted {
                let path = part.map { "\(field)/\(index)/\($0)" } ?? "\(field)/\(index)"
                out.append(Self.issue(path, "duplicate", zh: "\(zh)「\(key)」重复", en: "duplicate entry \(key) in \(field)"))
            }
        }
        return out
    }

    static func issue(_ field: String, _ code: String, zh: String, en: String) -> FieldIssue {
        FieldIssue(field: field, code: code, zh: zh, en: en)
    }
}

extension MaterialRequirement {
    func issues(at path: String) -> [FieldIssue] {
        var out: [FieldIssue] = []
        if name.catalogTrimmed.isEmpty { out.append(.required("\(path)/name")) }
        switch source {
        case .applicant: break
        case .sharedData(let resource) where resource.catalogTrimmed.isEmpty:
            out.append(ServiceItem.issue("\(path)/source", "required", zh: "共享数据来源须注明数据资源名称", en: "shared data source needs a resource name"))
        case .certificate(let type) where type.catalogTrimmed.isEmpty:
            out.append(ServiceItem.issue("\(path)/source", "required", zh: "电子证照来源须注明证照类型", en: "certificate source needs a certificate type"))
        default: break
        }
        if copies < 1 {
            out.append(ServiceItem.issue("\(path)/copies", "range", zh: "材料份数至少为1", en: "copies must be at least 1"))
        }
        if case .conditional(let condition) = required, condition.catalogTrimmed.isEmpty {
            out.append(ServiceItem.issue("\(path)/required", "required", zh: "情形性材料须写明适用情形", en: "a conditional material must state its condition"))
        }
        if let url = sampleURL, !(url.hasPrefix("https://") || url.hasPrefix("http://")) || url.contains(" ") {
            out.append(ServiceItem.issue("\(path)/sampleURL", "format", zh: "样表地址须为 http(s) 链接", en: "sample URL must be an http(s) link"))
        }
        return out
    }
}

extension ServiceLocation {
    func issues(at path: String) -> [FieldIssue] {
        var out: [FieldIssue] = []
        if address.catalogTrimmed.isEmpty { out.append(.required("\(path)/address")) }
        if hours.catalogTrimmed.isEmpty { out.append(.required("\(path)/hours")) }
        if phone.catalogTrimmed.isEmpty {
            out.append(.required("\(path)/phone"))
        } else if !Self.isPhone(phone) {
            out.append(ServiceItem.issue(
                "\(path)/phone", "format",
                zh: "咨询电话只能包含数字、空格、“-”“+”和括号，且至少5位数字",
                en: "phone may hold digits, spaces, - + and parentheses, with at least 5 digits"))
        }
        return out
    }

    /// Accepts 0571-85252525, (0571) 8525 2525, 12345 and +86 571 8525 2525.
    static func isPhone(_ value: String) -> Bool {
        let allowed: Set<Character> = [" ", "-", "+", "(", ")"]
        guard value.allSatisfy({ $0.isASCII && ($0.isNumber || allowed.contains($0)) }) else { return false }
        return value.filter(\.isNumber).count >= 5
    }
}

extension String {
    var catalogTrimmed: String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
