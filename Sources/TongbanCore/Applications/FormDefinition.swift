import Foundation

/// The type of one form field; each type has its own validation and canonical form.
public enum FormFieldType: String, Sendable, Codable, CaseIterable {
    case text, number, date, choice, division, idNumber, creditCode, money
    /// A mainland mobile number (`MobileNumber`).
    case mobile
}

/// Where a field's value comes from when the government already knows it: the applicant's
/// registered data prefills it.
public enum PrefillSource: String, Sendable, Codable, CaseIterable {
    case applicantName, applicantIDNumber, applicantMobile, organizationName, organizationCreditCode

    /// Whether the value is a fact the government holds about the applicant of record, so the
    /// form keeps it as prefilled (免填: shown read-only, never replaced) rather than only offering it.
    /// - The applicant of record is the person, or the organisation an agent files for. A person's
    ///   verified name and ID number are facts of their own case; filing for an organisation, the
    ///   organisation's registered name and credit code are, while the agent's own name and ID number
    ///   are only offered: the form's person (a business's 负责人, say) is the organisation's and
    ///   need not be the agent.
    /// - The registered mobile is only offered: it is a number to reach the applicant on, and they
    ///   may give another.
    public func isHeldFact(forOrganization: Bool) -> Bool {
        switch self {
        case .applicantName, .applicantIDNumber: !forOrganization
        case .organizationName, .organizationCreditCode: forOrganization
        case .applicantMobile: false
        }
    }
}

/// "Required only when `field` holds one of `values`" (e.g. the credit code when the
/// operator is a company).
public struct FieldCondition: Sendable, Codable, Equatable {
    public var field: String
    public var values: [String]

    public init(field: String, values: [String]) {
        self.field = field
        self.values = values
    }
}

public struct ChoiceOption: Sendable, Codable, Equatable {
    public var value: String
    public var label: String

    public init(value: String, label: String) {
        self.value = value
        self.label = label
    }
}

public struct FormField: Sendable, Codable, Equatable {
    public var id: String
    public var label: String
    public var type: FormFieldType
    public var required: Bool
    public var requiredWhen: FieldCondition?
    public var options: [ChoiceOption]?
    /// Text length bounds in characters.
    public var maxLength: Int?
    /// Bounds of a number field.
    public var min: Double?
    public var max: Double?
    public var prefill: PrefillSource?
    public var help: String?
    /// A text field that may span lines: tab and line breaks are kept there; every other
    /// control character is refused in any text.
    public var multiline: Bool?
    /// A division field that must lie within the division the case is filed in (a county's
    /// item is for premises in that county).
    public var withinCaseDivision: Bool?
    /// Bounds of a date field in days from the day it is entered (a planned opening lies ahead).
    public var notBeforeDays: Int?
    public var notAfterDays: Int?

    public init(id: String, label: String, type: FormFieldType, required: Bool = false, requiredWhen: FieldCondition? = nil,
                options: [ChoiceOption]? = nil, maxLength: Int? = nil, min: Double? = nil, max: Double? = nil,
                prefill: PrefillSource? = nil, help: String? = nil, multiline: Bool? = nil, withinCaseDivision: Bool? = nil,
                notBeforeDays: Int? = nil, notAfterDays: Int? = nil) {
        self.id = id
        self.label = label
        self.type = type
        self.required = required
        self.requiredWhen = requiredWhen
        self.options = options
        self.maxLength = maxLength
        self.min = min
        self.max = max
        self.prefill = prefill
        self.help = help
        self.multiline = multiline
        self.withinCaseDivision = withinCaseDivision
        self.notBeforeDays = notBeforeDays
        self.notAfterDays = notAfterDays
    }
}

/// An item's application form (申请表), stored as data and versioned with the item: a form
/// defined for item version N governs versions N, N+1, … until one is defined for a later version,
/// and a case keeps the form it was filed on.
public struct FormDefinition: Sendable, Codable, Equatable {
    public static let currentSchemaVersion = 1
    static let defaultTextLimit = 500

    public var schemaVersion: Int
    public var itemCode: String
    public var itemVersion: Int
    public var fields: [FormField]

    public init(itemCode: String, itemVersion: Int, fields: [FormField], schemaVersion: Int = FormDefinition.currentSchemaVersion) {
        self.schemaVersion = schemaVersion
        self.itemCode = itemCode
        self.itemVersion = itemVersion
        self.fields = fields
    }

    public func field(_ id: String) -> FormField? { fields.first { $0.id == id } }

    /// The form new applications for `item` at item version `version` are filed on: the one
    /// defined for the latest version up to `version`, so publishing a guide edit (a new version,
    /// with no form of its own) keeps the item's form; else the generic form.
    public static func inForce(among forms: [FormDefinition], for item: ServiceItem, version: Int) -> FormDefinition {
        forms.filter { $0.itemCode == item.itemCode && $0.itemVersion <= version }.max { $0.itemVersion < $1.itemVersion }
            ?? generic(for: item, version: version)
    }

    /// The form a case was filed on, by the version it recorded (the `itemVersion` of the form in
    /// force then, or for the generic form the item version filed under): forms defined since do
    /// not change what a case asks for.
    public static func filed(among forms: [FormDefinition], for item: ServiceItem, formVersion: Int) -> FormDefinition {
        forms.first { $0.itemCode == item.itemCode && $0.itemVersion == formVersion } ?? generic(for: item, version: formVersion)
    }

    /// The form used when an item has no form of its own: who applies, how to reach
    /// them and what they ask for.
    static func generic(for item: ServiceItem, version: Int) -> FormDefinition {
        var fields: [FormField] = []
        if item.applicantType == .organization {
            fields.append(FormField(id: "organizationName", label: "单位名称", type: .text, required: true, prefill: .organizationName))
            fields.append(FormField(id: "creditCode", label: "统一社会信用代码", type: .creditCode, required: true, prefill: .organizationCreditCode))
        }
        fields.append(FormField(id: "applicantName", label: "申请人姓名", type: .text, required: true, prefill: .applicantName))
        fields.append(FormField(id: "applicantIdNumber", label: "申请人身份证号", type: .idNumber, required: true, prefill: .applicantIDNumber))
        fields.append(FormField(id: "contactMobile", label: "联系电话", type: .mobile, required: true, prefill: .applicantMobile))
        fields.append(FormField(id: "request", label: "申请事项说明", type: .text, required: true, maxLength: 1000,
                                help: "请简要说明申请\(item.name)的具体情况", multiline: true))
        return FormDefinition(itemCode: item.itemCode, itemVersion: version, fields: fields)
    }

    /// Checks the definition itself before any applicant sees it.
    public func validate() throws(ValidationFailure) {
        var issues = IssueCollector()
        if schemaVersion != Self.currentSchemaVersion {
            issues.add(FieldIssue(field: "schemaVersion", code: "unsupported",
                                  zh: "不支持的表单格式版本 \(schemaVersion)", en: "unsupported form format version \(schemaVersion)"))
        }
        if itemCode.workflowIsBlank { issues.add(.required("itemCode")) }
        if fields.isEmpty { issues.add(.required("fields")) }
        var seen = Set<String>()
        for (i, field) in fields.enumerated() {
            let path = "fields/\(i)"
            if field.id.workflowIsBlank { issues.add(.required("\(path)/id")) }
            else if !seen.insert(field.id).inserted {
                issues.add(FieldIssue(field: "\(path)/id", code: "duplicate", zh: "字段 \(field.id) 重复", en: "field \(field.id) appears twice"))
            }
            if field.label.workflowIsBlank { issues.add(.required("\(path)/label")) }
            if field.type == .choice, (field.options ?? []).isEmpty { issues.add(.required("\(path)/options")) }
            if field.type != .choice, field.options != nil {
                issues.add(FieldIssue(field: "\(path)/options", code: "unexpected", zh: "只有选择题可以配置选项", en: "only a choice field has options"))
            }
            if field.multiline != nil, field.type != .text {
                issues.add(FieldIssue(field: "\(path)/multiline", code: "unexpected", zh: "只有文本字段可以多行", en: "only a text field is multi-line"))
            }
            if field.withinCaseDivision != nil, field.type != .division {
                issues.add(FieldIssue(field: "\(path)/withinCaseDivision", code: "unexpected", zh: "只有行政区划字段可以限定在办件区划内",
                                      en: "only a division field lies within the case's division"))
            }
            if field.notBeforeDays != nil || field.notAfterDays != nil, field.type != .date {
                issues.add(FieldIssue(field: "\(path)/notBeforeDays", code: "unexpected", zh: "只有日期字段可以限定日期范围",
                                      en: "only a date field has date bounds"))
            } else if let low = field.notBeforeDays, let high = field.notAfterDays, low > high {
                issues.add(FieldIssue(field: "\(path)/notAfterDays", code: "range", zh: "日期范围的终点早于起点",
                                      en: "notAfterDays lies before notBeforeDays"))
            }
            if let condition = field.requiredWhen {
                if condition.field == field.id || !fields.contains(where: { $0.id == condition.field }) {
                    issues.add(FieldIssue(field: "\(path)/requiredWhen/field", code: "unknownField",
                                          zh: "条件引用的字段 \(condition.field) 不存在", en: "condition refers to unknown field \(condition.field)"))
                }
                if condition.values.isEmpty { issues.add(.required("\(path)/requiredWhen/values")) }
            }
        }
        if !issues.issues.isEmpty { throw ValidationFailure(issues.issues) }
    }

    /// Checks and canonicalises the values present (a draft may be incomplete): unknown
    /// fields and malformed values are issues; blank values are dropped. `caseDivision`: the
    /// division the case is filed in, which `withinCaseDivision` fields must lie within.
    public func normalize(_ values: [String: String], divisionExists: (String) -> Bool, today: CivilDate,
                          caseDivision: String? = nil) -> (values: [String: String], issues: [FieldIssue]) {
        var result: [String: String] = [:]
        var issues: [FieldIssue] = []
        for key in values.keys.sorted() where field(key) == nil {
            issues.append(FieldIssue(field: "form/\(key)", code: "unknownField", zh: "表单没有字段 \(key)", en: "the form has no field \(key)"))
        }
        for field in fields {
            guard let raw = values[field.id]?.trimmed(), !raw.isEmpty else { continue }
            switch field.canonical(raw, divisionExists: divisionExists, today: today, caseDivision: caseDivision) {
            case .value(let value): result[field.id] = value
            case .issue(let issue): issues.append(issue)
            }
        }
        return (result, issues)
    }

    /// Whether `sent` (canonical values; a blank one, which clears the field, as "") changes a
    /// field holding a fact (`FormField.isHeldFact`) from what `current` holds: only then need the
    /// facts themselves be looked up and `replacedFacts` asked.
    public func changesHeldFacts(_ sent: [String: String], current: [String: String], forOrganization: Bool) -> Bool {
        fields.contains { field in
            field.isHeldFact(forOrganization: forOrganization) && sent[field.id].map { $0 != current[field.id] } == true
        }
    }

    /// What the government holds for the applicant of record (`held`: the prefilled values)
    /// is not replaced: each value in `sent` (canonical; a blank one as "") for a field holding a
    /// fact that differs from the fact is refused, naming the field. The same value is no change.
    public func replacedFacts(_ sent: [String: String], held: [String: String], forOrganization: Bool) -> [FieldIssue] {
        fields.compactMap { field in
            guard field.isHeldFact(forOrganization: forOrganization), let fact = held[field.id], let value = sent[field.id], value != fact else {
                return nil
            }
            return FieldIssue(field: "form/\(field.id)", code: "prefilled", zh: "“\(field.label)”由申请人身份自动填写，不能修改",
                              en: "\(field.id) is filled in from the applicant's identity and cannot be changed")
        }
    }

    /// Everything a submission needs: canonical values and every required field present,
    /// including the fields a condition makes required.
    public func validateForSubmission(_ values: [String: String], divisionExists: (String) -> Bool,
                                      today: CivilDate, caseDivision: String? = nil) -> [FieldIssue] {
        let (canonical, formatIssues) = normalize(values, divisionExists: divisionExists, today: today, caseDivision: caseDivision)
        var issues = formatIssues
        let malformed = Set(formatIssues.map(\.field))
        for field in fields where canonical[field.id] == nil && !malformed.contains("form/\(field.id)") {
            let conditional = field.requiredWhen.map { c in canonical[c.field].map { c.values.contains($0) } ?? false } ?? false
            if field.required || conditional {
                issues.append(FieldIssue(field: "form/\(field.id)", code: "required",
                                         zh: "请填写“\(field.label)”", en: "\(field.id) is required"))
            }
        }
        return issues
    }
}

/// One field's verdict: its canonical value or what is wrong with it.
enum FieldCheck {
    case value(String)
    case issue(FieldIssue)
}

extension FormField {
    /// Whether the field holds a fact the government holds about the applicant of record of a case
    /// filed for an organisation or not (`PrefillSource.isHeldFact`): 免填, shown read-only.
    public func isHeldFact(forOrganization: Bool) -> Bool {
        prefill?.isHeldFact(forOrganization: forOrganization) ?? false
    }

    private func issue(_ code: String, _ zh: String, _ en: String) -> FieldIssue {
        FieldIssue(field: "form/\(id)", code: code, zh: "“\(label)”\(zh)", en: "\(id) \(en)")
    }

    func canonical(_ raw: String, divisionExists: (String) -> Bool, today: CivilDate, caseDivision: String?) -> FieldCheck {
        switch type {
        case .text:
            let limit = maxLength ?? FormDefinition.defaultTextLimit
            // Browsers send a textarea's line breaks as CR LF; one form of a break is kept.
            let text = multiline == true ? raw.replacingOccurrences(of: "\r\n", with: "\n") : raw
            if text.unicodeScalars.contains(where: { !allowedInText($0) }) {
                return .issue(multiline == true
                    ? issue("control", "不能包含除制表符和换行以外的控制字符（含文字方向控制符）",
                            "must not contain control characters other than tab and line feed (bidirectional controls included)")
                    : issue("control", "不能包含换行、制表符、文字方向控制符等控制字符",
                            "must not contain control characters such as line breaks, tabs or bidirectional controls"))
            }
            return text.count <= limit ? .value(text) : .issue(issue("tooLong", "不能超过 \(limit) 个字", "must be at most \(limit) characters"))
        case .number:
            // Written as people write numbers: `Double` alone would also take 0x10, 1e3, inf and nan.
            guard Self.isDecimal(raw), let number = Double(raw), number.isFinite else {
                return .issue(issue("format", "必须是十进制数字，如 120 或 45.5", "must be a decimal number such as 120 or 45.5"))
            }
            if let min, number < min { return .issue(issue("range", "不能小于 \(Self.plain(min))", "must be at least \(Self.plain(min))")) }
            if let max, number > max { return .issue(issue("range", "不能大于 \(Self.plain(max))", "must be at most \(Self.plain(max))")) }
            return .value(Self.plain(number))
        case .date:
            guard let date = CivilDate(iso: raw) else { return .issue(issue("format", "必须是 YYYY-MM-DD 格式的日期", "must be a date YYYY-MM-DD")) }
            guard FormField.dateYears.contains(date.year) else {
                return .issue(issue("range", "须在 \(FormField.dateYears.lowerBound) 至 \(FormField.dateYears.upperBound) 年之间",
                                    "must lie between \(FormField.dateYears.lowerBound) and \(FormField.dateYears.upperBound)"))
            }
            if let days = notBeforeDays, date < today.adding(days: days) {
                return .issue(issue("range", "不能早于 \(today.adding(days: days))", "must not be before \(today.adding(days: days))"))
            }
            if let days = notAfterDays, date > today.adding(days: days) {
                return .issue(issue("range", "不能晚于 \(today.adding(days: days))", "must not be after \(today.adding(days: days))"))
            }
            return .value(date.description)
        case .choice:
            return (options ?? []).contains { $0.value == raw } ? .value(raw)
                : .issue(issue("choice", "的选项无效", "must be one of the listed options"))
        case .division:
            guard divisionExists(raw) else { return .issue(issue("division", "不是有效的行政区划代码", "is not a known division code")) }
            if withinCaseDivision == true, let caseDivision, !CatalogScope.contains(caseDivision, raw) {
                return .issue(issue("outsideDivision", "须在本办件的办理区划 \(caseDivision) 之内", "must lie within the case's division \(caseDivision)"))
            }
            return .value(raw)
        case .idNumber:
            do {
                return .value(try ResidentID(validating: raw, field: "form/\(id)", today: today, divisionExists: divisionExists).value)
            } catch {
                return .issue(error.issues.first ?? issue("idNumber", "不是有效的居民身份证号", "is not a valid resident ID number"))
            }
        case .creditCode:
            do {
                return .value(try CreditCode(validating: raw, field: "form/\(id)", divisionExists: divisionExists).value)
            } catch {
                return .issue(error.issues.first ?? issue("creditCode", "不是有效的统一社会信用代码", "is not a valid credit code"))
            }
        case .mobile:
            do {
                return .value(try MobileNumber(validating: raw, field: "form/\(id)").value)
            } catch {
                return .issue(error.issues.first ?? issue("format", "不是有效的手机号码", "is not a valid mobile number"))
            }
        case .money:
            guard let fen = Money.fen(from: raw) else {
                return .issue(issue("money", "必须是金额（元，最多两位小数）", "must be an amount in yuan with at most two decimals"))
            }
            return .value(Money.yuan(fen))
        }
    }

    /// Control characters (C0, DEL, C1) are refused: they are invisible on a page and break what
    /// reads the value later; a multi-line field keeps tab and line feed. So are the bidirectional
    /// controls (embeddings, overrides, isolates, LRM, RLM, ALM): invisible too, they reorder how the
    /// text around them displays, so a name or address could read reversed to the official.
    private func allowedInText(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80, scalar.value >= 0x20, scalar.value != 0x7F { return true }
        if scalar.properties.generalCategory == .control { return multiline == true && (scalar == "\t" || scalar == "\n") }
        return !scalar.properties.isBidiControl
    }

    /// Dates a form can mean: a birth date of a living person, a planned opening, a contract's end.
    static let dateYears = 1900...2199

    /// Optional minus, digits, optional fraction: `-3`, `45.5`; not `+3`, `.5`, `1e3` or `0x10`.
    static func isDecimal(_ text: String) -> Bool {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    static func plain(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}

/// Amounts in yuan as typed, kept in fen so no float ever touches money.
public enum Money {
    public static func fen(from text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 13,
              whole.allSatisfy({ $0.isASCII && $0.isNumber }), let yuan = Int64(whole) else { return nil }
        var cents: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            cents = Int64(fraction.count == 1 ? String(fraction) + "0" : String(fraction))!
        }
        return yuan * 100 + cents
    }

    public static func yuan(_ fen: Int64) -> String {
        let cents = fen % 100
        return "\(fen / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
