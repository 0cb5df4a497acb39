import Foundation
import Testing
@testable import TongbanCore

@Suite("Text and id helpers")
struct CommonTextTests {
    @Test func trimmingDropsEveryKindOfSpaceAtTheEndsOnly() {
        #expect("  张三 ".trimmed() == "张三")
        #expect("\u{3000}330106198503120116\u{3000}".trimmed() == "330106198503120116") // full-width IME padding
        #expect("\t\r\n a b \n".trimmed() == "a b")
        #expect("王\u{3000}五".trimmed() == "王\u{3000}五")
        #expect(" \u{00A0}\u{2028} ".trimmed() == "")
        #expect("".trimmed() == "")
        #expect("x".dropFirst(0).trimmed() == "x")
        #expect("e\u{301} ".trimmed() == "e\u{301}") // a combining mark stays with its letter
    }

    @Test func randomUUIDsAreVersion4AndDistinct() {
        let ids = (0..<2_000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            let text = id.uuidString
            #expect(Array(text)[14] == "4")
            #expect("89AB".contains(Array(text)[19]))
            #expect(UUID(uuidString: text) == id)
        }
    }

    @Test func recordIDsAreVersion7OrderedByTime() {
        let early = UUID.timeOrdered(unixMilliseconds: 1_763_900_000_000).uuidString.lowercased()
        let late = UUID.timeOrdered(unixMilliseconds: 1_763_900_000_001).uuidString.lowercased()
        #expect(early < late)
        // RFC 9562 §5.7: the first 48 bits are the Unix time in milliseconds, big-endian.
        #expect(early.hasPrefix("019ab0a2-0700-7"))
        #expect("89ab".contains(Array(early)[19]))
        let sameMillisecond = (0..<2_000).map { _ in UUID.timeOrdered(unixMilliseconds: 1_763_900_000_000) }
        #expect(Set(sameMillisecond).count == sameMillisecond.count)
        let id = UUID.newID()
        #expect(id == id.lowercased() && id.count == 36 && Array(id)[14] == "7")
        let nowMilliseconds = UInt64(Date().timeIntervalSince1970 * 1000)
        let stamped = UInt64(id.replacingOccurrences(of: "-", with: "").prefix(12), radix: 16) ?? 0
        #expect(stamped <= nowMilliseconds + 1 && nowMilliseconds - stamped < 60_000)
    }
}
