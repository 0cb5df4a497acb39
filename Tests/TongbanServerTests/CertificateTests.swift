import Foundation
import SQLKit
import Testing
import TongbanCore
@testable import TongbanServer

@Suite struct SealCryptoTests {
    static func hex(_ data: Data) -> String { data.hexEncoded }

    @Test func sm3MatchesTheGMT0004Vectors() {
        #expect(Self.hex(SM3.hash(Data("abc".utf8))) == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        #expect(Self.hex(SM3.hash(Data(String(repeating: "abcd", count: 16).utf8)))
                == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
    }

    @Test func sm2SignsVerifiesAndRejectsTampering() throws {
        let (priv, pub) = try SM2Signer.generate()
        #expect(priv.count == 32 && pub.count == 65 && pub.first == 0x04)
        let message = Data("食品经营许可证".utf8)
        let signature = try SM2Signer(privateKey: priv, publicKey: pub).sign(message)
        #expect(SM2Verifier().isValid(signature: signature, message: message, publicKey: pub))
        var tampered = signature
        tampered[tampered.count - 1] ^= 0x01
        #expect(!SM2Verifier().isValid(signature: tampered, message: message, publicKey: pub))
        #expect(!SM2Verifier().isValid(signature: signature, message: Data("食品经营许可证!".utf8), publicKey: pub))
        let (_, otherPub) = try SM2Signer.generate()
        #expect(!SM2Verifier().isValid(signature: signature, message: message, publicKey: otherPub))
        #expect(!SM2Verifier().isValid(signature: Data(), message: message, publicKey: pub))
    }

    @Test func wrappedPrivateKeysOpenOnlyUnderTheirKeyID() throws {
        let crypto = SealCrypto(protector: FieldProtector(masterKey: .init(size: .bits256)))
        let wrapped = try crypto.wrap(Data(repeating: 7, count: 32), keyID: "k1")
        #expect(try crypto.unwrap(wrapped, keyID: "k1") == Data(repeating: 7, count: 32))
        #expect(throws: (any Error).self) { try crypto.unwrap(wrapped, keyID: "k2") }
    }

    @Test func qrCodesComeFromLibqrencode() throws {
        let modules = try QRCodeSVG.modules("https://tongban.example/verify/X")
        #expect(modules.count >= 21 && (modules.count - 17) % 4 == 0)
        // Finder pattern: the top-left 7×7 ring is dark.
        #expect(modules[0][0] && modules[0][6] && modules[6][0] && !modules[1][1])
        #expect(try QRCodeSVG.svg("x", title: "t").hasPrefix("<svg"))
    }
}

@Suite struct CertificateTests {
    static let wangFang = "330102199007080257"
    static let zhangWei = "330106198503120116"
    static var food: [String: Any] { [
        "typeCode": "food-business-licence", "holderIdNumber": wangFang,
        "fields": ["operatorName": "王芳面馆", "legalRepresentative": "王芳", "premises": "杭州市西湖区教工路1号",
                   "businessType": "餐饮服务经营者（小型餐饮）", "scope": "热食类食品制售", "creditCode": "92330106MA2H0003L9"],
    ] }

    func issueFood(_ s: TestSession, token: String) async throws -> String {
        let reply = try await s.call(.post, "/api/v1/certificates", token: token, json: Self.food)
        #expect(reply.status == .created, "\(reply.text)")
        return reply.json["number"] as? String ?? ""
    }

    @Test(arguments: TestEngine.available)
    func issueReadVerifyRevoke(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let approver = try await s.logInDemoStaff("approver")
            let number = try await issueFood(s, token: approver)

            let holder = try await s.logIn(Self.wangFang, password: DemoData.password)
            let mine = try await s.call(.get, "/api/v1/certificates?mine=true", token: holder)
            #expect((mine.json["items"] as? [[String: Any]])?.contains { $0["number"] as? String == number } == true)
            let full = try await s.call(.get, "/api/v1/certificates/\(number)", token: holder)
            #expect(full.status == .ok && full.json["holderIdentifier"] as? String == Self.wangFang)

            // Another person learns nothing, not even that the number exists.
            let stranger = try await s.logIn(Self.zhangWei, password: DemoData.password)
            #expect(try await s.call(.get, "/api/v1/certificates/\(number)", token: stranger).status == .notFound)
            #expect(try await s.call(.get, "/api/v1/certificates/\(number)/share", token: stranger).status == .notFound)
            let strangersList = try await s.call(.get, "/api/v1/certificates?mine=true", token: stranger)
            #expect((strangersList.json["items"] as? [[String: Any]])?.contains { $0["number"] as? String == number } == false)
            // Staff of another department do not reach it either.
            let otherStaff = try await s.logInDemoStaff("reviewer-wjj")
            #expect(try await s.call(.get, "/api/v1/certificates/\(number)", token: otherStaff).status == .notFound)
            #expect(try await s.call(.get, "/api/v1/certificates/\(number)", token: approver).status == .ok)

            let verification = try await s.call(.get, "/api/v1/certificates/\(number)/verification")
            #expect(verification.json["outcome"] as? String == "valid")
            let shown = (verification.json["disclosed"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(shown.contains("operatorName") && shown.contains("holder.name"))
            #expect(!shown.contains("holder.identifier") && !shown.contains("creditCode"))
            #expect(!verification.text.contains(Self.wangFang))

            // Only the issuing department's approver or an administrator revokes.
            let reviewer = try await s.logInDemoStaff("reviewer")
            #expect(try await s.call(.post, "/api/v1/certificates/\(number)/revocation", token: reviewer, json: ["reason": "测试"]).status == .forbidden)
            #expect(try await s.call(.post, "/api/v1/certificates/\(number)/revocation", token: holder, json: ["reason": "测试"]).status == .forbidden)
            #expect(try await s.call(.post, "/api/v1/certificates/\(number)/revocation", token: approver, json: ["reason": ""]).errorFields == ["reason"])
            // Foundation calls a number that does not fit an integer field invalid JSON; the answer names the field.
            for version in ["1.5", "2590090949610558452586103439360"] {
                let unfit = try await s.call(.post, "/api/v1/certificates/\(number)/revocation", token: approver,
                                             raw: #"{"reason":"测试","version":\#(version)}"#)
                #expect(unfit.status == .badRequest)
                #expect(unfit.errorFields == ["version"])
            }
            let revoked = try await s.call(.post, "/api/v1/certificates/\(number)/revocation", token: approver,
                                           json: ["reason": "经营场所已变更，许可失效"])
            #expect(revoked.status == .ok && revoked.json["status"] as? String == "revoked")
            #expect(try await s.call(.get, "/api/v1/certificates/\(number)/verification").json["outcome"] as? String == "revoked")
            #expect(try await s.call(.post, "/api/v1/certificates/\(number)/revocation", token: approver,
                                     json: ["reason": "再次撤销"]).status == .conflict)
            let (entries, _) = try await s.services.audit.list(
                { var f = AuditFilter(); f.targetID = number; return f }(), paging: Paging())
            #expect(Set(entries.map(\.action)).isSuperset(of: ["certificate.issue", "certificate.read", "certificate.revoke"]))
        }
    }

    @Test(arguments: TestEngine.available)
    func issuingRefusesBadInput(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let approver = try await s.logInDemoStaff("approver")
            let missing = try await s.call(.post, "/api/v1/certificates", token: approver,
                                           json: ["typeCode": "food-business-licence", "holderIdNumber": Self.wangFang,
                                                  "fields": ["operatorName": "x", "colour": "red"], "expiresOn": "2999-01-01"])
            #expect(missing.status == .unprocessableContent)
            #expect(Set(missing.errorFields) == ["fields/legalRepresentative", "fields/premises", "fields/businessType", "fields/scope",
                                                 "fields/colour", "expiresOn"])
            #expect(try await s.call(.post, "/api/v1/certificates", token: approver,
                                     json: ["typeCode": "nope", "holderIdNumber": Self.wangFang, "fields": [String: String]()]).errorFields == ["typeCode"])
            var unknownHolder = Self.food
            unknownHolder["holderIdNumber"] = "110101198001010045"
            #expect(try await s.call(.post, "/api/v1/certificates", token: approver, json: unknownHolder).errorFields == ["holderIdNumber"])
            #expect(try await s.call(.post, "/api/v1/certificates", token: approver, raw: "{\"typeCode\": 3}").status == .badRequest)
            var elsewhere = Self.food
            elsewhere["departmentCode"] = "330106-scjgj"
            #expect(try await s.call(.post, "/api/v1/certificates", token: approver, json: elsewhere).status == .forbidden)
            // A department without a seal cannot issue.
            let admin = try await s.logInDemoStaff("admin")
            var unsealed = Self.food
            unsealed["departmentCode"] = "330106-rsj"
            #expect(try await s.call(.post, "/api/v1/certificates", token: admin, json: unsealed).status == .conflict)
            let clerk = try await s.logInDemoStaff("clerk")
            #expect(try await s.call(.post, "/api/v1/certificates", token: clerk, json: Self.food).status == .forbidden)
        }
    }

    @Test(arguments: TestEngine.available)
    func rotationKeepsOldCertificatesValid(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let approver = try await s.logInDemoStaff("approver")
            let admin = try await s.logInDemoStaff("admin")
            let before = try await issueFood(s, token: approver)
            let oldKey = try await s.call(.get, "/api/v1/certificates/\(before)", token: approver).json["seal"] as? [String: Any]
            #expect(oldKey?["algorithm"] as? String == "sm2")

            #expect(try await s.call(.post, "/api/v1/seals", token: approver, json: ["departmentCode": "330106-xzspj", "algorithm": "ed25519"]).status == .forbidden)
            #expect(try await s.call(.post, "/api/v1/seals", token: admin, json: ["departmentCode": "330106-xzspj", "algorithm": "rsa"]).status == .badRequest)
            let rotated = try await s.call(.post, "/api/v1/seals", token: admin, json: ["departmentCode": "330106-xzspj", "algorithm": "ed25519"])
            #expect(rotated.status == .created && rotated.json["privateKeyEnc"] == nil && rotated.json["privateKey"] == nil)

            let published = try await s.call(.get, "/api/v1/seals")
            #expect(!published.text.contains("private"))
            let keys = (published.json["keys"] as? [[String: Any]] ?? []).filter { $0["departmentCode"] as? String == "330106-xzspj" }
            #expect(keys.count == 2)
            #expect(keys.first { $0["keyID"] as? String == oldKey?["keyId"] as? String }?["status"] as? String == "retired")

            #expect(try await s.call(.get, "/api/v1/certificates/\(before)/verification").json["outcome"] as? String == "valid")
            let after = try await issueFood(s, token: approver)
            let newSeal = try await s.call(.get, "/api/v1/certificates/\(after)", token: approver).json["seal"] as? [String: Any]
            #expect(newSeal?["algorithm"] as? String == "ed25519" && newSeal?["keyId"] as? String == rotated.json["keyId"] as? String)
            #expect(try await s.call(.get, "/api/v1/certificates/\(after)/verification").json["outcome"] as? String == "valid")
        }
    }

    @Test(arguments: TestEngine.available)
    func tamperedUnknownKeyAndExpired(_ engine: TestEngine) async throws {
        let clock = TestClock()
        try await withApp(engine, demo: true, clock: clock) { s in
            let approver = try await s.logInDemoStaff("approver")
            let number = try await issueFood(s, token: approver)
            let holder = try await s.logIn(Self.wangFang, password: DemoData.password)
            let payload = try await s.call(.get, "/api/v1/certificates/\(number)/share", token: holder).json["payload"] as? String ?? ""
            #expect(try await s.call(.post, "/api/v1/certificate-verifications", json: ["payload": payload]).json["outcome"] as? String == "valid")

            // Unknown key: the content names a seal nobody published.
            var presentation = try #require(CertificatePresentation(payload: payload))
            presentation.content.keyID = "330106-xzspj-forged"
            #expect(try await s.call(.post, "/api/v1/certificate-verifications", json: ["payload": presentation.payload])
                .json["outcome"] as? String == "unknownKey")
            #expect(try await s.call(.post, "/api/v1/certificate-verifications", json: ["payload": "garbage"]).errorFields == ["payload"])

            // A field changed in the database no longer matches its signed digest.
            let service = s.services.certificates
            let stored = try #require(try await service.certificate(number: number))
            let forged = stored.claims.map { claim -> CertificateClaim in
                var c = claim
                if c.name == "operatorName" { c.value = "冒名面馆" }
                return c
            }
            let encrypted = try s.services.protector.encrypt(try CertificateService.json(forged))
            try await s.services.database.sql.update("certificates").set("claims_enc", to: encrypted).where("number", .equal, number).run()
            #expect(try await s.call(.get, "/api/v1/certificates/\(number)/verification").json["outcome"] as? String == "invalidSignature")

            // Five years on, the licence has expired.
            let second = try await issueFood(s, token: approver)
            clock.advance(5 * 366 * 86_400)
            #expect(try await s.call(.get, "/api/v1/certificates/\(second)/verification").json["outcome"] as? String == "expired")
            #expect(try await service.heldCertificateNumber(type: "food-business-licence", holderAccountID: stored.record.holderAccountId) == nil)
        }
    }

    @Test(arguments: TestEngine.available)
    func holderChoosesWhatVerifiersSee(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let approver = try await s.logInDemoStaff("approver")
            let number = try await issueFood(s, token: approver)
            let holder = try await s.logIn(Self.wangFang, password: DemoData.password)
            let current = try await s.call(.get, "/api/v1/certificates/\(number)", token: holder)
            let version = current.json["version"] as? Int ?? 0

            #expect(try await s.call(.put, "/api/v1/certificates/\(number)/disclosure", token: holder,
                                     json: ["fields": ["nope"]]).errorFields == ["fields"])
            #expect(try await s.call(.put, "/api/v1/certificates/\(number)/disclosure", token: approver,
                                     json: ["fields": ["holder.identifier"]]).status == .notFound)
            let changed = try await s.call(.put, "/api/v1/certificates/\(number)/disclosure", token: holder,
                                           json: ["fields": ["holder.identifier", "scope"], "version": version])
            #expect(changed.status == .ok)
            #expect(try await s.call(.put, "/api/v1/certificates/\(number)/disclosure", token: holder,
                                     json: ["fields": ["scope"], "version": version]).status == .conflict)

            let verification = try await s.call(.get, "/api/v1/certificates/\(number)/verification")
            let shown = (verification.json["disclosed"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(Set(shown) == ["holder.identifier", "scope"])
            let share = try await s.call(.get, "/api/v1/certificates/\(number)/share", token: holder)
            let presentation = try #require(CertificatePresentation(payload: share.json["payload"] as? String ?? ""))
            #expect(Set(presentation.disclosed.map(\.name)) == ["holder.identifier", "scope"])
            #expect((share.json["link"] as? String)?.contains("/verify/\(number)?p=TBC1.") == true)

            let page = try await s.call(.get, "/verify/\(number)")
            #expect(page.status == .ok && page.text.contains("有效") && page.text.contains(Self.wangFang) && !page.text.contains("王芳面馆"))
        }
    }

    @Test(arguments: TestEngine.available)
    func issuedOnApprovalAndReusedAsMaterial(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let service = s.services.certificates
            let account = try #require(try await s.services.accounts.account(
                idNumberIndex: s.services.protector.blindIndex(Self.wangFang, purpose: "resident-id")))
            let holder = CertificateHolder(kind: .person, accountID: account.id, name: "王芳", identifier: Self.wangFang)
            let fields = ["purpose": "出国留学", "finding": "未发现有犯罪记录"]
            let first = try await s.services.database.transaction { db in
                try await service.issueOnApproval(applicationID: "app-1", itemCode: "330106-GG-0001", holder: holder, fields: fields,
                                                  departmentCode: "330106-gafj", on: db)
            }
            let again = try await s.services.database.transaction { db in
                try await service.issueOnApproval(applicationID: "app-1", itemCode: "330106-GG-0001", holder: holder, fields: fields,
                                                  departmentCode: "330106-gafj", on: db)
            }
            #expect(first != nil && first?.number == again?.number)
            #expect(first?.record.expiresOn != nil)
            let none = try await s.services.database.transaction { db in
                try await service.issueOnApproval(applicationID: "app-2", itemCode: "330000-XK-0001", holder: holder, fields: [:],
                                                  departmentCode: "330106-gafj", on: db)
            }
            #expect(none == nil)
            let held = try await service.heldCertificateNumber(type: "no-criminal-record", holderAccountID: account.id)
            #expect(held == first?.number)
            #expect(try await service.certificate(number: held ?? "")?.value("purpose") == "出国留学")
            #expect(try await service.heldCertificateNumber(type: "food-business-licence", holderAccountID: account.id) == nil)
        }
    }

    @Test(arguments: TestEngine.available)
    func expiryReminderIsPostedOnceAcrossWorkers(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let service = s.services.certificates
            let rateLimiter = SQLRateLimiter(database: s.services.database, limit: 1, windowMilliseconds: 60_000)
            let a = CertificateReminders(service: service, rateLimiter: rateLimiter, logger: .init(label: "a"))
            let b = CertificateReminders(service: service, rateLimiter: rateLimiter, logger: .init(label: "b"))
            // The application's own reminder service runs too: three workers race for one row.
            async let first = a.runOnce()
            async let second = b.runOnce()
            let posted = try await first + second
            #expect(posted <= 1)
            #expect(try await a.runOnce() == 0)
            let holder = try await s.logIn(Self.zhangWei, password: DemoData.password)
            // When the application's own service won the claim it may still be posting: wait for it.
            var list: [[String: Any]] = []
            for _ in 0..<100 {
                let notices = try await s.call(.get, "/api/v1/certificate-notices", token: holder)
                list = (try JSONSerialization.jsonObject(with: notices.body)) as? [[String: Any]] ?? []
                if !list.isEmpty { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(list.count == 1 && list.first?["link"] as? String == "/services/330000-XK-0010")
            let wallet = try await s.call(.get, "/certificates", headers: [:])
            #expect(wallet.status == .seeOther)
        }
    }

    @Test(arguments: TestEngine.available)
    func verificationIsRateLimited(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let approver = try await s.logInDemoStaff("approver")
            let number = try await issueFood(s, token: approver)
            for _ in 0..<CertificateAPI.verificationsPerMinute {
                #expect(try await s.call(.get, "/api/v1/certificates/\(number)/verification").status == .ok)
            }
            let refused = try await s.call(.get, "/api/v1/certificates/\(number)/verification")
            #expect(refused.status == .tooManyRequests && refused.json["code"] as? String == "rate-limited")
        }
    }

    @Test(arguments: TestEngine.available)
    func printablePageCarriesSealAndQRCode(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let holder = try await s.logIn(Self.zhangWei, password: DemoData.password)
            let mine = try await s.call(.get, "/api/v1/certificates?mine=true", token: holder)
            let items = mine.json["items"] as? [[String: Any]] ?? []
            #expect(Set(items.compactMap { $0["typeCode"] as? String }) == ["resident-id", "food-business-licence"])
            let number = items.first?["number"] as? String ?? ""
            let page = try await s.call(.get, "/certificates/\(number)/print", token: holder)
            #expect(page.status == .ok && page.text.contains("class=\"qr\"") && page.text.contains("class=\"seal\""))
            #expect(page.text.contains("/verify/\(number)?p=TBC1."))
            #expect(try await s.call(.get, "/certificates/\(number)/print", token: try await s.logIn(Self.wangFang, password: DemoData.password)).status == .notFound)
        }
    }
}
