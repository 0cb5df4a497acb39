import Foundation
import SQLKit
import SwiftCSV
import TongbanCore

public struct Division: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var parentCode: String?
    /// 1 province, 2 city, 3 county.
    public var level: Int
}

public struct Department: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var divisionCode: String
}

public protocol ReferenceStore: Sendable {
    func division(_ code: String) async throws -> Division?
    func divisions(parent: String?) async throws -> [Division]
    func divisionExists(_ code: String) async throws -> Bool
    func department(_ code: String) async throws -> Department?
    func departments(division: String?) async throws -> [Department]
    func insertDepartment(_ department: Department, on db: any SQLDatabase, now: Date) async throws
}

struct SQLReferenceStore: ReferenceStore {
    let database: AppDatabase

    func division(_ code: String) async throws -> Division? {
        try await database.sql.select().column("*").from("divisions").where("code", .equal, code)
            .first(decoding: Division.self, keyDecodingStrategy: .snakeCase)
    }

    func divisions(parent: String?) async throws -> [Division] {
        let q = database.sql.select().column("*").from("divisions")
        if let parent { q.where("parent_code", .equal, parent) } else { q.where("parent_code", .is, SQLLiteral.null) }
        return try await q.orderBy("code").all(decoding: Division.self, keyDecodingStrategy: .snakeCase)
    }

    func divisionExists(_ code: String) async throws -> Bool {
        try await division(code) != nil
    }

    func department(_ code: String) async throws -> Department? {
        try await database.sql.select().columns("code", "name", "division_code").from("departments")
            .where("code", .equal, code)
            .first(decoding: Department.self, keyDecodingStrategy: .snakeCase)
    }

    func departments(division: String?) async throws -> [Department] {
        let q = database.sql.select().columns("code", "name", "division_code").from("departments")
        if let division { q.where("division_code", .equal, division) }
        return try await q.orderBy("code").all(decoding: Department.self, keyDecodingStrategy: .snakeCase)
    }

    func insertDepartment(_ department: Department, on db: any SQLDatabase, now: Date) async throws {
        try await db.insert(into: "departments")
            .columns("code", "name", "division_code", "created_at")
            .values(SQLBind(department.code), SQLBind(department.name), SQLBind(department.divisionCode),
                    SQLBind(Int64(now.timeIntervalSince1970 * 1000)))
            .run()
    }
}

/// Loads the GB/T 2260 divisions that ship with the product into an empty table.
enum DivisionLoader {
    static func loadIfEmpty(_ database: AppDatabase) async throws -> Int {
        struct Count: Decodable { var n: Int }
        let existing = try await database.sql.raw("SELECT COUNT(*) AS n FROM divisions").first(decoding: Count.self)?.n ?? 0
        if existing > 0 { return 0 }
        let divisions = try bundled()
        try await database.transaction { db in
            // Batches keep each statement under SQLite's bound-parameter limit.
            for start in stride(from: 0, to: divisions.count, by: 200) {
                let batch = divisions[start..<min(start + 200, divisions.count)]
                let insert = db.insert(into: "divisions").columns("code", "name", "parent_code", "level")
                for d in batch {
                    insert.values(SQLBind(d.code), SQLBind(d.name), SQLBind(d.parentCode), SQLBind(d.level))
                }
                try await insert.run()
            }
        }
        return divisions.count
    }

    static func bundled() throws -> [Division] {
        func rows(_ file: String) throws -> [[String: String]] {
            try CSV<Named>(string: String(decoding: BundledResources.data("divisions/\(file)"), as: UTF8.self)).rows
        }
        var result: [Division] = []
        for r in try rows("provinces.csv") {
            result.append(Division(code: r["code"]! + "0000", name: r["name"]!, parentCode: nil, level: 1))
        }
        for r in try rows("cities.csv") {
            result.append(Division(code: r["code"]! + "00", name: r["name"]!, parentCode: r["provinceCode"]! + "0000", level: 2))
        }
        // 东莞、中山、儋州 have no counties: the source lists each again as its own county
        // with the city's code. One code is one division, so those rows are kept as cities.
        let cityCodes = Set(result.map(\.code))
        for r in try rows("areas.csv") where !cityCodes.contains(r["code"]!) {
            result.append(Division(code: r["code"]!, name: r["name"]!, parentCode: r["cityCode"]! + "00", level: 3))
        }
        return result
    }
}
