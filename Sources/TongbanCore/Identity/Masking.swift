/// Partial hiding of personal data for display and logs (脱敏). Each function keeps
/// the parts staff need to tell records apart and replaces every other character
/// with `*`, one for one, so the length stays recognisable.
public enum Masking {
    /// `11010119900307123X` → `110101********123X`: division and the last four stay.
    public static func maskResidentID(_ value: String) -> String {
        mask(value, keepingFirst: 6, last: 4)
    }

    /// `13812345678` → `138****5678`.
    public static func maskMobile(_ value: String) -> String {
        mask(value, keepingFirst: 3, last: 4)
    }

    /// `91350100M000100Y43` → `91350100********43`: authority, type and division stay.
    public static func maskCreditCode(_ value: String) -> String {
        mask(value, keepingFirst: 8, last: 2)
    }

    /// `张三丰` → `张**`, `张三` → `张*`: only the first character, usually the surname, stays.
    /// A one-character name is hidden entirely, since keeping it would reveal all of it.
    public static func maskName(_ value: String) -> String {
        let count = value.count
        return count < 2 ? String(repeating: "*", count: count) : mask(value, keepingFirst: 1, last: 0)
    }

    /// A form value of `type` as one who may not see it whole sees it: ID and mobile numbers
    /// masked, every other value as it is.
    public static func mask(_ value: String, as type: FormFieldType) -> String {
        switch type {
        case .idNumber: maskResidentID(value)
        case .mobile: maskMobile(value)
        case .text, .number, .date, .choice, .division, .creditCode, .money: value
        }
    }

    /// Keeps `first` and `last` characters. When the value is too short to hide at
    /// least one character between them, everything is hidden: a malformed value
    /// must not leak in full just because it does not have the expected length.
    public static func mask(_ value: String, keepingFirst first: Int, last: Int) -> String {
        let count = value.count
        guard count > first + last else { return String(repeating: "*", count: count) }
        return String(value.prefix(first))
            + String(repeating: "*", count: count - first - last)
            + String(value.suffix(last))
    }
}
