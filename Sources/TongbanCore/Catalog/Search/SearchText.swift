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
        scan(text, query: false) { key, kind, range in
            tokens.append(SearchToken(text: key.text, kind: kind, range: range))
        }
        return tokens
    }

    /// Query terms: a CJK run of two or more characters is searched by its bigrams only
    /// (precise, and short posting lists); a single character falls back to its unigram.
    public static func queryTerms(_ text: String) -> [String] {
        queryKeys(text).map(\.text)
    }

    /// Escapes `text` for HTML and wraps every run of tokens found in `terms` in `<mark>`.
    /// With `maxLength` (in characters) a long text is cut to a window around the first
    /// match, with "…" where it was cut.
    public static func highlight(_ text: String, terms: Set<String>, maxLength: Int? = nil) -> HighlightedText {
        highlight(text, keys: Set(terms.map(TermKey.init)), maxLength: maxLength)
    }

    static func queryKeys(_ text: String) -> [TermKey] {
        var keys: [TermKey] = []
        var seen: Set<TermKey> = []
        scan(text, query: true) { key, _, _ in
            if seen.insert(key).inserted { keys.append(key) }
        }
        return keys
    }

    static func highlight(_ text: String, keys: Set<TermKey>, maxLength: Int?) -> HighlightedText {
        var marks: [Range<Int>] = []
        var found: Set<TermKey> = []
        scan(text, query: false) { key, _, range in
            guard keys.contains(key) else { return }
            found.insert(key)
            if let last = marks.last, range.lowerBound <= last.upperBound {
                marks[marks.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                marks.append(range)
            }
        }
        let scalars = Array(text.unicodeScalars)
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

    /// Cuts `text` into terms, calling `body` in text order. Index mode emits each CJK
    /// unigram followed by the bigram starting there; query mode emits bigrams only, or the
    /// unigram of a one-character run.
    static func scan(_ text: String, query: Bool, _ body: (TermKey, SearchToken.Kind, Range<Int>) -> Void) {
        forEachRun(fold(text)) { run, isCJK in
            let first = run.startIndex, last = run.endIndex - 1
            if !isCJK {
                var word = String.UnicodeScalarView()
                for unit in run { word.append(unit.scalar!) }
                body(.word(String(word)), .word, run[first].source..<(run[last].source + 1))
                return
            }
            for i in run.indices {
                let a = run[i]
                if !query || first == last {
                    body(.unigram(a.scalar!), .unigram, a.source..<(a.source + 1))
                }
                if i < last {
                    let b = run[i + 1]
                    body(.bigram(a.scalar!, b.scalar!), .bigram, a.source..<(b.source + 1))
                }
            }
        }
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

/// A term as the index keys it: CJK unigrams and bigrams packed into an integer, words as
/// text. Hashing a `String` normalises it first, which dominated indexing and highlighting.
enum TermKey: Hashable, Sendable {
    case chars(UInt64)
    case word(String)

    private static let bigramFlag: UInt64 = 1 << 63

    static func unigram(_ a: Unicode.Scalar) -> TermKey { .chars(UInt64(a.value)) }

    static func bigram(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> TermKey {
        .chars(bigramFlag | UInt64(a.value) << 21 | UInt64(b.value))
    }

    /// The key of a term spelled as `tokenize` and `queryTerms` spell it.
    init(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        if scalars.count == 1, SearchText.isCJK(scalars[0]) {
            self = .unigram(scalars[0])
        } else if scalars.count == 2, SearchText.isCJK(scalars[0]), SearchText.isCJK(scalars[1]) {
            self = .bigram(scalars[0], scalars[1])
        } else {
            self = .word(text)
        }
    }

    var text: String {
        switch self {
        case .word(let word):
            return word
        case .chars(let packed):
            var out = String.UnicodeScalarView()
            if packed & Self.bigramFlag != 0 {
                out.append(Unicode.Scalar(UInt32((packed >> 21) & 0x1F_FFFF))!)
            }
            out.append(Unicode.Scalar(UInt32(packed & 0x1F_FFFF))!)
            return String(out)
        }
    }
}
