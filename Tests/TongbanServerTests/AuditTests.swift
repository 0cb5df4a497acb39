import Foundation
import SQLKit
import Synchronization
import Testing
import TongbanCore
@testable import TongbanServer

@Suite("Audit log (数据铁笼)")
struct AuditTests {
    /// Writes a few audited acts, then returns the number of entries.
    static func populate(_ s: TestSession) async throws -> Int {
        for i in 0..<3 {
            _ = try await s.registerPerson(idNumber: Fixtures.idNumbers[i], mobile: Fixtures.mobiles[i])
        }
        guard case .ok(let count) = try await s.services.audit.verify() else {
            Issue.record("fresh chain must verify")
            return 0
        }
        #expect(count >= 6)
        return count
    }

    static func dropTriggers(_ s: TestSession) async throws {
        let sql = s.services.database.sql
        switch s.services.database.engine {
        case .sqlite:
            try await sql.raw("DROP TRIGGER audit_log_no_update").run()
            try await sql.raw("DROP TRIGGER audit_log_no_delete").run()
        case .postgres:
            try await sql.raw("DROP TRIGGER audit_log_append_only ON audit_log").run()
        }
    }

    /// Concurrent writers all end up in one chain that verifies, in the order sealed; an
    /// entry of a transaction that rolled back never appears (on PostgreSQL entries are
    /// linked after commit by `seal`, on SQLite at once).
    @Test(arguments: TestEngine.available)
    func concurrentWritersFormOneChainAndRollbacksLeaveNothing(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            let before = try await Self.populate(s)
            let audit = s.services.audit
            struct Refused: Error {}
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        try await audit.append(AuditRecord("test.concurrent", targetType: "test", targetID: "\(i)"), actor: .system("test"))
                    }
                }
                group.addTask {
                    await #expect(throws: Refused.self) {
                        try await s.services.database.transaction { db in
                            try await audit.append(AuditRecord("test.rolledBack"), actor: .system("test"), on: db)
                            throw Refused()
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await audit.verify() == .ok(count: before + 20))
            var filter = AuditFilter()
            filter.action = "test.*"
            let (entries, total) = try await audit.list(filter, paging: Paging())
            #expect(total == 20)
            #expect(Set(entries.compactMap(\.targetID)) == Set((0..<20).map(String.init)))
            #expect(try await audit.seal() == 0, "nothing left to seal")
        }
    }

    /// More entries than one sealing batch (and than one insert statement) end in order in a
    /// chain that verifies.
    @Test(arguments: TestEngine.available)
    func aLargeBacklogSealsInOrder(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            let before = try await Self.populate(s)
            let audit = s.services.audit
            try await s.services.database.transaction { db in
                for i in 0..<1_234 {
                    try await audit.append(AuditRecord("test.backlog", targetID: String(i)), actor: .system("test"), on: db)
                }
            }
            #expect(try await audit.verify() == .ok(count: before + 1_234))
            var filter = AuditFilter()
            filter.action = "test.backlog"
            let (newest, _) = try await audit.list(filter, paging: Paging(page: 1, pageSize: 3))
            #expect(newest.map(\.targetID) == ["1233", "1232", "1231"], "entries of one transaction keep their order")
        }
    }

    @Test(arguments: TestEngine.available)
    func theDatabaseRefusesUpdateAndDelete(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            _ = try await Self.populate(s)
            let sql = s.services.database.sql
            await #expect(throws: (any Error).self) { try await sql.raw("UPDATE audit_log SET detail = 'x' WHERE sequence = 1").run() }
            await #expect(throws: (any Error).self) { try await sql.raw("DELETE FROM audit_log WHERE sequence = 1").run() }
            #expect(try await s.services.audit.verify() != .broken(atSequence: 1, reason: .hashMismatch))
        }
    }

    @Test(arguments: TestEngine.available)
    func anEditedEntryIsFound(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            _ = try await Self.populate(s)
            try await Self.dropTriggers(s)
            try await s.services.database.sql.raw("UPDATE audit_log SET actor_id = 'someone-else' WHERE sequence = 3").run()
            #expect(try await s.services.audit.verify() == .broken(atSequence: 3, reason: .hashMismatch))
        }
    }

    @Test(arguments: TestEngine.available)
    func aDeletedEntryIsFound(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            _ = try await Self.populate(s)
            try await Self.dropTriggers(s)
            try await s.services.database.sql.raw("DELETE FROM audit_log WHERE sequence = 3").run()
            #expect(try await s.services.audit.verify() == .broken(atSequence: 4, reason: .sequenceGap))
        }
    }

    @Test(arguments: TestEngine.available)
    func reorderedEntriesAreFound(_ engine: TestEngine) async throws {
        try await withApp(engine) { s in
            _ = try await Self.populate(s)
            try await Self.dropTriggers(s)
            let sql = s.services.database.sql
            try await sql.raw("UPDATE audit_log SET sequence = -1 WHERE sequence = 2").run()
            try await sql.raw("UPDATE audit_log SET sequence = 2 WHERE sequence = 3").run()
            try await sql.raw("UPDATE audit_log SET sequence = 3 WHERE sequence = -1").run()
            guard case .broken(let at, _) = try await s.services.audit.verify() else {
                Issue.record("a reordered chain must not verify")
                return
            }
            #expect(at == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func supervisorsReadAndFilterTheLog(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            _ = try await s.logInDemoStaff("handler-zjw")
            _ = try await s.logInDemoStaff("clerk")
            let supervisor = try await s.logInDemoStaff("supervisor")
            // A city supervisor sees the acts of the city's departments and its counties', no others.
            let all = try await s.call(.get, "/api/v1/audit?pageSize=50", token: supervisor)
            #expect(all.status == .ok)
            let departments = (all.json["items"] as? [[String: Any]] ?? []).compactMap { $0["departmentCode"] as? String }
            #expect(Set(departments) == ["330100-zjw", "330106-xzspj", "330100-12345"])
            let admin = try await s.logInDemoStaff("admin")
            let everything = try await s.call(.get, "/api/v1/audit?pageSize=5", token: admin)
            #expect((everything.json["items"] as? [Any])?.count == 5)
            #expect((everything.json["total"] as? Int ?? 0) > (all.json["total"] as? Int ?? 0))
            let logins = try await s.call(.get, "/api/v1/audit?action=auth.login", token: supervisor)
            let actions = (logins.json["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(!actions.isEmpty && actions.allSatisfy { $0 == "auth.login" })
            let bad = try await s.call(.get, "/api/v1/audit?outcome=maybe&from=yesterday", token: supervisor)
            #expect(bad.status == .badRequest)
            #expect(Set(bad.errorFields) == ["outcome", "from"])
            let verification = try await s.call(.get, "/api/v1/audit/verification", token: supervisor)
            #expect(verification.json["ok"] as? Bool == true)
            let page = try await s.call(.get, "/audit?action=auth.*", headers: [.authorization: "Bearer \(supervisor)"])
            #expect(page.status == .ok)
            #expect(page.text.contains("审计日志"))
            #expect(page.text.contains("未校验"))
            #expect(!page.text.contains("href=\"/work\""), "supervisors oversee cases; the work queue is not theirs")
            let verified = try await s.call(.get, "/audit?verify=1", headers: [.authorization: "Bearer \(supervisor)"])
            #expect(verified.text.contains("完整（共"))
        }
    }

    @Test(arguments: TestEngine.available)
    func backupRestoresAndTheChainStillVerifies(_ engine: TestEngine) async throws {
        let clock = TestClock()
        let target = try await TestStore.make(engine, clock: clock)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tongban-backup-\(UUID().uuidString).bak").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let expected = Mutex(0)
        try await withApp(engine, clock: clock) { s in
            let count = try await Self.populate(s)
            expected.withLock { $0 = count }
            try await DatabaseBackup.backup(s.services.configuration, to: file)
            await #expect(throws: DatabaseBackup.Failure.self) { try await DatabaseBackup.backup(s.services.configuration, to: file) }
            await #expect(throws: DatabaseBackup.Failure.self) {
                try await DatabaseBackup.restore(s.services.configuration, from: file, force: false)
            }
        }
        try await DatabaseBackup.restore(target.configuration, from: file, force: false)
        // Restored without its data key (`audit verify` runs so): the chain still verifies.
        var configuration = target.configuration
        configuration.needsDataKey = false
        let restored = try await TongbanServices.start(configuration, logger: .init(label: "test"))
        let result = try await restored.audit.verify()
        await restored.database.shutdown()
        await target.cleanup()
        #expect(result == .ok(count: expected.withLock { $0 }))
    }

    /// The page named actors by id and departments by code. It names officials with their log-in
    /// name and departments by name; citizens' names are masked (its readers work no case).
    @Test(arguments: TestEngine.available)
    func thePageNamesWhoActedAndWhere(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = DemoData.persons[0]
            let citizen = try await s.logIn(person.mobile, password: DemoData.password)
            let citizenID = try #require(try await s.call(.get, "/api/v1/me", token: citizen).json["id"] as? String)
            _ = try await s.logInDemoStaff("clerk")
            let admin = try await s.logInDemoStaff("admin")
            let department = try #require(try await s.services.reference.department("330106-xzspj")?.name)
            let masked = Masking.maskName(person.name)
            #expect(masked != person.name)

            let page = try await s.call(.get, "/audit", token: admin)
            #expect(page.status == .ok)
            #expect(page.text.contains(">\(masked)</td>"), "\(page.text)")
            #expect(!page.text.contains(person.name), "a citizen's full name is not shown")
            #expect(!page.text.contains(">\(citizenID)<"), "the id is a tooltip, not the name")
            #expect(page.text.contains(">陈受理（clerk）</td>"))
            #expect(page.text.contains(">\(department)</td>") && !page.text.contains(">330106-xzspj<"))

            let api = try await s.call(.get, "/api/v1/audit?actor=\(citizenID)", token: admin)
            let items = api.json["items"] as? [[String: Any]] ?? []
            #expect(!items.isEmpty && items.allSatisfy { $0["actorName"] as? String == masked && $0["actorId"] as? String == citizenID },
                    "\(api.text)")
            let clerkEntries = (try await s.call(.get, "/api/v1/audit?action=auth.login", token: admin).json["items"] as? [[String: Any]] ?? [])
                .filter { $0["actorName"] as? String == "陈受理（clerk）" }
            #expect(!clerkEntries.isEmpty && clerkEntries.allSatisfy {
                $0["departmentCode"] as? String == "330106-xzspj" && $0["departmentName"] as? String == department })
        }
    }
}
