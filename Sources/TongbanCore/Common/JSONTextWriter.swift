/// Appends JSON tokens as UTF-8 bytes, placing the commas: for the few shapes written often
/// enough that Foundation's JSONEncoder, which builds a tree of boxed values first, shows in
/// profiles (the stored case, the application view). Each such shape keeps its synthesized
/// `Codable` conformance as the reference, and a test holds the written JSON equal to it.
public struct JSONTextWriter: Sendable {
    private static let hex = Array("0123456789abcdef".utf8)
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false
    private let escapesSlashes: Bool

    /// `escapingSlashes`: write `/` as `\/`, as Foundation's JSONEncoder does unless told
    /// `.withoutEscapingSlashes`.
    public init(escapingSlashes: Bool = true, capacity: Int = 1024) {
        escapesSlashes = escapingSlashes
        bytes.reserveCapacity(capacity)
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func openObject() { bytes.append(UInt8(ascii: "{")); needsComma = false }
    public mutating func closeObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    public mutating func openArray() { bytes.append(UInt8(ascii: "[")); needsComma = false }
    public mutating func closeArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// Before each array element.
    public mutating func element() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = false
    }

    public mutating func key(_ name: String) {
        element()
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func int<T: BinaryInteger>(_ value: T) { bytes.append(contentsOf: String(value).utf8); needsComma = true }
    public mutating func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8); needsComma = true }

    public mutating func object(_ members: (inout JSONTextWriter) -> Void) {
        openObject()
        members(&self)
        closeObject()
    }

    /// An array with one object per element.
    public mutating func objects<S: Sequence>(_ elements: S, _ members: (inout JSONTextWriter, S.Element) -> Void) {
        openArray()
        for item in elements {
            element()
            openObject()
            members(&self, item)
            closeObject()
        }
        closeArray()
    }

    public mutating func strings(_ values: [String]) {
        openArray()
        for value in values { element(); string(value) }
        closeArray()
    }

    /// An object of string members, as a `[String: String]` is encoded.
    public mutating func stringMap(_ values: [String: String]) {
        openObject()
        for (name, value) in values { key(name); string(value) }
        closeObject()
    }

    // Optional members are left out when nil, as synthesized `encodeIfPresent` does.
    public mutating func member(_ name: String, _ value: String?) { if let value { key(name); string(value) } }
    public mutating func member<T: BinaryInteger>(_ name: String, _ value: T?) { if let value { key(name); int(value) } }
    public mutating func member(_ name: String, _ value: Bool) { key(name); bool(value) }

    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // When slashes pass unescaped, the quote stands in for them in the test below.
        let slash: UInt8 = escapesSlashes ? 0x2F : 0x22
        // Most strings need no escape: copied whole, not byte by byte.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == slash }) {
            bytes.append(contentsOf: value.utf8)
            bytes.append(UInt8(ascii: "\""))
            needsComma = true
            return
        }
        // Every byte that needs escaping is ASCII, so the bytes of other characters pass as they are.
        for byte in value.utf8 {
            switch byte {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x2F where escapesSlashes: bytes.append(contentsOf: [0x5C, 0x2F])
            case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20:
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }
}
