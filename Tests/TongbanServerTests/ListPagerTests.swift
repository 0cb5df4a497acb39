import Foundation
import Testing
@testable import TongbanServer

/// The list pages' pager: the applicant's 我的办件 is paged as the work queue is, so every case
/// can be reached, and a page past the end or of an empty list names no impossible position.
@Suite("List page pager")
struct ListPagerTests {
    /// The case links of a list page, in the order shown.
    static func caseLinks(_ html: String) -> [String] {
        html.matches(of: /<td><a href="\/applications\/([^"]+)">/).map { String($0.output.1) }
    }

    /// The pager's link to the next page, as a request URI.
    static func nextLink(_ html: String) -> String? {
        html.firstMatch(of: /<a href="([^"]+)">下一页<\/a>/).map { String($0.output.1).replacingOccurrences(of: "&amp;", with: "&") }
    }

    @Test(arguments: TestEngine.available)
    func myApplicationsArePagedAndEveryCaseIsReachable(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson(2)
            var ids: [String] = []
            for _ in 0..<3 {
                s.clock.advance(60)
                ids.append(try await s.foodDraft(token: person))
            }
            let api = try await s.call(.get, "/api/v1/applications?pageSize=200", token: person)
            let total = try #require(api.json["total"] as? Int)
            let all = (api.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(total >= 3 && all.count == total && Array(all.prefix(3)) == ids.reversed(), "\(api.text)")
            let pages = (total + 1) / 2

            let first = try await s.call(.get, "/applications?pageSize=2", token: person)
            #expect(first.status == .ok && Self.caseLinks(first.text) == [ids[2], ids[1]], "\(first.text)")
            #expect(first.text.contains("第 1 / \(pages) 页（共 \(total) 件）") && !first.text.contains("上一页"), "\(first.text)")
            #expect(first.text.contains("<a href=\"/applications?page=2&amp;pageSize=2\">下一页</a>"), "\(first.text)")
            let second = try await s.call(.get, "/applications?page=2&pageSize=2", token: person)
            #expect(second.status == .ok && Self.caseLinks(second.text).first == ids[0], "the older ones are on page 2: \(second.text)")
            #expect(second.text.contains("第 2 / \(pages) 页（共 \(total) 件）") && second.text.contains("上一页"), "\(second.text)")

            // Following 下一页 from the first page reaches every case, each once, newest first.
            var seen: [String] = []
            var link: String? = "/applications?pageSize=2"
            while let uri = link, seen.count <= total {
                let page = try await s.call(.get, uri, token: person)
                #expect(page.status == .ok, "\(uri)")
                seen += Self.caseLinks(page.text)
                link = Self.nextLink(page.text)
            }
            #expect(seen == all)

            // Bad paging is the 400 of the work queue and the API.
            let clerk = try await s.logInDemoStaff("clerk")
            for query in ["page=0", "page=abc", "pageSize=10000", "pageSize=0"] {
                #expect(try await s.call(.get, "/applications?\(query)", token: person).status == .badRequest, "\(query)")
                #expect(try await s.call(.get, "/work?\(query)", token: clerk).status == .badRequest, "\(query)")
                #expect(try await s.call(.get, "/api/v1/applications?\(query)", token: person).status == .badRequest, "\(query)")
            }

            let past = try await s.call(.get, "/applications?page=99&pageSize=2", token: person)
            #expect(past.status == .ok && Self.caseLinks(past.text).isEmpty)
            #expect(past.text.contains("第 99 页已超出末页（共 \(pages) 页，\(total) 件）"), "\(past.text)")
            #expect(past.text.contains("<a href=\"/applications?page=\(pages)&amp;pageSize=2\">回到末页</a>") && !past.text.contains("第 99 /"),
                    "\(past.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func pagersPastTheEndOrOfNothingNameNoImpossiblePage(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            _ = try await s.submittedUnemploymentApplications(3, token: try await s.demoPerson(1))
            let clerk = try await s.logInDemoStaff("clerk")
            let filter = "itemCode=330106-GG-0002"
            let total = try #require(try await s.call(.get, "/api/v1/work/queue?\(filter)", token: clerk).json["total"] as? Int)
            #expect(total >= 3)
            let pages = (total + 49) / 50

            // A valid page reads as before.
            let first = try await s.call(.get, "/work?\(filter)", token: clerk)
            #expect(first.status == .ok && first.text.contains("第 1 / \(pages) 页（共 \(total) 项）"), "\(first.text)")

            let past = try await s.call(.get, "/work?\(filter)&page=\(pages + 4)", token: clerk)
            #expect(past.status == .ok)
            #expect(past.text.contains("第 \(pages + 4) 页已超出末页（共 \(pages) 页，\(total) 项）"), "\(past.text)")
            #expect(past.text.contains("<a href=\"/work?itemCode=330106-GG-0002&amp;page=\(pages)\">回到末页</a>"), "\(past.text)")
            #expect(!past.text.contains("第 \(pages + 4) / ") && !past.text.contains("上一页") && !past.text.contains("下一页"), "\(past.text)")

            let nothing = try await s.call(.get, "/work?itemCode=330106-XK-9999&page=3", token: clerk)
            #expect(nothing.status == .ok && nothing.text.contains("共 0 项") && !nothing.text.contains("第 3 /"), "\(nothing.text)")
            #expect(!nothing.text.contains("上一页"), "\(nothing.text)")

            let supervisor = try await s.logInDemoStaff("supervisor")
            #expect(try await s.call(.get, "/api/v1/supervision/applications", token: supervisor).json["total"] as? Int == 0)
            let late = try await s.call(.get, "/supervision?page=3", token: supervisor)
            #expect(late.status == .ok && late.text.contains("共 0 件") && !late.text.contains("第 3 /") && !late.text.contains("上一页"),
                    "\(late.text)")
        }
    }
}
