import Foundation

/// Character rules shared by the identifier parsers of this folder.
enum IdentityText {
    /// `Character.isNumber` also accepts full-width and other scripts' digits; identifiers take ASCII only.
    static func isDigit(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return (48...57).contains(ascii)
    }

    /// Left-pads with zeros to `width`, as dates and one-time codes are written.
    static func zeroPadded(_ text: String, to width: Int) -> String {
        String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
