import Foundation
import TongbanCore

/// The object keys a body held and the keys its `Decodable` type asked for while decoding it;
/// a key held and never asked for is one the type does not know (a typo, most often). The type
/// is its own list of allowed keys, so a field added to it is allowed at once and no hand-kept
/// list can fall behind it. Optional fields count as asked when the type looks for them, present
/// or not; a dictionary asks for every key it holds, so free-form maps stay free.
///
/// Objects read through a single-value container (a type decoding a struct from
/// `singleValueContainer()`) are not looked into: none of the strictly read bodies does that for
/// an object whose keys matter, and wrapping that container too would only add code.
final class KeyLedger: @unchecked Sendable {
    // Unchecked: a ledger is made for one synchronous decode and read after it, on one thread.
    private var held: Set<[String]> = []
    private var asked: Set<[String]> = []

    static let userInfoKey = CodingUserInfoKey(rawValue: "tongban.keyLedger")!

    /// Decodes `type` from `data`, returning it with the paths of the keys it did not know,
    /// in path order (`definition/steps/0/divison`).
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, with decoder: JSONDecoder) throws -> (T, unknown: [String]) {
        let ledger = KeyLedger()
        decoder.userInfo[userInfoKey] = ledger
        let value = try decoder.decode(Recorded<T>.self, from: data).value
        return (value, ledger.held.subtracting(ledger.asked).map { $0.joined(separator: "/") }.sorted())
    }

    fileprivate static func name(_ path: [any CodingKey]) -> [String] {
        path.map { $0.intValue.map(String.init) ?? $0.stringValue }
    }

    fileprivate func hold(_ object: KeyedDecodingContainer<AnyKey>) {
        let at = Self.name(object.codingPath)
        for key in object.allKeys { held.insert(at + [key.stringValue]) }
    }

    fileprivate func ask(_ key: some CodingKey, at path: [any CodingKey]) {
        asked.insert(Self.name(path) + [key.stringValue])
    }

    /// JSONDecoder reads these itself (dates by its strategy) and only when asked for them by
    /// their own type: wrapped, a date would be read as a bare number. None holds keys.
    fileprivate static func passesThrough(_ type: Any.Type) -> Bool {
        type == Date.self || type == Data.self || type == URL.self || type == Decimal.self
    }
}

/// Any key a JSON object holds.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Decodes `Value` through a `RecordingDecoder` over the decoder JSONDecoder made for this value,
/// so coding paths, errors and strategies stay JSONDecoder's own.
private struct Recorded<Value: Decodable>: Decodable {
    var value: Value

    init(from decoder: any Decoder) throws {
        guard let ledger = decoder.userInfo[KeyLedger.userInfoKey] as? KeyLedger else {
            value = try Value(from: decoder)
            return
        }
        value = try Value(from: RecordingDecoder(base: decoder, ledger: ledger))
    }

    static func read(_ type: Value.Type, direct: () throws -> Value, recorded: () throws -> Self) rethrows -> Value {
        KeyLedger.passesThrough(type) ? try direct() : try recorded().value
    }
}

private struct RecordingDecoder: Decoder {
    let base: any Decoder
    let ledger: KeyLedger
    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let container = try base.container(keyedBy: type)
        ledger.hold(try base.container(keyedBy: AnyKey.self))
        return KeyedDecodingContainer(RecordingKeyedContainer(base: container, ledger: ledger))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        RecordingUnkeyedContainer(base: try base.unkeyedContainer(), ledger: ledger)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { try base.singleValueContainer() }
}

private struct RecordingKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let base: KeyedDecodingContainer<Key>
    let ledger: KeyLedger
    var codingPath: [any CodingKey] { base.codingPath }
    var allKeys: [Key] { base.allKeys }

    private func asking<T>(_ key: Key, _ read: () throws -> T) rethrows -> T {
        ledger.ask(key, at: codingPath)
        return try read()
    }

    func contains(_ key: Key) -> Bool { asking(key) { base.contains(key) } }
    func decodeNil(forKey key: Key) throws -> Bool { try asking(key) { try base.decodeNil(forKey: key) } }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try asking(key) { try base.decode(type, forKey: key) } }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try asking(key) { try base.decode(type, forKey: key) } }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try asking(key) {
            try Recorded.read(type, direct: { try base.decode(type, forKey: key) },
                              recorded: { try base.decode(Recorded<T>.self, forKey: key) })
        }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try asking(key) {
            let nested = try base.nestedContainer(keyedBy: type, forKey: key)
            ledger.hold(try base.nestedContainer(keyedBy: AnyKey.self, forKey: key))
            return KeyedDecodingContainer(RecordingKeyedContainer<NestedKey>(base: nested, ledger: ledger))
        }
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try asking(key) { RecordingUnkeyedContainer(base: try base.nestedUnkeyedContainer(forKey: key), ledger: ledger) }
    }

    func superDecoder() throws -> any Decoder {
        ledger.ask(AnyKey(stringValue: "super"), at: codingPath)
        return RecordingDecoder(base: try base.superDecoder(), ledger: ledger)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try asking(key) { RecordingDecoder(base: try base.superDecoder(forKey: key), ledger: ledger) }
    }
}

private struct RecordingUnkeyedContainer: UnkeyedDecodingContainer {
    var base: any UnkeyedDecodingContainer
    let ledger: KeyLedger
    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int? { base.count }
    var isAtEnd: Bool { base.isAtEnd }
    var currentIndex: Int { base.currentIndex }

    mutating func decodeNil() throws -> Bool { try base.decodeNil() }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try base.decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try base.decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try base.decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try base.decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try base.decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try base.decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try base.decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try base.decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try base.decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try base.decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try base.decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try base.decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try base.decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try base.decode(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try Recorded.read(type, direct: { try base.decode(type) }, recorded: { try base.decode(Recorded<T>.self) })
    }

    // The element's own decoder, wrapped: asking `base` for a nested container twice (once to
    // list the keys) would move past two elements.
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try superDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try superDecoder().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        RecordingDecoder(base: try base.superDecoder(), ledger: ledger)
    }
}
