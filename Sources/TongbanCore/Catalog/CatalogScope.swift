/// Which catalog items a citizen sees, derived from GB/T 2260 division codes alone:
/// `33` province, `3301` city, `330106` county; `000000` stands for national items.
public enum CatalogScope {
    public static let nationalCode = "000000"

    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case national, province, city, county
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public static func isDivisionCode(_ code: String) -> Bool {
        code.utf8.count == 6 && code.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Level of a well-formed code, read from its trailing zeros.
    public static func level(of code: String) -> Level? {
        guard isDivisionCode(code) else { return nil }
        if code == nationalCode { return .national }
        if code.hasSuffix("0000") { return .province }
        if code.hasSuffix("00") { return .city }
        return .county
    }

    /// The code itself followed by each enclosing level up to national, most local first.
    /// Codes that are not six digits have no chain.
    public static func chain(of code: String) -> [String] {
        guard let level = level(of: code) else { return [] }
        let digits = Array(code)
        let city = String(digits[0..<4]) + "00"
        let province = String(digits[0..<2]) + "0000"
        switch level {
        case .national: return [code]
        case .province: return [code, nationalCode]
        case .city: return [code, province, nationalCode]
        case .county: return [code, city, province, nationalCode]
        }
    }

    /// True when `inner` lies within `outer` (or is it).
    public static func contains(_ outer: String, _ inner: String) -> Bool {
        chain(of: inner).contains(outer)
    }

    /// The catalog as seen by a citizen of `divisionCode`: published items of that division,
    /// its city, its province and national ones. An item code implemented at several of those
    /// levels appears once, as the most local (competent) implementation. Input order is kept
    /// by the position of each code's first appearance.
    public static func visibleItems(_ items: [ServiceItem], forCitizenIn divisionCode: String) throws -> [ServiceItem] {
        let visible = chain(of: divisionCode)
        guard !visible.isEmpty else {
            throw ValidationFailure(FieldIssue(
                field: "divisionCode", code: "format",
                zh: "行政区划代码应为6位数字", en: "division code must be 6 digits"))
        }
        // Position in the chain: 0 is most local, so a smaller rank wins.
        let rank = Dictionary(uniqueKeysWithValues: visible.enumerated().map { ($1, $0) })
        var chosen: [String: (index: Int, rank: Int)] = [:]
        var order: [String] = []
        for (index, item) in items.enumerated() where item.status == .published {
            guard let r = rank[item.divisionCode] else { continue }
            if let current = chosen[item.itemCode] {
                if r < current.rank { chosen[item.itemCode] = (index, r) }
            } else {
                chosen[item.itemCode] = (index, r)
                order.append(item.itemCode)
            }
        }
        return order.compactMap { chosen[$0].map { items[$0.index] } }
    }
}
