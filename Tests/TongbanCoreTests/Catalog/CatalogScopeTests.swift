import Testing
@testable import TongbanCore

@Suite struct CatalogScopeTests {
    typealias F = CatalogFixtures

    @Test func chainsAndLevels() {
        #expect(CatalogScope.chain(of: "330106") == ["330106", "330100", "330000", "000000"])
        #expect(CatalogScope.chain(of: "330100") == ["330100", "330000", "000000"])
        #expect(CatalogScope.chain(of: "330000") == ["330000", "000000"])
        #expect(CatalogScope.chain(of: "000000") == ["000000"])
        #expect(CatalogScope.chain(of: "33010A") == [])
        #expect(CatalogScope.level(of: "330106") == .county)
        #expect(CatalogScope.level(of: "1101") == nil)
        #expect(CatalogScope.contains("330000", "330106"))
        #expect(!CatalogScope.contains("330106", "330000"))
    }

    @Test func citizenSeesOwnChainOnceAtTheMostLocalLevel() throws {
        let items = [
            F.item(code: "330000-XK-0001", division: "330000"),
            F.item(code: "000000-GG-0001", name: "国家事项", kind: .publicService, division: "000000"),
            F.item(code: "330000-XK-0001", division: "330106", department: "330106-scjgj"),
            F.item(code: "330000-XK-0001", division: "330102", department: "330102-scjgj"),
            F.item(code: "330100-QR-0001", name: "市级确认", kind: .confirmation, division: "330100"),
            F.item(code: "330200-QR-0001", name: "宁波事项", kind: .confirmation, division: "330200"),
            F.item(code: "330000-JF-0001", name: "草稿", kind: .benefit, division: "330000", status: .draft),
        ]
        let westLake = try CatalogScope.visibleItems(items, forCitizenIn: "330106")
        #expect(westLake.map { "\($0.itemCode)@\($0.divisionCode)" } == [
            "330000-XK-0001@330106", "000000-GG-0001@000000", "330100-QR-0001@330100",
        ])
        let yuhang = try CatalogScope.visibleItems(items, forCitizenIn: "330110")
        #expect(yuhang.map { "\($0.itemCode)@\($0.divisionCode)" } == [
            "330000-XK-0001@330000", "000000-GG-0001@000000", "330100-QR-0001@330100",
        ])
        let ningbo = try CatalogScope.visibleItems(items, forCitizenIn: "330200")
        #expect(ningbo.map(\.name) == ["食品经营许可", "国家事项", "宁波事项"])
    }

    @Test func retiredLocalFallsBackToStandard() throws {
        let items = [
            F.item(division: "330106", status: .retired),
            F.item(division: "330000"),
        ]
        #expect(try CatalogScope.visibleItems(items, forCitizenIn: "330106").map(\.divisionCode) == ["330000"])
    }

    @Test func malformedDivisionIsRefused() {
        #expect(F.issueCodes { _ = try CatalogScope.visibleItems([], forCitizenIn: "西湖") } == ["divisionCode:format"])
    }
}
