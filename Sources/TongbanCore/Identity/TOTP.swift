import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1), the
/// kind every authenticator app reads from a QR code. Used as the second factor of staff accounts.
public enum TOTP {
    public static let defaultDigits = 6
    public static let defaultPeriod = 30
    /// RFC 4226 recommends 160 bits, the output size of SHA-1.
    public static let defaultSecretLength = 20

    public static func generateSecret(byteCount: Int = defaultSecretLength) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return generateSecret(byteCount: byteCount, using: &generator)
    }

    public static func generateSecret(
        byteCount: Int = defaultSecretLength,
        using generator: inout some RandomNumberGenerator
    ) -> [UInt8] {
        (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// The time step counter: whole periods since the Unix epoch. Instants before
    /// 1970 map to step 0, which no real clock produces.
    public static func counter(at date: Date, period: Int = defaultPeriod) -> UInt64 {
        let steps = (date.timeIntervalSince1970 / Double(period)).rounded(.down)
        return steps <= 0 ? 0 : UInt64(steps)
    }

    /// The code for one counter value (HOTP, RFC 4226 §5.3).
    public static func code(secret: [UInt8], counter: UInt64, digits: Int = defaultDigits) -> String {
        precondition((1...9).contains(digits), "TOTP codes have 1 to 9 digits")
        let message = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let truncated = mac[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7fff_ffff
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        return IdentityText.zeroPadded(String(truncated % modulus), to: digits)
    }

    public static func code(
        secret: [UInt8], at date: Date, digits: Int = defaultDigits, period: Int = defaultPeriod
    ) -> String {
        code(secret: secret, counter: counter(at: date, period: period), digits: digits)
    }

    /// The counter whose code matches, looking `window` steps either side of `date`
    /// to tolerate clock drift and typing time; nil when none does. Callers store the
    /// returned counter and refuse any later code with a counter not above it, since
    /// RFC 6238 §5.2 requires that a code be accepted once only.
    public static func matchingCounter(
        code candidate: String,
        secret: [UInt8],
        at date: Date,
        window: Int = 1,
        digits: Int = defaultDigits,
        period: Int = defaultPeriod
    ) -> UInt64? {
        let typed = Array(candidate.filter { $0 != " " }.utf8)
        guard typed.count == digits else { return nil }
        let now = counter(at: date, period: period)
        var match: UInt64?
        // Every step in the window is computed and compared, so the time taken does
        // not tell an attacker how close a guess came.
        for offset in -window...window {
            let (step, overflow) = offset < 0
                ? now.subtractingReportingOverflow(UInt64(-offset))
                : now.addingReportingOverflow(UInt64(offset))
            guard !overflow else { continue }
            let expected = Array(code(secret: secret, counter: step, digits: digits).utf8)
            if constantTimeEqual(expected, typed), match == nil { match = step }
        }
        return match
    }

    public static func verify(
        code candidate: String,
        secret: [UInt8],
        at date: Date,
        window: Int = 1,
        digits: Int = defaultDigits,
        period: Int = defaultPeriod
    ) -> Bool {
        matchingCounter(code: candidate, secret: secret, at: date, window: window, digits: digits, period: period) != nil
    }

    /// The `otpauth://` URI that authenticator apps scan from a QR code
    /// (Google Authenticator key-URI format). The issuer appears both in the label
    /// prefix and as a parameter, as that format recommends.
    public static func provisioningURI(
        secret: [UInt8],
        account: String,
        issuer: String = "Tongban",
        digits: Int = defaultDigits,
        period: Int = defaultPeriod
    ) -> String {
        let label = percentEncoded(issuer) + ":" + percentEncoded(account)
        return "otpauth://totp/\(label)?secret=\(base32Encode(secret))&issuer=\(percentEncoded(issuer))"
            + "&algorithm=SHA1&digits=\(digits)&period=\(period)"
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Encodes everything except RFC 3986 unreserved characters, byte by byte in UTF-8,
    /// so Chinese issuer or account names survive every QR scanner.
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + IdentityText.zeroPadded(String(byte, radix: 16, uppercase: true), to: 2)
            }
        }
        return result
    }

    static let base32Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// RFC 4648 base32. Unpadded by default, as `otpauth` URIs expect.
    public static func base32Encode(_ bytes: [UInt8], padded: Bool = false) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(base32Alphabet[Int(buffer >> UInt32(bits) & 31)])
            }
        }
        if bits > 0 {
            output.append(base32Alphabet[Int(buffer << UInt32(5 - bits) & 31)])
        }
        if padded {
            while output.count % 8 != 0 { output.append(UInt8(ascii: "=")) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Accepts what users copy from other systems: either case, spaces or hyphens
    /// between groups, with or without `=` padding. Returns nil for any other
    /// character or for a length no encoder produces.
    public static func base32Decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        var symbols = 0
        var paddingSeen = false
        for character in text.uppercased().utf8 {
            switch character {
            case UInt8(ascii: " "), UInt8(ascii: "-"):
                continue
            case UInt8(ascii: "="):
                paddingSeen = true
                continue
            default:
                guard !paddingSeen, let value = base32Alphabet.firstIndex(of: character) else { return nil }
                buffer = buffer << 5 | UInt32(value)
                bits += 5
                symbols += 1
                if bits >= 8 {
                    bits -= 8
                    output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
                }
            }
        }
        // 1, 3 and 6 symbols in the last group of 8 cannot come from whole bytes.
        guard ![1, 3, 6].contains(symbols % 8) else { return nil }
        return output
    }
}
