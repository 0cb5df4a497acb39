import Foundation
import Testing
import TongbanCore
@testable import TongbanServer

/// `JSONBody.decodeStrict`: the keys a type does not ask for are refused, by path, at any depth;
/// what it does ask for (optional fields, a free-form map's keys, dates) is taken as before.
@Suite("Administrative bodies refuse unknown keys")
struct StrictBodyTests {
    struct Body: Decodable, Equatable {
        struct Line: Decodable, Equatable { var name: String; var note: String? }
        var title: String
        var when: Date?
        var lines: [Line]
        var labels: [String: Int]?
    }

    static func fields(_ json: String) -> [String] {
        do {
            _ = try JSONBody.decodeStrict(Body.self, from: Data(json.utf8))
            return []
        } catch {
            return Problem.from(error)?.issues.map(\.field) ?? ["not a problem: \(error)"]
        }
    }

    @Test func unknownKeysAreNamedByPath() throws {
        #expect(Self.fields(#"{"title":"a","lines":[],"titel":"b"}"#) == ["titel"])
        #expect(Self.fields(#"{"title":"a","lines":[{"name":"x"},{"name":"y","nots":"z","extra":{"deep":1}}]}"#)
                == ["lines/1/extra", "lines/1/nots"])
        let problem = try #require(Problem.from(try #require(throws: (any Error).self) {
            try JSONBody.decodeStrict(Body.self, from: Data(#"{"title":"a","lines":[],"x":1}"#.utf8))
        }))
        #expect(problem.status == .badRequest)
        #expect(problem.issues.first?.code == "unknown")
    }

    @Test func knownKeysOptionalFieldsMapsAndDatesAreTaken() throws {
        let body = try JSONBody.decodeStrict(Body.self, from: Data(
            #"{"title":"a","when":"2026-03-01T08:00:00Z","lines":[{"name":"x","note":null}],"labels":{"任意":1,"any key":2}}"#.utf8))
        #expect(body.when == Date(timeIntervalSince1970: 1_772_352_000))
        #expect(body.labels == ["任意": 1, "any key": 2])
        #expect(Self.fields(#"{"title":"a","lines":[{"name":"x"}]}"#) == [])
    }

    @Test func decodingErrorsComeFirstAndLenientBodiesStayLenient() throws {
        #expect(Self.fields(#"{"title":1,"lines":[],"x":1}"#) == ["title"])
        #expect(Self.fields(#"{"lines":[],"x":1}"#) == ["title"])
        #expect(try JSONBody.decode(Body.self, from: Data(#"{"title":"a","lines":[],"x":1}"#.utf8)).title == "a")
    }

    /// Staff creation, the holiday calendar and catalog items: a misspelt key changed what was stored.
    @Test(arguments: TestEngine.available)
    func otherAdministrativeRoutesRefuseUnknownKeys(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let admin = try await s.logInDemoStaff("admin")
            let staff: [String: Any] = ["username": "li.shen", "name": "李审", "password": "Shencha#2026long",
                                        "departmentCode": "330106-xzspj", "roles": ["reviewer"]]
            var misspelt = staff
            misspelt["psot"] = "审查岗"
            let refusedStaff = try await s.call(.post, "/api/v1/staff", token: admin, json: misspelt)
            #expect(refusedStaff.status == .badRequest && refusedStaff.errorFields == ["psot"], "\(refusedStaff.text)")
            #expect(try await s.services.accounts.account(username: "li.shen") == nil, "nothing stored")
            let created = try await s.call(.post, "/api/v1/staff", token: admin, json: staff)
            #expect(created.status == .created, "\(created.text)")

            var schedule = try await s.call(.get, "/api/v1/calendar").json["schedule"] as? [String: Any] ?? [:]
            var years = schedule["years"] as? [[String: Any]] ?? []
            years.append(["year": 2027, "holidays": [["name": "元旦", "dates": ["2027-01-01"]]],
                          "workdays": [] as [Any], "workday": [["name": "元旦", "dates": ["2027-01-09"]]]])
            schedule["years"] = years
            let refusedCalendar = try await s.call(.put, "/api/v1/calendar", token: admin, json: schedule)
            #expect(refusedCalendar.errorFields == ["years/\(years.count - 1)/workday"], "\(refusedCalendar.text)")
            let kept = try await s.call(.get, "/api/v1/calendar").json["schedule"] as? [String: Any]
            #expect((kept?["years"] as? [Any])?.count == years.count - 1, "nothing stored")

            let catalog = try await s.logInDemoStaff("catalog")
            var item = CatalogTests.item()
            item["promisedDayz"] = 1
            let refusedItem = try await s.call(.post, "/api/v1/catalog/items", token: catalog, json: item)
            #expect(refusedItem.errorFields == ["promisedDayz"], "\(refusedItem.text)")
            item["promisedDayz"] = nil
            #expect(try await s.call(.post, "/api/v1/catalog/items", token: catalog, json: item).status == .created)
            item["name"] = "改名"
            item["nmae"] = "改名"
            let refusedEdit = try await s.call(.put, "/api/v1/catalog/items/330000-XK-9001/330000", token: catalog, json: item)
            #expect(refusedEdit.errorFields == ["nmae"], "\(refusedEdit.text)")
        }
    }
}
