import Foundation

/// One search term cut from text. `range` counts Unicode scalars of the original text, so
/// highlighting can wrap the characters the user actually typed (full-width, upper-case…).
public struct SearchToken: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case unigram, bigram, word }
    public var text: String
    public var kind: Kind
    public var range: Range<Int>
}

/// Text with its markup decided: `html` is escaped, with matches wrapped in `<mark>`.
public struct HighlightedText: Sendable, Hashable {
    public var html: String
    /// How many distinct terms were found, to pick the most telling of several fields.
    public var distinctMatches: Int
    public var matched: Bool { distinctMatches > 0 }
}

/// Chinese-aware normalisation, tokenisation and highlighting shared by indexing and querying.
/// Chinese has no spaces, so CJK runs become overlapping unigrams and bigrams (a bigram index
/// finds words without a dictionary); Latin letters and digits form whole words.
public enum SearchText {
    /// Full-width to half-width, lower-case, punctuation and symbols to single spaces.
    public static func normalize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for unit in fold(text) {
            guard let scalar = unit.scalar else {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" ") }
            pendingSpace = false
            out.append(scalar)
        }
        return String(out)
    }

    /// Index tokens: every CJK unigram and adjacent bigram, and every word.
    public static func tokenize(_ text: String) -> [SearchToken] {
        var tokens: [SearchToken] = []
        forEachRun(fold(text)) { run, isCJK in
            if !isCJK {
                tokens.append(wordToken(run))
                return
            }
            for i in run.indices {
                tokens.append(SearchToken(text: String(run[i].scalar!), kind: .unigram, range: run[i].source..<(run[i].source + 1)))
                if i + 1 < run.endIndex {
                    tokens.append(bigram(run[i], run[i + 1]))
                }
            }
        }
        return tokens
    }

    /// Query terms: a CJK run of two or more characters is searched by its bigrams only
    /// (precise, and short posting lists); a single character falls back to its unigram.
    public static func queryTerms(_ text: String) -> [String] {
        var terms: [String] = []
        var seen: Set<String> = []
        forEachRun(fold(text)) { run, isCJK in
            let cut: [String]
            if !isCJK {
                cut = [wordToken(run).text]
            } else if run.count == 1 {
                cut = [String(run[run.startIndex].scalar!)]
            } else {
                cut = (run.startIndex..<(run.endIndex - 1)).map { bigram(run[$0], run[$0 + 1]).text }
            }
            for term in cut where seen.insert(term).inserted { terms.append(term) }
        }
        return terms
    }

    /// Escapes `text` for HTML and wraps every run of tokens found in `terms` in `<mark>`.
    /// With `maxLength` (in characters) a long text is cut to a window around the first
    /// match, with "…" where it was cut.
    public static func highlight(_ text: String, terms: Set<String>, maxLength: Int? = nil) -> HighlightedText {
        let scalars = Array(text.unicodeScalars)
        var marks: [Range<Int>] = []
        var found: Set<String> = []
        for token in tokenize(text) where terms.contains(token.text) {
            found.insert(token.text)
            if let last = marks.last, token.range.lowerBound <= last.upperBound {
                marks[marks.count - 1] = last.lowerBound..<max(last.upperBound, token.range.upperBound)
            } else {
                marks.append(token.range)
            }
        }
        var window = 0..<scalars.count
        if let maxLength, scalars.count > maxLength {
            let anchor = marks.first?.lowerBound ?? 0
            let start = max(0, min(anchor - maxLength / 4, scalars.count - maxLength))
            window = start..<(start + maxLength)
        }
        var html = window.lowerBound > 0 ? "…" : ""
        var markIndex = 0
        var open = false
        for i in window {
            while markIndex < marks.count, marks[markIndex].upperBound <= i {
                if open { html += "</mark>"; open = false }
                markIndex += 1
            }
            if !open, markIndex < marks.count, marks[markIndex].contains(i) {
                html += "<mark>"
                open = true
            }
            appendEscaped(scalars[i], to: &html)
        }
        if open { html += "</mark>" }
        if window.upperBound < scalars.count { html += "…" }
        return HighlightedText(html: html, distinctMatches: found.count)
    }

    // MARK: - Folding

    /// One folded scalar and the original scalar offset it came from; nil scalar = separator.
    struct Unit {
        var scalar: Unicode.Scalar?
        var source: Int
    }

    static func fold(_ text: String) -> [Unit] {
        var units: [Unit] = []
        units.reserveCapacity(text.unicodeScalars.count)
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            fold(scalar, source: offset, into: &units)
        }
        return units
    }

    private static func fold(_ scalar: Unicode.Scalar, source: Int, into units: inout [Unit]) {
        let v = scalar.value
        if v < 0x80 {
            units.append(Unit(scalar: foldASCII(UInt8(v)), source: source))
        } else if isCJK(scalar) {
            units.append(Unit(scalar: scalar, source: source))
        } else if (0xFF01...0xFF5E).contains(v) {
            // Full-width ASCII block sits at a fixed offset from ASCII.
            units.append(Unit(scalar: foldASCII(UInt8(v - 0xFEE0)), source: source))
        } else if v == 0x3000 {
            units.append(Unit(scalar: nil, source: source))
        } else {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                return // accents fold away: café matches cafe
            default:
                break
            }
            // Rare scalars (accented letters, circled digits, ligatures, compatibility
            // ideographs) go through NFKD; the marks it splits off are then dropped.
            for mapped in String(scalar).decomposedStringWithCompatibilityMapping.unicodeScalars {
                if mapped.value < 0x80 {
                    units.append(Unit(scalar: foldASCII(UInt8(mapped.value)), source: source))
                } else if isCJK(mapped) {
                    units.append(Unit(scalar: mapped, source: source))
                } else if mapped.properties.isAlphabetic || mapped.properties.numericType != nil {
                    for lower in mapped.properties.lowercaseMapping.unicodeScalars {
                        units.append(Unit(scalar: lower, source: source))
                    }
                } else if ![.nonspacingMark, .spacingMark, .enclosingMark].contains(mapped.properties.generalCategory) {
                    units.append(Unit(scalar: nil, source: source))
                }
            }
        }
    }

    private static func foldASCII(_ byte: UInt8) -> Unicode.Scalar? {
        switch byte {
        case 0x30...0x39, 0x61...0x7A: Unicode.Scalar(byte)
        case 0x41...0x5A: Unicode.Scalar(byte + 0x20)
        default: nil
        }
    }

    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3007, 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0x20000...0x3134F:
            true
        default:
            false
        }
    }

    /// Calls `body` with each maximal run of CJK scalars or of word scalars.
    private static func forEachRun(_ units: [Unit], _ body: (ArraySlice<Unit>, Bool) -> Void) {
        var start = 0
        while start < units.count {
            guard let first = units[start].scalar else {
                start += 1
                continue
            }
            let cjk = isCJK(first)
            var end = start + 1
            while end < units.count, let s = units[end].scalar, isCJK(s) == cjk { end += 1 }
            body(units[start..<end], cjk)
            start = end
        }
    }

    private static func wordToken(_ run: ArraySlice<Unit>) -> SearchToken {
        var text = String.UnicodeScalarView()
        for unit in run { text.append(unit.scalar!) }
        return SearchToken(text: String(text), kind: .word, range: run.first!.source..<(run.last!.source + 1))
    }

    private static func bigram(_ a: Unit, _ b: Unit) -> SearchToken {
        var text = String.UnicodeScalarView()
        text.append(a.scalar!)
        text.append(b.scalar!)
        return SearchToken(text: String(text), kind: .bigram, range: a.source..<(b.source + 1))
    }

    private static func appendEscaped(_ scalar: Unicode.Scalar, to html: inout String) {
        switch scalar {
        case "&": html += "&amp;"
        case "<": html += "&lt;"
        case ">": html += "&gt;"
        case "\"": html += "&quot;"
        case "'": html += "&#39;"
        default: html.unicodeScalars.append(scalar)
        }
    }
}
