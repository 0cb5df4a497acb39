import Foundation
import Testing
@testable import TongbanCore

@Suite struct ResidentIDTests {
    let today = CivilDate(year: 2025, month: 6, day: 15)!

    func parse(_ raw: String, today: CivilDate? = nil) throws -> ResidentID {
        try ResidentID(validating: raw, today: today ?? self.today, divisionExists: IDFixture.divisionExists)
    }

    @Test(arguments: [
        "11010519491231002X", "110101199003071233", "320102198001010016", "110101199901010037",
    ])
    func acceptsValidNumbers(_ raw: String) throws {
        let id = try parse(raw)
        #expect(id.value == raw)
        #expect(id.divisionCode == String(raw.prefix(6)))
    }

    @Test func extractsBirthDateAndDivision() throws {
        let id = try parse("11010519491231002X")
        #expect(id.birthDate == CivilDate(year: 1949, month: 12, day: 31)!)
        #expect(id.divisionCode == "110105")
    }

    @Test func normalisesLowerCaseXAndSurroundingSpace() throws {
        let id = try parse("  11010519491231002x\n")
        #expect(id.value == "11010519491231002X")
    }

    @Test func acceptsLeapDayBirths() throws {
        #expect(try parse("11010120000229123X").birthDate == CivilDate(year: 2000, month: 2, day: 29)!)
        #expect(try parse("44030520040229001X").birthDate == CivilDate(year: 2004, month: 2, day: 29)!)
    }

    @Test func rejectsFebruary29InCommonYears() {
        // 1900 is divisible by 4 but not a leap year; the check character is correct,
        // so only the date rule can reject it.
        let found = IDFixture.issue { _ = try parse("110101190002291233") }
        #expect(found?.code == "birthDate")
    }

    @Test func acceptsBirthOnTodayAndRejectsTomorrow() throws {
        let born = CivilDate(year: 2024, month: 2, day: 29)!
        #expect(try parse("110101202402290016", today: born).birthDate == born)
        let found = IDFixture.issue { _ = try parse("110101202402290016", today: CivilDate(year: 2024, month: 2, day: 28)!) }
        #expect(found?.code == "birthDate")
    }

    @Test func rejectsBirthYearBefore1900() {
        // 1899-12-31 with a correct check character.
        let digits = Array("11010118991231001").map { Int(String($0))! }
        let raw = "11010118991231001" + String(ResidentID.checkCharacter(for: digits))
        #expect(IDFixture.issue { _ = try parse(raw) }?.code == "birthDate")
    }

    @Test func rejectsUnknownDivision() {
        let found = IDFixture.issue { _ = try parse("999999198001010011") }
        #expect(found?.code == "division")
        #expect(found?.messageZh.contains("999999") == true)
    }

    @Test(arguments: [
        "110101199003071234", // check character should be 3
        "110105194912310021", // check character should be X
        "110101199003071323", // two digits swapped
    ])
    func rejectsWrongCheckCharacter(_ raw: String) {
        #expect(IDFixture.issue { _ = try parse(raw) }?.code == "checksum")
    }

    @Test(arguments: ["", "1101051949123100", "11010519491231002X0", "110105 19491231002X"])
    func rejectsWrongLength(_ raw: String) {
        let found = IDFixture.issue { _ = try parse(raw) }
        #expect(found?.code == "length")
        #expect(found?.field == "idNumber")
    }

    @Test(arguments: [
        "1101051949123100XX", "11010519491231002Y", "A1010519491231002X",
        "１１0105194912310021", // full-width digits look like digits but are not ASCII
    ])
    func rejectsWrongCharacters(_ raw: String) {
        #expect(IDFixture.issue { _ = try parse(raw) }?.code == "format")
    }

    @Test func namesTheGivenFieldAndGivesBothLanguages() throws {
        let found = try #require(IDFixture.issue {
            _ = try ResidentID(validating: "123", field: "applicant/idNumber", today: today, divisionExists: IDFixture.divisionExists)
        })
        #expect(found.field == "applicant/idNumber")
        #expect(!found.messageZh.isEmpty && !found.messageEn.isEmpty)
    }

    @Test func descriptionIsMasked() throws {
        let id = try parse("11010519491231002X")
        #expect("\(id)" == "110105********002X")
    }

    @Test func checkCharacterFollowsISO7064() {
        // Sum 0 → "1", sum ≡ 2 → "X": the two ends of the mapping table.
        #expect(ResidentID.checkCharacter(for: Array(repeating: 0, count: 17)) == "1")
        #expect(ResidentID.checkCharacter(for: Array("11010519491231002").map { Int(String($0))! }) == "X")
    }
}

@Suite struct CivilDateIdentityTests {
    @Test func leapYearRules() {
        #expect(CivilDate(year: 2000, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 1900, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 2023, month: 2, day: 29) == nil)
    }

    @Test func validity() {
        #expect(CivilDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 2023, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 2023, month: 4, day: 31) == nil)
        #expect(CivilDate(year: 2023, month: 13, day: 1) == nil)
        #expect(CivilDate(year: 2023, month: 1, day: 0) == nil)
    }

    @Test func ordering() {
        #expect(CivilDate(year: 2023, month: 12, day: 31)! < CivilDate(year: 2024, month: 1, day: 1)!)
        #expect(CivilDate(year: 2024, month: 1, day: 31)! < CivilDate(year: 2024, month: 2, day: 1)!)
        #expect(!(CivilDate(year: 2024, month: 2, day: 1)! < CivilDate(year: 2024, month: 2, day: 1)!))
    }

    @Test func todayUsesTheGivenOffset() {
        // 2024-02-28T16:30:00Z is already 2024-02-29 00:30 in Beijing.
        let instant = Date(timeIntervalSince1970: 1_709_137_800)
        #expect(CivilDate(instant: instant) == CivilDate(year: 2024, month: 2, day: 29)!)
        #expect(CivilDate(instant: instant, utcOffsetSeconds: 0) == CivilDate(year: 2024, month: 2, day: 28)!)
    }

    @Test func todayBeforeTheEpoch() {
        #expect(CivilDate(instant: Date(timeIntervalSince1970: -1), utcOffsetSeconds: 0) == CivilDate(year: 1969, month: 12, day: 31)!)
        #expect(CivilDate(instant: Date(timeIntervalSince1970: 0), utcOffsetSeconds: 0) == CivilDate(year: 1970, month: 1, day: 1)!)
    }

    @Test func parsesAndPrintsISODates() {
        #expect(CivilDate(iso: "2024-02-29") == CivilDate(year: 2024, month: 2, day: 29)!)
        #expect(CivilDate(iso: "2023-02-29") == nil)
        #expect(CivilDate(iso: "2024-2-29") == nil)
        #expect(CivilDate(iso: "2024-02-2x") == nil)
        #expect(CivilDate(year: 987, month: 3, day: 7)!.description == "0987-03-07")
    }

    @Test func codableRoundTrip() throws {
        let day = CivilDate(year: 1990, month: 3, day: 7)!
        let decoded = try JSONDecoder().decode(CivilDate.self, from: JSONEncoder().encode(day))
        #expect(decoded == day)
    }
}
