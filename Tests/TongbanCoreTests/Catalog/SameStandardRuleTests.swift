import Testing
@testable import TongbanCore

@Suite struct SameStandardRuleTests {
    typealias F = CatalogFixtures
    let standard = F.item(promised: 10)
    let westLake = ServiceLocation(address: "杭州市西湖区文三路天堂软件园西湖区民服务中心", hours: "周一至周六 9:00-17:00", phone: "0571-87001234")

    func county(_ change: (inout ServiceItem) -> Void = { _ in }) -> ServiceItem {
        var item = standard
        item.divisionCode = "330106"
        item.departmentCode = "330106-scjgj"
        item.location = westLake
        change(&item)
        return item
    }

    @Test func localFieldsAloneAreAccepted() throws {
        try SameStandardRule.check(localItem: county { $0.promisedLimitDays = 3; $0.version = 4 }, against: standard)
        try SameStandardRule.check(localItem: county(), against: standard)
    }

    @Test func changingNameOrMaterialsIsRefusedNamingEachField() {
        let local = county {
            $0.name = "西湖区食品经营许可"
            $0.materials.removeLast()
            $0.fee = .charged(amountFen: 100, basis: "《地方规定》")
        }
        #expect(F.issueCodes { try SameStandardRule.check(localItem: local, against: standard) } == [
            "name:notLocalField", "materials:notLocalField", "fee:notLocalField",
        ])
    }

    @Test func promisedLimitMayOnlyShrink() {
        #expect(F.issueCodes { try SameStandardRule.check(localItem: county { $0.promisedLimitDays = 12 }, against: standard) }
            == ["promisedLimitDays:longerThanStandard"])
        let patch = LocalImplementation(itemCode: standard.itemCode, divisionCode: "330106", departmentCode: "330106-scjgj", location: westLake, promisedLimitDays: 11)
        #expect(F.issueCodes { try SameStandardRule.check(patch, against: standard) } == ["promisedLimitDays:longerThanStandard"])
    }

    @Test func implementationMustBeBelowTheStandardAndSameCode() {
        var patch = LocalImplementation(itemCode: "330000-XK-0002", divisionCode: "330000", departmentCode: " ", location: ServiceLocation(address: "", hours: "9-17", phone: "12345"), promisedLimitDays: -1)
        #expect(F.issueCodes { try SameStandardRule.check(patch, against: standard) } == [
            "itemCode:mismatch", "divisionCode:notSubordinate", "departmentCode:required",
            "location/address:required", "promisedLimitDays:range",
        ])
        patch = LocalImplementation(itemCode: standard.itemCode, divisionCode: "320106", departmentCode: "x", location: westLake)
        #expect(F.issueCodes { try SameStandardRule.check(patch, against: standard) } == ["divisionCode:notSubordinate"])
        patch.divisionCode = "3301"
        #expect(F.issueCodes { try SameStandardRule.check(patch, against: standard) } == ["divisionCode:format"])
    }

    @Test func mergeLaysLocalFieldsOverStandard() throws {
        let patch = LocalImplementation(itemCode: standard.itemCode, divisionCode: "330106", departmentCode: "330106-scjgj", location: westLake, promisedLimitDays: 2)
        let merged = try SameStandardRule.effectiveItem(standard: standard, local: patch)
        #expect(merged.divisionCode == "330106")
        #expect(merged.departmentCode == "330106-scjgj")
        #expect(merged.location == westLake)
        #expect(merged.promisedLimitDays == 2)
        #expect(merged.materials == standard.materials && merged.name == standard.name)
        try merged.validate()
        try SameStandardRule.check(localItem: merged, against: standard)

        let keepsPromise = try SameStandardRule.effectiveItem(standard: standard, local: LocalImplementation(itemCode: standard.itemCode, divisionCode: "330106", departmentCode: "d", location: westLake))
        #expect(keepsPromise.promisedLimitDays == 10)
        #expect(throws: ValidationFailure.self) {
            try SameStandardRule.effectiveItem(standard: standard, local: LocalImplementation(itemCode: standard.itemCode, divisionCode: "330106", departmentCode: "d", location: westLake, promisedLimitDays: 30))
        }
    }

    @Test func fullLocalItemReducesToItsPatch() {
        let local = county { $0.promisedLimitDays = 10 }
        #expect(SameStandardRule.implementation(of: local, standard: standard).promisedLimitDays == nil)
        #expect(SameStandardRule.implementation(of: county { $0.promisedLimitDays = 4 }, standard: standard).promisedLimitDays == 4)
    }
}
