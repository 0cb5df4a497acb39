import Foundation

/// One message (or appeal) as hot-topic mining sees it.
public struct HotTopicMessage: Sendable, Equatable {
    public var id: String
    public var author: String?
    public var title: String
    public var text: String
    public var postedAt: Date
    public var likes: Int
    public var dislikes: Int

    public init(id: String, author: String?, title: String, text: String, postedAt: Date, likes: Int = 0, dislikes: Int = 0) {
        self.id = id
        self.author = author
        self.title = title
        self.text = text
        self.postedAt = postedAt
        self.likes = likes
        self.dislikes = dislikes
    }
}

/// A group of messages about the same matter at the same place (热点问题).
public struct HotTopic: Sendable, Equatable {
    /// Id of the earliest message: stable while the topic grows, so alerts can key on it.
    public var key: String
    public var memberIDs: [String]
    public var representative: HotTopicMessage
    public var places: [String]
    public var firstAt: Date
    public var lastAt: Date
    public var count: Int
    public var likes: Int
    public var authors: Int
    /// Messages in the last `growthWindow` before the analysis end versus the one before it.
    public var growth: Double
    public var heat: Double
}

/// Groups messages into topics and scores them:
///
///     heat = 10·ln(1+count) + 4·ln(1+likes) + 6·ln(1+distinct authors) + 5·growth
///
/// count is how many messages raise it, likes the supporters (点赞), distinct authors its
/// spread over people, growth = (recent − previous) / max(previous, 1) over two
/// consecutive 7-day windows ending at the analysis end, clamped to 0...3.
///
/// Grouping is greedy in time order over IDF-weighted character bigrams of the title
/// (counted twice) and the start of the text, so shared place and estate names, which are
/// rare across the city, weigh most and boiler-plate words (反映, 问题, A市) weigh nothing.
public struct HotTopicMiner: Sendable {
    public var similarityThreshold = 0.32
    public var textPrefix = 200
    public var growthWindow: TimeInterval = 7 * 86_400
    /// Bigrams found in more than this share of messages carry no topic.
    public var maxDocumentShare = 0.05
    /// How many of a message's highest-weighted bigrams select the topics it is compared with.
    public var candidateGrams = 12

    public init() {}

    typealias Vector = [String: Double]

    static func grams(_ m: HotTopicMessage, prefix: Int) -> [String: Int] {
        var counts = AppealBigrams(m.title).counts
        for (g, n) in counts { counts[g] = n * 2 }
        for (g, n) in AppealBigrams(String(m.text.prefix(prefix))).counts { counts[g, default: 0] += n }
        return counts
    }

    public func topics(_ messages: [HotTopicMessage], asOf end: Date? = nil) -> [HotTopic] {
        let ordered = messages.sorted { $0.postedAt != $1.postedAt ? $0.postedAt < $1.postedAt : $0.id < $1.id }
        let raw = ordered.map { Self.grams($0, prefix: textPrefix) }
        var df: [String: Int] = [:]
        for counts in raw { for g in counts.keys { df[g, default: 0] += 1 } }
        let n = Double(max(ordered.count, 1))
        // Too few messages to tell boiler-plate from topic words: keep every bigram.
        let cutoff = ordered.count >= 100 ? max(2, Int(n * maxDocumentShare)) : ordered.count
        let vectors: [Vector] = raw.map { counts in
            var v: Vector = [:]
            for (g, c) in counts {
                let d = df[g] ?? 1
                guard d <= cutoff else { continue }
                v[g] = Double(c) * log(1 + n / Double(d))
            }
            let norm = sqrt(v.values.reduce(0) { $0 + $1 * $1 })
            if norm > 0 { for (g, w) in v { v[g] = w / norm } }
            return v
        }

        var centroids: [Vector] = []
        var centroidNorms: [Double] = []
        var members: [[Int]] = []
        var index: [String: [Int]] = [:]
        for (i, v) in vectors.enumerated() {
            // Candidates share one of the message's most telling bigrams; comparing with every
            // topic would be quadratic.
            let telling = v.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(candidateGrams)
            var best = -1
            var bestScore = similarityThreshold
            var seen = Set<Int>()
            for (g, _) in telling { for c in index[g] ?? [] where seen.insert(c).inserted {
                var dot = 0.0
                for (h, w) in v { if let x = centroids[c][h] { dot += w * x } }
                let score = centroidNorms[c] > 0 ? dot / centroidNorms[c].squareRoot() : 0
                if score >= bestScore { bestScore = score; best = c }
            } }
            if best < 0 {
                best = centroids.count
                centroids.append([:])
                centroidNorms.append(0)
                members.append([])
            }
            members[best].append(i)
            for (g, w) in v {
                let old = centroids[best][g] ?? 0
                if old == 0 { index[g, default: []].append(best) }
                centroids[best][g] = old + w
                centroidNorms[best] += (old + w) * (old + w) - old * old
            }
        }

        let analysisEnd = end ?? ordered.last?.postedAt ?? Date()
        return members.indices.map { c in
            let group = members[c].map { ordered[$0] }
            let representative = members[c].max { Self.cosine(vectors[$0], centroids[c]) < Self.cosine(vectors[$1], centroids[c]) }!
            let likes = group.reduce(0) { $0 + max($1.likes, 0) }
            let authors = Set(group.map { $0.author ?? $0.id }).count
            let recent = group.filter { analysisEnd.timeIntervalSince($0.postedAt) < growthWindow && $0.postedAt <= analysisEnd }.count
            let previous = group.filter {
                let age = analysisEnd.timeIntervalSince($0.postedAt)
                return age >= growthWindow && age < 2 * growthWindow
            }.count
            let growth = min(3, max(0, Double(recent - previous) / Double(max(previous, 1))))
            let heat = 10 * log(1 + Double(group.count)) + 4 * log(1 + Double(likes)) + 6 * log(1 + Double(authors)) + 5 * growth
            return HotTopic(
                key: group[0].id, memberIDs: group.map(\.id), representative: ordered[representative],
                places: PlaceNames.mostCommon(in: group.map { $0.title + " " + $0.text }, limit: 3),
                firstAt: group.first!.postedAt, lastAt: group.last!.postedAt, count: group.count, likes: likes,
                authors: authors, growth: growth, heat: (heat * 100).rounded() / 100)
        }
        .sorted { $0.heat != $1.heat ? $0.heat > $1.heat : $0.key < $1.key }
    }

    static func cosine(_ a: Vector, _ b: Vector) -> Double {
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        var dot = 0.0
        for (g, w) in small { if let x = large[g] { dot += w * x } }
        let nb = sqrt(b.values.reduce(0) { $0 + $1 * $1 })
        let na = sqrt(a.values.reduce(0) { $0 + $1 * $1 })
        return na > 0 && nb > 0 ? dot / (na * nb) : 0
    }
}

/// Place names in free text: an estate, road, village, school… named by its suffix.
public enum PlaceNames {
    static let suffixes = ["小区", "花园", "花苑", "家园", "公寓", "新城", "大道", "路", "街道", "街", "镇", "乡", "村", "社区", "学校", "中学", "小学", "幼儿园", "医院", "广场", "市场", "公园", "大厦"]
    static func pattern() -> NSRegularExpression {
        try! NSRegularExpression(pattern: "([A-Z][0-9]{0,2}[市区县])?[\\p{Han}A-Za-z0-9]{2,8}?(" + suffixes.joined(separator: "|") + ")")
    }
    /// Verbs and fillers that open a sentence rather than a name.
    static let leading = ["反映", "关于", "投诉", "举报", "建议", "咨询", "请问", "希望", "要求", "请求", "我是", "位于", "在"]

    public static func extract(_ text: String) -> [String] { extract(text, using: pattern()) }

    static func extract(_ text: String, using pattern: NSRegularExpression) -> [String] {
        let range = NSRange(text.startIndex..., in: text)
        return pattern.matches(in: text, range: range).compactMap { match -> String? in
            guard let r = Range(match.range, in: text) else { return nil }
            var name = String(text[r])
            for word in leading where name.hasPrefix(word) { name.removeFirst(word.count) }
            return name.count >= 3 ? name : nil
        }
    }

    public static func mostCommon(in texts: [String], limit: Int) -> [String] {
        var counts: [String: Int] = [:]
        let regex = pattern()
        for text in texts { for name in Set(extract(text, using: regex)) { counts[name, default: 0] += 1 } }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).map(\.key)
    }
}

/// A topic spikes when its messages in the last day reach `minimum` and `factor` times its
/// average day over the `baselineDays` before (舆情预警).
public struct HotTopicSpikeRule: Sendable, Equatable {
    public var minimum = 3
    public var factor = 3.0
    public var baselineDays = 14

    public init() {}

    public struct Spike: Sendable, Equatable {
        public var recent: Int
        public var baselinePerDay: Double
    }

    public func evaluate(_ times: [Date], asOf now: Date) -> Spike? {
        let day: TimeInterval = 86_400
        let recent = times.filter { $0 <= now && now.timeIntervalSince($0) < day }.count
        let before = times.filter {
            let age = now.timeIntervalSince($0)
            return age >= day && age < day * Double(baselineDays + 1)
        }.count
        let baseline = Double(before) / Double(baselineDays)
        guard recent >= minimum, Double(recent) >= factor * max(baseline, 1.0 / Double(baselineDays)) else { return nil }
        return Spike(recent: recent, baselinePerDay: baseline)
    }
}
