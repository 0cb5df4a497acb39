/// A mainland mobile number as users type it for SMS codes: 11 digits, `1[3-9]…`.
public struct MobileNumber: Sendable, Hashable, Codable {
    public let value: String

    public init(validating raw: String, field: String = "mobile") throws(ValidationFailure) {
        let text = raw.trimmed()
        let characters = Array(text)
        guard characters.count == 11,
              characters.allSatisfy(IdentityText.isDigit),
              characters[0] == "1", ("3"..."9").contains(characters[1])
        else {
            throw ValidationFailure(FieldIssue(
                field: field, code: "format",
                zh: "手机号码应为以1开头、第二位为3至9的11位数字",
                en: "a mobile number is 11 digits starting with 1 and then 3–9"))
        }
        value = text
    }

    /// Decoding re-validates so that a number read from a request body cannot skip the rule.
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        try self.init(validating: raw)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

extension MobileNumber: CustomStringConvertible {
    public var description: String { Masking.maskMobile(value) }
}
