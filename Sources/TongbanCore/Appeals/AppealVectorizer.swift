import Foundation

/// A document as a sparse, L2-normalised TF-IDF vector; each feature occurs once.
/// `slots` are the features' places in the `FeatureTable`, parallel to `indices`.
struct SparseVector: Sendable {
    var indices: [Int32] = []
    var slots: [Int32] = []
    var values: [Float] = []
}

/// Character n-gram TF-IDF over a fixed vocabulary: sublinear term frequency
/// (1 + ln tf, so a word repeated ten times is not ten times the evidence) times smoothed
/// inverse document frequency, then scaled to unit length so long and short appeals compare.
struct AppealVectorizer: Sendable {
    let maxOrder: Int
    /// Packed n-gram keys in ascending order; position = feature index.
    let vocabulary: [UInt64]
    /// Number of training documents each feature appeared in.
    let documentFrequencies: [Int32]
    let documentCount: Int
    let table: FeatureTable

    /// `weightCodes` (`classCount` per feature) are stored alongside each n-gram for
    /// `AppealClassifier`; they are empty while the vectorizer serves training.
    init(maxOrder: Int, vocabulary: [UInt64], documentFrequencies: [Int32], documentCount: Int,
         weightCodes: [Int8] = [], classCount: Int = 0) {
        self.maxOrder = maxOrder
        self.vocabulary = vocabulary
        self.documentFrequencies = documentFrequencies
        self.documentCount = documentCount
        // Smoothed as if one extra document held every term, so no idf is infinite or zero.
        let n = Double(documentCount) + 1
        let idf = documentFrequencies.map { Float(log(n / (Double($0) + 1)) + 1) }
        self.table = FeatureTable(keys: vocabulary, idf: idf, codes: weightCodes, classCount: classCount)
    }

    /// Builds the vocabulary from training documents' n-gram keys, keeping n-grams seen in
    /// at least `minDocumentFrequency` documents: rarer ones are mostly names and typos.
    static func fit(documents: [[UInt64]], maxOrder: Int, minDocumentFrequency: Int) -> AppealVectorizer {
        var frequencies: [UInt64: Int32] = [:]
        var seen = Set<UInt64>()
        for keys in documents {
            seen.removeAll(keepingCapacity: true)
            for key in keys where seen.insert(key).inserted {
                frequencies[key, default: 0] += 1
            }
        }
        // Sorting makes feature indices independent of Dictionary's per-process hash seed.
        let kept = frequencies.filter { $0.value >= Int32(minDocumentFrequency) }.sorted { $0.key < $1.key }
        return AppealVectorizer(
            maxOrder: maxOrder,
            vocabulary: kept.map(\.key),
            documentFrequencies: kept.map(\.value),
            documentCount: documents.count
        )
    }

    var featureCount: Int { vocabulary.count }

    func vector(title: String, text: String) -> SparseVector {
        vector(keys: AppealTextFeatures.nGramKeys(title: title, text: text, maxOrder: maxOrder))
    }

    /// The features of `keys` in order of first occurrence (not sorted: sorting a thousand
    /// indices per message cost more than every other step together).
    func vector(keys: [UInt64]) -> SparseVector {
        var found: [Int32] = []
        found.reserveCapacity(keys.count)
        table.appendSlots(of: keys, to: &found)
        let counted = Self.countDistinct(found)
        var result = SparseVector()
        result.slots = counted.values
        result.indices.reserveCapacity(counted.values.count)
        result.values.reserveCapacity(counted.values.count)
        var normSquared: Float = 0
        for (slot, count) in zip(counted.values, counted.counts) {
            let tf: Float = count == 1 ? 1 : 1 + log(Float(count))
            let weight = tf * table.idf(atSlot: slot)
            result.indices.append(table.featureIndex(atSlot: slot))
            result.values.append(weight)
            normSquared += weight * weight
        }
        if normSquared > 0 {
            let scale = 1 / normSquared.squareRoot()
            for i in result.values.indices { result.values[i] *= scale }
        }
        return result
    }

    /// Distinct values of `values` in order of first occurrence, with how often each occurs,
    /// counted in a throwaway open-addressing table at most half full; values must not be
    /// negative (-1 marks an empty slot).
    static func countDistinct(_ values: [Int32]) -> (values: [Int32], counts: [Int32]) {
        var bits = 4
        while (1 << bits) < values.count * 2 { bits += 1 }
        let mask = (1 << bits) - 1
        var table = [Int32](repeating: -1, count: 1 << bits)
        var position = [Int32](repeating: 0, count: 1 << bits)
        var distinct: [Int32] = []
        var counts: [Int32] = []
        distinct.reserveCapacity(values.count)
        counts.reserveCapacity(values.count)
        for value in values {
            var slot = Int(truncatingIfNeeded: (UInt32(bitPattern: value) &* 0x9E37_79B1) >> (32 - UInt32(bits)))
            while true {
                let held = table[slot]
                if held == value {
                    counts[Int(position[slot])] += 1
                    break
                }
                if held < 0 {
                    table[slot] = value
                    position[slot] = Int32(distinct.count)
                    distinct.append(value)
                    counts.append(1)
                    break
                }
                slot = (slot + 1) & mask
            }
        }
        return (distinct, counts)
    }
}
