import Foundation
@testable import TongbanCore

/// Builders and resource loading shared by the catalog tests.
enum CatalogFixtures {
    static let hall = ServiceLocation(address: "杭州市上城区解放东路18号市民中心", hours: "周一至周五 9:00-17:00", phone: "0571-12345")

    static func item(
        code: String = "330000-XK-0001", name: String = "食品经营许可", kind: ItemKind = .licensing,
        division: String = "330000", department: String = "330000-scjgj",
        materials: [MaterialRequirement]? = nil, tags: [String] = [], lifeEvents: [LifeEvent] = [],
        statutory: Int = 20, promised: Int = 5, visits: Int = 0, onlineFull: Bool = true,
        status: ItemStatus = .published
    ) -> ServiceItem {
        ServiceItem(
            itemCode: code, name: name, kind: kind,
            legalBasis: [LegalBasis(law: "《中华人民共和国行政许可法》", article: "第十二条")],
            departmentCode: department, divisionCode: division, applicantType: .both,
            conditions: ["申请人依法取得营业执照"],
            materials: materials ?? [
                MaterialRequirement(name: "申请书"),
                MaterialRequirement(name: "居民身份证", source: .certificate("resident-id")),
                MaterialRequirement(name: "营业执照", source: .certificate("business-licence")),
            ],
            steps: ["申请", "受理", "审查", "决定"],
            statutoryLimitDays: statutory, promisedLimitDays: promised, fee: .free,
            visits: visits, onlineFull: onlineFull, location: hall,
            lifeEvents: lifeEvents, tags: tags, status: status, version: 1)
    }

    /// Repository root, found from this file: Tests/TongbanCoreTests/Catalog/<file>.
    static func repositoryFile(_ relative: String, from file: String = #filePath) -> URL {
        URL(fileURLWithPath: file)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(relative)
    }

    static func decode<T: Decodable>(_ type: T.Type, resource relative: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: repositoryFile(relative)))
    }

    static func demoBundle() throws -> CatalogBundle {
        try decode(CatalogBundle.self, resource: "Sources/TongbanServer/Resources/catalog/demo-catalog.json")
    }

    static func defaultSynonyms() throws -> SynonymTable {
        try decode(SynonymTable.self, resource: "Sources/TongbanServer/Resources/catalog/synonyms.json")
    }

    static func issueFields(_ body: () throws -> Void) -> [String] {
        do {
            try body()
            return []
        } catch let failure as ValidationFailure {
            return failure.issues.map(\.field)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    static func issueCodes(_ body: () throws -> Void) -> [String] {
        do {
            try body()
            return []
        } catch let failure as ValidationFailure {
            return failure.issues.map { "\($0.field):\($0.code)" }
        } catch {
            return ["unexpected \(error)"]
        }
    }
}
