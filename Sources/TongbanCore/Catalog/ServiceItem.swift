/// 事项类型. JSON carries the English case name; `zh` is what the service guide shows.
public enum ItemKind: String, Codable, Sendable, CaseIterable, Hashable {
    case licensing, confirmation, benefit, adjudication, reward, otherPower, publicService

    public var zh: String {
        switch self {
        case .licensing: "行政许可"
        case .confirmation: "行政确认"
        case .benefit: "行政给付"
        case .adjudication: "行政裁决"
        case .reward: "行政奖励"
        case .otherPower: "其他行政权力"
        case .publicService: "公共服务"
        }
    }

    /// The kind segment of an item code (`330000-XK-0001`), so a code alone tells the kind.
    public var codeSegment: String {
        switch self {
        case .licensing: "XK"
        case .confirmation: "QR"
        case .benefit: "JF"
        case .adjudication: "CJ"
        case .reward: "JL"
        case .otherPower: "QT"
        case .publicService: "GG"
        }
    }
}

/// 人生/企业生命周期事件: how citizens browse the catalog instead of by department.
public enum LifeEvent: String, Codable, Sendable, CaseIterable, Hashable {
    case birth, schooling, employment, marriageChildbirth, housing, socialSecurity, retirement, afterDeath
    case businessStartup, businessChange, businessDeregistration, investmentConstruction

    public var zh: String {
        switch self {
        case .birth: "出生"
        case .schooling: "上学"
        case .employment: "就业"
        case .marriageChildbirth: "婚育"
        case .housing: "住房"
        case .socialSecurity: "社保"
        case .retirement: "退休"
        case .afterDeath: "身后事"
        case .businessStartup: "企业开办"
        case .businessChange: "变更"
        case .businessDeregistration: "注销"
        case .investmentConstruction: "投资建设"
        }
    }
}

public enum ApplicantType: String, Codable, Sendable, CaseIterable, Hashable {
    case person, organization, both

    public var zh: String {
        switch self {
        case .person: "自然人"
        case .organization: "法人"
        case .both: "自然人、法人"
        }
    }

    /// Whether an applicant of type `type` may apply; `both` items serve everyone.
    public func serves(_ type: ApplicantType) -> Bool {
        self == .both || type == .both || self == type
    }
}

public enum ItemStatus: String, Codable, Sendable, CaseIterable, Hashable {
    case draft, published, retired
}

/// 设定依据: one cited law and the article in it. `article` may be empty when the whole
/// instrument is the basis (common for 办法/规定 that regulate a single item).
public struct LegalBasis: Codable, Sendable, Hashable {
    public var law: String
    public var article: String

    public init(law: String, article: String) {
        self.law = law
        self.article = article
    }
}

/// Where a material comes from. Anything but `applicant` is 免提交: the government already
/// holds it and fetches it itself, so the applicant is never asked for it again.
public enum MaterialSource: Sendable, Hashable, Codable {
    case applicant
    /// Fetched from a shared data resource (数据资源目录), named by resource.
    case sharedData(String)
    /// Taken from an electronic certificate (电子证照) of this certificate type code.
    case certificate(String)

    public var isGovernmentSupplied: Bool { self != .applicant }

    private enum CodingKeys: String, CodingKey { case type, resource, certificateType }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "applicant": self = .applicant
        case "sharedData": self = .sharedData(try c.decode(String.self, forKey: .resource))
        case "certificate": self = .certificate(try c.decode(String.self, forKey: .certificateType))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c, debugDescription: "unknown material source \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .applicant:
            try c.encode("applicant", forKey: .type)
        case .sharedData(let resource):
            try c.encode("sharedData", forKey: .type)
            try c.encode(resource, forKey: .resource)
        case .certificate(let type):
            try c.encode("certificate", forKey: .type)
            try c.encode(type, forKey: .certificateType)
        }
    }
}

public enum MaterialForm: String, Codable, Sendable, CaseIterable, Hashable {
    case original, copy, electronic

    public var zh: String {
        switch self {
        case .original: "原件"
        case .copy: "复印件"
        case .electronic: "电子件"
        }
    }
}

/// Whether a material must be supplied. JSON: `true`, `false`, or `{"condition": "…"}`
/// for 容缺/情形 materials that apply only in a described situation.
public enum MaterialNecessity: Sendable, Hashable, Codable {
    case required
    case optional
    case conditional(String)

    private enum CodingKeys: String, CodingKey { case condition }

    public init(from decoder: any Decoder) throws {
        if let flag = try? decoder.singleValueContainer().decode(Bool.self) {
            self = flag ? .required : .optional
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self = .conditional(try c.decode(String.self, forKey: .condition))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .required, .optional:
            var c = encoder.singleValueContainer()
            try c.encode(self == .required)
        case .conditional(let condition):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(condition, forKey: .condition)
        }
    }
}

/// 申请材料: one line of the guide's material list.
public struct MaterialRequirement: Codable, Sendable, Hashable {
    public var name: String
    public var source: MaterialSource
    public var form: MaterialForm
    public var copies: Int
    public var required: MaterialNecessity
    public var notes: String
    public var sampleURL: String?

    public init(
        name: String, source: MaterialSource = .applicant, form: MaterialForm = .original,
        copies: Int = 1, required: MaterialNecessity = .required, notes: String = "",
        sampleURL: String? = nil
    ) {
        self.name = name
        self.source = source
        self.form = form
        self.copies = copies
        self.required = required
        self.notes = notes
        self.sampleURL = sampleURL
    }
}

/// 收费标准. Amounts are in fen so no float ever touches money.
public enum Fee: Sendable, Hashable, Codable {
    case free
    case charged(amountFen: Int, basis: String)

    private enum CodingKeys: String, CodingKey { case type, amountFen, basis }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "free": self = .free
        case "charged":
            self = .charged(
                amountFen: try c.decode(Int.self, forKey: .amountFen),
                basis: try c.decode(String.self, forKey: .basis))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown fee type \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .free:
            try c.encode("free", forKey: .type)
        case .charged(let amountFen, let basis):
            try c.encode("charged", forKey: .type)
            try c.encode(amountFen, forKey: .amountFen)
            try c.encode(basis, forKey: .basis)
        }
    }
}

/// 办理地点: the service hall window where the item is handled.
public struct ServiceLocation: Codable, Sendable, Hashable {
    public var address: String
    public var hours: String
    public var phone: String

    public init(address: String, hours: String, phone: String) {
        self.address = address
        self.hours = hours
        self.phone = phone
    }
}

/// 政务服务事项 as published in its service guide (办事指南) by one division.
/// The same `itemCode` at several divisions means the same standard (同标准办理);
/// see `SameStandardRule` for what a local implementation may change.
public struct ServiceItem: Codable, Sendable, Hashable {
    public var itemCode: String
    public var name: String
    public var kind: ItemKind
    public var legalBasis: [LegalBasis]
    public var departmentCode: String
    public var divisionCode: String
    public var applicantType: ApplicantType
    public var conditions: [String]
    public var materials: [MaterialRequirement]
    public var steps: [String]
    /// Working days (工作日); 0 means 即办.
    public var statutoryLimitDays: Int
    /// Working days the department commits to; never more than the statutory limit.
    public var promisedLimitDays: Int
    public var fee: Fee
    /// On-site visits the applicant must make (跑动次数).
    public var visits: Int
    /// 全程网办: the whole item can be done online.
    public var onlineFull: Bool
    public var location: ServiceLocation
    public var lifeEvents: [LifeEvent]
    public var tags: [String]
    public var status: ItemStatus
    public var version: Int

    public init(
        itemCode: String, name: String, kind: ItemKind, legalBasis: [LegalBasis],
        departmentCode: String, divisionCode: String, applicantType: ApplicantType,
        conditions: [String], materials: [MaterialRequirement], steps: [String],
        statutoryLimitDays: Int, promisedLimitDays: Int, fee: Fee, visits: Int, onlineFull: Bool,
        location: ServiceLocation, lifeEvents: [LifeEvent], tags: [String],
        status: ItemStatus, version: Int
    ) {
        self.itemCode = itemCode
        self.name = name
        self.kind = kind
        self.legalBasis = legalBasis
        self.departmentCode = departmentCode
        self.divisionCode = divisionCode
        self.applicantType = applicantType
        self.conditions = conditions
        self.materials = materials
        self.steps = steps
        self.statutoryLimitDays = statutoryLimitDays
        self.promisedLimitDays = promisedLimitDays
        self.fee = fee
        self.visits = visits
        self.onlineFull = onlineFull
        self.location = location
        self.lifeEvents = lifeEvents
        self.tags = tags
        self.status = status
        self.version = version
    }

    /// Materials the applicant must actually hand in: 免提交 ones are fetched by the government.
    public var applicantMaterials: [MaterialRequirement] {
        materials.filter { !$0.source.isGovernmentSupplied }
    }
}
