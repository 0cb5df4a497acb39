import TongbanCore

/// How far a staff member's authority extends. Most staff act only for their own
/// department; supervisors and administrators reach every department in their division's
/// subtree (a city supervisor sees the city's and its counties' departments).
enum Reach {
    static let subtreeRoles: Set<Role> = [.supervisor, .systemAdmin]

    /// Prefix shared by every division code inside `division`'s subtree.
    static func subtreePrefix(of division: String) -> String {
        if division == "000000" { return "" }
        if division.hasSuffix("0000") { return String(division.prefix(2)) }
        if division.hasSuffix("00") { return String(division.prefix(4)) }
        return division
    }

    static func covers(_ principal: Principal, department: Department) -> Bool {
        if principal.hasAny(subtreeRoles), let division = principal.divisionCode {
            return department.divisionCode.hasPrefix(subtreePrefix(of: division))
        }
        return principal.departmentCode == department.code
    }

    /// The departments whose records `principal` may read, or nil for "every department".
    static func departments(of principal: Principal, among all: [Department]) -> [String]? {
        if principal.hasAny(subtreeRoles), let division = principal.divisionCode {
            let prefix = subtreePrefix(of: division)
            if prefix.isEmpty { return nil }
            return all.filter { $0.divisionCode.hasPrefix(prefix) }.map(\.code)
        }
        return principal.departmentCode.map { [$0] } ?? []
    }
}
