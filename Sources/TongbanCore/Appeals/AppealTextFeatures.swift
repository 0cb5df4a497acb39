/// Turns an appeal's title and text into character n-gram keys.
///
/// Chinese has no spaces between words, so character n-grams (1 to 3 characters) stand in
/// for words without a segmenter. Each n-gram is packed losslessly into one `UInt64`
/// (21 bits per Unicode scalar), so there are no hash collisions and no strings to allocate.
enum AppealTextFeatures {
    static let bitsPerScalar: UInt64 = 21
    static let maxSupportedOrder = 3
    private static let space: UInt32 = 0x20
    private static let zero: UInt32 = 0x30

    /// Code points of `title + " " + text` after normalisation:
    /// - full-width ASCII (ＡＢＣ１２３，) and the ideographic space fold to half-width,
    ///   because citizens type both and they mean the same;
    /// - Latin letters fold to lower case;
    /// - every digit becomes `0`: house numbers, dates and anonymised ids (A3区, U0001234)
    ///   carry no topic, but "a number stood here" still does;
    /// - whitespace and control characters collapse into a single space, trimmed at both ends.
    static func normalizedScalars(title: String, text: String) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(title.utf8.count / 2 + text.utf8.count / 2 + 1)
        append(title, to: &out)
        if !out.isEmpty, out.last != space { out.append(space) }
        append(text, to: &out)
        if out.last == space { out.removeLast() }
        return out
    }

    private static func append(_ string: String, to out: inout [UInt32]) {
        for scalar in string.unicodeScalars {
            var v = scalar.value
            if v >= 0xFF01 && v <= 0xFF5E {
                v -= 0xFEE0
            } else if v == 0x3000 {
                v = space
            }
            if v >= 0x41 && v <= 0x5A {
                v += 0x20
            } else if v >= 0x30 && v <= 0x39 {
                v = zero
            } else if v <= space || (v >= 0x7F && v <= 0xA0) || v == 0x2028 || v == 0x2029 || v == 0xFEFF {
                // Zero-width no-break space (BOM) included: spreadsheets prepend it.
                if out.isEmpty || out.last == space { continue }
                v = space
            }
            out.append(v)
        }
    }

    /// Appends the packed key of every n-gram of length 1...`maxOrder` to `keys`.
    /// A shorter n-gram never equals a longer one because normalised scalars are never 0.
    static func appendNGramKeys(of scalars: [UInt32], maxOrder: Int, to keys: inout [UInt64]) {
        let count = scalars.count
        keys.reserveCapacity(keys.count + count * maxOrder)
        scalars.withUnsafeBufferPointer { s in
            for i in 0..<count {
                var key: UInt64 = 0
                var shift: UInt64 = 0
                for j in i..<min(i + maxOrder, count) {
                    key |= UInt64(s[j]) << shift
                    shift += bitsPerScalar
                    keys.append(key)
                }
            }
        }
    }

    static func nGramKeys(title: String, text: String, maxOrder: Int) -> [UInt64] {
        var keys: [UInt64] = []
        appendNGramKeys(of: normalizedScalars(title: title, text: text), maxOrder: maxOrder, to: &keys)
        return keys
    }
}

/// Open-addressing table holding everything inference needs per n-gram: the key, its idf,
/// its feature index and one 8-bit weight per category, in one 24-byte slot.
///
/// A message has about a thousand n-grams and the table is far larger than the CPU cache,
/// so each lookup is a cache miss; keeping idf and weights in separate arrays (or using
/// `Dictionary`, which adds SipHash) would make it three misses per n-gram.
/// Slot words: `key`, `idf bits | featureIndex << 32`, `weight code of class c in byte c`.
/// Keys are never 0, so 0 marks an empty slot.
struct FeatureTable: Sendable {
    static let maxClassCount = 8
    private static let wordsPerSlot = 3
    private let words: [UInt64]
    private let shift: UInt64

    /// `keys[i]` (distinct, non-zero) gets feature index `i` and `idf[i]`; `codes` holds
    /// `classCount` weight codes per feature, or is empty while the weights are being trained.
    init(keys: [UInt64], idf: [Float], codes: [Int8], classCount: Int) {
        precondition(idf.count == keys.count && (codes.isEmpty || codes.count == keys.count * classCount)
                     && classCount <= Self.maxClassCount)
        var bits: UInt64 = 4
        while (1 << bits) < keys.count * 2 { bits += 1 }
        let capacity = 1 << Int(bits)
        var words = [UInt64](repeating: 0, count: capacity * Self.wordsPerSlot)
        let shift = 64 - bits
        let mask = capacity - 1
        for (i, key) in keys.enumerated() {
            var slot = Self.home(of: key, shift: shift)
            while words[Self.wordsPerSlot * slot] != 0 { slot = (slot + 1) & mask }
            let base = Self.wordsPerSlot * slot
            words[base] = key
            words[base + 1] = UInt64(idf[i].bitPattern) | UInt64(i) << 32
            if !codes.isEmpty {
                var packed: UInt64 = 0
                for c in 0..<classCount {
                    packed |= UInt64(UInt8(bitPattern: codes[i * classCount + c])) << (8 * UInt64(c))
                }
                words[base + 2] = packed
            }
        }
        self.words = words
        self.shift = shift
    }

    @inline(__always)
    private static func home(of key: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Appends the slot of every key found in the table to `found`.
    ///
    /// Two passes: the first only loads each key's home slot, with no branch depending on
    /// the loaded value, so the CPU overlaps many cache misses instead of waiting on each;
    /// the second compares and, for the few displaced keys, probes on from a cached line.
    func appendSlots(of keys: [UInt64], to found: inout [Int32]) {
        let count = keys.count
        let stride = Self.wordsPerSlot
        var homes = [Int](repeating: 0, count: count)
        var homeKeys = [UInt64](repeating: 0, count: count)
        words.withUnsafeBufferPointer { words in
            keys.withUnsafeBufferPointer { keys in
                homes.withUnsafeMutableBufferPointer { homes in
                    homeKeys.withUnsafeMutableBufferPointer { homeKeys in
                        for i in 0..<count {
                            let home = Self.home(of: keys[i], shift: shift)
                            homes[i] = home
                            homeKeys[i] = words[stride * home]
                        }
                    }
                }
                let mask = words.count / stride - 1
                for i in 0..<count {
                    let key = keys[i]
                    var slot = homes[i]
                    var candidate = homeKeys[i]
                    while candidate != key && candidate != 0 {
                        slot = (slot + 1) & mask
                        candidate = words[stride * slot]
                    }
                    if candidate == key { found.append(Int32(truncatingIfNeeded: slot)) }
                }
            }
        }
    }

    @inline(__always)
    func idf(atSlot slot: Int32) -> Float {
        Float(bitPattern: UInt32(truncatingIfNeeded: words[Self.wordsPerSlot * Int(slot) + 1]))
    }

    @inline(__always)
    func featureIndex(atSlot slot: Int32) -> Int32 {
        Int32(truncatingIfNeeded: words[Self.wordsPerSlot * Int(slot) + 1] >> 32)
    }

    /// The weight codes of the slot's feature, class `c` in byte `c`.
    @inline(__always)
    func packedCodes(atSlot slot: Int32) -> UInt64 {
        words[Self.wordsPerSlot * Int(slot) + 2]
    }
}
