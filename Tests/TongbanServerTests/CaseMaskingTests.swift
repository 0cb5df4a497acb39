import Foundation
import Testing
import TongbanCore
@testable import TongbanServer

/// Who sees an applicant's ID and mobile numbers whole: the applicant and the staff who work the
/// case. Supervisors (监察员) and system administrators, who may read the case but do not work it,
/// see them masked, in the API and on the case page; every staff read stays audited.
@Suite("Personal data in case views")
struct CaseMaskingTests {
    @Test(arguments: TestEngine.available)
    func caseReadersWhoDoNotWorkTheCaseSeeIdentifiersMasked(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = DemoData.persons[1]
            let owner = try await s.demoPerson(1)
            let id = try #require(try await s.submittedUnemploymentApplications(1, token: owner).first)
            let (idMasked, mobileMasked) = (Masking.maskResidentID(person.idNumber), Masking.maskMobile(person.mobile))
            #expect(idMasked == "330102********0257" && mobileMasked == "138****0002")
            let readers = [("supervisor", false), ("admin", false), ("clerk", true), ("approver", true)]
            var tokens: [String: String] = ["owner": owner]
            for (username, _) in readers { tokens[username] = try await s.logInDemoStaff(username) }

            for (reader, whole) in readers + [("owner", true)] {
                let token = try #require(tokens[reader])
                let view = try await s.call(.get, "/api/v1/applications/\(id)", token: token)
                #expect(view.status == .ok, "\(reader): \(view.text)")
                let form = view.json["form"] as? [String: String] ?? [:]
                let fields = Dictionary(uniqueKeysWithValues: (view.json["fields"] as? [[String: Any]] ?? []).compactMap { field in
                    (field["id"] as? String).map { ($0, field["value"] as? String) }
                })
                let expected = whole ? (person.idNumber, person.mobile) : (idMasked, mobileMasked)
                #expect(form["applicantIdNumber"] == expected.0 && form["contactMobile"] == expected.1, "\(reader): \(form)")
                #expect(fields["applicantIdNumber"] == expected.0 && fields["contactMobile"] == expected.1, "\(reader): \(fields)")
                #expect(form["applicantName"] == person.name, "names stay: \(reader)")

                let page = try await s.call(.get, "/applications/\(id)", token: token)
                #expect(page.status == .ok, "\(reader): \(page.text)")
                #expect(page.text.contains(person.idNumber) == whole && page.text.contains(person.mobile) == whole, "\(reader)")
                #expect(page.text.contains(idMasked) == !whole && page.text.contains(mobileMasked) == !whole, "\(reader)")
            }
            // Every staff read is audited, masked ones too: the API's and the page's.
            let audit = try await s.call(.get, "/api/v1/audit?action=application.read&targetId=\(id)&pageSize=100", token: tokens["admin"]!)
            let actors = (audit.json["items"] as? [[String: Any]] ?? []).compactMap { $0["actorName"] as? String }
            for (username, _) in readers {
                #expect(actors.filter { $0.contains("（\(username)）") }.count == 2, "\(username): \(actors)")
            }
        }
    }
}
