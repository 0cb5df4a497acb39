import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing
import TongbanCore
@testable import TongbanServer

/// Query parameters read as browsers and the WHATWG URL standard write them: `+` is a space, a
/// literal plus comes as %2B. Hummingbird's `uri.queryParameters` kept `+` as it came.
@Suite("Query parameters")
struct QueryParameterTests {
    static func request(_ query: String) -> Request {
        Request(head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/x?\(query)"),
                body: RequestBody(buffer: ByteBuffer()))
    }

    @Test func plusIsASpaceAndAnEncodedPlusIsAPlus() {
        let request = Self.request("q=%E8%90%A5%E4%B8%9A+%E6%89%A7%E7%85%A7&plus=C%2B%2B&space=a%20b&raw=a+b+&na%6De=1&empty=&a+b=c")
        #expect(request.query("q") == "营业 执照")
        #expect(request.query("plus") == "C++")
        #expect(request.query("space") == "a b")
        #expect(request.query("raw") == "a b ")
        #expect(request.query("name") == "1", "names are decoded too")
        #expect(request.query("a b") == "c")
        #expect(request.query("empty") == nil)
        #expect(request.query("missing") == nil)
        #expect(Self.request("").queryFields.isEmpty)
    }

    /// A `%` not starting an escape is itself (WHATWG): a search for 100% is not a search for nothing.
    @Test func aStrayPercentStaysAsItIs() {
        let request = Self.request("q=100%&r=100%+off%20now&s=%zz%4&t=%E8%90%A5%")
        #expect(request.query("q") == "100%")
        #expect(request.query("r") == "100% off now")
        #expect(request.query("s") == "%zz%4")
        #expect(request.query("t") == "营%")
        #expect(FormBody.parse("comment=%E4%B8%8D%") == ["comment": "不%"], "page forms read alike")
    }

    /// A date-time's offset written with an unencoded `+` arrives as a space and still reads as the offset.
    @Test func dateTimesKeepTheirOffsetWhateverTheEncoding() throws {
        let eight = try #require(Request.instant("2026-01-01T00:00:00+08:00"))
        #expect(eight == Date(timeIntervalSince1970: 1_767_196_800))
        for query in ["from=2026-01-01T00:00:00+08:00", "from=2026-01-01T00:00:00%2B08:00", "from=2026-01-01T00:00:00%2008:00"] {
            #expect(Self.request(query).query("from").flatMap(Request.instant) == eight, "\(query)")
        }
        #expect(Request.instant("2026-01-01T00:00:00Z") == eight + 8 * 3600)
        #expect(Request.instant("2026-01-01T00:00:00-08:00") == eight + 16 * 3600)
        #expect(Request.instant("yesterday") == nil && Request.instant("2026-01-01 00:00:00") == nil)
    }

    /// Links the pages build (pager, catalog filters, log-in return) read back as they were meant.
    @Test func linksReadBackAsTheyWereMeant() {
        let values = ["C++", "营业 执照", "a&b=c", "100%", "a+b c"]
        let link = ViewRenderer.link("/services", query: values.enumerated().map { ("k\($0.offset)", $0.element) })
        #expect(!link.contains("+"), "\(link)")
        let query = String(link.dropFirst("/services?".count))
        for (index, value) in values.enumerated() { #expect(Self.request(query).query("k\(index)") == value) }
        #expect(ViewRenderer.link("/services", query: []) == "/services")
        #expect(ViewRenderer.pageLink(Self.request("q=C%2B%2B+x&page=3"), 4) == "/x?page=4&q=C%2B%2B%20x")
    }

    @Test(arguments: TestEngine.available)
    func routesReadPlusAsASpace(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let person = try await s.demoPerson()
            let id = try await s.foodDraft(token: person)
            let material = TestSession.foodMaterials[0].addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            // The raw-body upload names its material and file in the query.
            func upload(_ query: String) async throws -> TestSession.Reply {
                try await s.post("/api/v1/applications/\(id)/attachments?\(query)", bytes: TestSession.pdf, contentType: "application/pdf", token: person)
            }
            for (filename, stored) in [("%E7%94%B3%E8%AF%B7+%E4%B9%A6.pdf", "申请 书.pdf"), ("C%2B%2B.pdf", "C++.pdf"), ("a%20b.pdf", "a b.pdf")] {
                let reply = try await upload("material=\(material)&filename=\(filename)")
                #expect(reply.status == .created && reply.json["fileName"] as? String == stored, "\(filename): \(reply.text)")
            }
            let spaced = try await upload("material=a+b&filename=x.pdf")
            #expect(spaced.status == .unprocessableContent && spaced.text.contains("the service guide does not ask for a b"), "\(spaced.text)")
            let plus = try await upload("material=a%2Bb&filename=x.pdf")
            #expect(plus.text.contains("the service guide does not ask for a+b"), "\(plus.text)")

            // A GET form's search words, as a browser sends them.
            func names(_ query: String) async throws -> [String] {
                let reply = try await s.call(.get, "/api/v1/services?\(query)&pageSize=50")
                #expect(reply.status == .ok, "\(reply.text)")
                return (reply.json["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            }
            let (business, licence) = ("营业".percentEncoded, "执照".percentEncoded)
            let byPlus = try await names("q=\(business)+\(licence)")
            let bySpace = try await names("q=\(business)%20\(licence)")
            #expect(!byPlus.isEmpty && byPlus == bySpace)

            // Date-times with an offset, its `+` unencoded (now a space) or as %2B, in every route that takes them.
            let supervisor = try await s.logInDemoStaff("supervisor")
            for plus in ["+", "%2B"] {
                let (from, to) = ("2026-01-01T00:00:00\(plus)08:00", "2026-01-31T00:00:00\(plus)08:00")
                let hot = try await s.call(.get, "/api/v1/hot-topics?from=\(from)&to=\(to)", token: supervisor)
                #expect(hot.status == .ok, "\(hot.text)")
                #expect(hot.json["from"] as? String == "2025-12-31T16:00:00Z", "\(hot.text)")
                let audit = try await s.call(.get, "/api/v1/audit?from=\(from)&to=\(to)", token: supervisor)
                #expect(audit.status == .ok, "\(audit.text)")
                let open311 = try await s.call(.get, "/open311/v2/requests.json?start_date=\(from)&end_date=\(to)")
                #expect(open311.status == .ok, "\(open311.text)")
            }
            let unreadable = try await s.call(.get, "/api/v1/audit?from=2026-01-01+00:00:00", token: supervisor)
            #expect(unreadable.status == .badRequest && unreadable.errorFields == ["from"], "\(unreadable.text)")
        }
    }
}
