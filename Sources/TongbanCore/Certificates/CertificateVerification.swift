import Foundation

/// A signed certificate as shown to a verifier: the signed content, the seal's signature
/// and the claims the holder chose to reveal. The QR code carries it whole, so a verifier
/// with the published public keys needs no connection to check it.
public struct CertificatePresentation: Sendable, Codable, Hashable {
    public var content: CertificateContent
    /// Base64 of the signature over `content.canonicalBytes`.
    public var signature: String
    public var disclosed: [CertificateClaim]

    public init(content: CertificateContent, signature: String, disclosed: [CertificateClaim]) {
        self.content = content
        self.signature = signature
        self.disclosed = disclosed.sorted { $0.name < $1.name }
    }

    static let prefix = "TBC1."

    /// `TBC1.` followed by base64url of the JSON form: short enough for a QR code and safe
    /// in a URL query.
    public var payload: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a value of plain strings cannot fail.
        let json = (try? encoder.encode(self)) ?? Data()
        return Self.prefix + Base64URL.encode(json)
    }

    /// Accepts the bare payload or any URL that carries it in its `p` query item.
    public init?(payload text: String) {
        var candidate = text.trimmed()
        if !candidate.hasPrefix(Self.prefix), let url = URLComponents(string: candidate),
           let item = url.queryItems?.first(where: { $0.name == "p" })?.value {
            candidate = item
        }
        guard candidate.hasPrefix(Self.prefix), let json = Base64URL.decode(String(candidate.dropFirst(Self.prefix.count))),
              let decoded = try? JSONDecoder().decode(CertificatePresentation.self, from: json) else { return nil }
        self = decoded
    }
}

/// The verdict on a certificate, most serious first.
public enum VerificationOutcome: String, Sendable, Codable, CaseIterable {
    case valid, expired, revoked, invalidSignature, unknownKey

    public var zh: String {
        switch self {
        case .valid: "有效"
        case .expired: "已过期"
        case .revoked: "已撤销"
        case .invalidSignature: "签章无效（内容可能被篡改）"
        case .unknownKey: "签章密钥未知"
        }
    }
}

public struct VerificationResult: Sendable {
    public var outcome: VerificationOutcome
    public var content: CertificateContent
    /// Only claims whose digests the signature covers; empty unless the signature checked out.
    public var disclosed: [CertificateClaim]
    public var key: PublishedSealKey?
}

/// Decides a certificate's validity from published keys alone (plus, online, whether the
/// department revoked it).
public struct CertificateChecker: Sendable {
    let keys: [String: PublishedSealKey]
    let verifiers: [SealAlgorithm: any SignatureVerifier]

    public init(keys: [PublishedSealKey], verifiers: [any SignatureVerifier]) {
        self.keys = Dictionary(keys.map { ($0.keyID, $0) }, uniquingKeysWith: { first, _ in first })
        self.verifiers = Dictionary(verifiers.map { ($0.algorithm, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// `revoked` is what the issuer's register says; offline it is unknown and passed as false.
    public func check(_ presentation: CertificatePresentation, today: CivilDate, revoked: Bool) -> VerificationResult {
        let content = presentation.content
        func result(_ outcome: VerificationOutcome, _ key: PublishedSealKey?, disclosed: [CertificateClaim] = []) -> VerificationResult {
            VerificationResult(outcome: outcome, content: content, disclosed: disclosed, key: key)
        }
        // A key of another department must not vouch for this one's certificates.
        guard let key = keys[content.keyID], key.departmentCode == content.departmentCode,
              let verifier = verifiers[key.algorithm] else { return result(.unknownKey, nil) }
        guard content.version == CertificateContent.currentVersion, key.algorithm == content.algorithm,
              let signature = Data(base64Encoded: presentation.signature), let publicKey = Data(base64Encoded: key.publicKey),
              verifier.isValid(signature: signature, message: content.canonicalBytes, publicKey: publicKey),
              key.validFrom <= content.issuedOn, content.issuedOn <= key.validUntil
        else { return result(.invalidSignature, key) }
        let covered = Set(content.claimDigests)
        guard presentation.disclosed.allSatisfy({ covered.contains($0.digest) }) else { return result(.invalidSignature, key) }
        if revoked { return result(.revoked, key, disclosed: presentation.disclosed) }
        if let expiry = content.expiresOn, expiry < today { return result(.expired, key, disclosed: presentation.disclosed) }
        return result(.valid, key, disclosed: presentation.disclosed)
    }
}
