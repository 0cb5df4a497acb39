import Crypto
import Foundation

/// The byte string a seal signs. Every item is a netstring (`<byte length>:<bytes>,`), so
/// no choice of field values can make two different certificates encode alike, and the
/// leading version tag lets a later layout coexist with certificates already issued.
public enum CanonicalEncoding {
    public static func netstrings(_ items: [String]) -> Data {
        var out = Data()
        for item in items {
            let bytes = Data(item.utf8)
            out.append(contentsOf: Array("\(bytes.count):".utf8))
            out.append(bytes)
            out.append(UInt8(ascii: ","))
        }
        return out
    }

    public static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).hexEncoded
    }
}

/// One field of a certificate with its random salt. The signed content holds only the
/// salted digest, so the holder can reveal some fields and keep the rest private while the
/// signature still covers all of them (selective disclosure).
public struct CertificateClaim: Sendable, Codable, Hashable {
    public var salt: String
    public var name: String
    public var value: String

    public init(salt: String, name: String, value: String) {
        self.salt = salt
        self.name = name
        self.value = value
    }

    /// 16 random bytes, base64url: enough that a digest cannot be matched by guessing values.
    public static func freshSalt() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode(Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    /// SHA-256 over the claim's own netstrings, lower-case hex.
    public var digest: String {
        CanonicalEncoding.sha256Hex(CanonicalEncoding.netstrings(["tongban-claim/1", salt, name, value]))
    }
}

/// Field names of the holder claims every certificate carries besides its type's fields.
public enum HolderClaim {
    public static let name = "holder.name"
    public static let identifier = "holder.identifier"
}

/// What a seal signs: everything about the certificate, with fields reduced to digests.
public struct CertificateContent: Sendable, Codable, Hashable {
    public static let currentVersion = "tongban-certificate/1"

    public var version: String
    public var number: String
    public var typeCode: String
    public var typeName: String
    public var holderKind: HolderKind
    public var issuedOn: CivilDate
    public var expiresOn: CivilDate?
    public var departmentCode: String
    public var departmentName: String
    public var algorithm: SealAlgorithm
    public var keyID: String
    /// Sorted, so the order claims were supplied in cannot change the signed bytes.
    public var claimDigests: [String]

    public init(number: String, typeCode: String, typeName: String, holderKind: HolderKind, issuedOn: CivilDate,
                expiresOn: CivilDate?, departmentCode: String, departmentName: String, algorithm: SealAlgorithm,
                keyID: String, claims: [CertificateClaim]) {
        self.version = Self.currentVersion
        self.number = number
        self.typeCode = typeCode
        self.typeName = typeName
        self.holderKind = holderKind
        self.issuedOn = issuedOn
        self.expiresOn = expiresOn
        self.departmentCode = departmentCode
        self.departmentName = departmentName
        self.algorithm = algorithm
        self.keyID = keyID
        self.claimDigests = claims.map(\.digest).sorted()
    }

    public var canonicalBytes: Data {
        CanonicalEncoding.netstrings([
            version, number, typeCode, typeName, holderKind.rawValue, issuedOn.description,
            expiresOn?.description ?? "", departmentCode, departmentName, algorithm.rawValue, keyID,
            String(claimDigests.count),
        ] + claimDigests.sorted())
    }
}

public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}
