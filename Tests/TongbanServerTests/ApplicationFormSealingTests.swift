import Foundation
import SQLKit
import Testing
import TongbanCore
@testable import TongbanServer

/// Application forms hold the applicant's ID and mobile numbers: no column of the database
/// holds them in clear, and forms stored in clear before are sealed by a migration.
@Suite("Application forms sealed at rest")
struct ApplicationFormSealingTests {
    private struct Stored: Decodable { var formJson: String }

    private static func storedForm(_ id: String, _ s: TestSession) async throws -> String {
        try #require(try await s.services.database.sql.select().column("form_json").from("applications").where("id", .equal, id)
            .first(decoding: Stored.self, keyDecodingStrategy: .convertFromSnakeCase)).formJson
    }

    @Test(arguments: TestEngine.available)
    func theStoredFormHoldsNoIdentifierInClear(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let zhang = DemoData.persons[0]
            let person = try await s.demoPerson()
            // The form is prefilled with the applicant's ID and mobile numbers; filled with a name and address.
            let id = try await s.submittedFoodApplication(token: person)
            let raw = try await Self.storedForm(id, s)
            #expect(raw.hasPrefix("v1:"), "\(raw)")
            for secret in [zhang.idNumber, zhang.mobile, "西湖小吃店", "文三路"] { #expect(!raw.contains(secret)) }
            struct Count: Decodable { var n: Int }
            let inClear = try await s.services.database.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from("applications").where("form_json", .like, "%\(zhang.idNumber)%").first(decoding: Count.self)
            #expect(inClear?.n == 0)

            // The owner and the official handling the case read the form as before.
            let own = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
            let form = own.json["form"] as? [String: Any] ?? [:]
            #expect(form["principalIdNumber"] as? String == zhang.idNumber, "\(own.text)")
            #expect(form["contactMobile"] as? String == zhang.mobile)
            #expect(form["operatorName"] as? String == "西湖小吃店")
            let clerk = try await s.logInDemoStaff("clerk")
            let seen = try await s.call(.get, "/api/v1/applications/\(id)", token: clerk)
            #expect((seen.json["form"] as? [String: Any])?["principalIdNumber"] as? String == zhang.idNumber, "\(seen.text)")

            // A fill rewrites the form sealed, and reads back what was filled.
            let draft = try await s.foodDraft(token: person)
            let filled = try await s.call(.put, "/api/v1/applications/\(draft)", token: person, json: ["form": ["operatorName": "文三面馆"]])
            #expect(filled.status == .ok, "\(filled.text)")
            #expect(!(try await Self.storedForm(draft, s)).contains("文三面馆"))
            #expect((try await s.call(.get, "/api/v1/applications/\(draft)", token: person).json["form"] as? [String: Any])?["operatorName"]
                    as? String == "文三面馆")
        }
    }

    /// A database from before: its forms are in clear until M019 seals them, once the data key
    /// is checked; a run without the key leaves them as they are.
    @Test(arguments: TestEngine.available)
    func theMigrationSealsFormsStoredInClear(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let old = try await s.submittedFoodApplication(token: person)
            let untouched = try await s.foodDraft(token: person)
            let sealed = try await Self.storedForm(untouched, s)
            let db = s.services.database.sql
            let clear = try s.services.protector.decrypt(try await Self.storedForm(old, s))
            #expect(clear.hasPrefix("{") && clear.contains(DemoData.persons[0].idNumber))
            try await db.update("applications").set("form_json", to: clear).where("id", .equal, old).run()
            try await db.delete(from: "_fluent_migrations").where("name", .equal, "M019SealApplicationForms").run()

            try await s.services.database.migrate()
            #expect(try await Self.storedForm(old, s) == clear)

            try await s.services.database.migrate(dataKey: s.services.protector)
            let now = try await Self.storedForm(old, s)
            #expect(now.hasPrefix("v1:") && !now.contains(DemoData.persons[0].idNumber), "\(now)")
            #expect(try s.services.protector.decrypt(now) == clear)
            // Sealed once: a form sealed already is left as it was.
            #expect(try await Self.storedForm(untouched, s) == sealed)
            let read = try await s.call(.get, "/api/v1/applications/\(old)", token: person)
            #expect((read.json["form"] as? [String: Any])?["principalIdNumber"] as? String == DemoData.persons[0].idNumber, "\(read.text)")
        }
    }
}
