import Testing
@testable import TongbanCore

@Suite struct PasswordPolicyTests {
    let personal = ["11010519491231002X", "13812345678"]

    func codes(_ password: String) -> [String] {
        IDFixture.codes { try PasswordPolicy.check(password, userInputs: personal) }
    }

    @Test(arguments: ["correct horse battery", "Tongban-办事-2025", "m7#Kq2!vZp9w"])
    func acceptsStrongPasswords(_ password: String) {
        #expect(codes(password) == [])
    }

    @Test func rejectsShortPasswords() {
        #expect(codes("Xk9#mQ2v!") == ["tooShort"])
    }

    @Test(arguments: ["123456789012", "password123", "qwertyuiop", "1qaz2wsx3edc", "woaini1314", "Woaini5201314", "PASSWORD123"])
    func rejectsCommonPasswords(_ password: String) {
        #expect(codes(password).contains("common"))
    }

    @Test func rejectsOneRepeatedCharacter() {
        #expect(codes("aaaaaaaaaaaa") == ["repetitive"])
        #expect(codes("中中中中中中中中中中") == ["repetitive"])
    }

    @Test func rejectsRunsOfConsecutiveCharacters() {
        #expect(codes("abcdefghijkl") == ["sequential"])
        #expect(codes("9876543210").contains("sequential"))
    }

    @Test func rejectsPasswordsContainingPersonalData() {
        #expect(codes("my13812345678pw") == ["personalInfo"])
        #expect(codes("id11010519491231002x") == ["personalInfo"], "ID numbers match regardless of the case of X")
    }

    @Test func ignoresShortOrEmptyPersonalInputs() {
        #expect(IDFixture.codes { try PasswordPolicy.check("abxyz-Long-Pass", userInputs: ["", "ab"]) } == [])
    }

    @Test func reportsEveryBrokenRuleAtOnce() throws {
        let failure = try #require(throws: ValidationFailure.self) {
            try PasswordPolicy.check("1381234", field: "newPassword", userInputs: ["1381234"])
        }
        #expect(failure.issues.map(\.code) == ["tooShort", "personalInfo"])
        #expect(failure.issues.allSatisfy { $0.field == "newPassword" })
    }

    @Test func weakListHoldsOnlyCandidatesTheLengthRuleLetsThrough() {
        #expect(PasswordPolicy.weakPasswords.count >= 200)
        #expect(PasswordPolicy.weakPasswords.allSatisfy { $0.count >= PasswordPolicy.minimumLength && $0 == $0.lowercased() })
    }
}
