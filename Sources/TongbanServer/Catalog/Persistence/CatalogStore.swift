import Foundation
import SQLKit
import TongbanCore

/// One item code at one division: where its current version is and its working draft.
public struct CatalogItemRow: Codable, Sendable {
    public var itemCode: String
    public var divisionCode: String
    public var departmentCode: String
    public var name: String
    public var status: String
    /// 0 until the first publication.
    public var currentVersion: Int
    public var draftJson: String?
    /// Optimistic-concurrency counter of this row.
    public var rowVersion: Int
    /// Catalog revision of the last change, so other processes refresh only what changed.
    public var revision: Int64
    public var createdAt: Int64
    public var updatedAt: Int64
}

/// An immutable published (or retirement) version of an item.
public struct CatalogVersionRow: Codable, Sendable {
    public var itemCode: String
    public var divisionCode: String
    public var version: Int
    public var status: String
    public var itemJson: String
    public var publishedAt: Int64
    public var publishedBy: String?
}

public struct CatalogLocalRow: Codable, Sendable {
    public var itemCode: String
    public var divisionCode: String
    public var departmentCode: String
    public var implementationJson: String
    public var revision: Int64
    public var updatedAt: Int64
}

/// Where the catalog stands: compared by every process before it answers a search.
public struct CatalogRevision: Sendable, Hashable, Codable {
    public var revision: Int64
    public var synonymsRevision: Int64
}

public protocol CatalogStore: Sendable {
    func revision(on db: any SQLDatabase) async throws -> CatalogRevision
    /// Moves the revision inside the caller's transaction and returns the new value. The
    /// row lock it takes orders concurrent writers, so a visible revision implies every
    /// change stamped with a lower one is committed.
    func bumpRevision(synonyms: Bool, on db: any SQLDatabase) async throws -> Int64

    func item(code: String, division: String, on db: any SQLDatabase) async throws -> CatalogItemRow?
    func items(code: String, on db: any SQLDatabase) async throws -> [CatalogItemRow]
    func allItemRows(on db: any SQLDatabase) async throws -> [CatalogItemRow]
    func adminList(status: String?, query: String?, paging: Paging, on db: any SQLDatabase) async throws -> (items: [CatalogItemRow], total: Int)
    func insertItems(_ rows: [CatalogItemRow], on db: any SQLDatabase) async throws
    /// Conditional on `expectedRowVersion`; false when another writer got there first.
    func updateItem(_ row: CatalogItemRow, expectedRowVersion: Int, on db: any SQLDatabase) async throws -> Bool

    func version(code: String, division: String, version: Int, on db: any SQLDatabase) async throws -> CatalogVersionRow?
    func versions(code: String, division: String, on db: any SQLDatabase) async throws -> [CatalogVersionRow]
    func insertVersions(_ rows: [CatalogVersionRow], on db: any SQLDatabase) async throws
    /// Current published or retired versions; all of them when `codes` is nil.
    func currentVersions(codes: [String]?, on db: any SQLDatabase) async throws -> [CatalogVersionRow]

    func locals(codes: [String]?, on db: any SQLDatabase) async throws -> [CatalogLocalRow]
    func upsertLocal(_ row: CatalogLocalRow, on db: any SQLDatabase) async throws
    func changedCodes(since revision: Int64, on db: any SQLDatabase) async throws -> Set<String>

    func synonymGroups(on db: any SQLDatabase) async throws -> [[String]]
    func replaceSynonyms(_ groups: [[String]], on db: any SQLDatabase) async throws
}

struct SQLCatalogStore: CatalogStore {
    /// Rows per multi-row INSERT, under SQLite's bound-parameter limit.
    private static let batch = 80

    private struct Count: Decodable { var n: Int }
    private struct Code: Decodable { var itemCode: String }
    private struct Revision: Decodable { var revision: Int64 }

    /// Read by every request that reads a guide, so written out (SQLTemplate).
    private static let currentRevision = SQLTemplate(
        #"SELECT revision AS "revision", synonyms_revision AS "synonymsRevision" FROM catalog_state WHERE id = 1"#)

    func revision(on db: any SQLDatabase) async throws -> CatalogRevision {
        try await db.query(Self.currentRevision).first(decoding: CatalogRevision.self) ?? CatalogRevision(revision: 0, synonymsRevision: 0)
    }

    func bumpRevision(synonyms: Bool, on db: any SQLDatabase) async throws -> Int64 {
        let query: SQLQueryString = synonyms
            ? "UPDATE catalog_state SET revision = revision + 1, synonyms_revision = revision + 1 WHERE id = 1 RETURNING revision"
            : "UPDATE catalog_state SET revision = revision + 1 WHERE id = 1 RETURNING revision"
        guard let row = try await db.raw(query).first(decoding: Revision.self) else {
            throw Problem(.internalServerError, code: "catalog-state", zh: "事项目录状态缺失", en: "catalog state row missing")
        }
        return row.revision
    }

    func item(code: String, division: String, on db: any SQLDatabase) async throws -> CatalogItemRow? {
        try await db.select().column("*").from("catalog_items")
            .where("item_code", .equal, code).where("division_code", .equal, division)
            .first(decoding: CatalogItemRow.self, keyDecodingStrategy: .snakeCase)
    }

    func items(code: String, on db: any SQLDatabase) async throws -> [CatalogItemRow] {
        try await db.select().column("*").from("catalog_items").where("item_code", .equal, code).orderBy("division_code")
            .all(decoding: CatalogItemRow.self, keyDecodingStrategy: .snakeCase)
    }

    func allItemRows(on db: any SQLDatabase) async throws -> [CatalogItemRow] {
        try await db.select().column("*").from("catalog_items").orderBy("item_code").orderBy("division_code")
            .all(decoding: CatalogItemRow.self, keyDecodingStrategy: .snakeCase)
    }

    func adminList(status: String?, query: String?, paging: Paging, on db: any SQLDatabase) async throws -> (items: [CatalogItemRow], total: Int) {
        func filtered<Q: SQLPredicateBuilder>(_ q: Q) -> Q {
            if let status { q.where("status", .equal, status) }
            if let query {
                q.where(group: { group in
                    group.where("item_code", .like, "%\(query)%").orWhere("name", .like, "%\(query)%")
                })
            }
            return q
        }
        let total = try await filtered(db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("catalog_items"))
            .first(decoding: Count.self)?.n ?? 0
        let rows = try await filtered(db.select().column("*").from("catalog_items"))
            .orderBy("item_code").orderBy("division_code").limit(paging.pageSize).offset(paging.offset)
            .all(decoding: CatalogItemRow.self, keyDecodingStrategy: .snakeCase)
        return (rows, total)
    }

    func insertItems(_ rows: [CatalogItemRow], on db: any SQLDatabase) async throws {
        for start in stride(from: 0, to: rows.count, by: Self.batch) {
            try await db.insert(into: "catalog_items")
                .models(Array(rows[start..<min(start + Self.batch, rows.count)]), keyEncodingStrategy: .snakeCase, nilEncodingStrategy: .asNil)
                .run()
        }
    }

    func updateItem(_ row: CatalogItemRow, expectedRowVersion: Int, on db: any SQLDatabase) async throws -> Bool {
        let updated = try await db.raw("""
            UPDATE catalog_items SET department_code = \(bind: row.departmentCode), name = \(bind: row.name),
              status = \(bind: row.status), current_version = \(bind: row.currentVersion), draft_json = \(bind: row.draftJson),
              row_version = \(bind: row.rowVersion), revision = \(bind: row.revision), updated_at = \(bind: row.updatedAt)
            WHERE item_code = \(bind: row.itemCode) AND division_code = \(bind: row.divisionCode) AND row_version = \(bind: expectedRowVersion)
            RETURNING item_code
            """).all()
        return !updated.isEmpty
    }

    func version(code: String, division: String, version: Int, on db: any SQLDatabase) async throws -> CatalogVersionRow? {
        try await db.select().column("*").from("catalog_item_versions")
            .where("item_code", .equal, code).where("division_code", .equal, division).where("version", .equal, version)
            .first(decoding: CatalogVersionRow.self, keyDecodingStrategy: .snakeCase)
    }

    func versions(code: String, division: String, on db: any SQLDatabase) async throws -> [CatalogVersionRow] {
        try await db.select().column("*").from("catalog_item_versions")
            .where("item_code", .equal, code).where("division_code", .equal, division).orderBy("version", .descending)
            .all(decoding: CatalogVersionRow.self, keyDecodingStrategy: .snakeCase)
    }

    func insertVersions(_ rows: [CatalogVersionRow], on db: any SQLDatabase) async throws {
        for start in stride(from: 0, to: rows.count, by: Self.batch) {
            try await db.insert(into: "catalog_item_versions")
                .models(Array(rows[start..<min(start + Self.batch, rows.count)]), keyEncodingStrategy: .snakeCase, nilEncodingStrategy: .asNil)
                .run()
        }
    }

    func currentVersions(codes: [String]?, on db: any SQLDatabase) async throws -> [CatalogVersionRow] {
        let q = db.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("v")))
            .from(SQLAlias(SQLIdentifier("catalog_items"), as: SQLIdentifier("i")))
            .join(SQLAlias(SQLIdentifier("catalog_item_versions"), as: SQLIdentifier("v")), on: SQLBinaryExpression(
                SQLBinaryExpression(SQLColumn("item_code", table: "v"), .equal, SQLColumn("item_code", table: "i")), .and,
                SQLBinaryExpression(
                    SQLBinaryExpression(SQLColumn("division_code", table: "v"), .equal, SQLColumn("division_code", table: "i")), .and,
                    SQLBinaryExpression(SQLColumn("version", table: "v"), .equal, SQLColumn("current_version", table: "i")))))
        if let codes { q.where(SQLColumn("item_code", table: "i"), .in, SQLBind.group(codes)) }
        return try await q.orderBy(SQLColumn("item_code", table: "i")).orderBy(SQLColumn("division_code", table: "i"))
            .all(decoding: CatalogVersionRow.self, keyDecodingStrategy: .snakeCase)
    }

    func locals(codes: [String]?, on db: any SQLDatabase) async throws -> [CatalogLocalRow] {
        let q = db.select().column("*").from("catalog_local_implementations")
        if let codes { q.where("item_code", .in, codes) }
        return try await q.orderBy("item_code").orderBy("division_code")
            .all(decoding: CatalogLocalRow.self, keyDecodingStrategy: .snakeCase)
    }

    func upsertLocal(_ row: CatalogLocalRow, on db: any SQLDatabase) async throws {
        try await db.delete(from: "catalog_local_implementations")
            .where("item_code", .equal, row.itemCode).where("division_code", .equal, row.divisionCode).run()
        try await db.insert(into: "catalog_local_implementations").model(row, keyEncodingStrategy: .snakeCase).run()
    }

    func changedCodes(since revision: Int64, on db: any SQLDatabase) async throws -> Set<String> {
        let items = try await db.select().distinct().column("item_code").from("catalog_items").where("revision", .greaterThan, revision)
            .all(decoding: Code.self, keyDecodingStrategy: .snakeCase)
        let locals = try await db.select().distinct().column("item_code").from("catalog_local_implementations")
            .where("revision", .greaterThan, revision)
            .all(decoding: Code.self, keyDecodingStrategy: .snakeCase)
        return Set((items + locals).map(\.itemCode))
    }

    func synonymGroups(on db: any SQLDatabase) async throws -> [[String]] {
        struct Row: Decodable { var membersJson: String }
        return try await db.select().column("members_json").from("catalog_synonym_groups").orderBy("position")
            .all(decoding: Row.self, keyDecodingStrategy: .snakeCase)
            .map { try JSONDecoder().decode([String].self, from: Data($0.membersJson.utf8)) }
    }

    func replaceSynonyms(_ groups: [[String]], on db: any SQLDatabase) async throws {
        try await db.delete(from: "catalog_synonym_groups").run()
        for start in stride(from: 0, to: groups.count, by: Self.batch) {
            let insert = db.insert(into: "catalog_synonym_groups").columns("position", "members_json")
            for (offset, group) in groups[start..<min(start + Self.batch, groups.count)].enumerated() {
                insert.values(SQLBind(start + offset), SQLBind(String(decoding: try JSONEncoder().encode(group), as: UTF8.self)))
            }
            try await insert.run()
        }
    }
}
