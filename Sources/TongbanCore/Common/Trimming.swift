extension StringProtocol {
    /// The text without white space at either end (Unicode White_Space: spaces of every
    /// width, including the full-width space an IME pads with, tabs and line breaks).
    /// Foundation's `trimmingCharacters(in:)` goes through NSString on Linux and showed up
    /// in profiles of every request; this stays in Swift.
    public func trimmed() -> String {
        guard let start = unicodeScalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = unicodeScalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(self[start...end])
    }
}
