import Foundation

/// Whether a certificate names a natural person or an organisation as its holder.
public enum HolderKind: String, Sendable, Codable, CaseIterable {
    case person, organization
}

/// How long a certificate of a type stays valid after issue.
public struct ValidityRule: Sendable, Codable, Hashable {
    public enum Unit: String, Sendable, Codable { case none, days, months, years }
    public var unit: Unit
    public var count: Int

    public init(unit: Unit, count: Int = 0) {
        self.unit = unit
        self.count = count
    }

    /// The last day the certificate is valid, or nil when it never expires. A licence
    /// "valid for 5 years" issued on 2026-03-10 is valid through 2031-03-09.
    public func expiry(issuedOn: CivilDate) -> CivilDate? {
        switch unit {
        case .none: return nil
        case .days: return issuedOn.adding(days: count - 1)
        case .months: return issuedOn.addingMonths(count).adding(days: -1)
        case .years: return issuedOn.addingMonths(count * 12).adding(days: -1)
        }
    }
}

extension CivilDate {
    /// Same day of the month `months` later, clamped to the month's last day (01-31 + 1 month = 02-28).
    public func addingMonths(_ months: Int) -> CivilDate {
        let total = year * 12 + (month - 1) + months
        let y = total / 12, m = total % 12 + 1
        let last = CivilDate.daysIn(month: m, year: y)
        return CivilDate(year: y, month: m, day: min(day, last))!
    }
}

/// One field a certificate of a type carries.
public struct CertificateFieldSpec: Sendable, Codable, Hashable {
    public var name: String
    public var label: String
    public var required: Bool
    /// Shown on the public verification page unless the holder hides it.
    public var disclosedByDefault: Bool
    /// The application-form field that fills this one when approval issues the certificate
    /// (nil: a form field of the same name).
    public var formField: String?
    /// What a form value reads as on the certificate (a choice's code, e.g. `restaurant`, is
    /// 餐饮服务经营者 as 主体业态 and 热食类食品制售 as 经营项目); values not listed are copied.
    public var valueText: [String: String]?

    public init(name: String, label: String, required: Bool = true, disclosedByDefault: Bool = false, formField: String? = nil,
                valueText: [String: String]? = nil) {
        self.name = name
        self.label = label
        self.required = required
        self.disclosedByDefault = disclosedByDefault
        self.formField = formField
        self.valueText = valueText
    }

    /// The certificate's text for a form value.
    public func text(for value: String) -> String { valueText?[value] ?? value }
}

/// A kind of certificate issued for one or more service items (data, not code: loaded
/// from the bundled type list into the database).
public struct CertificateType: Sendable, Codable, Hashable {
    public var code: String
    public var name: String
    /// Short letters in the certificate number (e.g. `SP` for 食品经营许可证).
    public var numberPrefix: String
    public var holderKind: HolderKind
    /// Items whose approval issues this type.
    public var itemCodes: [String]
    /// The item a holder applies for to renew, linked from the expiry reminder.
    public var renewalItemCode: String?
    public var fields: [CertificateFieldSpec]
    public var validity: ValidityRule
    /// Name of the printable layout.
    public var template: String

    public init(code: String, name: String, numberPrefix: String, holderKind: HolderKind, itemCodes: [String],
                renewalItemCode: String?, fields: [CertificateFieldSpec], validity: ValidityRule, template: String) {
        self.code = code
        self.name = name
        self.numberPrefix = numberPrefix
        self.holderKind = holderKind
        self.itemCodes = itemCodes
        self.renewalItemCode = renewalItemCode
        self.fields = fields
        self.validity = validity
        self.template = template
    }

    public static let maxFieldLength = 500

    /// Checks submitted field values against the type: every required field present, no
    /// unknown field, no over-long value. Reports every problem at once.
    public func validate(fields values: [String: String], path: String = "fields") throws {
        var issues = IssueCollector()
        let known = Set(fields.map(\.name))
        for spec in fields where spec.required {
            if (values[spec.name] ?? "").trimmed().isEmpty {
                issues.add(FieldIssue(field: "\(path)/\(spec.name)", code: "required",
                                      zh: "\(spec.label)为必填项", en: "\(spec.name) is required"))
            }
        }
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            if !known.contains(name) {
                issues.add(FieldIssue(field: "\(path)/\(name)", code: "unknown",
                                      zh: "\(name) 不是\(self.name)的字段", en: "\(name) is not a field of \(code)"))
            } else if value.count > Self.maxFieldLength {
                issues.add(FieldIssue(field: "\(path)/\(name)", code: "too-long",
                                      zh: "\(name) 不能超过 \(Self.maxFieldLength) 个字符",
                                      en: "\(name) must be at most \(Self.maxFieldLength) characters"))
            }
        }
        try issues.throwIfAny()
    }
}

/// Certificate numbers: `<division>-<year>-<type prefix>-<10 random Crockford base32>`,
/// e.g. `330106-2026-SP-7F3K9Q2M0A`. Random rather than counted so several server
/// processes never need to agree on a sequence; the database's unique index catches the
/// vanishingly rare clash.
public enum CertificateNumber {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    public static func make(division: String, issuedOn: CivilDate, prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let tail = String((0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
        return "\(division)-\(String(format: "%04d", issuedOn.year))-\(prefix)-\(tail)"
    }

    /// Numbers are printed and typed; anything else in a URL is refused before a lookup.
    public static func isWellFormed(_ text: String) -> Bool {
        text.count <= 40 && !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "-") }
    }
}
