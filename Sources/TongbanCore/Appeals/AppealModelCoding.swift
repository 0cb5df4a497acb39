import Foundation

/// The serialized model is unreadable: wrong file, truncated, or from another format version.
public struct AppealModelFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { "appeal model: \(reason)" }
}

/// Compact little-endian binary format:
///
///     "TBAC" version:u8 maxOrder:u8 classCount:u8 { labelLength:u8 label:utf8 }*
///     confidenceScale:f64 documentCount:u32 featureCount:u32
///     { scale:f32 bias:f32 }*classCount
///     { keyDelta:varint }*featureCount  { documentFrequency:varint }*featureCount
///     { code:i8 }*(featureCount*classCount)
///
/// Sorted keys stored as varint deltas take about 3 bytes instead of 8; document frequencies
/// (not idf floats) are stored because idf is recomputed from them exactly.
extension AppealClassifier {
    static let magic = Array("TBAC".utf8)
    static let formatVersion: UInt8 = 1

    public func serialized() -> Data {
        var out = Data()
        out.append(contentsOf: Self.magic)
        out.append(Self.formatVersion)
        out.append(UInt8(vectorizer.maxOrder))
        out.append(UInt8(categories.count))
        for category in categories {
            let label = Array(category.rawValue.utf8)
            out.append(UInt8(label.count))
            out.append(contentsOf: label)
        }
        out.appendLittleEndian(confidenceScale.bitPattern)
        out.appendLittleEndian(UInt32(vectorizer.documentCount))
        out.appendLittleEndian(UInt32(vectorizer.featureCount))
        for c in categories.indices {
            out.appendLittleEndian(weights.scales[c].bitPattern)
            out.appendLittleEndian(biases[c].bitPattern)
        }
        var previous: UInt64 = 0
        for key in vectorizer.vocabulary {
            out.appendVarint(key - previous)
            previous = key
        }
        for frequency in vectorizer.documentFrequencies { out.appendVarint(UInt64(frequency)) }
        out.append(contentsOf: weights.codes.map { UInt8(bitPattern: $0) })
        return out
    }

    public init(serialized data: Data) throws {
        var reader = ByteReader(bytes: [UInt8](data))
        guard try reader.bytes(Self.magic.count) == Self.magic else {
            throw AppealModelFormatError(reason: "not an appeal model (bad magic)")
        }
        let version = try reader.byte()
        guard version == Self.formatVersion else {
            throw AppealModelFormatError(reason: "unsupported format version \(version)")
        }
        let maxOrder = Int(try reader.byte())
        guard (1...AppealTextFeatures.maxSupportedOrder).contains(maxOrder) else {
            throw AppealModelFormatError(reason: "n-gram length \(maxOrder) out of range")
        }
        let classCount = Int(try reader.byte())
        guard classCount > 0 && classCount <= FeatureTable.maxClassCount else {
            throw AppealModelFormatError(reason: "\(classCount) categories")
        }
        var categories: [AppealCategory] = []
        for _ in 0..<classCount {
            let label = String(decoding: try reader.bytes(Int(try reader.byte())), as: UTF8.self)
            guard let category = AppealCategory(rawValue: label) else {
                throw AppealModelFormatError(reason: "unknown category \(label)")
            }
            categories.append(category)
        }
        guard Set(categories).count == classCount else { throw AppealModelFormatError(reason: "duplicate category") }
        let confidenceScale = Double(bitPattern: try reader.littleEndian(UInt64.self))
        guard confidenceScale > 0 && confidenceScale.isFinite else {
            throw AppealModelFormatError(reason: "invalid confidence scale")
        }
        let documentCount = Int(try reader.littleEndian(UInt32.self))
        let featureCount = Int(try reader.littleEndian(UInt32.self))
        // Every feature needs at least 2 + classCount bytes; checking first keeps a corrupt
        // count from allocating gigabytes.
        guard featureCount <= reader.remaining / (2 + classCount) else {
            throw AppealModelFormatError(reason: "truncated")
        }
        var scales: [Float] = []
        var biases: [Float] = []
        for _ in 0..<classCount {
            scales.append(Float(bitPattern: try reader.littleEndian(UInt32.self)))
            biases.append(Float(bitPattern: try reader.littleEndian(UInt32.self)))
        }
        guard (scales + biases).allSatisfy(\.isFinite) else { throw AppealModelFormatError(reason: "non-finite weights") }
        var vocabulary: [UInt64] = []
        vocabulary.reserveCapacity(featureCount)
        var key: UInt64 = 0
        for _ in 0..<featureCount {
            // Strictly ascending from 0 also rules out the reserved key 0.
            let delta = try reader.varint()
            guard delta > 0 else { throw AppealModelFormatError(reason: "keys not ascending") }
            let (sum, overflow) = key.addingReportingOverflow(delta)
            guard !overflow else { throw AppealModelFormatError(reason: "key overflow") }
            key = sum
            vocabulary.append(key)
        }
        var frequencies: [Int32] = []
        frequencies.reserveCapacity(featureCount)
        for _ in 0..<featureCount {
            let frequency = try reader.varint()
            guard frequency >= 1 && frequency <= UInt64(documentCount) else {
                throw AppealModelFormatError(reason: "document frequency out of range")
            }
            frequencies.append(Int32(frequency))
        }
        let codes = try reader.bytes(featureCount * classCount).map { Int8(bitPattern: $0) }
        guard reader.remaining == 0 else { throw AppealModelFormatError(reason: "trailing bytes") }
        self.init(
            categories: categories,
            confidenceScale: confidenceScale,
            maxOrder: maxOrder,
            vocabulary: vocabulary,
            documentFrequencies: frequencies,
            documentCount: documentCount,
            weights: QuantizedWeights(codes: codes, scales: scales),
            biases: biases)
    }
}

private extension Data {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }
}

private struct ByteReader {
    let bytes: [UInt8]
    var position = 0

    var remaining: Int { bytes.count - position }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw AppealModelFormatError(reason: "truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0 && count <= remaining else { throw AppealModelFormatError(reason: "truncated") }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    mutating func littleEndian<T: FixedWidthInteger>(_: T.Type) throws -> T {
        var value: T = 0
        for (i, byte) in try bytes(MemoryLayout<T>.size).enumerated() {
            value |= T(byte) << (8 * i)
        }
        return value
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw AppealModelFormatError(reason: "varint too long") }
            value |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return value }
            shift += 7
        }
    }
}
