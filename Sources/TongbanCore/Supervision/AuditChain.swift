import Crypto
import Foundation

/// Hashing and checking of the audit hash chain (数据铁笼).
public enum AuditChain {
    /// The previous hash of the first entry.
    public static let genesisHash = String(repeating: "0", count: 64)
    public static let firstSequence: Int64 = 1
    /// Names the encoding, so a future change of fields makes old and new hashes differ by design.
    static let encodingTag = Array("tongban.audit.v1".utf8)

    /// The entry completed as the successor of `previous` (nil for the first entry):
    /// sequence, previous hash and hash are set, every other field is kept.
    /// Appends must be serialised (e.g. a unique sequence column and a retry), since
    /// two entries linked to the same tip would fork the chain.
    public static func link(_ entry: AuditEntry, after previous: AuditChainTip?) -> AuditEntry {
        var linked = entry
        linked.sequence = previous.map { $0.sequence + 1 } ?? firstSequence
        linked.previousHash = previous?.hash ?? genesisHash
        linked.hash = hash(previousHash: linked.previousHash, entry: linked)
        return linked
    }

    /// Every field except `hash`, in a fixed order, each one unambiguous on its own:
    /// integers as 8 big-endian bytes; strings as a presence byte (0 for nil, 1 for a
    /// value) then a 4-byte big-endian length and the UTF-8 bytes. No two different
    /// entries encode alike, and nil differs from the empty string.
    public static func canonicalEncoding(of entry: AuditEntry) -> Data {
        var bytes = encodingTag
        func append(_ value: Int64) {
            withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
        }
        func append(_ value: String?) {
            guard let value else {
                bytes.append(0)
                return
            }
            let utf8 = Array(value.utf8)
            bytes.append(1)
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: utf8)
        }
        append(entry.sequence)
        append(entry.occurredAtMilliseconds)
        append(entry.actorID)
        append(entry.actorRole)
        append(entry.departmentCode)
        append(entry.action)
        append(entry.targetType)
        append(entry.targetID)
        append(entry.outcome)
        append(entry.clientAddress)
        append(entry.requestID)
        append(entry.detail)
        append(entry.previousHash)
        return Data(bytes)
    }

    /// Lower-case hex SHA-256 of the previous hash (its ASCII hex text) followed by
    /// the canonical encoding of the entry.
    public static func hash(previousHash: String, entry: AuditEntry) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(previousHash.utf8))
        hasher.update(data: canonicalEncoding(of: entry))
        return hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Checks a whole chain from its first entry, in sequence order, stopping at the first break.
    public static func verify(_ entries: some Sequence<AuditEntry>) -> AuditVerification {
        var verifier = AuditChainVerifier()
        for entry in entries where !verifier.feed(entry) { break }
        return verifier.result
    }
}

/// Why a chain failed verification.
public enum AuditChainBreak: String, Sendable, Hashable, Codable, CaseIterable {
    /// The entry's content no longer matches its stored hash: a field was edited.
    case hashMismatch
    /// The entry does not name the hash of the entry before it: one was deleted,
    /// replaced or moved here.
    case previousHashMismatch
    /// The sequence skipped numbers: entries are missing.
    case sequenceGap
    /// The sequence repeated or went backwards: entries are duplicated or out of order.
    case sequenceNotIncreasing

    public var zh: String {
        switch self {
        case .hashMismatch: "记录内容与其哈希值不符，可能被篡改"
        case .previousHashMismatch: "记录未指向前一条记录的哈希值，可能有记录被删除或替换"
        case .sequenceGap: "序号不连续，可能有记录被删除"
        case .sequenceNotIncreasing: "序号重复或倒退，记录可能被复制或调换顺序"
        }
    }

    public var en: String {
        switch self {
        case .hashMismatch: "the entry does not match its hash; it may have been altered"
        case .previousHashMismatch: "the entry does not link to the hash of its predecessor; entries may have been deleted or replaced"
        case .sequenceGap: "the sequence skips numbers; entries may have been deleted"
        case .sequenceNotIncreasing: "the sequence repeats or goes back; entries may be duplicated or reordered"
        }
    }
}

public enum AuditVerification: Sendable, Hashable {
    /// All `count` entries fed link correctly.
    case ok(count: Int)
    /// `atSequence` is the sequence of the first entry that failed a check (for a
    /// deletion, the entry after the missing ones).
    case broken(atSequence: Int64, reason: AuditChainBreak)
}

/// Checks a chain one entry at a time, so a server can page through millions of
/// rows in sequence order without holding them. Start it from the beginning, or
/// from a tip checked earlier (a trusted checkpoint) to check only newer rows.
public struct AuditChainVerifier: Sendable {
    /// The last entry that passed; nil before the first one when starting from genesis.
    public private(set) var tip: AuditChainTip?
    /// Entries accepted so far.
    public private(set) var count = 0
    public private(set) var failure: (atSequence: Int64, reason: AuditChainBreak)?

    public init(after checkpoint: AuditChainTip? = nil) {
        tip = checkpoint
    }

    /// Checks the next entry. Returns false once the chain is broken; later entries are ignored.
    public mutating func feed(_ entry: AuditEntry) -> Bool {
        guard failure == nil else { return false }
        let expectedSequence = tip.map { $0.sequence + 1 } ?? AuditChain.firstSequence
        let expectedPrevious = tip?.hash ?? AuditChain.genesisHash
        let reason: AuditChainBreak? =
            if entry.sequence < expectedSequence { .sequenceNotIncreasing }
            else if entry.sequence > expectedSequence { .sequenceGap }
            else if entry.previousHash != expectedPrevious { .previousHashMismatch }
            else if AuditChain.hash(previousHash: expectedPrevious, entry: entry) != entry.hash { .hashMismatch }
            else { nil }
        if let reason {
            failure = (entry.sequence, reason)
            return false
        }
        tip = entry.tip
        count += 1
        return true
    }

    public var result: AuditVerification {
        if let failure { .broken(atSequence: failure.atSequence, reason: failure.reason) } else { .ok(count: count) }
    }
}
