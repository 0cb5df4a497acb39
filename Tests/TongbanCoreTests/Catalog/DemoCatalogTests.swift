import Foundation
import Testing
@testable import TongbanCore

/// The shipped demo catalog must decode with the model, pass every rule, and search well.
@Suite struct DemoCatalogTests {
    typealias F = CatalogFixtures

    struct Department: Decodable { var code: String; var name: String; var divisionCode: String }

    static func departments() throws -> [String: Department] {
        let list = try F.decode([Department].self, resource: "Sources/TongbanServer/Resources/demo/departments.json")
        return Dictionary(uniqueKeysWithValues: list.map { ($0.code, $0) })
    }

    static func index() throws -> CatalogSearchIndex {
        let departments = try departments()
        var index = CatalogSearchIndex(synonyms: try F.defaultSynonyms())
        for item in try F.demoBundle().effectiveItems() {
            try index.add(item, departmentName: departments[item.departmentCode]?.name ?? "")
        }
        return index
    }

    @Test func decodesAndValidatesEntirely() throws {
        let bundle = try F.demoBundle()
        try bundle.validate()
        let effective = try bundle.effectiveItems()
        #expect(bundle.items.count >= 130)
        #expect(effective.count == bundle.items.count + bundle.localImplementations.count)
        for item in effective { try item.validate() }
    }

    @Test func coversLifeEventsKindsDepartmentsAndLevels() throws {
        let bundle = try F.demoBundle()
        let departments = try Self.departments()
        #expect(Set(bundle.items.flatMap(\.lifeEvents)) == Set(LifeEvent.allCases))
        #expect(Set(bundle.items.map(\.kind)) == Set(ItemKind.allCases))
        let used = Set(bundle.items.map(\.departmentCode) + bundle.localImplementations.map(\.departmentCode))
        #expect(used.count >= 12)
        #expect(used.subtracting(departments.keys).isEmpty)
        for item in bundle.items { #expect(departments[item.departmentCode]?.divisionCode == item.divisionCode, "\(item.itemCode)") }
        for local in bundle.localImplementations { #expect(departments[local.departmentCode]?.divisionCode == local.divisionCode) }
        #expect(Set(bundle.items.map(\.divisionCode)).isSuperset(of: ["330000", "330100", "330106", "330102"]))
        #expect(Set(bundle.localImplementations.map(\.divisionCode)) == ["330106", "330102"])
        #expect(bundle.items.allSatisfy { $0.materials.count >= 3 })
        #expect(bundle.items.contains { $0.materials.contains { $0.source == .certificate("resident-id") } })
        #expect(bundle.items.contains { $0.materials.contains { $0.source == .sharedData("household-register") } })
    }

    @Test func rejectsAnImplementationWithoutStandard() throws {
        var bundle = try F.demoBundle()
        bundle.localImplementations.append(LocalImplementation(
            itemCode: "330000-XK-0999", divisionCode: "330106", departmentCode: "330106-scjgj", location: CatalogFixtures.hall))
        bundle.items[0].promisedLimitDays = 99
        let fields = F.issueCodes { try bundle.validate() }
        #expect(fields.contains("items/0/promisedLimitDays:exceedsStatutory"))
        #expect(fields.contains("localImplementations/\(bundle.localImplementations.count - 1)/itemCode:noStandard"))
    }

    @Test func westLakeCitizenIsServedLocally() throws {
        let visible = try CatalogScope.visibleItems(F.demoBundle().effectiveItems(), forCitizenIn: "330106")
        let company = try #require(visible.first { $0.name == "有限责任公司设立登记" })
        #expect(company.departmentCode == "330106-scjgj")
        #expect(company.promisedLimitDays == 0)
        #expect(Set(visible.map(\.itemCode)).count == visible.count)
        #expect(!visible.contains { $0.divisionCode == "330102" })
    }

    @Test func rankingOnTheDemoCatalog() throws {
        let index = try Self.index()
        let westLake = CatalogSearchFilters(citizenDivision: "330106")
        let licence = try index.search("营业执照", filters: westLake)
        #expect(licence.hits.prefix(3).allSatisfy { $0.name.hasSuffix("设立登记") }, "\(licence.hits.prefix(5).map(\.name))")
        let social = try index.search("社保", filters: westLake)
        #expect(social.hits.prefix(3).contains { $0.name.hasPrefix("社会保障卡") }, "\(social.hits.prefix(5).map(\.name))")
        let hukou = try index.search("户口", filters: westLake)
        #expect(hukou.hits.first.map { $0.name.contains("户口") || $0.name.contains("落户") } == true, "\(hukou.hits.prefix(5).map(\.name))")
        #expect(try index.search("护照", filters: westLake).hits.first?.name == "普通护照签发")
        let single = try index.search("证", filters: westLake)
        #expect(single.total > 10)
        #expect(single.hits.first?.name.contains("证") == true)
        #expect(single.facets.division.allSatisfy { ["330106", "330100", "330000"].contains($0.value) })
    }
}
