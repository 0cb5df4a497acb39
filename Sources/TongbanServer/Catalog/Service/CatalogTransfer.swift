import Foundation
import SQLKit
import SwiftCSV
import TongbanCore

/// Import and export of the catalog as JSON (`CatalogBundle`) or CSV (one row per item or
/// local implementation). An import is checked row by row first, reporting one error per
/// bad row, and then stored in one transaction, so a file with any bad row stores nothing.
public struct CatalogTransfer: Sendable {
    let catalog: CatalogService

    public init(catalog: CatalogService) { self.catalog = catalog }

    public enum Format: String, Sendable, CaseIterable {
        case json, csv
    }

    /// One record of an import file and how to name it in an error.
    struct Entry: Sendable {
        enum Value: Sendable {
            case item(ServiceItem)
            case local(LocalImplementation)
        }
        var value: Value
        var field: String
        var zh: String
        var en: String
        /// Keys of the record its type does not take: refused with the record's other problems, since
        /// a misspelt optional key would otherwise be dropped and the record stored without it.
        var unknownKeys: [FieldIssue] = []

        /// Names the `index`th record of a JSON file's `path` array, e.g. `items/3`, 第 4 条事项.
        static func naming(_ path: String, _ index: Int, noun: String) -> (field: String, zh: String, en: String) {
            ("\(path)/\(index)", "第 \(index + 1) 条\(noun)", "\(path) #\(index + 1)")
        }

        init(value: Value, field: String, zh: String, en: String) {
            self.value = value
            self.field = field
            self.zh = zh
            self.en = en
        }

        init(_ value: Value, _ path: String, _ index: Int, noun: String, unknownKeys: [FieldIssue] = []) {
            let name = Self.naming(path, index, noun: noun)
            self.init(value: value, field: name.field, zh: name.zh, en: name.en)
            self.unknownKeys = unknownKeys
        }
    }

    public struct Report: Codable, Sendable, Equatable {
        public var created = 0
        public var updated = 0
        public var unchanged = 0
        public var drafts = 0
        public var localImplementations = 0
    }

    /// (records stored so far, records in the file).
    public typealias Progress = @Sendable (Int, Int) -> Void

    // MARK: - Reading files

    /// Parses a file of either format; records that cannot be read become row issues.
    static func parse(_ data: Data, format: Format) -> (entries: [Entry], issues: [FieldIssue]) {
        switch format {
        case .json: parseJSON(data)
        case .csv: parseCSV(String(decoding: data, as: UTF8.self))
        }
    }

    private static func parseJSON(_ data: Data) -> (entries: [Entry], issues: [FieldIssue]) {
        struct Loose: Decodable {
            var items: [JSONValue]?
            var localImplementations: [JSONValue]?
            /// A note on the file for its readers (the bundled demo catalog says where it comes from); not stored.
            var comment: JSONValue?
            enum CodingKeys: String, CodingKey { case items, localImplementations, comment = "_comment" }
        }
        let loose: Loose
        var issues: [FieldIssue] = []
        do {
            // A misspelt `items` would otherwise import nothing and report success.
            (loose, issues) = try JSONBody.decodeNamingUnknown(Loose.self, from: data)
        } catch {
            return ([], (Problem.from(error)?.issues ?? []).isEmpty
                ? [FieldIssue(field: "", code: "syntax", zh: "文件不是有效的 JSON", en: "the file is not valid JSON")]
                : Problem.from(error)!.issues)
        }
        var entries: [Entry] = []
        func read<T: Decodable>(_ values: [JSONValue], _ type: T.Type, path: String, noun: String, wrap: (T) -> Entry.Value) {
            for (index, value) in values.enumerated() {
                do {
                    let (decoded, unknown) = try JSONBody.decodeNamingUnknown(T.self, from: CatalogJSON.encoder.encode(value))
                    entries.append(Entry(wrap(decoded), path, index, noun: noun, unknownKeys: unknown.map(Self.unknownKey)))
                } catch {
                    let name = Entry.naming(path, index, noun: noun)
                    issues.append(rowIssue(field: name.field, zh: name.zh, en: name.en, Problem.from(error)?.issues ?? []))
                }
            }
        }
        read(loose.items ?? [], ServiceItem.self, path: "items", noun: "事项") { .item($0) }
        read(loose.localImplementations ?? [], LocalImplementation.self, path: "localImplementations", noun: "实施清单") { .local($0) }
        return (entries, issues)
    }

    static let csvColumns = [
        "record", "itemCode", "name", "kind", "departmentCode", "divisionCode", "applicantType", "status",
        "statutoryLimitDays", "promisedLimitDays", "visits", "onlineFull", "lifeEvents", "tags", "conditions", "steps",
        "address", "hours", "phone", "feeFen", "feeBasis", "legalBasis", "materials",
    ]

    private static func parseCSV(_ text: String) -> (entries: [Entry], issues: [FieldIssue]) {
        let csv: CSV<Named>
        do {
            csv = try CSV<Named>(string: text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        } catch {
            return ([], [FieldIssue(field: "", code: "syntax", zh: "文件不是有效的 CSV", en: "the file is not valid CSV")])
        }
        let rows = csv.rows
        var entries: [Entry] = []
        // A misspelt column, like a misspelt JSON key, would drop its data from every row.
        var issues = csv.header.filter { !$0.isEmpty && !csvColumns.contains($0) }.map {
            FieldIssue(field: "columns/\($0)", code: "unknown", zh: "未知列 \($0)", en: "unknown column \($0)")
        }
        for (index, row) in rows.enumerated() {
            // Spreadsheet numbering: the header is row 1.
            let line = index + 2
            let field = "rows/\(line)", zh = "第 \(line) 行", en = "row \(line)"
            var reader = CSVRowReader(row: row)
            let value: Entry.Value?
            switch row["record"] ?? "item" {
            case "local": value = reader.local().map { .local($0) }
            case "item", "": value = reader.item().map { .item($0) }
            default:
                reader.issues.append(FieldIssue(field: "record", code: "invalid", zh: "record 列应为 item 或 local", en: "record must be item or local"))
                value = nil
            }
            if let value, reader.issues.isEmpty {
                entries.append(Entry(value: value, field: field, zh: zh, en: en))
            } else {
                issues.append(rowIssue(field: field, zh: zh, en: en, reader.issues))
            }
        }
        return (entries, issues)
    }

    /// Within a record's message, which names the record: `第 4 条事项：materials/0/sorce：未知字段`.
    static func unknownKey(_ issue: FieldIssue) -> FieldIssue {
        FieldIssue(field: issue.field, code: "unknown", zh: "未知字段", en: "unknown field")
    }

    /// One error per bad row: every problem of the row in one message.
    static func rowIssue(field: String, zh: String, en: String, _ issues: [FieldIssue]) -> FieldIssue {
        let zhText = issues.map { $0.field.isEmpty ? $0.messageZh : "\($0.field)：\($0.messageZh)" }.joined(separator: "；")
        let enText = issues.map { $0.field.isEmpty ? $0.messageEn : "\($0.field): \($0.messageEn)" }.joined(separator: "; ")
        return FieldIssue(field: field, code: "invalidRow", zh: "\(zh)：\(zhText.isEmpty ? "内容无效" : zhText)",
                          en: "\(en): \(enText.isEmpty ? "invalid" : enText)")
    }

    // MARK: - Import

    public func importFile(_ data: Data, format: Format, by principal: Principal?, actor: AuditActor, progress: Progress? = nil) async throws -> Report {
        if data.contains(0) { throw NulInput.refusal([NulInput.issue("file")]) }
        if format == .json, case let nul = NulInput.issues(inJSON: data), !nul.isEmpty { throw NulInput.refusal(nul) }
        let (entries, parseIssues) = Self.parse(data, format: format)
        return try await importEntries(entries, parseIssues: parseIssues, by: principal, actor: actor, progress: progress)
    }

    /// Imports a bundle built in memory (the benchmark's generated catalog), checked like a file.
    public func importBundle(_ bundle: CatalogBundle, by principal: Principal?, actor: AuditActor, progress: Progress? = nil) async throws -> Report {
        let entries = bundle.items.enumerated().map { Entry(.item($1), "items", $0, noun: "事项") }
            + bundle.localImplementations.enumerated().map { Entry(.local($1), "localImplementations", $0, noun: "实施清单") }
        return try await importEntries(entries, parseIssues: [], by: principal, actor: actor, progress: progress)
    }

    func importEntries(_ entries: [Entry], parseIssues: [FieldIssue], by principal: Principal?, actor: AuditActor,
                       progress: Progress? = nil) async throws -> Report {
        let database = catalog.database, store = catalog.store
        let db = database.sql
        struct Code: Decodable { var code: String }
        let departments = Set(try await db.select().column("code").from("departments").all(decoding: Code.self).map(\.code))
        let stored = try CatalogIndexCache.decode(try await store.currentVersions(codes: nil, on: db))
        let storedLocalKeys = Set(try await store.locals(codes: nil, on: db).map { "\($0.itemCode)@\($0.divisionCode)" })

        var issues = parseIssues
        var items: [ServiceItem] = []
        var locals: [LocalImplementation] = []
        for entry in entries {
            if case .item(let item) = entry.value { items.append(item) }
        }
        // Standards a record may be checked against: the file's, then the stored ones it does not replace.
        var standardsByKey: [String: ServiceItem] = [:]
        for item in stored where item.status == .published { standardsByKey[CatalogService.target(item)] = item }
        for item in items { standardsByKey[CatalogService.target(item)] = item.status == .published ? item : nil }
        let standards = Dictionary(grouping: standardsByKey.values, by: \.itemCode)

        var seen: Set<String> = []
        for entry in entries {
            var rowIssues = IssueCollector()
            rowIssues.add(contentsOf: entry.unknownKeys)
            switch entry.value {
            case .item(let item):
                let key = CatalogService.target(item)
                rowIssues.check { try item.validate() }
                if !seen.insert(key).inserted || storedLocalKeys.contains(key) {
                    rowIssues.add(FieldIssue(field: "itemCode", code: "duplicate", zh: "事项 \(item.itemCode) 在区划 \(item.divisionCode) 重复",
                                             en: "item \(item.itemCode) repeats in division \(item.divisionCode)"))
                }
                if !departments.contains(item.departmentCode) { rowIssues.add(CatalogService.unknownDepartment) }
                if !CatalogReach.covers(principal, division: item.divisionCode) { rowIssues.add(Self.outOfReach(item.divisionCode)) }
                let probe = LocalImplementation(itemCode: item.itemCode, divisionCode: item.divisionCode, departmentCode: item.departmentCode, location: item.location)
                if let standard = CatalogBundle.standard(for: probe, among: standards[item.itemCode] ?? []) {
                    rowIssues.check { try SameStandardRule.check(localItem: item, against: standard) }
                }
            case .local(let local):
                let key = "\(local.itemCode)@\(local.divisionCode)"
                if !seen.insert(key).inserted || standardsByKey[key] != nil {
                    rowIssues.add(FieldIssue(field: "divisionCode", code: "duplicate", zh: "事项 \(local.itemCode) 在区划 \(local.divisionCode) 重复",
                                             en: "item \(local.itemCode) repeats in division \(local.divisionCode)"))
                }
                if let standard = CatalogBundle.standard(for: local, among: standards[local.itemCode] ?? []) {
                    rowIssues.check { try SameStandardRule.check(local, against: standard) }
                } else {
                    rowIssues.add(FieldIssue(field: "itemCode", code: "noStandard", zh: "上级没有已发布的事项 \(local.itemCode)",
                                             en: "no published standard \(local.itemCode) above division \(local.divisionCode)"))
                }
                if !departments.contains(local.departmentCode) { rowIssues.add(CatalogService.unknownDepartment) }
                if !CatalogReach.covers(principal, division: local.divisionCode) { rowIssues.add(Self.outOfReach(local.divisionCode)) }
                locals.append(local)
            }
            if !rowIssues.issues.isEmpty {
                issues.append(Self.rowIssue(field: entry.field, zh: entry.zh, en: entry.en, rowIssues.issues))
            }
        }
        if !issues.isEmpty { throw ValidationFailure(issues) }
        return try await write(items: items, locals: locals, actor: actor, progress: progress)
    }

    private static func outOfReach(_ division: String) -> FieldIssue {
        FieldIssue(field: "divisionCode", code: "outOfReach", zh: "区划 \(division) 不在您的管理范围内", en: "division \(division) is outside your reach")
    }

    private func write(items: [ServiceItem], locals: [LocalImplementation], actor: AuditActor, progress: Progress?) async throws -> Report {
        let store = catalog.store, audit = catalog.audit
        let time = Int64(catalog.clock().timeIntervalSince1970 * 1000)
        let total = items.count + locals.count
        return try await catalog.database.transaction { db in
            let revision = try await store.bumpRevision(synonyms: false, on: db)
            let rows = Dictionary(uniqueKeysWithValues: try await store.allItemRows(on: db).map { ("\($0.itemCode)@\($0.divisionCode)", $0) })
            let current = Dictionary(uniqueKeysWithValues: try CatalogIndexCache.decode(try await store.currentVersions(codes: nil, on: db))
                .map { (CatalogService.target($0), $0) })
            var report = Report()
            var newRows: [CatalogItemRow] = []
            var newVersions: [CatalogVersionRow] = []
            var done = 0
            for var item in items {
                let key = CatalogService.target(item)
                let existing = rows[key]
                var row = existing ?? CatalogItemRow(
                    itemCode: item.itemCode, divisionCode: item.divisionCode, departmentCode: item.departmentCode, name: item.name,
                    status: ItemStatus.draft.rawValue, currentVersion: 0, draftJson: nil, rowVersion: 0, revision: revision,
                    createdAt: time, updatedAt: time)
                item.version = row.currentVersion + 1
                if item.status == .draft {
                    row.draftJson = try item.jsonText()
                    report.drafts += 1
                } else {
                    var same = current[key]
                    same?.version = item.version
                    if same == item {
                        report.unchanged += 1
                        done += 1
                        continue
                    }
                    newVersions.append(CatalogVersionRow(
                        itemCode: item.itemCode, divisionCode: item.divisionCode, version: item.version, status: item.status.rawValue,
                        itemJson: try item.jsonText(), publishedAt: time, publishedBy: actor.accountID))
                    row.currentVersion = item.version
                    row.status = item.status.rawValue
                    row.name = item.name
                    row.departmentCode = item.departmentCode
                    row.draftJson = nil
                    if existing == nil { report.created += 1 } else { report.updated += 1 }
                }
                row.revision = revision
                row.updatedAt = time
                if let existing {
                    row.rowVersion = existing.rowVersion + 1
                    guard try await store.updateItem(row, expectedRowVersion: existing.rowVersion, on: db) else {
                        throw CatalogError.staleEdit(currentRowVersion: existing.rowVersion)
                    }
                } else {
                    row.rowVersion = 1
                    newRows.append(row)
                }
                done += 1
                if newRows.count >= 2000 {
                    try await store.insertItems(newRows, on: db)
                    try await store.insertVersions(newVersions, on: db)
                    newRows.removeAll(keepingCapacity: true)
                    newVersions.removeAll(keepingCapacity: true)
                    progress?(done, total)
                }
            }
            try await store.insertItems(newRows, on: db)
            try await store.insertVersions(newVersions, on: db)
            for local in locals {
                try await store.upsertLocal(CatalogLocalRow(
                    itemCode: local.itemCode, divisionCode: local.divisionCode, departmentCode: local.departmentCode,
                    implementationJson: String(decoding: try CatalogJSON.encoder.encode(local), as: UTF8.self),
                    revision: revision, updatedAt: time), on: db)
                report.localImplementations += 1
            }
            progress?(total, total)
            try await audit.append(AuditRecord(
                "catalog.import", targetType: "catalog",
                detail: "created \(report.created), updated \(report.updated), unchanged \(report.unchanged), drafts \(report.drafts), local \(report.localImplementations)"),
                actor: actor, on: db)
            return report
        }
    }

    // MARK: - Export

    /// The published catalog (current versions, retired ones included) and local implementations.
    func bundle() async throws -> CatalogBundle {
        let db = catalog.database.sql
        return CatalogBundle(
            items: try CatalogIndexCache.decode(try await catalog.store.currentVersions(codes: nil, on: db)),
            localImplementations: try CatalogIndexCache.decode(try await catalog.store.locals(codes: nil, on: db)))
    }

    public func export(_ format: Format) async throws -> Data {
        let bundle = try await bundle()
        switch format {
        case .json: return try CatalogJSON.pretty.encode(bundle)
        case .csv: return Data(try Self.csv(bundle).utf8)
        }
    }

    static func csv(_ bundle: CatalogBundle) throws -> String {
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try CatalogJSON.encoder.encode(value), as: UTF8.self) }
        var lines = [csvColumns.joined(separator: ",")]
        for item in bundle.items {
            let (fen, basis): (String, String) = switch item.fee {
            case .free: ("", "")
            case .charged(let amount, let basis): (String(amount), basis)
            }
            let values: [String] = [
                "item", item.itemCode, item.name, item.kind.rawValue, item.departmentCode, item.divisionCode, item.applicantType.rawValue,
                item.status.rawValue, String(item.statutoryLimitDays), String(item.promisedLimitDays), String(item.visits),
                String(item.onlineFull), item.lifeEvents.map(\.rawValue).joined(separator: "|"), item.tags.joined(separator: "|"),
                item.conditions.joined(separator: "\n"), item.steps.joined(separator: "\n"),
                item.location.address, item.location.hours, item.location.phone, fen, basis,
                try json(item.legalBasis), try json(item.materials),
            ]
            lines.append(values.map(quote).joined(separator: ","))
        }
        for local in bundle.localImplementations {
            var values = [String](repeating: "", count: csvColumns.count)
            func set(_ column: String, _ value: String) { values[csvColumns.firstIndex(of: column)!] = value }
            set("record", "local"); set("itemCode", local.itemCode); set("departmentCode", local.departmentCode)
            set("divisionCode", local.divisionCode); set("promisedLimitDays", local.promisedLimitDays.map(String.init) ?? "")
            set("address", local.location.address); set("hours", local.location.hours); set("phone", local.location.phone)
            lines.append(values.map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func quote(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Reads one CSV row into an item or local implementation, collecting every problem.
private struct CSVRowReader {
    let row: [String: String]
    var issues: [FieldIssue] = []

    init(row: [String: String]) { self.row = row }

    private func text(_ column: String) -> String { (row[column] ?? "").trimmed() }

    private mutating func integer(_ column: String, optional: Bool = false) -> Int? {
        let raw = text(column)
        if raw.isEmpty, optional { return nil }
        guard let value = Int(raw) else {
            issues.append(FieldIssue(field: column, code: "type", zh: "\(column) 应为整数", en: "\(column) must be an integer"))
            return nil
        }
        return value
    }

    private mutating func choice<T: RawRepresentable>(_ column: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let value = T(rawValue: text(column)) else {
            issues.append(FieldIssue(field: column, code: "invalid", zh: "\(column) 的值「\(text(column))」无效", en: "\(column) has an invalid value"))
            return nil
        }
        return value
    }

    private mutating func decoded<T: Decodable>(_ column: String, _ type: T.Type) -> T? {
        do {
            let (value, unknown) = try JSONBody.decodeNamingUnknown(T.self, from: Data(text(column).utf8))
            issues.append(contentsOf: unknown.map { FieldIssue(field: "\(column)/\($0.field)", code: "unknown", zh: "未知字段", en: "unknown field") })
            return unknown.isEmpty ? value : nil
        } catch {
            issues.append(FieldIssue(field: column, code: "invalid", zh: "\(column) 应为有效的 JSON 数组", en: "\(column) must be a valid JSON array"))
            return nil
        }
    }

    /// `|` between tags and life events; a line break (of any platform) between conditions and steps.
    private func list(_ column: String, separator: Character) -> [String] {
        text(column).split(whereSeparator: { separator == "\n" ? $0.isNewline : $0 == separator }).map { $0.trimmed() }.filter { !$0.isEmpty }
    }

    private var location: ServiceLocation { ServiceLocation(address: text("address"), hours: text("hours"), phone: text("phone")) }

    mutating func local() -> LocalImplementation? {
        let days = integer("promisedLimitDays", optional: true)
        guard issues.isEmpty else { return nil }
        return LocalImplementation(itemCode: text("itemCode"), divisionCode: text("divisionCode"), departmentCode: text("departmentCode"),
                                   location: location, promisedLimitDays: days)
    }

    mutating func item() -> ServiceItem? {
        let kind = choice("kind", ItemKind.self)
        let applicant = choice("applicantType", ApplicantType.self)
        let status = text("status").isEmpty ? .published : choice("status", ItemStatus.self)
        let statutory = integer("statutoryLimitDays"), promised = integer("promisedLimitDays"), visits = integer("visits")
        let online: Bool? = switch text("onlineFull").lowercased() {
        case "true", "1", "是": true
        case "false", "0", "否", "": false
        default: nil
        }
        if online == nil { issues.append(FieldIssue(field: "onlineFull", code: "invalid", zh: "onlineFull 应为 true 或 false", en: "onlineFull must be true or false")) }
        var lifeEvents: [LifeEvent] = []
        for raw in list("lifeEvents", separator: "|") {
            if let event = LifeEvent(rawValue: raw) { lifeEvents.append(event) } else {
                issues.append(FieldIssue(field: "lifeEvents", code: "invalid", zh: "主题「\(raw)」无效", en: "unknown life event \(raw)"))
            }
        }
        let fee: Fee = text("feeFen").isEmpty ? .free : .charged(amountFen: integer("feeFen") ?? 0, basis: text("feeBasis"))
        let legalBasis = text("legalBasis").isEmpty ? [] : decoded("legalBasis", [LegalBasis].self)
        let materials = text("materials").isEmpty ? [] : decoded("materials", [MaterialRequirement].self)
        guard issues.isEmpty, let kind, let applicant, let status, let statutory, let promised, let visits, let online,
              let legalBasis, let materials else { return nil }
        return ServiceItem(
            itemCode: text("itemCode"), name: text("name"), kind: kind, legalBasis: legalBasis, departmentCode: text("departmentCode"),
            divisionCode: text("divisionCode"), applicantType: applicant, conditions: list("conditions", separator: "\n"),
            materials: materials, steps: list("steps", separator: "\n"), statutoryLimitDays: statutory, promisedLimitDays: promised,
            fee: fee, visits: visits, onlineFull: online, location: location, lifeEvents: lifeEvents, tags: list("tags", separator: "|"),
            status: status, version: 1)
    }
}

extension CatalogTransfer {
    /// Loads the bundled demo catalog into an empty catalog. Its departments are demo data
    /// too; without them the catalog is left empty rather than half-loaded.
    func loadDemoCatalogIfEmpty() async throws -> Report? {
        guard try await catalog.adminList(status: nil, query: nil, paging: Paging(page: 1, pageSize: 1)).total == 0 else { return nil }
        do {
            return try await importFile(try BundledResources.data("catalog/demo-catalog.json"), format: .json, by: nil, actor: .system("demo"))
        } catch is ValidationFailure {
            return nil
        }
    }
}
