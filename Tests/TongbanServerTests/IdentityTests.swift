import Crypto
import Foundation
import Logging
import HTTPTypes
import SQLKit
import Testing
import TongbanCore
@testable import TongbanServer

@Suite("Identity over HTTP")
struct IdentityTests {
    @Test(arguments: TestEngine.available)
    func registerLogInAndReadMe(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            let (token, id) = try await s.registerPerson(name: "赵六", idNumber: Fixtures.idNumbers[0], mobile: Fixtures.mobiles[0])
            let me = try await s.call(.get, "/api/v1/me", token: token)
            #expect(me.status == .ok)
            #expect(me.json["id"] as? String == id)
            #expect(me.json["idNumber"] as? String == "330106********0012")
            #expect(me.json["mobile"] as? String == "138****0011")
            #expect(me.json["roles"] as? [String] == ["person"])
            // The ID number also works as the log-in.
            _ = try await s.logIn(Fixtures.idNumbers[0], password: "Zhejiang#2026pass")
            // The owner reads the full record.
            let own = try await s.call(.get, "/api/v1/persons/\(id)", token: token)
            #expect(own.json["idNumber"] as? String == Fixtures.idNumbers[0])
        }
    }

    @Test(arguments: TestEngine.available)
    func registrationNamesEveryBadFieldAndStoresNothing(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            let bad = try await s.call(.post, "/api/v1/persons", json: [
                "name": "", "idNumber": "330106199201010013", "mobile": "12345678901", "password": "password123"])
            #expect(bad.status == .unprocessableContent)
            #expect(Set(bad.errorFields) == ["name", "idNumber", "mobile", "password"])
            #expect(bad.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            let first = bad.json["errors"] as? [[String: Any]]
            #expect(first?.allSatisfy { ($0["message"] as? String)?.isEmpty == false && ($0["messageEn"] as? String)?.isEmpty == false } == true)

            let futureBirth = try await s.call(.post, "/api/v1/persons", json: [
                "name": "甲", "idNumber": "330106209901010019", "mobile": "13800000099", "password": "Zhejiang#2026pass"])
            #expect(futureBirth.errorFields == ["idNumber"])
            let unknownDivision = try await s.call(.post, "/api/v1/persons", json: [
                "name": "乙", "idNumber": "999999199201010016", "mobile": "13800000098", "password": "Zhejiang#2026pass"])
            #expect(unknownDivision.status == .unprocessableContent)

            struct N: Decodable { var n: Int }
            let count = try await s.services.database.sql.raw("SELECT COUNT(*) AS n FROM accounts").first(decoding: N.self)
            #expect(count?.n == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func malformedBodiesAre4xxNever500(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            for raw in ["{", "[]", "null", "{\"name\": 5}", "\"x\"", ""] {
                let reply = try await s.call(.post, "/api/v1/persons", raw: raw)
                #expect((400..<500).contains(Int(reply.status.code)), "\(raw) → \(reply.status)")
            }
            let big = "{\"name\":\"" + String(repeating: "a", count: 1_100_000) + "\"}"
            let tooLarge = try await s.call(.post, "/api/v1/persons", raw: big)
            #expect(tooLarge.status == .contentTooLarge)
            // The pages' forms too (they were a 500).
            let bigForm = try await s.call(.post, "/login", raw: "a=" + String(repeating: "x", count: 1_100_000),
                                           headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(bigForm.status == .contentTooLarge)
            let wrongEnum = try await s.call(.post, "/api/v1/staff", json: ["username": "x"])
            #expect(wrongEnum.status == .unauthorized)
        }
    }

    /// PostgreSQL cannot store U+0000: before this was refused at the door, these were 500s there.
    @Test(arguments: TestEngine.available)
    func nulCharactersAreRefusedNamingTheField(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let login = try await s.call(.post, "/api/v1/auth/token", raw: #"{"login":"1380000\u00000001","password":"x"}"#)
            #expect(login.status == .badRequest && login.errorFields == ["login"], "\(login.text)")
            #expect((login.json["errors"] as? [[String: Any]])?.first?["message"] as? String == "login 不能含有空字符（U+0000）")
            let person = try await s.demoPerson()
            let created = try await s.call(.post, "/api/v1/applications", token: person,
                                           raw: #"{"itemCode":"330106-GG-0002","divisionCode":"330106","form":{"request":"a\u0000b"}}"#)
            #expect(created.status == .badRequest && created.errorFields == ["form/request"], "\(created.text)")
            // An escaped backslash followed by "u0000" is text, not a NUL.
            let text = try await s.call(.post, "/api/v1/applications", token: person,
                                        raw: #"{"itemCode":"330106-GG-0002","divisionCode":"330106","form":{"request":"a\\u0000b"}}"#)
            #expect(text.status == .created, "\(text.text)")
            let id = text.json["id"] as? String ?? ""
            _ = try await s.call(.post, "/api/v1/applications/\(id)/submit", token: person)
            let clerk = try await s.logInDemoStaff("clerk")
            let queue = try await s.call(.get, "/api/v1/work/queue?itemCode=a%00b", token: clerk)
            #expect(queue.status == .badRequest && queue.errorFields == ["itemCode"], "\(queue.text)")
            #expect(try await s.call(.get, "/api/v1/applications/a%00b", token: clerk).errorFields == ["path"])
            let refusal = try await s.call(.post, "/api/v1/applications/\(id)/actions", token: clerk,
                                           raw: #"{"action":"refuseToAccept","reason":"原因\u0000x"}"#)
            #expect(refusal.status == .badRequest && refusal.errorFields == ["reason"], "\(refusal.text)")
            #expect(try await s.call(.get, "/api/v1/applications/\(id)", token: clerk).json["status"] as? String == "submitted")
            // The pages' forms too, with a friendly page rather than JSON.
            let token = String(repeating: "c", count: 40)
            let form = try await s.call(.post, "/login", raw: "_csrf=\(token)&login=a%00b&password=x",
                                        headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "\(CSRF.cookie)=\(token)"])
            #expect(form.status == .badRequest && form.headers[.contentType]?.hasPrefix("text/html") == true, "\(form.status)")
        }
    }

    /// Server processes started together on one PostgreSQL (a scale-out, an upgrade): one at a
    /// time migrates and loads what an empty database needs; before, all but one failed.
    @Test(arguments: TestEngine.available.filter { $0 == .postgres })
    func processesStartingTogetherShareOneStartUp(_ engine: TestEngine) async throws {
        let store = try await TestStore.make(engine, clock: TestClock(), demo: true)
        let config = store.configuration
        let started = try await withThrowingTaskGroup(of: TongbanServices.self) { group in
            for _ in 0..<3 { group.addTask { try await TongbanServices.start(config, logger: Logger(label: "test")) } }
            return try await group.reduce(into: [TongbanServices]()) { $0.append($1) }
        }
        #expect(started.count == 3)
        #expect(started.compactMap(\.demoLogins).count == 1, "the demo data loaded once")
        struct Count: Decodable { var n: Int }
        let accounts = try await started[0].database.sql.raw("SELECT COUNT(*) AS n FROM accounts").first(decoding: Count.self)?.n ?? 0
        #expect(accounts == DemoData.persons.count + DemoData.staff.count, "\(accounts)")
        for services in started { await services.database.shutdown() }
        await store.cleanup()
    }

    /// Processes sharing a database each load the data key from their own environment or data directory.
    @Test(arguments: TestEngine.available)
    func aProcessWithAnotherDataKeyRefusesToStart(_ engine: TestEngine) async throws {
        let store = try await TestStore.make(engine, clock: TestClock(), demo: true)
        let logger = Logger(label: "test")
        func refused(_ config: AppConfiguration) async -> FieldProtectorError? {
            do {
                let services = try await TongbanServices.start(config, logger: logger)
                await services.database.shutdown()
                return nil
            } catch let error as FieldProtectorError {
                return error
            } catch {
                Issue.record("\(error)")
                return nil
            }
        }
        #expect(await refused(store.configuration) == nil)
        var other = store.configuration
        other.dataKey = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
        #expect(await refused(other).map { "\($0)" }?.contains("every process sharing a database needs the same key") == true)
        // No key of its own (a process started with another data directory): refused, and no key file made up.
        let keyFile = store.configuration.dataDirectory.appendingPathComponent("data.key")
        let aside = store.configuration.dataDirectory.appendingPathComponent("data.key.aside")
        try FileManager.default.moveItem(at: keyFile, to: aside)
        #expect(await refused(store.configuration).map { "\($0)" }?.contains("TONGBAN_DATA_KEY") == true)
        #expect(!FileManager.default.fileExists(atPath: keyFile.path))
        try FileManager.default.moveItem(at: aside, to: keyFile)
        // A database from before the fingerprint is checked against a value encrypted in it, then fingerprinted.
        let services = try await TongbanServices.start(store.configuration, logger: logger)
        try await services.database.sql.raw("DELETE FROM data_key_check").run()
        await services.database.shutdown()
        #expect(await refused(other) != nil)
        #expect(await refused(store.configuration) == nil)
        #expect(await refused(other) != nil)
        // The audit chain's verification reads no personal data and runs without the key.
        other.needsDataKey = false
        #expect(await refused(other) == nil)
        await store.cleanup()
    }

    @Test(arguments: TestEngine.available)
    func duplicatesAreConflicts(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            _ = try await s.registerPerson(idNumber: Fixtures.idNumbers[0], mobile: Fixtures.mobiles[0])
            let sameID = try await s.call(.post, "/api/v1/persons", json: [
                "name": "丙", "idNumber": Fixtures.idNumbers[0], "mobile": Fixtures.mobiles[1], "password": "Zhejiang#2026pass"])
            #expect(sameID.status == .conflict)
            #expect(sameID.errorFields == ["idNumber"])
            let sameMobile = try await s.call(.post, "/api/v1/persons", json: [
                "name": "丁", "idNumber": Fixtures.idNumbers[1], "mobile": Fixtures.mobiles[0], "password": "Zhejiang#2026pass"])
            #expect(sameMobile.status == .conflict)
            #expect(sameMobile.errorFields == ["mobile"])
        }
    }

    @Test(arguments: TestEngine.available)
    func fiveFailuresLockTheAccountForFifteenMinutes(_ engine: TestEngine) async throws {
        let clock = TestClock()
        try await withApp(engine, clock: clock) { s in
            _ = try await s.registerPerson(idNumber: Fixtures.idNumbers[0], mobile: Fixtures.mobiles[0])
            for _ in 0..<5 {
                let wrong = try await s.call(.post, "/api/v1/auth/token", json: ["login": Fixtures.mobiles[0], "password": "wrong-password-1"])
                #expect(wrong.status == .unauthorized)
            }
            let locked = try await s.call(.post, "/api/v1/auth/token", json: ["login": Fixtures.mobiles[0], "password": "Zhejiang#2026pass"])
            #expect(locked.status.code == 423)
            clock.advance(15 * 60 + 1)
            _ = try await s.logIn(Fixtures.mobiles[0], password: "Zhejiang#2026pass")

            let (entries, _) = try await s.services.audit.list(AuditFilter(), paging: Paging(page: 1, pageSize: 100))
            let actions = entries.map(\.action)
            #expect(actions.filter { $0 == "security.login.failed" }.count == 5)
            #expect(actions.contains("security.account.locked"))
            #expect(actions.contains("security.login.locked"))
        }
    }

    @Test(arguments: TestEngine.available)
    func tokensExpireAndCanBeRevoked(_ engine: TestEngine) async throws {
        let clock = TestClock()
        try await withApp(engine, clock: clock) { s in
            let (token, _) = try await s.registerPerson(idNumber: Fixtures.idNumbers[0], mobile: Fixtures.mobiles[0])
            #expect(try await s.call(.delete, "/api/v1/auth/token", token: token).status == .noContent)
            let revoked = try await s.call(.get, "/api/v1/me", token: token)
            #expect(revoked.status == .unauthorized)
            #expect(revoked.headers[.wwwAuthenticate]?.contains("error=\"invalid_token\"") == true)
            // A token that is given is checked on public routes too (documented in openapi.json).
            #expect(try await s.call(.get, "/healthz", token: token).status == .unauthorized)
            #expect(try await s.call(.get, "/api/v1/me").headers[.wwwAuthenticate] == "Bearer realm=\"tongban\"")

            let second = try await s.logIn(Fixtures.mobiles[0], password: "Zhejiang#2026pass")
            #expect(try await s.call(.get, "/api/v1/me", token: second).status == .ok)
            clock.advance(12 * 3600 + 1)
            #expect(try await s.call(.get, "/api/v1/me", token: second).status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.available)
    func staffNeedTOTPAndCodesCannotBeReplayed(_ engine: TestEngine) async throws {
        let clock = TestClock()
        try await withApp(engine, demo: true, clock: clock) { s in
            let noOTP = try await s.call(.post, "/api/v1/auth/token", json: ["login": "clerk", "password": DemoData.password])
            #expect(noOTP.status == .unauthorized)
            #expect(noOTP.json["code"] as? String == "otp-required")
            let badOTP = try await s.call(.post, "/api/v1/auth/token", json: ["login": "clerk", "password": DemoData.password, "otp": "000000"])
            #expect(badOTP.json["code"] as? String == "bad-otp")
            let code = TOTP.code(secret: DemoData.totpSecret(for: "clerk"), at: clock.read())
            _ = try await s.logIn("clerk", password: DemoData.password, otp: code)
            let replay = try await s.call(.post, "/api/v1/auth/token", json: ["login": "clerk", "password": DemoData.password, "otp": code])
            #expect(replay.status == .unauthorized)
            // One code sent twice at once (seen over a shoulder, replayed in a race): one session, not two.
            clock.advance(30)
            let next = TOTP.code(secret: DemoData.totpSecret(for: "clerk"), at: clock.read())
            let racing = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await s.call(.post, "/api/v1/auth/token", json: ["login": "clerk", "password": DemoData.password, "otp": next])
                            .status.code
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(racing.sorted() == [201, 401, 401, 401], "\(racing)")
        }
    }

    @Test(arguments: TestEngine.available)
    func theSecondLogInStepCarriesATicketNotThePassword(_ engine: TestEngine) async throws {
        let clock = TestClock()
        try await withApp(engine, demo: true, clock: clock) { s in
            let identity = s.services.identity
            let actor = AuditActor.system("test")
            func ticket() async throws -> String {
                do {
                    _ = try await identity.logIn(.init(login: "clerk", password: DemoData.password), kind: .cookie, actor: actor,
                                                 ticketBinding: "browser-a")
                } catch IdentityError.otpRequired(let ticket) {
                    return ticket
                }
                Issue.record("a staff log-in without a code must ask for it")
                return ""
            }
            let issued = try await ticket()
            #expect(!issued.contains(DemoData.password))
            func code() -> String { TOTP.code(secret: DemoData.totpSecret(for: "clerk"), at: clock.read()) }
            // Tampered, for another account, from another browser or without a code: refused.
            var tampered = Array(issued)
            tampered[tampered.count - 1] = tampered.last == "0" ? "1" : "0"
            await #expect(throws: IdentityError.self) {
                _ = try await identity.logIn(.init(login: "clerk", password: "", otp: code(), ticket: String(tampered)), kind: .cookie,
                                             actor: actor, ticketBinding: "browser-a")
            }
            await #expect(throws: IdentityError.self) {
                _ = try await identity.logIn(.init(login: "reviewer", password: "", otp: code(), ticket: issued), kind: .cookie, actor: actor,
                                             ticketBinding: "browser-a")
            }
            await #expect(throws: IdentityError.self) {
                _ = try await identity.logIn(.init(login: "clerk", password: "", otp: code(), ticket: issued), kind: .cookie, actor: actor,
                                             ticketBinding: "browser-b")
            }
            // Within its five minutes, with the code: signed in.
            clock.advance(60)
            _ = try await identity.logIn(.init(login: "clerk", password: "", otp: code(), ticket: issued), kind: .cookie, actor: actor,
                                         ticketBinding: "browser-a")
            // Used once: even with the next fresh code, the same ticket signs in no second time.
            clock.advance(30)
            do {
                _ = try await identity.logIn(.init(login: "clerk", password: "", otp: code(), ticket: issued), kind: .cookie, actor: actor,
                                             ticketBinding: "browser-a")
                Issue.record("a used ticket signed in again")
            } catch IdentityError.badCredentials {}
            // Expired.
            let late = try await ticket()
            clock.advance(6 * 60)
            await #expect(throws: IdentityError.self) {
                _ = try await identity.logIn(.init(login: "clerk", password: "", otp: code(), ticket: late), kind: .cookie, actor: actor,
                                             ticketBinding: "browser-a")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func administratorsCreateStaffWithEnrolmentURI(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let admin = try await s.logInDemoStaff("admin")
            let created = try await s.call(.post, "/api/v1/staff", token: admin, json: [
                "username": "li.shen", "name": "李审", "password": "Shenpi#2026long", "departmentCode": "330106-xzspj",
                "post": "审查岗", "roles": ["reviewer"]])
            #expect(created.status == .created, "\(created.text)")
            #expect((created.json["otpauthURI"] as? String)?.hasPrefix("otpauth://totp/Tongban:li.shen?secret=") == true)
            let badRole = try await s.call(.post, "/api/v1/staff", token: admin, json: [
                "username": "x.y", "name": "某", "password": "Shenpi#2026long", "departmentCode": "330106-xzspj", "roles": ["wizard"]])
            #expect(badRole.status == .badRequest)
            #expect(badRole.errorFields.first?.hasPrefix("roles") == true)
            let longName = try await s.call(.post, "/api/v1/staff", token: admin, json: [
                "username": "li.chang", "name": String(repeating: "李", count: 51), "password": "Shenpi#2026long",
                "departmentCode": "330106-xzspj", "roles": ["reviewer"]])
            #expect(longName.errorFields == ["name"], "\(longName.text)")
            let clerk = try await s.logInDemoStaff("clerk")
            let denied = try await s.call(.post, "/api/v1/staff", token: clerk, json: [
                "username": "z.z", "name": "某", "password": "Shenpi#2026long", "departmentCode": "330106-xzspj", "roles": ["reviewer"]])
            #expect(denied.status == .forbidden)
            let list = try await s.call(.get, "/api/v1/staff?pageSize=100", token: admin)
            #expect((list.json["total"] as? Int ?? 0) >= 13)
        }
    }

    @Test(arguments: TestEngine.available)
    func organizationsNeedARegisteredLegalRepresentative(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            let (token, _) = try await s.registerPerson(name: "钱七", idNumber: Fixtures.idNumbers[0], mobile: Fixtures.mobiles[0])
            let unknownRep = try await s.call(.post, "/api/v1/organizations", token: token, json: [
                "name": "杭州某某科技有限公司", "creditCode": Fixtures.creditCodes[0],
                "legalRepresentative": ["name": "孙八", "idNumber": Fixtures.idNumbers[1]]])
            #expect(unknownRep.status == .unprocessableContent)
            let badCode = try await s.call(.post, "/api/v1/organizations", token: token, json: [
                "name": "杭州某某科技有限公司", "creditCode": "91330106MA2H0001X7",
                "legalRepresentative": ["name": "钱七", "idNumber": Fixtures.idNumbers[0]]])
            #expect(badCode.errorFields == ["creditCode"])
            let ok = try await s.call(.post, "/api/v1/organizations", token: token, json: [
                "name": "杭州某某科技有限公司", "creditCode": Fixtures.creditCodes[0],
                "legalRepresentative": ["name": "钱七", "idNumber": Fixtures.idNumbers[0]]])
            #expect(ok.status == .created, "\(ok.text)")
            #expect(ok.json["divisionCode"] as? String == "330106")
            let me = try await s.call(.get, "/api/v1/me", token: token)
            #expect((me.json["roles"] as? [String])?.contains("organizationAgent") == true)
            let again = try await s.call(.post, "/api/v1/organizations", token: token, json: [
                "name": "另一家", "creditCode": Fixtures.creditCodes[0],
                "legalRepresentative": ["name": "钱七", "idNumber": Fixtures.idNumbers[0]]])
            #expect(again.status == .conflict)
        }
    }

    @Test(arguments: TestEngine.available)
    func rawDatabaseHoldsNoPlainIdentifiers(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            _ = try await s.registerPerson(idNumber: Fixtures.idNumbers[0], mobile: Fixtures.mobiles[0])
            let rows = try await s.services.database.sql.raw("SELECT * FROM accounts").all()
            #expect(rows.count == 1)
            for row in rows {
                for column in row.allColumns {
                    let value = (try? row.decode(column: column, as: String?.self)) ?? nil
                    #expect(value?.contains(Fixtures.idNumbers[0]) != true, "column \(column) holds the ID number")
                    #expect(value?.contains(Fixtures.mobiles[0]) != true, "column \(column) holds the mobile number")
                }
            }
        }
    }
}
