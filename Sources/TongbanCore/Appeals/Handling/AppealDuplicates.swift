import Foundation

/// What duplicate detection needs to know of an earlier appeal.
public struct AppealFingerprint: Sendable, Equatable {
    public var id: String
    /// Account id, or the caller's phone number for hotline calls; nil for anonymous callers.
    public var caller: String?
    public var divisionCode: String
    public var address: String
    public var title: String
    public var text: String
    public var filedAt: Date
    /// The appeal this one is itself linked to, so chains collapse onto the first.
    public var duplicateOf: String?

    public init(id: String, caller: String?, divisionCode: String, address: String, title: String, text: String,
                filedAt: Date, duplicateOf: String? = nil) {
        self.id = id
        self.caller = caller
        self.divisionCode = divisionCode
        self.address = address
        self.title = title
        self.text = text
        self.filedAt = filedAt
        self.duplicateOf = duplicateOf
    }
}

/// Near-duplicates (重复诉求): the same text at the same place within 7 days, or the same
/// caller raising the same matter again. A repeat is linked to the first appeal, which
/// gains priority; the repeat is answered with the first one's reply.
public enum AppealDuplicateRule {
    public static let window: TimeInterval = 7 * 86_400
    /// Same place: the texts must be nearly the same.
    public static let samePlaceSimilarity = 0.8
    /// Same caller: a looser match, as callers retell the same matter in other words.
    public static let sameCallerSimilarity = 0.5

    public enum Reason: String, Sendable, Codable { case samePlace, sameCaller }

    public struct Match: Sendable, Equatable {
        public var firstID: String
        public var reason: Reason
        public var similarity: Double
    }

    static func normalizedAddress(_ address: String) -> String {
        String(address.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) && !CharacterSet.punctuationCharacters.contains($0) })
    }

    /// The first appeal `candidate` repeats among `earlier`, or nil.
    public static func match(_ candidate: AppealFingerprint, among earlier: [AppealFingerprint]) -> Match? {
        let content = AppealBigrams(candidate.title + candidate.text)
        let address = normalizedAddress(candidate.address)
        var best: Match?
        var bestFiledAt = Date.distantFuture
        for other in earlier where other.id != candidate.id {
            let age = candidate.filedAt.timeIntervalSince(other.filedAt)
            guard age >= 0, age <= window else { continue }
            let similarity = content.cosine(AppealBigrams(other.title + other.text))
            let samePlace = other.divisionCode == candidate.divisionCode && normalizedAddress(other.address) == address
            let sameCaller = candidate.caller != nil && other.caller == candidate.caller
            let reason: Reason? =
                samePlace && similarity >= samePlaceSimilarity ? .samePlace
                : sameCaller && (similarity >= sameCallerSimilarity || other.title == candidate.title) ? .sameCaller : nil
            guard let reason else { continue }
            let first = other.duplicateOf ?? other.id
            if other.filedAt < bestFiledAt {
                best = Match(firstID: first, reason: reason, similarity: similarity)
                bestFiledAt = other.filedAt
            }
        }
        return best
    }
}
