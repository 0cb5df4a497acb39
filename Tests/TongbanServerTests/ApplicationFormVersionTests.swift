import Foundation
import HTTPTypes
import SQLKit
import Testing
import TongbanCore
@testable import TongbanServer

/// An item's form is versioned with the item: publishing a guide edit (a new item version with no
/// form of its own) keeps the form for new cases, and a case keeps the form it was filed on.
@Suite("Application forms across item versions")
struct ApplicationFormVersionTests {
    static let billboard = "330106-XK-0001"
    /// The typed fields of 户外广告设施设置申请.
    static let typed: Set<String> = ["applicantName", "applicantIdNumber", "contactMobile", "facilityKind", "location",
                                     "areaSquareMetres", "startDate", "endDate"]

    static func fieldIDs(_ reply: TestSession.Reply) -> Set<String> {
        Set((reply.json["fields"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
    }

    struct Versions: Decodable { var itemVersion: Int; var formVersion: Int }

    static func versions(_ id: String, in s: TestSession) async throws -> Versions? {
        try await s.services.database.sql.select().column("item_version").column("form_version").from("applications")
            .where("id", .equal, id).first(decoding: Versions.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    @Test(arguments: TestEngine.available)
    func aNewItemVersionKeepsTheItemsForm(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let old = try await s.call(.post, "/api/v1/applications", token: person, json: ["itemCode": Self.billboard])
            #expect(old.status == .created, "\(old.text)")
            let oldID = old.json["id"] as? String ?? ""

            // A routine guide edit, published twice: only the hall's phone number changes.
            let catalog = try await s.logInDemoStaff("catalog")
            let path = "/api/v1/catalog/items/\(Self.billboard)/330106"
            for phone in ["0571-87000001", "0571-87000002"] {
                let record = try await s.call(.get, path, token: catalog)
                var current = record.json["current"] as? [String: Any] ?? [:]
                var location = current["location"] as? [String: Any] ?? [:]
                location["phone"] = phone
                current["location"] = location
                let edited = try await s.call(.put, path, token: catalog, json: current,
                                              headers: [.ifMatch: "\(record.json["rowVersion"] as? Int ?? 0)"])
                #expect(edited.status == .ok, "\(edited.text)")
                let published = try await s.call(.post, "\(path)/publish", token: catalog)
                #expect(published.status == .ok, "\(published.text)")
            }
            #expect(try await s.call(.get, "/api/v1/services/\(Self.billboard)").json["version"] as? Int == 3)

            // The apply page and a new case both have the item's form, recorded as the form of version 1.
            let page = try await s.call(.get, "/apply/\(Self.billboard)", headers: [.authorization: "Bearer \(person)"])
            #expect(page.text.contains("name=\"facilityKind\"") && !page.text.contains("name=\"request\""), "\(page.text)")
            let created = try await s.call(.post, "/api/v1/applications", token: person, json: ["itemCode": Self.billboard])
            #expect(created.status == .created, "\(created.text)")
            let id = created.json["id"] as? String ?? ""
            let fresh = try await s.call(.get, "/api/v1/applications/\(id)", token: person)
            #expect(Self.fieldIDs(fresh) == Self.typed, "\(fresh.text)")
            let stored = try await Self.versions(id, in: s)
            #expect(stored?.itemVersion == 3 && stored?.formVersion == 1, "\(String(describing: stored))")

            // Its fills and its submission are checked by that form: the generic form's field is unknown, the typed ones required.
            let generic = try await s.call(.put, "/api/v1/applications/\(id)", token: person, json: ["form": ["request": "设置店招"]])
            #expect(generic.status == .unprocessableContent && generic.errorFields == ["form/request"], "\(generic.text)")
            let area = try await s.call(.put, "/api/v1/applications/\(id)", token: person, json: ["form": ["areaSquareMetres": "5000"]])
            #expect(area.status == .unprocessableContent && area.errorFields == ["form/areaSquareMetres"], "\(area.text)")
            let submitted = try await s.call(.post, "/api/v1/applications/\(id)/submit", token: person)
            #expect(submitted.status == .unprocessableContent)
            #expect(Set(submitted.errorFields).isSuperset(of: ["form/facilityKind", "form/location", "form/areaSquareMetres",
                                                               "form/startDate", "form/endDate"]), "\(submitted.text)")

            // The draft from before the publications keeps the version it was filed under, and its form.
            let kept = try await Self.versions(oldID, in: s)
            #expect(kept?.itemVersion == 1 && kept?.formVersion == 1, "\(String(describing: kept))")
            #expect(Self.fieldIDs(try await s.call(.get, "/api/v1/applications/\(oldID)", token: person)) == Self.typed)
        }
    }
}
