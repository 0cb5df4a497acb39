import Testing
@testable import TongbanCore

@Suite struct SearchTextTests {
    @Test func normalizationFoldsWidthCaseAndPunctuation() {
        #expect(SearchText.normalize("ＩＣ卡（补办）！") == "ic卡 补办")
        #expect(SearchText.normalize("  《食品经营许可》—— 办事指南。") == "食品经营许可 办事指南")
        #expect(SearchText.normalize("Café ①号") == "cafe 1号")
        #expect(SearchText.normalize("，。！") == "")
    }

    @Test func tokenizerEmitsUnigramsBigramsAndWords() {
        let tokens = SearchText.tokenize("社保卡 IC")
        #expect(tokens.map(\.text) == ["社", "社保", "保", "保卡", "卡", "ic"])
        #expect(tokens.map(\.kind) == [.unigram, .bigram, .unigram, .bigram, .unigram, .word])
        #expect(tokens.map(\.range) == [0..<1, 0..<2, 1..<2, 1..<3, 2..<3, 4..<6])
    }

    @Test func punctuationBreaksBigrams() {
        #expect(!SearchText.tokenize("出生医学证明（首次）").map(\.text).contains("明首"))
        #expect(SearchText.tokenize("A4纸2份").map(\.text) == ["a4", "纸", "2", "份"])
    }

    @Test func queryTermsUseBigramsOrASingleUnigram() {
        #expect(SearchText.queryTerms("营业执照") == ["营业", "业执", "执照"])
        #expect(SearchText.queryTerms("证") == ["证"])
        #expect(SearchText.queryTerms("社保 社保") == ["社保"])
        #expect(SearchText.queryTerms("ic卡") == ["ic", "卡"])
    }

    @Test func highlightWrapsMatchesAndEscapesTheRest() {
        let h = SearchText.highlight("<b>营业执照</b> & \"副本\"", terms: ["营业", "业执", "执照"])
        #expect(h.matched)
        #expect(h.html == "&lt;b&gt;<mark>营业执照</mark>&lt;/b&gt; &amp; &quot;副本&quot;")
        let none = SearchText.highlight("a'b", terms: ["x"])
        #expect(!none.matched && none.html == "a&#39;b")
    }

    @Test func highlightMarksOriginalFullWidthText() {
        let h = SearchText.highlight("申领ＩＣ卡", terms: ["ic"])
        #expect(h.html == "申领<mark>ＩＣ</mark>卡")
    }

    @Test func highlightWindowsLongText() {
        let text = String(repeating: "甲", count: 50) + "营业执照" + String(repeating: "乙", count: 50)
        let h = SearchText.highlight(text, terms: ["营业", "执照"], maxLength: 20)
        // Adjacent bigrams merge into one mark; the window starts a quarter before the match.
        #expect(h.html == "…" + String(repeating: "甲", count: 5) + "<mark>营业执照</mark>" + String(repeating: "乙", count: 11) + "…")
        let short = SearchText.highlight("营业执照", terms: ["营业"], maxLength: 20)
        #expect(short.html == "<mark>营业</mark>执照")
    }
}
