import Foundation
import SQLKit
import Testing
@testable import TongbanServer

@Suite("Deadline sweep")
struct DeadlineSweepTests {
    /// A case the sweep cannot count (here its stored case cannot be read) is reported, and the
    /// cases claimed after it in the same turn are still counted: its error used to end the turn,
    /// so they waited for their claims to lapse and met it again at every turn.
    @Test(arguments: TestEngine.available)
    func aCaseThatCannotBeCountedDoesNotHoldUpTheOthers(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let broken = try await s.submittedFoodApplication(token: person)
            let sound = try await s.submittedFoodApplication(token: person)
            #expect(broken < sound, "record ids are time-ordered, so the sweep claims the broken case first")
            let db = s.services.database.sql
            try await db.update("applications").set("case_json", to: "{").where("id", .equal, broken).run()

            let error = await #expect(throws: ApplicationService.SweepFailures.self) {
                try await s.services.applications.sweep(worker: "a")
            }
            #expect(error?.checked == 1)
            #expect(error?.failed.map(\.id) == [broken])
            #expect(error?.description.contains(broken) == true)
            struct Swept: Decodable { var id: String; var swept_on: String? }
            let rows = try await db.select().columns("id", "swept_on").from("applications")
                .where("id", .in, [broken, sound]).all(decoding: Swept.self)
            #expect(rows.first { $0.id == sound }?.swept_on != nil, "counted after the broken case")
            #expect(rows.first { $0.id == broken }?.swept_on == nil)
            // The broken case keeps its claim for now, so the next turn neither repeats it nor fails.
            #expect(try await s.services.applications.sweep(worker: "a") == 0)
        }
    }
}
