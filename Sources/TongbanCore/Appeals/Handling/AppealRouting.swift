import Foundation

/// One editable line of the routing table: appeals of `category` raised in `divisionCode`
/// (or anywhere below it) go to `departmentCode`.
public struct AppealRoute: Sendable, Codable, Equatable, Hashable {
    public var category: AppealCategory
    public var divisionCode: String
    public var departmentCode: String

    public init(category: AppealCategory, divisionCode: String, departmentCode: String) {
        self.category = category
        self.divisionCode = divisionCode
        self.departmentCode = departmentCode
    }
}

/// Category + division → department. The most specific division wins: a county's own line,
/// else its city's, else its province's, so a city can route its counties with seven lines.
public struct AppealRoutingTable: Sendable, Equatable {
    private let lines: [AppealCategory: [String: String]]

    public init(_ routes: [AppealRoute]) {
        var lines: [AppealCategory: [String: String]] = [:]
        for route in routes { lines[route.category, default: [:]][route.divisionCode] = route.departmentCode }
        self.lines = lines
    }

    /// The division itself, then its city, then its province (GB/T 2260 six-digit codes).
    public static func divisionChain(_ code: String) -> [String] {
        guard code.count == 6 else { return [code] }
        var chain = [code]
        let city = String(code.prefix(4)) + "00"
        let province = String(code.prefix(2)) + "0000"
        for candidate in [city, province] where chain.last != candidate { chain.append(candidate) }
        return chain
    }

    public func department(for category: AppealCategory, division: String) -> String? {
        guard let byDivision = lines[category] else { return nil }
        for code in Self.divisionChain(division) { if let department = byDivision[code] { return department } }
        return nil
    }
}

/// Where the classifier's answer sends an appeal.
public struct AppealRoutingDecision: Sendable, Equatable {
    public struct Suggestion: Sendable, Equatable, Codable {
        public var category: AppealCategory
        public var score: Double
        public var departmentCode: String?
    }

    public var category: AppealCategory
    public var confidence: Double
    /// Set when the appeal goes straight to a department; nil sends it to a dispatcher.
    public var departmentCode: String?
    /// The top categories with their departments, shown to the dispatcher.
    public var suggestions: [Suggestion]
    /// Why no department was picked; nil when one was.
    public var manualReason: ManualReason?

    public enum ManualReason: String, Sendable, Codable {
        case lowConfidence, noRoute, noEvidence
    }

    public static let defaultThreshold = 0.5
    public static let suggestionCount = 3

    public static func decide(_ classification: AppealClassification, division: String, table: AppealRoutingTable,
                              threshold: Double = defaultThreshold) -> AppealRoutingDecision {
        let suggestions = classification.ranked.prefix(suggestionCount).map {
            Suggestion(category: $0.category, score: $0.score, departmentCode: table.department(for: $0.category, division: division))
        }
        let routed = table.department(for: classification.category, division: division)
        let reason: ManualReason? =
            classification.matchedFeatureCount == 0 ? .noEvidence
            : classification.confidence < threshold ? .lowConfidence
            : routed == nil ? .noRoute : nil
        return AppealRoutingDecision(
            category: classification.category, confidence: classification.confidence,
            departmentCode: reason == nil ? routed : nil, suggestions: Array(suggestions), manualReason: reason)
    }
}
