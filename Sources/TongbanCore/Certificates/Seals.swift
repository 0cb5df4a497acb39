@preconcurrency import Crypto
import Foundation

/// The signature algorithm of a department's seal.
public enum SealAlgorithm: String, Sendable, Codable, CaseIterable {
    /// Ed25519 (RFC 8032).
    case ed25519
    /// SM2 signature with SM3 digest (GM/T 0003 / 0004), the national algorithms.
    case sm2

    public var label: String {
        switch self {
        case .ed25519: "Ed25519"
        case .sm2: "SM2/SM3"
        }
    }
}

/// Signs with one seal's private key. The server holds SM2 (OpenSSL) and Ed25519 signers.
public protocol CertificateSigner: Sendable {
    var algorithm: SealAlgorithm { get }
    func sign(_ message: Data) throws -> Data
}

/// Checks signatures of one algorithm against a published public key.
public protocol SignatureVerifier: Sendable {
    var algorithm: SealAlgorithm { get }
    func isValid(signature: Data, message: Data, publicKey: Data) -> Bool
}

public struct Ed25519Signer: CertificateSigner {
    public let algorithm = SealAlgorithm.ed25519
    private let key: Curve25519.Signing.PrivateKey

    public init(privateKey raw: Data) throws {
        key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    public static func generate() -> (privateKey: Data, publicKey: Data) {
        let key = Curve25519.Signing.PrivateKey()
        return (key.rawRepresentation, key.publicKey.rawRepresentation)
    }

    public func sign(_ message: Data) throws -> Data {
        try key.signature(for: message)
    }
}

public struct Ed25519Verifier: SignatureVerifier {
    public let algorithm = SealAlgorithm.ed25519
    public init() {}

    public func isValid(signature: Data, message: Data, publicKey: Data) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

/// A seal's public half as published: enough to verify certificates offline.
public struct PublishedSealKey: Sendable, Codable, Hashable {
    public enum Status: String, Sendable, Codable { case active, retired }

    public var keyID: String
    public var departmentCode: String
    public var departmentName: String
    public var algorithm: SealAlgorithm
    /// Base64: 32 raw bytes for Ed25519, the 65-byte uncompressed point for SM2.
    public var publicKey: String
    public var validFrom: CivilDate
    public var validUntil: CivilDate
    public var status: Status

    public init(keyID: String, departmentCode: String, departmentName: String, algorithm: SealAlgorithm,
                publicKey: String, validFrom: CivilDate, validUntil: CivilDate, status: Status) {
        self.keyID = keyID
        self.departmentCode = departmentCode
        self.departmentName = departmentName
        self.algorithm = algorithm
        self.publicKey = publicKey
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.status = status
    }
}

/// The file `tongban certificate export-keys` writes and offline verifiers read.
public struct PublishedKeySet: Sendable, Codable {
    public var format: String
    public var keys: [PublishedSealKey]

    public init(keys: [PublishedSealKey]) {
        self.format = "tongban-seal-keys/1"
        self.keys = keys
    }
}
