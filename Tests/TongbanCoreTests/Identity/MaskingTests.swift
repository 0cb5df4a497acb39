import Testing
@testable import TongbanCore

@Suite struct MaskingTests {
    @Test func residentID() {
        #expect(Masking.maskResidentID("11010119900307123X") == "110101********123X")
    }

    @Test func mobile() {
        #expect(Masking.maskMobile("13812345678") == "138****5678")
    }

    @Test func creditCode() {
        #expect(Masking.maskCreditCode("91350100M000100Y43") == "91350100********43")
    }

    @Test func names() {
        #expect(Masking.maskName("张三丰") == "张**")
        #expect(Masking.maskName("张三") == "张*")
        #expect(Masking.maskName("欧阳娜娜") == "欧***")
        #expect(Masking.maskName("张") == "*")
        #expect(Masking.maskName("") == "")
    }

    @Test func shortValuesAreHiddenEntirely() {
        #expect(Masking.maskResidentID("1234567890") == "**********")
        #expect(Masking.maskMobile("1234567") == "*******")
        #expect(Masking.mask("abcdef", keepingFirst: 2, last: 2) == "ab**ef")
    }
}
