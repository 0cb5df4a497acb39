import SQLKit
import Synchronization

/// camelCase coding keys as snake_case column names, converted once per key. SQLKit's own
/// strategies convert every key of every row and model again, character by character with
/// Unicode properties: about 8 % of the CPU of the application write path (bench/README.md).
/// The conversion is SQLKit's, character for character (a test holds them together).
enum SnakeCaseKeys {
    private static let known = Mutex<[String: String]>([:])

    static func column(for key: String) -> String {
        if let column = known.withLock({ $0[key] }) { return column }
        let column = convert(key)
        known.withLock { $0[key] = column }
        return column
    }

    static func convert(_ key: String) -> String {
        guard !key.isEmpty else { return key }
        var words: [Range<String.Index>] = []
        var wordStart = key.startIndex, searchIndex = key.index(after: wordStart)
        while let upper = key[searchIndex...].firstIndex(where: \.isUppercase) {
            words.append(wordStart..<upper)
            wordStart = upper
            guard let lower = key[upper...].firstIndex(where: \.isLowercase) else { break }
            searchIndex = lower
            if lower != key.index(after: upper) {
                let beforeLower = key.index(before: lower)
                words.append(upper..<beforeLower)
                wordStart = beforeLower
            }
        }
        words.append(wordStart..<key.endIndex)
        // Only each word's first character is lowered, as SQLKit does: `accountID` → `account_iD`.
        return words.map { word in
            let text = key[word]
            return text.isEmpty ? "" : text.prefix(1).lowercased() + text.dropFirst()
        }.joined(separator: "_")
    }
}

private struct ColumnKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension SQLQueryEncoder.KeyEncodingStrategy {
    static let snakeCase = Self.custom { path in ColumnKey(stringValue: SnakeCaseKeys.column(for: path.last!.stringValue)) }
}

extension SQLRowDecoder.KeyDecodingStrategy {
    static let snakeCase = Self.custom { path in ColumnKey(stringValue: SnakeCaseKeys.column(for: path.last!.stringValue)) }
}
