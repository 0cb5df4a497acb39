import Testing
@testable import TongbanCore

@Suite struct SynonymTableTests {
    typealias F = CatalogFixtures

    @Test func alternativesSwapEachMember() {
        let table = SynonymTable(groups: [["社保", "社会保障"], ["公积金", "住房公积金"], ["补办", "补领"]])
        #expect(table.alternatives(for: "社保卡补办") == ["社会保障卡补办", "社保卡补领"])
        // The longest member is the one swapped, so no "住房住房公积金".
        #expect(table.alternatives(for: "住房公积金提取") == ["公积金提取"])
        #expect(table.alternatives(for: "公积金提取") == ["住房公积金提取"])
        #expect(table.alternatives(for: "护照") == [])
        #expect(table.alternatives(for: "社保卡补办", limit: 1).count == 1)
    }

    @Test func membersAreNormalised() {
        let table = SynonymTable(groups: [["ＩＣ卡", "社保卡"]])
        #expect(table.alternatives(for: "ic卡申领") == ["社保卡申领"])
    }

    @Test func validationNamesBadGroups() {
        let table = SynonymTable(groups: [["身份证"], ["社保", "社 保", "社保", ""], ["a", "A"]])
        #expect(F.issueCodes { try table.validate() } == [
            "groups/0:tooFew",
            "groups/1/1:format", "groups/1/2:duplicate", "groups/1/3:required", "groups/1:tooFew",
            "groups/2/1:duplicate", "groups/2:tooFew",
        ])
    }

    @Test func defaultTableIsValidAndCoversTheCommonWords() throws {
        let table = try F.defaultSynonyms()
        try table.validate()
        #expect(table.groups.count >= 30)
        for pair in [("身份证", "居民身份证"), ("营业执照", "设立登记"), ("社保", "社会保障"), ("户口", "落户"), ("公积金", "住房公积金"), ("医保", "医疗保障")] {
            #expect(table.alternatives(for: pair.0).contains(pair.1), "\(pair)")
        }
    }
}
