import Foundation
import Testing
@testable import TongbanCore

@Suite("Appeal text features")
struct AppealTextFeaturesTests {
    private func normalized(_ title: String, _ text: String) -> String {
        String(String.UnicodeScalarView(
            AppealTextFeatures.normalizedScalars(title: title, text: text).compactMap(Unicode.Scalar.init)))
    }

    @Test func foldsWidthCaseAndDigits() {
        #expect(normalized("", "ＡＢＣ１２３，Ok 2020年") == "abc000,ok 0000年")
        #expect(normalized("", "a\u{0}b") == "a b")
    }

    @Test func collapsesAndTrimsWhitespace() {
        #expect(normalized("  标题\t", "\u{3000}正文\r\n\n 第二行  ") == "标题 正文 第二行")
    }

    @Test func joinsTitleAndTextWithOneSpace() {
        #expect(normalized("标题", "正文") == "标题 正文")
        #expect(normalized("", "正文") == "正文")
        #expect(normalized("标题", "") == "标题")
        #expect(normalized("\u{FEFF}", " \u{0}\u{7} ").isEmpty)
    }

    @Test func nGramKeysAreDistinctPerLengthAndPosition() {
        let keys = AppealTextFeatures.nGramKeys(title: "", text: "abc", maxOrder: 3)
        // a, ab, abc, b, bc, c
        #expect(keys.count == 6)
        #expect(Set(keys).count == 6)
        #expect(!keys.contains(0))
        #expect(AppealTextFeatures.nGramKeys(title: "", text: "abc", maxOrder: 1).count == 3)
        #expect(AppealTextFeatures.nGramKeys(title: "", text: "", maxOrder: 3).isEmpty)
    }

    @Test func tableFindsExactlyItsKeysWithTheirData() {
        let keys: [UInt64] = (1...500).map { UInt64($0) * 7919 }
        let idf = keys.indices.map { Float($0) / 8 + 1 }
        let codes: [Int8] = keys.indices.flatMap { i in [Int8(truncatingIfNeeded: i), -1, Int8(truncatingIfNeeded: -i)] }
        let table = FeatureTable(keys: keys, idf: idf, codes: codes, classCount: 3)
        var found: [Int32] = []
        table.appendSlots(of: [keys[0], 3, keys[499], keys[42], 1 << 62], to: &found)
        #expect(found.map(table.featureIndex(atSlot:)) == [0, 499, 42])
        #expect(found.map(table.idf(atSlot:)) == [idf[0], idf[499], idf[42]])
        let packed = table.packedCodes(atSlot: found[2])
        #expect((0..<3).map { Int8(truncatingIfNeeded: packed >> (8 * UInt64($0))) } == [42, -1, -42])
        #expect(packed >> 24 == 0)
    }

    @Test func emptyTableFindsNothing() {
        var found: [Int32] = []
        FeatureTable(keys: [], idf: [], codes: [], classCount: 7).appendSlots(of: [1, 2, 3], to: &found)
        #expect(found.isEmpty)
    }

    @Test func countsDistinctValuesInFirstOccurrenceOrder() {
        let counted = AppealVectorizer.countDistinct([5, 3, 5, 5, 9, 3, 0])
        #expect(counted.values == [5, 3, 9, 0])
        #expect(counted.counts == [3, 2, 1, 1])
        #expect(AppealVectorizer.countDistinct([]).values.isEmpty)
    }

    @Test func vectorsAreUnitLengthTfIdf() {
        let documents = ["甲乙", "甲丙", "甲"].map { AppealTextFeatures.nGramKeys(title: "", text: $0, maxOrder: 1) }
        let vectorizer = AppealVectorizer.fit(documents: documents, maxOrder: 1, minDocumentFrequency: 1)
        #expect(vectorizer.featureCount == 3)
        #expect(vectorizer.documentFrequencies.sorted() == [1, 1, 3])
        let vector = vectorizer.vector(title: "", text: "甲甲甲乙丁")
        #expect(vector.indices.count == 2)  // 丁 is unknown
        let length = vector.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(length - 1) < 1e-6)
        // Sublinear tf times smoothed idf = ln((n + 1) / (df + 1)) + 1, with n = 3 documents:
        // 甲 occurs 3 times and is in all 3 documents; 乙 occurs once and is in 1.
        let jia = (1 + log(Float(3))) * (log(Float(4) / 4) + 1)
        let yi = 1 * (log(Float(4) / 2) + 1)
        #expect(abs(vector.values[0] / vector.values[1] - jia / yi) < 1e-5)
        #expect(vectorizer.vector(title: " ", text: "").indices.isEmpty)
    }
}
