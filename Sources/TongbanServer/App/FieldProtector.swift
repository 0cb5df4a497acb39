@preconcurrency import Crypto
import Foundation

/// Encrypts personal identifiers at rest (AES-GCM) and derives a keyed blind index so a
/// number can be found by equality without storing it in plain text.
public struct FieldProtector: Sendable {
    private let encryptionKey: SymmetricKey
    private let indexKey: SymmetricKey
    /// Exposed to capabilities that wrap their own secrets (e.g. seal private keys).
    public let masterKey: SymmetricKey

    public init(masterKey: SymmetricKey) {
        self.masterKey = masterKey
        // Separate sub-keys: leaking the index key must not reveal ciphertexts and vice versa.
        self.encryptionKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: masterKey, info: Data("tongban/field-encryption/v1".utf8), outputByteCount: 32)
        self.indexKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: masterKey, info: Data("tongban/blind-index/v1".utf8), outputByteCount: 32)
    }

    public func encrypt(_ plaintext: String) throws -> String {
        let sealed = try AES.GCM.seal(Data(plaintext.utf8), using: encryptionKey)
        guard let combined = sealed.combined else { throw FieldProtectorError.sealFailed }
        return "v1:" + combined.base64EncodedString()
    }

    public func decrypt(_ stored: String) throws -> String {
        guard stored.hasPrefix("v1:"), let data = Data(base64Encoded: String(stored.dropFirst(3))) else {
            throw FieldProtectorError.malformedCiphertext
        }
        let box = try AES.GCM.SealedBox(combined: data)
        let plain = try AES.GCM.open(box, using: encryptionKey)
        guard let text = String(data: plain, encoding: .utf8) else { throw FieldProtectorError.malformedCiphertext }
        return text
    }

    public func blindIndex(_ value: String, purpose: String) -> String {
        var mac = HMAC<SHA256>(key: indexKey)
        mac.update(data: Data(purpose.utf8))
        mac.update(data: [0])
        mac.update(data: Data(value.utf8))
        return Data(mac.finalize()).hexEncoded
    }

    /// Loads the key from `TONGBAN_DATA_KEY` or the data directory's key file, creating the
    /// file (mode 0600) on first start — only when `mayCreate`: a database that already holds
    /// data under some key needs that key, not a new one.
    public static func load(configured: String?, dataDirectory: URL, mayCreate: Bool = true) throws -> FieldProtector {
        if let configured, !configured.isEmpty {
            guard let raw = Data(base64Encoded: configured), raw.count == 32 else {
                throw FieldProtectorError.badConfiguredKey
            }
            return FieldProtector(masterKey: SymmetricKey(data: raw))
        }
        let fm = FileManager.default
        try fm.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let file = dataDirectory.appendingPathComponent("data.key")
        // Anything at the path is the operator's: read as a key or refused, never replaced.
        if fm.fileExists(atPath: file.path) {
            guard let existing = try? String(contentsOf: file, encoding: .utf8),
                  let raw = Data(base64Encoded: existing.trimmed()), raw.count == 32 else { throw FieldProtectorError.badKeyFile(file.path) }
            return FieldProtector(masterKey: SymmetricKey(data: raw))
        }
        guard mayCreate else { throw FieldProtectorError.keyMissing(file.path) }
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0) }.base64EncodedString()
        guard fm.createFile(atPath: file.path, contents: Data((encoded + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw FieldProtectorError.cannotWriteKeyFile(file.path)
        }
        return FieldProtector(masterKey: key)
    }
}

public enum FieldProtectorError: Error, CustomStringConvertible {
    case sealFailed
    case malformedCiphertext
    case badConfiguredKey
    case cannotWriteKeyFile(String)
    case keyMissing(String)
    case badKeyFile(String)
    case keyMismatch

    public var description: String {
        switch self {
        case .sealFailed: "encryption failed"
        case .malformedCiphertext: "stored ciphertext is malformed or was encrypted with another key"
        case .badConfiguredKey: "TONGBAN_DATA_KEY must be the base64 encoding of exactly 32 bytes"
        case .cannotWriteKeyFile(let path): "cannot create key file \(path)"
        case .badKeyFile(let path): "the key file \(path) is not the base64 encoding of exactly 32 bytes"
        case .keyMissing(let path):
            """
            the database holds personal data encrypted under a data key this process does not have: \
            set TONGBAN_DATA_KEY (or copy the key file to \(path)) to the key the other processes use
            """
        case .keyMismatch:
            """
            the data key (TONGBAN_DATA_KEY or the data directory's data.key) is not the one the database's \
            personal data is encrypted under: every process sharing a database needs the same key
            """
        }
    }
}
