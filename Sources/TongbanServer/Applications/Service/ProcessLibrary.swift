import Foundation
import SQLKit
import TongbanCore

/// Forms and process definitions as shipped data, and the stored revisions cases run on.
public struct ProcessLibrary: Sendable {
    struct Bureau: Decodable, Sendable {
        var department: String
        var handlesFor: [String]
    }

    struct ItemProcess: Decodable, Sendable {
        var itemCode: String
        var divisionCode: String?
        var definition: ProcessDefinition
    }

    struct ProcessFile: Decodable { var approvalBureaus: [Bureau]; var items: [ItemProcess] }
    struct FormFile: Decodable { var forms: [FormDefinition] }

    let bureaus: [Bureau]
    let processes: [ItemProcess]
    let forms: [FormDefinition]
    let publications: any ProcessPublicationStore
    let cache = DefinitionCache()
    /// Ids of definitions derived from a guide; administrators cannot publish under them.
    static let standardPrefix = "standard-"

    public enum Source: String, Sendable { case published, shipped, standard }

    init(publications: any ProcessPublicationStore) throws {
        self.publications = publications
        let processFile = try JSONDecoder().decode(ProcessFile.self, from: BundledResources.data("applications/processes.json"))
        let formFile = try JSONDecoder().decode(FormFile.self, from: BundledResources.data("applications/forms.json"))
        for process in processFile.items { try process.definition.validate() }
        for form in formFile.forms { try form.validate() }
        bureaus = processFile.approvalBureaus
        processes = processFile.items
        forms = formFile.forms
    }

    /// The department that runs an item's cases: an approval bureau of the division when one
    /// takes the item's department over, else the item's own department.
    public func handlingDepartment(for item: ServiceItem) -> String {
        bureaus.first { $0.handlesFor.contains(item.departmentCode) }?.department ?? item.departmentCode
    }

    /// The form new applications for the item at `version` are filed on (`FormDefinition.inForce`):
    /// the apply page shows the form the case will be created with.
    public func form(for item: ServiceItem, version: Int) -> FormDefinition {
        FormDefinition.inForce(among: forms, for: item, version: version)
    }

    /// The form a case was filed on, by the form version it recorded: what its fills and its
    /// submission are checked against.
    func form(for item: ServiceItem, filedUnder formVersion: Int) -> FormDefinition {
        FormDefinition.filed(among: forms, for: item, formVersion: formVersion)
    }

    /// The definition new cases of this item start on: the one an administrator published
    /// for its division or for every division, else the shipped one, else the standard
    /// definition derived from the guide.
    func definitionInForce(for item: ServiceItem, version: Int, on db: any SQLDatabase) async throws -> (ProcessDefinition, Source) {
        if let publication = try await publications.current(itemCode: item.itemCode, divisions: [item.divisionCode, ""], on: db) {
            return (try await engine(id: publication.definitionId, version: publication.definitionVersion, on: db).definition, .published)
        }
        if let own = processes.first(where: { $0.itemCode == item.itemCode && ($0.divisionCode == nil || $0.divisionCode == item.divisionCode) }) {
            return (own.definition, .shipped)
        }
        let limit = max(1, item.promisedLimitDays > 0 ? item.promisedLimitDays : item.statutoryLimitDays)
        return (.standard(id: "\(Self.standardPrefix)\(item.itemCode)-\(item.divisionCode)", name: "\(item.name)（标准流程）", timeLimit: limit,
                          reviewDays: limit, decisionDays: limit).withVersion(version), .standard)
    }

    /// The version a shipped definition carries (0 when no shipped definition has the id).
    func shippedVersion(id: String) -> Int {
        processes.filter { $0.definition.id == id }.map(\.definition.version).max() ?? 0
    }

    /// Stores the revision if it is new; revisions are immutable once stored. Without
    /// `ignoringExisting` a revision already stored is a unique violation, not a no-op.
    func record(_ definition: ProcessDefinition, on db: any SQLDatabase, now: Int64, ignoringExisting: Bool = true) async throws {
        if ignoringExisting, cache.isStored(id: definition.id, version: definition.version) { return }
        let json = String(decoding: try JSONEncoder().encode(definition), as: UTF8.self)
        let insert = db.insert(into: "process_definitions").columns("id", "version", "definition_json", "created_at")
            .values(SQLBind(definition.id), SQLBind(definition.version), SQLBind(json), SQLBind(now))
        if ignoringExisting { insert.ignoringConflicts(with: ["id", "version"]) }
        try await insert.run()
    }

    /// The engine of a definition, validated once per process and revision: a revision's
    /// content never changes under its id and version.
    func engine(for definition: ProcessDefinition) throws -> WorkflowEngine {
        if let engine = cache.engine(id: definition.id, version: definition.version) { return engine }
        let engine = try WorkflowEngine(definition: definition)
        cache.store(engine)
        return engine
    }

    /// The stored revision a case runs on.
    func engine(id: String, version: Int, on db: any SQLDatabase) async throws -> WorkflowEngine {
        if let engine = cache.engine(id: id, version: version) { return engine }
        struct Row: Decodable { var definitionJson: String }
        guard let row = try await db.select().column("definition_json").from("process_definitions")
            .where("id", .equal, id).where("version", .equal, version)
            .first(decoding: Row.self, keyDecodingStrategy: .snakeCase)
        else { throw Problem(.internalServerError, code: "definition-missing", zh: "办件流程缺失", en: "process definition \(id)@\(version) missing") }
        let engine = try self.engine(for: ProcessDefinition.decode(json: Data(row.definitionJson.utf8)))
        cache.markStored(id: id, version: version)
        return engine
    }

    /// Called once the transaction that recorded `definition` has committed: later cases of
    /// the item skip the insert.
    func committed(_ definition: ProcessDefinition) {
        cache.markStored(id: definition.id, version: definition.version)
    }
}

extension ProcessDefinition {
    func withVersion(_ version: Int) -> ProcessDefinition {
        var copy = self
        copy.version = version
        return copy
    }
}

/// Stored revisions never change, so every process may keep the engines it has built.
final class DefinitionCache: @unchecked Sendable {
    private let lock = NSLock()
    private var engines: [String: WorkflowEngine] = [:]
    /// Revisions known to be committed to `process_definitions`.
    private var stored: Set<String> = []

    func isStored(id: String, version: Int) -> Bool { lock.withLock { stored.contains("\(id)@\(version)") } }
    func markStored(id: String, version: Int) { _ = lock.withLock { stored.insert("\(id)@\(version)") } }

    func engine(id: String, version: Int) -> WorkflowEngine? { lock.withLock { engines["\(id)@\(version)"] } }

    func store(_ engine: WorkflowEngine) {
        lock.withLock { engines["\(engine.definition.id)@\(engine.definition.version)"] = engine }
    }
}
