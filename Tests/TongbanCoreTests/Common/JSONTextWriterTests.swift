import Foundation
import Testing
import TongbanCore

@Suite struct JSONTextWriterTests {
    static let samples = ["", "plain ascii", "中文 办件 🀄️", "a/b", "\"", "\\", "tab\there", "nl\nx", "\u{0}\u{1f}\u{7f}",
                          "e\u{301}", "末尾\\", "\"\u{301}x"]

    private func written(_ value: String, escapingSlashes: Bool) -> [UInt8] {
        var w = JSONTextWriter(escapingSlashes: escapingSlashes)
        w.openArray()
        w.element()
        w.string(value)
        w.closeArray()
        return w.bytes
    }

    @Test(arguments: samples)
    func stringsReadBackAsWritten(_ value: String) throws {
        for escaping in [true, false] {
            let bytes = written(value, escapingSlashes: escaping)
            let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String]
            #expect(parsed == [value])
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains("\\/") == (escaping && value.contains("/")))
            // Nothing below U+0020 goes out raw.
            #expect(!bytes.contains { $0 < 0x20 })
        }
    }

    @Test func matchesFoundationForAnObjectOfEveryKind() throws {
        struct Sample: Encodable {
            var name: String; var count: Int; var big: Int64; var flag: Bool; var missing: String?; var tags: [String]
            var map: [String: String]; var nested: [Inner]
            struct Inner: Encodable { var a: String }
        }
        let sample = Sample(name: "名/称\"", count: -3, big: Int64.min, flag: false, missing: nil, tags: ["x", "", "y\n"],
                            map: ["k/1": "v\t", "k2": ""], nested: [Sample.Inner(a: "1"), Sample.Inner(a: "2")])
        var w = JSONTextWriter(escapingSlashes: false)
        w.object { w in
            w.member("name", sample.name)
            w.member("count", sample.count)
            w.member("big", sample.big)
            w.member("flag", sample.flag)
            w.member("missing", sample.missing)
            w.key("tags"); w.strings(sample.tags)
            w.key("map"); w.stringMap(sample.map)
            w.key("nested"); w.objects(sample.nested) { w, inner in w.member("a", inner.a) }
        }
        func canonical(_ data: Data) throws -> Data {
            try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: data), options: [.sortedKeys])
        }
        #expect(try canonical(Data(w.bytes)) == canonical(try JSONEncoder().encode(sample)))
        #expect(!w.text.contains("missing"))
    }
}
