import Foundation
import Testing
@testable import TongbanCore

@Suite struct CreditCodeTests {
    func parse(_ raw: String) throws -> CreditCode {
        try CreditCode(validating: raw, divisionExists: IDFixture.divisionExists)
    }

    @Test(arguments: [
        "91350100M000100Y43", // widely published sample
        "91110000100006485K",
        "91440300708461136T",
        "92350102MA2Y123453", // individual business (92)
        "121100004000000102", // public institution (12)
        "Y1330106MC0000010J", // authority code Y
    ])
    func acceptsValidCodes(_ raw: String) throws {
        let code = try parse(raw)
        #expect(code.value == raw)
        #expect(code.divisionCode == String(raw.dropFirst(2).prefix(6)))
    }

    @Test func normalisesCaseAndSpace() throws {
        #expect(try parse(" 91350100m000100y43 ").value == "91350100M000100Y43")
    }

    @Test func checkCharacterWrapsThirtyOneToZero() {
        // Weighted sum ≡ 0 (mod 31) gives 31, which the standard writes as 0.
        #expect(CreditCode.checkCharacter(for: Array(repeating: 0, count: 17)) == "0")
    }

    @Test(arguments: ["91350100M000100Y44", "91350100M000100Y4A", "91350100M00010Y043"])
    func rejectsWrongCheckCharacter(_ raw: String) {
        #expect(IDFixture.issue { _ = try parse(raw) }?.code == "checksum")
    }

    @Test(arguments: ["", "91350100M000100Y4", "91350100M000100Y433"])
    func rejectsWrongLength(_ raw: String) {
        let found = IDFixture.issue { _ = try parse(raw) }
        #expect(found?.code == "length")
        #expect(found?.field == "creditCode")
    }

    @Test(arguments: [
        "91350100M000100I43", // I is not in the alphabet
        "91350100M000100O43", // nor O
        "9135010SM000100Y43", // nor S, and positions 3–8 are digits
        "913501A0M000100Y43", // letters in the division
        "91350100M000100Y4-",
    ])
    func rejectsCharactersOutsideTheAlphabet(_ raw: String) {
        #expect(IDFixture.issue { _ = try parse(raw) }?.code == "format")
    }

    @Test func rejectsUnknownDivision() {
        // Valid check character for division 999999.
        let body = "91999999M000100Y4"
        let values = body.map { CreditCode.alphabet.firstIndex(of: $0)! }
        let raw = body + String(CreditCode.checkCharacter(for: values))
        let found = IDFixture.issue { _ = try parse(raw) }
        #expect(found?.code == "division")
        #expect(found?.messageEn.contains("999999") == true)
    }
}
