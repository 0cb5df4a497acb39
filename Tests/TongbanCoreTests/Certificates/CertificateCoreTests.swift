import Foundation
import Testing
@testable import TongbanCore

@Suite struct CertificateCoreTests {
    static let issued = CivilDate(iso: "2026-03-10")!

    static func content(claims: [CertificateClaim], keyID: String = "seal-1", algorithm: SealAlgorithm = .ed25519,
                        expires: CivilDate? = CivilDate(iso: "2031-03-09")) -> CertificateContent {
        CertificateContent(number: "330106-2026-SP-7F3K9Q2M0A", typeCode: "food-business-licence", typeName: "食品经营许可证",
                           holderKind: .person, issuedOn: issued, expiresOn: expires, departmentCode: "330106-xzspj",
                           departmentName: "杭州市西湖区行政审批局", algorithm: algorithm, keyID: keyID, claims: claims)
    }

    static let claims = [
        CertificateClaim(salt: "c2FsdC1vbmU", name: "operatorName", value: "西湖小吃店"),
        CertificateClaim(salt: "c2FsdC10d28", name: HolderClaim.name, value: "张伟"),
    ]

    @Test func canonicalEncodingIsPinned() {
        let bytes = Self.content(claims: Self.claims).canonicalBytes
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("21:tongban-certificate/1,25:330106-2026-SP-7F3K9Q2M0A,21:food-business-licence,21:食品经营许可证,6:person,10:2026-03-10,10:2031-03-09,12:330106-xzspj,33:杭州市西湖区行政审批局,7:ed25519,6:seal-1,1:2,64:"))
        // Pinned: a change here breaks every certificate already issued.
        #expect(CertificateClaim(salt: "c2FsdC1vbmU", name: "operatorName", value: "西湖小吃店").digest
                == "84a9c74dd3c1df637229f79fa857925e6c32219bed8dc70a545c6c6947fc5fd9")
        // Computed independently (Python hashlib over the same netstrings).
        #expect(CanonicalEncoding.sha256Hex(bytes)
                == "422e3451a3da35d3a37395f0d93bcc8b9b345ecbe2c68717b8785199e4a49d8f")
    }

    @Test func claimOrderDoesNotChangeTheSignedBytes() {
        #expect(Self.content(claims: Self.claims).canonicalBytes == Self.content(claims: Self.claims.reversed()).canonicalBytes)
    }

    @Test func lengthPrefixesKeepFieldBoundariesUnambiguous() {
        #expect(CanonicalEncoding.netstrings(["ab", "c"]) != CanonicalEncoding.netstrings(["a", "bc"]))
        #expect(CertificateClaim(salt: "s", name: "a", value: "b,c").digest != CertificateClaim(salt: "s", name: "a,b", value: "c").digest)
    }

    @Test func ed25519SignsAndVerifies() throws {
        let (priv, pub) = Ed25519Signer.generate()
        let message = Data("证照".utf8)
        let signature = try Ed25519Signer(privateKey: priv).sign(message)
        #expect(Ed25519Verifier().isValid(signature: signature, message: message, publicKey: pub))
        var tampered = signature
        tampered[0] ^= 1
        #expect(!Ed25519Verifier().isValid(signature: tampered, message: message, publicKey: pub))
        #expect(!Ed25519Verifier().isValid(signature: signature, message: Data("证书".utf8), publicKey: pub))
    }

    struct Fixture {
        let key: PublishedSealKey
        let presentation: CertificatePresentation
        var checker: CertificateChecker { CertificateChecker(keys: [key], verifiers: [Ed25519Verifier()]) }
    }

    static func signed(expires: CivilDate? = CivilDate(iso: "2031-03-09")) throws -> Fixture {
        let (priv, pub) = Ed25519Signer.generate()
        let content = Self.content(claims: Self.claims, expires: expires)
        let signature = try Ed25519Signer(privateKey: priv).sign(content.canonicalBytes)
        let key = PublishedSealKey(keyID: "seal-1", departmentCode: "330106-xzspj", departmentName: "杭州市西湖区行政审批局",
                                   algorithm: .ed25519, publicKey: pub.base64EncodedString(),
                                   validFrom: CivilDate(iso: "2026-01-01")!, validUntil: CivilDate(iso: "2030-12-31")!, status: .active)
        return Fixture(key: key, presentation: CertificatePresentation(content: content, signature: signature.base64EncodedString(),
                                                                       disclosed: [Self.claims[0]]))
    }

    @Test func everyOutcome() throws {
        let f = try Self.signed()
        let today = CivilDate(iso: "2027-01-01")!
        let valid = f.checker.check(f.presentation, today: today, revoked: false)
        #expect(valid.outcome == .valid)
        #expect(valid.disclosed.map(\.name) == ["operatorName"])
        #expect(f.checker.check(f.presentation, today: today, revoked: true).outcome == .revoked)
        #expect(f.checker.check(f.presentation, today: CivilDate(iso: "2031-03-10")!, revoked: false).outcome == .expired)
        #expect(f.checker.check(f.presentation, today: CivilDate(iso: "2031-03-09")!, revoked: false).outcome == .valid)

        var tamperedField = f.presentation
        tamperedField.disclosed[0].value = "东湖小吃店"
        #expect(f.checker.check(tamperedField, today: today, revoked: false).outcome == .invalidSignature)
        var tamperedContent = f.presentation
        tamperedContent.content.expiresOn = CivilDate(iso: "2040-01-01")
        #expect(f.checker.check(tamperedContent, today: today, revoked: false).outcome == .invalidSignature)

        let stranger = CertificateChecker(keys: [], verifiers: [Ed25519Verifier()])
        #expect(stranger.check(f.presentation, today: today, revoked: false).outcome == .unknownKey)
        var otherDepartment = f.key
        otherDepartment.departmentCode = "330106-scjgj"
        #expect(CertificateChecker(keys: [otherDepartment], verifiers: [Ed25519Verifier()])
            .check(f.presentation, today: today, revoked: false).outcome == .unknownKey)
        // A certificate dated outside its seal's validity was not sealed by that seal.
        var retired = f.key
        retired.validUntil = CivilDate(iso: "2026-03-01")!
        #expect(CertificateChecker(keys: [retired], verifiers: [Ed25519Verifier()])
            .check(f.presentation, today: today, revoked: false).outcome == .invalidSignature)
    }

    @Test func payloadRoundTripsBareAndInsideALink() throws {
        let f = try Self.signed()
        let payload = f.presentation.payload
        #expect(payload.hasPrefix("TBC1."))
        #expect(CertificatePresentation(payload: payload) == f.presentation)
        #expect(CertificatePresentation(payload: "https://tongban.example/verify/X?p=\(payload)") == f.presentation)
        #expect(CertificatePresentation(payload: "TBC1.!!!") == nil)
        #expect(CertificatePresentation(payload: "hello") == nil)
    }

    @Test func validityRules() {
        let day = CivilDate(iso: "2024-01-31")!
        #expect(ValidityRule(unit: .years, count: 5).expiry(issuedOn: day)?.description == "2029-01-30")
        #expect(ValidityRule(unit: .months, count: 1).expiry(issuedOn: day)?.description == "2024-02-28")
        #expect(ValidityRule(unit: .days, count: 90).expiry(issuedOn: day)?.description == "2024-04-29")
        #expect(ValidityRule(unit: .none).expiry(issuedOn: day) == nil)
    }

    @Test func fieldValidationNamesEveryProblem() {
        let type = CertificateType(code: "t", name: "测试证", numberPrefix: "T", holderKind: .person, itemCodes: [],
                                   renewalItemCode: nil, fields: [CertificateFieldSpec(name: "a", label: "甲"),
                                                                  CertificateFieldSpec(name: "b", label: "乙", required: false)],
                                   validity: ValidityRule(unit: .none), template: "licence")
        #expect(throws: Never.self) { try type.validate(fields: ["a": "x"]) }
        do {
            try type.validate(fields: ["b": String(repeating: "长", count: 501), "z": "?"])
            Issue.record("expected failure")
        } catch let failure as ValidationFailure {
            #expect(failure.issues.map(\.field) == ["fields/a", "fields/b", "fields/z"])
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func numbersAreWellFormed() {
        let n = CertificateNumber.make(division: "330106", issuedOn: Self.issued, prefix: "SP")
        #expect(n.hasPrefix("330106-2026-SP-") && n.count == 25)
        #expect(CertificateNumber.isWellFormed(n))
        #expect(!CertificateNumber.isWellFormed("../etc"))
    }
}
