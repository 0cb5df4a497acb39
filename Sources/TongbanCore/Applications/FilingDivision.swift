/// Where an application that names no division is filed (属地办理): with the competent
/// implementation for the applicant, so a county that runs an item itself gets its residents' cases.
public enum FilingDivision {
    public enum Choice: Sendable, Equatable {
        /// File with the implementation serving this division (the catalog resolves the deepest one).
        case division(String)
        /// The item is handled in one division only: its standard serves everyone.
        case standard
        /// The applicant's own division is unknown or served by none of these, and the item is
        /// handled in several divisions: the applicant must choose one of them.
        case ambiguous([String])
    }

    /// The applicant's own division: an organisation's (an agent applies for it), else the
    /// division that issued the person's ID number, or the deepest enclosing division that still
    /// exists (a county merged away since); nil when neither says one.
    public static func home(idNumber: String?, organizationDivision: String?, divisionExists: (String) -> Bool) -> String? {
        let code = organizationDivision ?? idNumber.map { String($0.prefix(6)) }
        return code.flatMap { CatalogScope.chain(of: $0).first { $0 != CatalogScope.nationalCode && divisionExists($0) } }
    }

    /// `offeredIn`: every division where the item is published, standards and local implementations.
    public static func choose(home: String?, offeredIn: [String]) -> Choice {
        let covering = home.map { home in offeredIn.filter { CatalogScope.contains($0, home) } } ?? []
        // The deepest: the longest chain up to national.
        if let competent = covering.max(by: { CatalogScope.chain(of: $0).count < CatalogScope.chain(of: $1).count }) {
            return .division(competent)
        }
        return Set(offeredIn).count > 1 ? .ambiguous(Set(offeredIn).sorted()) : .standard
    }
}
