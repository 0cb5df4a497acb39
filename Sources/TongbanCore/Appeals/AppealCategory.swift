import Foundation

/// First-level routing category of a 12345 appeal; the raw value is the label the
/// hotline's dispatchers use, so it is also what CSV files and JSON carry.
public enum AppealCategory: String, CaseIterable, Codable, Sendable, Hashable {
    case urbanRuralConstruction = "城乡建设"
    case environmentalProtection = "环境保护"
    case transportation = "交通运输"
    case educationCultureSports = "教育文体"
    case laborSocialSecurity = "劳动和社会保障"
    case commerceTourism = "商贸旅游"
    case healthFamilyPlanning = "卫生计生"

    /// Accepts the label with stray surrounding whitespace, as spreadsheets often leave it.
    public init?(label: String) {
        self.init(rawValue: label.trimmed())
    }
}

/// One training or evaluation example: an appeal's title (may be empty), its body
/// (may be empty when only a title is known) and the category it was routed to.
public struct LabeledAppealText: Sendable, Equatable, Codable {
    public var title: String
    public var text: String
    public var category: AppealCategory

    public init(title: String, text: String, category: AppealCategory) {
        self.title = title
        self.text = text
        self.category = category
    }
}
