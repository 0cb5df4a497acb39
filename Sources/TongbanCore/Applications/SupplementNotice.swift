import Foundation

extension ServiceItem {
    /// What is wrong with the materials a supplement notice (一次性告知) names: each must be one
    /// the guide lists and the applicant provides, so the applicant can upload exactly what it
    /// asks for; what is wrong with each goes in the notice's comment. Fields are `materials/N`.
    public func supplementIssues(naming materials: [String]) -> [FieldIssue] {
        let requirements = Dictionary(self.materials.map { ($0.name, $0) }) { first, _ in first }
        return materials.enumerated().compactMap { index, raw -> FieldIssue? in
            let name = raw.trimmed()
            guard !name.isEmpty else { return nil }
            guard let requirement = requirements[name] else {
                return FieldIssue(field: "materials/\(index)", code: "unknownMaterial", zh: "办事指南未列出材料“\(name)”",
                                  en: "the service guide does not list \(name)")
            }
            guard !requirement.source.isGovernmentSupplied else {
                return FieldIssue(field: "materials/\(index)", code: "governmentSupplied", zh: "“\(name)”由政府部门共享获取，不能要求申请人补正",
                                  en: "\(name) is supplied by the government; the applicant cannot be asked for it")
            }
            return nil
        }
    }
}

extension ApplicationStatus {
    /// Whether the applicant may upload or take back one of their materials now: any in a draft;
    /// while a supplement notice waits, only what it names (`noticeNames`), since the others were
    /// reviewed as they stand; none once the case is with the officials or closed. The server
    /// refuses by this and the case page offers by it.
    public func allowsChange(of material: String, noticeNames: [String]) -> Bool {
        switch self {
        case .draft: true
        case .supplementRequested: noticeNames.contains(material)
        case .submitted, .inProgress, .rejectedAtIntake, .approved, .rejected, .concluded, .withdrawn: false
        }
    }
}
