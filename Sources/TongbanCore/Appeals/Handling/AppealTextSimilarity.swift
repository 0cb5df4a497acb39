import Foundation

/// Character-bigram similarity: the measure behind duplicate detection, the reply's
/// topic check and hot-topic grouping. Chinese has no spaces, and bigrams of Han
/// characters track words closely enough for these three uses without a dictionary.
public struct AppealBigrams: Sendable, Equatable {
    public let counts: [String: Int]
    public let norm: Double

    public init(_ text: String) {
        var counts: [String: Int] = [:]
        let kept = Array(text.lowercased().unicodeScalars.filter {
            CharacterSet.letters.contains($0) || CharacterSet.decimalDigits.contains($0)
        })
        if kept.count == 1 { counts[String(kept[0])] = 1 }
        if kept.count >= 2 {
            for i in 0..<(kept.count - 1) {
                var pair = String.UnicodeScalarView()
                pair.append(kept[i]); pair.append(kept[i + 1])
                counts[String(pair), default: 0] += 1
            }
        }
        self.counts = counts
        norm = sqrt(counts.values.reduce(0.0) { $0 + Double($1 * $1) })
    }

    public var isEmpty: Bool { counts.isEmpty }

    /// Cosine of the two bigram count vectors, 0...1.
    public func cosine(_ other: AppealBigrams) -> Double {
        guard norm > 0, other.norm > 0 else { return 0 }
        let (small, large) = counts.count <= other.counts.count ? (counts, other.counts) : (other.counts, counts)
        var dot = 0
        for (gram, n) in small { dot += n * (large[gram] ?? 0) }
        return Double(dot) / (norm * other.norm)
    }

    /// Share of this text's distinct bigrams that also occur in `other`, 0...1.
    public func coverage(by other: AppealBigrams) -> Double {
        guard !counts.isEmpty else { return 0 }
        return Double(counts.keys.filter { other.counts[$0] != nil }.count) / Double(counts.count)
    }
}
