import Foundation
import Testing
@testable import TongbanCore

@Suite struct ServiceItemTests {
    typealias F = CatalogFixtures

    @Test func validItemPasses() throws {
        try F.item().validate()
    }

    @Test func kindsHaveChineseNamesAndEnglishJSON() throws {
        #expect(ItemKind.allCases.map(\.zh) == ["行政许可", "行政确认", "行政给付", "行政裁决", "行政奖励", "其他行政权力", "公共服务"])
        #expect(LifeEvent.allCases.count == 12)
        #expect(LifeEvent.afterDeath.zh == "身后事")
        let json = String(decoding: try JSONEncoder().encode(ItemKind.otherPower), as: UTF8.self)
        #expect(json == "\"otherPower\"")
    }

    @Test func codableRoundTripKeepsEveryVariant() throws {
        var item = F.item()
        item.fee = .charged(amountFen: 2000, basis: "《关于规范户口迁移证件工本费的通知》")
        item.materials = [
            MaterialRequirement(name: "户口簿", source: .sharedData("household-register"), form: .electronic),
            MaterialRequirement(name: "委托书", form: .copy, copies: 2, required: .conditional("委托他人办理的"), sampleURL: "https://example.org/a.pdf"),
            MaterialRequirement(name: "照片", required: .optional),
        ]
        let data = try JSONEncoder().encode(item)
        #expect(try JSONDecoder().decode(ServiceItem.self, from: data) == item)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"resource\":\"household-register\""))
        #expect(text.contains("\"condition\":\"委托他人办理的\""))
        #expect(text.contains("\"amountFen\":2000"))
    }

    @Test func unknownSourceAndFeeTypesAreRejected() {
        let source = Data(#"{"type":"fax"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(MaterialSource.self, from: source) }
        let fee = Data(#"{"type":"tip"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Fee.self, from: fee) }
    }

    @Test func applicantMaterialsLeaveOutGovernmentSuppliedOnes() {
        #expect(F.item().applicantMaterials.map(\.name) == ["申请书"])
    }

    @Test func itemCodeRules() {
        var item = F.item(code: "33-XK-1")
        #expect(F.issueCodes { try item.validate() } == ["itemCode:format"])
        item.itemCode = ""
        #expect(F.issueCodes { try item.validate() } == ["itemCode:required"])
        item.itemCode = "330000-GG-0001"
        #expect(F.issueCodes { try item.validate() } == ["itemCode:kindMismatch"])
        // A Hangzhou county may implement a provincial code, but not a Ningbo one.
        item.itemCode = "330200-XK-0001"
        item.divisionCode = "330106"
        #expect(F.issueCodes { try item.validate() } == ["itemCode:divisionMismatch"])
        item.itemCode = "330000-XK-0001"
        #expect(F.issueCodes { try item.validate() } == [])
        item.divisionCode = "3301"
        #expect(F.issueCodes { try item.validate() } == ["divisionCode:format"])
    }

    @Test func nameDepartmentAndLegalBasisRules() {
        var item = F.item(name: "   ")
        item.departmentCode = ""
        item.legalBasis = []
        #expect(F.issueCodes { try item.validate() } == ["name:required", "departmentCode:required", "legalBasis:required"])
        item.name = String(repeating: "证", count: 101)
        item.departmentCode = "330000-scjgj"
        item.legalBasis = [LegalBasis(law: "", article: "第一条"), LegalBasis(law: "行政许可法", article: "")]
        #expect(F.issueCodes { try item.validate() } == ["name:tooLong", "legalBasis/0/law:required", "legalBasis/1/law:format"])
    }

    @Test func materialRulesUseIndexedPaths() {
        var item = F.item()
        item.materials = [
            MaterialRequirement(name: "申请书"),
            MaterialRequirement(name: "户口簿", source: .sharedData(" ")),
            MaterialRequirement(name: "", source: .certificate(""), copies: 0, required: .conditional(""), sampleURL: "ftp://x"),
            MaterialRequirement(name: "申请书"),
        ]
        let issues = F.issueCodes { try item.validate() }
        #expect(issues == [
            "materials/1/source:required",
            "materials/2/name:required", "materials/2/source:required", "materials/2/copies:range",
            "materials/2/required:required", "materials/2/sampleURL:format",
            "materials/3/name:duplicate",
        ])
    }

    @Test func limitRules() {
        #expect(F.issueCodes { try F.item(statutory: 20, promised: 25).validate() } == ["promisedLimitDays:exceedsStatutory"])
        #expect(F.issueCodes { try F.item(statutory: -1, promised: 0).validate() } == ["statutoryLimitDays:range"])
        #expect(F.issueCodes { try F.item(statutory: Int.max, promised: 0).validate() } == ["statutoryLimitDays:range"])
        #expect(F.issueCodes { try F.item(statutory: 1000, promised: 1000).validate() }.isEmpty)
        #expect(F.issueCodes { try F.item(statutory: 5, promised: -1).validate() } == ["promisedLimitDays:range"])
        #expect(F.issueCodes { try F.item(statutory: 0, promised: 0).validate() } == [])
    }

    @Test func feeVisitsAndOnlineRules() {
        var item = F.item(visits: 1, onlineFull: true)
        item.fee = .charged(amountFen: 0, basis: "")
        #expect(F.issueCodes { try item.validate() } == ["fee/amountFen:range", "fee/basis:required", "visits:onlineFullNeedsZeroVisits"])
        item = F.item(visits: -1, onlineFull: false)
        #expect(F.issueCodes { try item.validate() } == ["visits:range"])
    }

    @Test func locationStepsListsAndVersion() {
        var item = F.item(tags: ["开店", "", "开店"], lifeEvents: [.businessStartup, .businessStartup])
        item.location = ServiceLocation(address: "", hours: " ", phone: "call us")
        item.steps = []
        item.conditions = ["", "有场所"]
        item.version = 0
        #expect(F.issueCodes { try item.validate() } == [
            "conditions/0:required", "steps:required",
            "location/address:required", "location/hours:required", "location/phone:format",
            "lifeEvents/1:duplicate", "tags/1:required", "tags/2:duplicate", "version:range",
        ])
        item = F.item()
        item.steps = ["申请", " "]
        item.location.phone = "(0571) 8525-2525"
        #expect(F.issueCodes { try item.validate() } == ["steps/1:required"])
    }

    @Test func messagesAreBilingual() throws {
        let failure = try #require(throws: ValidationFailure.self) { try F.item(statutory: 20, promised: 25).validate() }
        let issue = try #require(failure.issues.first)
        #expect(issue.messageZh.contains("承诺时限"))
        #expect(issue.messageEn.contains("statutory"))
    }
}
