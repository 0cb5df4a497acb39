import Foundation
import Testing
@testable import TongbanCore

@Suite struct TOTPTests {
    let rfcSecret = Array("12345678901234567890".utf8)

    /// RFC 6238 Appendix B, SHA-1 column.
    @Test(arguments: [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ] as [(Int, String)])
    func rfc6238Vectors(seconds: Int, expected: String) {
        let instant = Date(timeIntervalSince1970: TimeInterval(seconds))
        #expect(TOTP.code(secret: rfcSecret, at: instant, digits: 8) == expected)
        #expect(TOTP.code(secret: rfcSecret, at: instant) == String(expected.suffix(6)))
    }

    /// RFC 4226 Appendix D HOTP values, counters 0 and 9.
    @Test func rfc4226Vectors() {
        #expect(TOTP.code(secret: rfcSecret, counter: 0) == "755224")
        #expect(TOTP.code(secret: rfcSecret, counter: 9) == "520489")
    }

    @Test func verifyAcceptsNeighbouringStepsOnly() {
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let step = TOTP.counter(at: now)
        let previous = TOTP.code(secret: rfcSecret, counter: step - 1)
        let next = TOTP.code(secret: rfcSecret, counter: step + 1)
        let twoAgo = TOTP.code(secret: rfcSecret, counter: step - 2)

        #expect(TOTP.verify(code: "050471", secret: rfcSecret, at: now))
        #expect(TOTP.verify(code: previous, secret: rfcSecret, at: now))
        #expect(TOTP.verify(code: next, secret: rfcSecret, at: now))
        #expect(!TOTP.verify(code: twoAgo, secret: rfcSecret, at: now))
        #expect(TOTP.verify(code: twoAgo, secret: rfcSecret, at: now, window: 2))
        #expect(!TOTP.verify(code: previous, secret: rfcSecret, at: now, window: 0))
    }

    @Test func matchingCounterTellsWhichStepMatched() {
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let step = TOTP.counter(at: now)
        let previous = TOTP.code(secret: rfcSecret, counter: step - 1)
        #expect(TOTP.matchingCounter(code: previous, secret: rfcSecret, at: now) == step - 1)
    }

    @Test(arguments: ["", "05047", "0504710", "o50471", "123456"])
    func verifyRejectsMalformedOrWrongCodes(_ code: String) {
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        #expect(!TOTP.verify(code: code, secret: rfcSecret, at: now))
    }

    @Test func verifyToleratesSpacesTypedBetweenGroups() {
        #expect(TOTP.verify(code: "050 471", secret: rfcSecret, at: Date(timeIntervalSince1970: 1_111_111_111)))
    }

    @Test func verifyRejectsCodeForAnotherSecret() {
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let other = Array("abcdefghijabcdefghij".utf8)
        #expect(!TOTP.verify(code: TOTP.code(secret: other, at: now), secret: rfcSecret, at: now, window: 0))
    }

    @Test func verifyAtTheEpochDoesNotUnderflow() {
        let epoch = Date(timeIntervalSince1970: 0)
        #expect(TOTP.verify(code: "755224", secret: rfcSecret, at: epoch))
    }

    /// RFC 4648 §10 test vectors.
    @Test(arguments: [
        ("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"),
        ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI"),
    ] as [(String, String)])
    func base32RoundTrip(plain: String, encoded: String) {
        #expect(TOTP.base32Encode(Array(plain.utf8)) == encoded)
        #expect(TOTP.base32Decode(encoded) == Array(plain.utf8))
    }

    @Test func base32Padding() {
        #expect(TOTP.base32Encode(Array("foob".utf8), padded: true) == "MZXW6YQ=")
        #expect(TOTP.base32Decode("MZXW6YQ=") == Array("foob".utf8))
        #expect(TOTP.base32Decode("mzxw-6ytb oi") == Array("foobar".utf8))
    }

    @Test(arguments: ["MZXW1", "MZ=XW", "M", "MZX", "MZXW6Y", "MZXW6!"])
    func base32RejectsInvalidText(_ text: String) {
        #expect(TOTP.base32Decode(text) == nil)
    }

    @Test func generatedSecretsHaveTheRequestedLengthAndDiffer() {
        let first = TOTP.generateSecret()
        let second = TOTP.generateSecret()
        #expect(first.count == 20)
        #expect(first != second)
        #expect(TOTP.generateSecret(byteCount: 32).count == 32)
        #expect(TOTP.base32Decode(TOTP.base32Encode(first)) == first)
    }

    @Test func provisioningURI() {
        let uri = TOTP.provisioningURI(secret: Array("foobar".utf8), account: "张三@例子.cn", issuer: "Tongban 政务")
        #expect(uri == "otpauth://totp/Tongban%20%E6%94%BF%E5%8A%A1:%E5%BC%A0%E4%B8%89%40%E4%BE%8B%E5%AD%90.cn"
            + "?secret=MZXW6YTBOI&issuer=Tongban%20%E6%94%BF%E5%8A%A1&algorithm=SHA1&digits=6&period=30")
        let plain = TOTP.provisioningURI(secret: Array("foobar".utf8), account: "clerk01")
        #expect(plain == "otpauth://totp/Tongban:clerk01?secret=MZXW6YTBOI&issuer=Tongban&algorithm=SHA1&digits=6&period=30")
        #expect(URL(string: uri) != nil)
    }

    @Test func constantTimeEqual() {
        #expect(TOTP.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!TOTP.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!TOTP.constantTimeEqual([1, 2, 3], [1, 2]))
    }
}
