@preconcurrency import Crypto
import CTongbanSM
import Foundation
import TongbanCore

/// SM3 (GM/T 0004) through the system OpenSSL.
public enum SM3 {
    public static func hash(_ data: Data) -> Data {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = data.withUnsafeBytes { raw in
            tb_sm3(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &out)
        }
        precondition(ok == 1, "OpenSSL SM3 unavailable")
        return Data(out)
    }
}

public enum SM2Error: Error { case keyGenerationFailed, signingFailed, malformedKey }

/// SM2 signature with SM3 and the default distinguishing ID, keys as raw bytes: the 32-byte
/// private scalar and the 65-byte uncompressed public point.
public struct SM2Signer: CertificateSigner {
    public let algorithm = SealAlgorithm.sm2
    let privateKey: Data
    let publicKey: Data

    public init(privateKey: Data, publicKey: Data) throws {
        guard privateKey.count == 32, publicKey.count == 65 else { throw SM2Error.malformedKey }
        self.privateKey = privateKey
        self.publicKey = publicKey
    }

    public static func generate() throws -> (privateKey: Data, publicKey: Data) {
        var priv = [UInt8](repeating: 0, count: 32)
        var pub = [UInt8](repeating: 0, count: 65)
        guard tb_sm2_generate(&priv, &pub) == 1 else { throw SM2Error.keyGenerationFailed }
        return (Data(priv), Data(pub))
    }

    public func sign(_ message: Data) throws -> Data {
        var signature = [UInt8](repeating: 0, count: 80)
        var length = signature.count
        let priv = [UInt8](privateKey), pub = [UInt8](publicKey), msg = [UInt8](message)
        guard tb_sm2_sign(priv, pub, msg, msg.count, &signature, &length) == 1 else { throw SM2Error.signingFailed }
        return Data(signature.prefix(length))
    }
}

public struct SM2Verifier: SignatureVerifier {
    public let algorithm = SealAlgorithm.sm2
    public init() {}

    public func isValid(signature: Data, message: Data, publicKey: Data) -> Bool {
        guard publicKey.count == 65, !signature.isEmpty else { return false }
        let pub = [UInt8](publicKey), msg = [UInt8](message), sig = [UInt8](signature)
        return tb_sm2_verify(pub, msg, msg.count, sig, sig.count) == 1
    }
}

/// Key generation, signing and verification for every seal algorithm, and the wrapping of
/// private keys under a key derived from the data key.
public struct SealCrypto: Sendable {
    public static let verifiers: [any SignatureVerifier] = [Ed25519Verifier(), SM2Verifier()]
    private let wrappingKey: SymmetricKey

    public init(protector: FieldProtector) {
        // A sub-key of its own: seal keys and personal fields never share an encryption key.
        wrappingKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: protector.masterKey,
                                             info: Data("tongban/seal-private-keys/v1".utf8), outputByteCount: 32)
    }

    public static func generate(_ algorithm: SealAlgorithm) throws -> (privateKey: Data, publicKey: Data) {
        switch algorithm {
        case .ed25519: Ed25519Signer.generate()
        case .sm2: try SM2Signer.generate()
        }
    }

    /// The key id is bound as associated data, so a wrapped key copied onto another seal row fails to open.
    public func wrap(_ privateKey: Data, keyID: String) throws -> String {
        let sealed = try AES.GCM.seal(privateKey, using: wrappingKey, authenticating: Data(keyID.utf8))
        guard let combined = sealed.combined else { throw FieldProtectorError.sealFailed }
        return "v1:" + combined.base64EncodedString()
    }

    public func unwrap(_ stored: String, keyID: String) throws -> Data {
        guard stored.hasPrefix("v1:"), let data = Data(base64Encoded: String(stored.dropFirst(3))) else {
            throw FieldProtectorError.malformedCiphertext
        }
        return try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: wrappingKey, authenticating: Data(keyID.utf8))
    }

    public func signer(_ algorithm: SealAlgorithm, privateKey: Data, publicKey: Data) throws -> any CertificateSigner {
        switch algorithm {
        case .ed25519: try Ed25519Signer(privateKey: privateKey)
        case .sm2: try SM2Signer(privateKey: privateKey, publicKey: publicKey)
        }
    }
}
