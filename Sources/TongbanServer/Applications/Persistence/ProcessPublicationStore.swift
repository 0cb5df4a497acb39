import SQLKit

public struct ProcessPublicationRecord: Codable, Sendable {
    public var itemCode: String
    /// Empty: the publication holds for every division carrying the item.
    public var divisionCode: String
    public var sequence: Int
    public var definitionId: String
    public var definitionVersion: Int
    public var publishedAt: Int64
    public var publishedBy: String?
}

/// Which process definition an administrator put in force for an item.
public protocol ProcessPublicationStore: Sendable {
    /// The publication in force for `itemCode` in the first of `divisions` that has one.
    func current(itemCode: String, divisions: [String], on db: any SQLDatabase) async throws -> ProcessPublicationRecord?
    /// Every publication of the item, newest first.
    func history(itemCode: String, on db: any SQLDatabase) async throws -> [ProcessPublicationRecord]
    /// The highest version stored under a definition id (0 when none).
    func latestVersion(definitionID: String, on db: any SQLDatabase) async throws -> Int
    /// Appends; the sequence is the primary key, so of two concurrent publications one fails.
    func insert(_ record: ProcessPublicationRecord, on db: any SQLDatabase) async throws
}

struct SQLProcessPublicationStore: ProcessPublicationStore {
    func current(itemCode: String, divisions: [String], on db: any SQLDatabase) async throws -> ProcessPublicationRecord? {
        guard !divisions.isEmpty else { return nil }
        let rows = try await db.query(Self.publications[divisions.count], [itemCode] + divisions).all().map { row in
            ProcessPublicationRecord(
                itemCode: try row.decode(column: "item_code"), divisionCode: try row.decode(column: "division_code"),
                sequence: try row.decode(column: "sequence"), definitionId: try row.decode(column: "definition_id"),
                definitionVersion: try row.decode(column: "definition_version"), publishedAt: try row.decode(column: "published_at"),
                publishedBy: try row.decode(column: "published_by"))
        }
        for division in divisions {
            if let row = rows.first(where: { $0.divisionCode == division }) { return row }
        }
        return nil
    }

    // Every new application asks, so written out (SQLTemplate), made once for the usual
    // number of divisions (an item's own and those above it), and decoded by hand.
    private static let publications = SQLTemplateFamily(usual: 1...4) { divisions in
        SQLTemplate("""
            SELECT item_code, division_code, sequence, definition_id, definition_version, published_at, published_by
            FROM process_publications
            WHERE item_code = ? AND division_code IN (\(Array(repeating: "?", count: divisions).joined(separator: ", ")))
            ORDER BY sequence DESC
            """)
    }

    func history(itemCode: String, on db: any SQLDatabase) async throws -> [ProcessPublicationRecord] {
        try await db.select().column("*").from("process_publications").where("item_code", .equal, itemCode)
            .orderBy("published_at", .descending).orderBy("sequence", .descending)
            .all(decoding: ProcessPublicationRecord.self, keyDecodingStrategy: .snakeCase)
    }

    func latestVersion(definitionID: String, on db: any SQLDatabase) async throws -> Int {
        struct Row: Decodable { var n: Int? }
        return try await db.select().column(SQLFunction("MAX", args: SQLColumn("version")), as: "n").from("process_definitions")
            .where("id", .equal, definitionID).first(decoding: Row.self)?.n ?? 0
    }

    func insert(_ record: ProcessPublicationRecord, on db: any SQLDatabase) async throws {
        try await db.insert(into: "process_publications").model(record, keyEncodingStrategy: .snakeCase).run()
    }
}
