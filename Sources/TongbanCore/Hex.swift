extension Sequence<UInt8> {
    /// Lowercase hexadecimal, two digits per byte (digests, blind indexes). Used on every
    /// authenticated request, where `String(format:)` per byte cost more than the hash.
    public var hexEncoded: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
