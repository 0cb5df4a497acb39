import Testing
@testable import TongbanCore

@Suite struct CatalogSearchIndexTests {
    typealias F = CatalogFixtures

    static func m(_ names: String...) -> [MaterialRequirement] { names.map { MaterialRequirement(name: $0) } }

    static let corpus: [ServiceItem] = [
        F.item(code: "330000-XK-0001", name: "有限责任公司设立登记", materials: m("公司登记（备案）申请书", "公司章程", "股东主体资格证明", "住所使用证明"),
               tags: ["营业执照", "开公司"], lifeEvents: [.businessStartup]),
        F.item(code: "330000-XK-0002", name: "个体工商户设立登记", materials: m("个体工商户登记申请书", "经营者身份证明", "经营场所使用证明"),
               tags: ["个体户"], lifeEvents: [.businessStartup], visits: 1, onlineFull: false),
        F.item(code: "330000-XK-0003", name: "食品经营许可", materials: m("食品经营许可申请书", "营业执照", "食品安全管理制度"),
               lifeEvents: [.businessStartup]),
        F.item(code: "330000-GG-0001", name: "社会保障卡申领", kind: .publicService, department: "330000-rlsbt",
               materials: m("居民身份证", "近期免冠照片"), lifeEvents: [.socialSecurity]),
        F.item(code: "330000-JF-0001", name: "失业保险金申领", kind: .benefit, department: "330000-rlsbt",
               materials: m("居民身份证", "社会保障卡"), lifeEvents: [.socialSecurity, .employment]),
        F.item(code: "330000-QR-0001", name: "户口迁移（迁入）", kind: .confirmation, department: "330000-gat",
               materials: m("户口簿", "居民身份证", "迁移证明"), lifeEvents: [.housing], visits: 1, onlineFull: false),
        F.item(code: "330000-XK-0004", name: "普通护照签发", department: "330000-gat", materials: m("居民身份证", "近期免冠照片"),
               visits: 1, onlineFull: false),
        F.item(code: "330000-QR-0002", name: "居民身份证申领", kind: .confirmation, department: "330000-gat",
               materials: m("户口簿", "近期免冠照片"), lifeEvents: [.birth], visits: 1, onlineFull: false),
        F.item(code: "330000-XK-0005", name: "建设工程规划许可证核发", department: "330000-zrzyt",
               materials: m("建设工程规划许可申请表", "建设工程设计方案"), lifeEvents: [.investmentConstruction]),
        F.item(code: "330000-QT-0001", name: "草稿事项证明", kind: .otherPower, status: .draft),
    ]

    static let departmentNames = [
        "330000-scjgj": "浙江省市场监督管理局", "330000-rlsbt": "浙江省人力资源和社会保障厅",
        "330000-gat": "浙江省公安厅", "330000-zrzyt": "浙江省自然资源厅", "330106-scjgj": "杭州市西湖区市场监督管理局",
    ]

    static func index(_ items: [ServiceItem] = corpus) throws -> CatalogSearchIndex {
        var index = CatalogSearchIndex(synonyms: try F.defaultSynonyms())
        for item in items { try index.add(item, departmentName: departmentNames[item.departmentCode] ?? "") }
        return index
    }

    func names(_ result: CatalogSearchResult) -> [String] { result.hits.map(\.name) }

    @Test func businessLicenceFindsEnterpriseRegistrationFirst() throws {
        let result = try Self.index().search("营业执照")
        #expect(Set(names(result).prefix(2)) == ["有限责任公司设立登记", "个体工商户设立登记"])
        #expect(names(result).contains("食品经营许可"))
    }

    @Test func socialSecurityFindsTheCardThroughSynonyms() throws {
        let result = try Self.index().search("社保")
        #expect(names(result).first == "社会保障卡申领")
        #expect(result.hits.first?.title == "<mark>社会保障</mark>卡申领")
    }

    @Test func shortQueriesWork() throws {
        let index = try Self.index()
        #expect(names(try index.search("户口")).first == "户口迁移（迁入）")
        #expect(names(try index.search("护照")).first == "普通护照签发")
        let single = try index.search("证")
        #expect(single.hits.first.map { $0.name.contains("证") } == true)
        #expect(!names(single).contains("草稿事项证明"))
        #expect(try index.search("ＨＵＫＯＵ").total == 0)
    }

    @Test func multiSegmentQueriesPreferItemsMatchingAll() throws {
        let result = try Self.index().search("食品 许可")
        #expect(names(result).first == "食品经营许可")
    }

    @Test func snippetsComeFromOtherFieldsAndAreEscaped() throws {
        var items = Self.corpus
        items.append(F.item(code: "330000-XK-0009", name: "<script>证明</script>", materials: Self.m("A&B 公司章程")))
        let index = try Self.index(items)
        let hits = try index.search("公司章程").hits
        let charter = try #require(hits.first { $0.itemCode == "330000-XK-0001" })
        #expect(charter.snippet?.contains("<mark>公司章程</mark>") == true)
        let script = try #require(hits.first { $0.itemCode == "330000-XK-0009" })
        #expect(script.title == "&lt;script&gt;证明&lt;/script&gt;")
        #expect(script.snippet == "A&amp;B <mark>公司章程</mark>")
        let byDepartment = try #require(try index.search("公安厅").hits.first)
        #expect(byDepartment.snippet == "浙江省<mark>公安厅</mark>")
    }

    @Test func facetsCountEveryMatchNotJustThePage() throws {
        let result = try Self.index().search("", page: 1, pageSize: 2)
        #expect(result.total == 9)
        #expect(result.hits.count == 2)
        #expect(result.facets.kind.first == FacetCount(value: "licensing", count: 5))
        #expect(result.facets.kind.reduce(0) { $0 + $1.count } == 9)
        #expect(result.facets.department.first == FacetCount(value: "330000-scjgj", count: 3) || result.facets.department.first == FacetCount(value: "330000-gat", count: 3))
        #expect(result.facets.lifeEvent.first == FacetCount(value: "businessStartup", count: 3))
        #expect(result.facets.visits == [FacetCount(value: "0", count: 5), FacetCount(value: "1", count: 4)])
        #expect(result.facets.onlineFull == [FacetCount(value: "true", count: 5), FacetCount(value: "false", count: 4)])
        #expect(result.facets.division == [FacetCount(value: "330000", count: 9)])
    }

    @Test func filtersNarrowResultsAndFacets() throws {
        let index = try Self.index()
        let social = try index.search("", filters: CatalogSearchFilters(lifeEvents: [.socialSecurity]))
        #expect(Set(names(social)) == ["社会保障卡申领", "失业保险金申领"])
        let oneVisit = try index.search("", filters: CatalogSearchFilters(kinds: [.licensing], maxVisits: 0))
        #expect(Set(names(oneVisit)) == ["有限责任公司设立登记", "食品经营许可", "建设工程规划许可证核发"])
        let police = try index.search("证", filters: CatalogSearchFilters(departmentCodes: ["330000-gat"], onlineFull: false))
        #expect(Set(names(police)) == ["普通护照签发", "居民身份证申领", "户口迁移（迁入）"])
        #expect(police.facets.department == [FacetCount(value: "330000-gat", count: 3)])
        #expect(try index.search("", filters: CatalogSearchFilters(departmentCodes: ["nowhere"])).total == 0)
        let drafts = try index.search("证明", filters: CatalogSearchFilters(statuses: [.draft]))
        #expect(names(drafts) == ["草稿事项证明"])
    }

    @Test func citizenScopeShowsTheCompetentImplementationOnce() throws {
        var items = Self.corpus
        var county = items[0]
        county.divisionCode = "330106"
        county.departmentCode = "330106-scjgj"
        items.append(county)
        items.append(F.item(code: "330200-XK-0001", name: "宁波有限责任公司设立登记", division: "330200", tags: ["营业执照"]))
        let index = try Self.index(items)

        let everywhere = try index.search("设立登记")
        #expect(everywhere.hits.filter { $0.itemCode == "330000-XK-0001" }.count == 2)
        let westLake = try index.search("设立登记", filters: CatalogSearchFilters(citizenDivision: "330106"))
        #expect(westLake.hits.filter { $0.itemCode == "330000-XK-0001" }.map(\.divisionCode) == ["330106"])
        #expect(!westLake.hits.contains { $0.divisionCode == "330200" })
        let shangcheng = try index.search("设立登记", filters: CatalogSearchFilters(citizenDivision: "330102"))
        #expect(shangcheng.hits.filter { $0.itemCode == "330000-XK-0001" }.map(\.divisionCode) == ["330000"])
        #expect(westLake.total == shangcheng.total)
        // A filter that hides the county record lets the provincial one serve again.
        let provincialOnly = try index.search("设立登记", filters: CatalogSearchFilters(departmentCodes: ["330000-scjgj"], citizenDivision: "330106"))
        #expect(provincialOnly.hits.filter { $0.itemCode == "330000-XK-0001" }.map(\.divisionCode) == ["330000"])
    }

    @Test func addUpdateRemoveKeepTheIndexConsistent() throws {
        var index = try Self.index()
        #expect(F.issueCodes { try index.add(Self.corpus[0]) } == ["itemCode:duplicate"])
        #expect(index.count == 10)

        var renamed = Self.corpus[6]
        renamed.name = "往来港澳通行证签发"
        try index.update(renamed, departmentName: "浙江省公安厅")
        #expect(try index.search("护照").hits.contains { $0.itemCode == renamed.itemCode } == false)
        #expect(try index.search("港澳通行证").hits.first?.itemCode == renamed.itemCode)
        #expect(index.item(.init(itemCode: renamed.itemCode, divisionCode: "330000"))?.name == "往来港澳通行证签发")

        let key = CatalogSearchIndex.ItemKey(itemCode: "330000-QR-0001", divisionCode: "330000")
        try index.remove(key)
        #expect(index.count == 9)
        #expect(try index.search("户口").hits.allSatisfy { $0.itemCode != key.itemCode })
        #expect(F.issueCodes { try index.remove(key) } == ["itemCode:notFound"])
        #expect(F.issueCodes { try index.update(Self.corpus[5]) } == ["itemCode:notFound"])

        // The freed slot is reused and the item is searchable again.
        try index.add(Self.corpus[5])
        #expect(try index.search("户口").hits.first?.itemCode == key.itemCode)
        #expect(try index.search("").total == 9)
    }

    @Test func pagingWalksThroughResultsAndRejectsBadInput() throws {
        let index = try Self.index()
        let all = try index.search("证", pageSize: 100)
        let first = try index.search("证", page: 1, pageSize: 3)
        let second = try index.search("证", page: 2, pageSize: 3)
        #expect(first.hits + second.hits == Array(all.hits.prefix(6)))
        #expect(zip(all.hits, all.hits.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(try index.search("证", page: 99).hits.isEmpty)
        #expect(F.issueCodes { _ = try index.search("证", filters: CatalogSearchFilters(citizenDivision: "杭州"), page: 0, pageSize: 101) }
            == ["page:range", "pageSize:range", "citizenDivision:format"])
    }
}
