import Foundation
import SQLKit
import TongbanCore

/// Administrators publish process definitions for service items as data. A definition is
/// checked by the domain core (reachable end, no dead steps, every action has a role) and
/// against the departments it names (they exist and serve the divisions it governs) before it
/// is stored; it then governs new cases of the item, while cases already filed keep the
/// revision they started on.
extension ApplicationService {
    public struct ProcessPublication: Decodable, Sendable {
        /// The division the definition holds for; absent: every division carrying the item.
        public var divisionCode: String?
        public var definition: ProcessDefinition
    }

    public struct ProcessInForce: Encodable, Sendable {
        public struct Entry: Encodable, Sendable {
            var divisionCode: String?
            var definitionId: String
            var definitionVersion: Int
            var publishedAt: Int64
            var publishedBy: String?
        }
        var itemCode: String
        var divisionCode: String
        /// `published` (by an administrator), `shipped` (with Tongban) or `standard` (derived from the guide).
        var source: String
        var definition: ProcessDefinition
        var history: [Entry]
    }

    /// The definition new cases of the item start on in `division` (or at the standard's division).
    public func processInForce(itemCode: String, division: String?) async throws -> ProcessInForce {
        try ApplicationProblem.checkDivision(division, field: "division", in: divisions)
        guard let entry = try await catalog.item(code: itemCode, division: division, version: nil) else {
            throw Problem.notFound("item")
        }
        let (definition, source) = try await library.definitionInForce(for: entry.item, version: entry.currentVersion, on: database.sql)
        return try await describe(itemCode: itemCode, divisionCode: entry.item.divisionCode, definition: definition, source: source)
    }

    private func describe(itemCode: String, divisionCode: String, definition: ProcessDefinition,
                          source: ProcessLibrary.Source) async throws -> ProcessInForce {
        let history = try await library.publications.history(itemCode: itemCode, on: database.sql).map {
            ProcessInForce.Entry(divisionCode: $0.divisionCode.isEmpty ? nil : $0.divisionCode, definitionId: $0.definitionId,
                                 definitionVersion: $0.definitionVersion, publishedAt: $0.publishedAt, publishedBy: $0.publishedBy)
        }
        return ProcessInForce(itemCode: itemCode, divisionCode: divisionCode, source: source.rawValue,
                              definition: definition, history: history)
    }

    public func publishProcess(itemCode: String, _ input: ProcessPublication, by caller: Principal, actor: AuditActor) async throws -> ProcessInForce {
        try ApplicationProblem.checkDivision(input.divisionCode, in: divisions)
        guard let entry = try await catalog.item(code: itemCode, division: input.divisionCode, version: nil) else {
            throw Problem.notFound("item")
        }
        try CatalogReach.check(caller, division: input.divisionCode ?? entry.item.divisionCode)
        var definition = input.definition
        var issues: [FieldIssue] = []
        if definition.id.hasPrefix(ProcessLibrary.standardPrefix) {
            issues.append(ApplicationProblem.field("definition/id", "reserved", "以“\(ProcessLibrary.standardPrefix)”开头的编号留给标准流程",
                                                   "ids starting with \(ProcessLibrary.standardPrefix) are reserved for derived definitions"))
        }
        // Checked as version 1; the stored version is assigned inside the transaction.
        definition.version = 1
        var core = definition.publicationIssues
        do {
            try definition.validate()
        } catch {
            core = error.issues + core
        }
        issues += core.map { var issue = $0; issue.field = "definition/\(issue.field)"; return issue }
        issues += Self.unknownPosts(in: definition)
        let governed = if let division = input.divisionCode { [division] }
                       else { Array(Set([entry.item.divisionCode] + (try await catalog.offeringDivisions(code: itemCode)))).sorted() }
        issues += try await departmentIssues(in: definition, governing: governed)
        if !issues.isEmpty { throw Problem.validation(issues) }

        let now = self.now
        let library = self.library
        let scope = input.divisionCode ?? ""
        let checked = definition
        let published: ProcessDefinition
        do {
            published = try await database.transaction { db in
                // Versions are assigned here and inserted without ignoring conflicts, so a stored
                // revision is never overwritten: of two concurrent publications one gets a 409.
                var next = checked
                next.version = max(try await library.publications.latestVersion(definitionID: checked.id, on: db),
                                   library.shippedVersion(id: checked.id)) + 1
                let sequence = try await library.publications.history(itemCode: itemCode, on: db).filter { $0.divisionCode == scope }.count + 1
                try await library.record(next, on: db, now: now, ignoringExisting: false)
                try await library.publications.insert(ProcessPublicationRecord(
                    itemCode: itemCode, divisionCode: scope, sequence: sequence, definitionId: next.id,
                    definitionVersion: next.version, publishedAt: now, publishedBy: caller.accountID), on: db)
                try await audit.append(AuditRecord("process.publish", targetType: "serviceItem", targetID: itemCode,
                                                   detail: "\(next.id)@\(next.version) \(scope.isEmpty ? "all divisions" : scope)"),
                                       actor: actor, on: db)
                return next
            }
        } catch where isUniqueViolation(error) {
            throw Problem.conflict("该事项的流程正被他人同时发布，请刷新后重试", "another publication of this process happened at the same time; reload and retry")
        }
        library.committed(published)
        // What this request published, even if another publication has committed since.
        return try await describe(itemCode: itemCode, divisionCode: entry.item.divisionCode,
                                  definition: published, source: .published)
    }

    /// Posts no staff account holds, named by a step's actions (the applicant's own actions are the engine's).
    static func unknownPosts(in definition: ProcessDefinition) -> [FieldIssue] {
        let known = StaffPosts.staffPosts.map(\.rawValue).sorted().joined(separator: ", ")
        return definition.steps.enumerated().flatMap { i, step in
            step.actions.enumerated().flatMap { j, action in
                action.roles.enumerated().compactMap { r, role -> FieldIssue? in
                    guard !StaffPosts.staffPosts.contains(role), !role.rawValue.trimmed().isEmpty else { return nil }
                    return ApplicationProblem.field("definition/steps/\(i)/actions/\(j)/roles/\(r)", "unknownPost",
                                                    "岗位“\(role.rawValue)”不存在（可用：\(known)）",
                                                    "no staff post \(role.rawValue) (known: \(known))")
                }
            }
        }
    }

    /// Departments a definition names that do not exist (a typo would leave a step nobody can
    /// act in) or that serve another division than one the definition governs: their staff
    /// would work, and read, cases of citizens outside their division. A department of the
    /// division or of one containing it (the city's, the province's) takes part; a sibling
    /// county's does not. A definition for every division governs each division offering the
    /// item, so its departments must serve them all (the item's standard division's do).
    private func departmentIssues(in definition: ProcessDefinition, governing divisions: [String]) async throws -> [FieldIssue] {
        var named: [(field: String, code: String)] = []
        for (i, step) in definition.steps.enumerated() {
            if let department = step.department { named.append(("definition/steps/\(i)/department", department)) }
            if let joint = step.jointReview {
                named.append(("definition/steps/\(i)/jointReview/leadDepartment", joint.leadDepartment))
                for (p, participant) in joint.participants.enumerated() {
                    named.append(("definition/steps/\(i)/jointReview/participants/\(p)/departmentCode", participant.departmentCode))
                }
            }
        }
        guard !named.isEmpty else { return [] }
        struct Row: Decodable { var code: String; var divisionCode: String }
        let known = Dictionary(uniqueKeysWithValues: try await database.sql.select().columns("code", "division_code").from("departments")
            .where("code", .in, Array(Set(named.map(\.code)))).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            .map { ($0.code, $0.divisionCode) })
        return named.compactMap { field, code in
            guard let own = known[code] else {
                return ApplicationProblem.field(field, "unknownDepartment", "部门 \(code) 不存在", "no department \(code)")
            }
            guard let outside = divisions.first(where: { !CatalogScope.contains(own, $0) }) else { return nil }
            if divisions.count == 1 {
                return ApplicationProblem.field(field, "departmentOutsideDivision",
                                                "部门 \(code) 属行政区划 \(own)，不属于流程适用的行政区划 \(outside) 或其上级，不能办理该区划的办件",
                                                "department \(code) belongs to division \(own), neither the process's division \(outside) nor one containing it, so it cannot handle its cases")
            }
            return ApplicationProblem.field(field, "departmentOutsideDivision",
                                            "部门 \(code) 属行政区划 \(own)，不能办理事项在 \(outside) 的办件：未指定行政区划的流程适用于办理该事项的全部行政区划（\(divisions.joined(separator: "、"))），其部门须属于包含这些区划的行政区划",
                                            "department \(code) belongs to division \(own) and cannot handle the item's cases in \(outside): a definition for every division governs all divisions offering the item (\(divisions.joined(separator: ", "))), so its departments must belong to a division containing them all")
        }
    }
}
