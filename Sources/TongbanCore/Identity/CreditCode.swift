/// A unified social credit code (统一社会信用代码, GB 32100-2015) of an organisation:
/// registration authority, organisation type, six-digit division, nine-character
/// organisation code, and a MOD 31 check character.
public struct CreditCode: Sendable, Hashable {
    /// Canonical form: 18 upper-case characters.
    public let value: String
    /// Division of the registration authority (positions 3–8).
    public let divisionCode: String

    /// The standard leaves out I, O, Z, S and V, which read too much like 1, 0, 2, 5 and U.
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// - Parameter divisionExists: whether a six-digit code is (or was) a division in GB/T 2260.
    public init(
        validating raw: String,
        field: String = "creditCode",
        divisionExists: (String) -> Bool
    ) throws(ValidationFailure) {
        let text = raw.trimmed().uppercased()
        let characters = Array(text)
        guard characters.count == 18 else {
            throw ValidationFailure(FieldIssue(
                field: field, code: "length",
                zh: "统一社会信用代码应为18位，当前为\(characters.count)位",
                en: "a unified social credit code has 18 characters, got \(characters.count)"))
        }
        let values = characters.map { Self.alphabet.firstIndex(of: $0) }
        guard values.allSatisfy({ $0 != nil }), characters[2..<8].allSatisfy(IdentityText.isDigit) else {
            throw ValidationFailure(FieldIssue(
                field: field, code: "format",
                zh: "统一社会信用代码格式不正确：只能包含数字和除I、O、Z、S、V以外的大写字母，第3至8位为数字",
                en: "a unified social credit code uses digits and capital letters except I, O, Z, S, V, with digits in positions 3–8"))
        }

        let division = String(characters[2..<8])
        guard divisionExists(division) else {
            throw ValidationFailure(FieldIssue(
                field: field, code: "division",
                zh: "统一社会信用代码第3至8位的行政区划代码\(division)不存在",
                en: "the division code \(division) in the unified social credit code does not exist"))
        }

        guard characters[17] == Self.checkCharacter(for: values[..<17].map { $0! }) else {
            throw ValidationFailure(FieldIssue(
                field: field, code: "checksum",
                zh: "统一社会信用代码校验位不正确，请逐位核对",
                en: "the check character of the unified social credit code is wrong; please check each character"))
        }

        value = text
        divisionCode = division
    }

    /// 31 − (Σ value × weight mod 31), where a result of 31 is written as 0.
    static func checkCharacter(for values: some Sequence<Int>) -> Character {
        let sum = zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return alphabet[(31 - sum % 31) % 31]
    }
}

extension CreditCode: CustomStringConvertible {
    public var description: String { value }
}
