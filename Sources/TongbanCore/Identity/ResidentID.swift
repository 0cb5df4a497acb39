/// A citizen identity number (公民身份号码, GB 11643-1999): six-digit division code
/// of first registration, birth date `YYYYMMDD`, three-digit sequence (odd for men),
/// and an ISO 7064 MOD 11-2 check character.
public struct ResidentID: Sendable, Hashable {
    /// Canonical form: 18 characters, check character `X` in upper case.
    public let value: String
    public let birthDate: CivilDate
    /// The division where the number was first issued; it stays with the person when they move.
    public let divisionCode: String

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    /// Check characters indexed by the weighted sum modulo 11.
    static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]
    static let earliestBirthYear = 1900

    /// Validates in the order that gives the applicant the most useful message:
    /// shape first, then the meaning of the parts, and the check character last,
    /// because a typo in the birth date also breaks the checksum but is easier to spot
    /// when named as a date problem.
    /// - Parameters:
    ///   - today: the current civil day where the service runs; birth dates after it are rejected.
    ///   - divisionExists: whether a six-digit code is (or was) a division in GB/T 2260.
    public init(
        validating raw: String,
        field: String = "idNumber",
        today: CivilDate,
        divisionExists: (String) -> Bool
    ) throws(ValidationFailure) {
        let text = raw.trimmed().uppercased()
        let characters = Array(text)
        guard characters.count == 18 else {
            throw ValidationFailure(FieldIssue(
                field: field, code: "length",
                zh: "身份证号码应为18位，当前为\(characters.count)位",
                en: "a resident ID number has 18 characters, got \(characters.count)"))
        }
        guard characters[..<17].allSatisfy(IdentityText.isDigit),
              IdentityText.isDigit(characters[17]) || characters[17] == "X"
        else {
            throw ValidationFailure(FieldIssue(
                field: field, code: "format",
                zh: "身份证号码格式不正确：前17位应为数字，最后一位为数字或X",
                en: "a resident ID number is 17 digits followed by a digit or X"))
        }
        let digits = characters[..<17].map { Int($0.asciiValue! - 48) }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + digits[$1] } }

        guard let birth = CivilDate(year: number(6..<10), month: number(10..<12), day: number(12..<14)),
              birth.year >= Self.earliestBirthYear, birth <= today else {
            throw ValidationFailure(FieldIssue(
                field: field, code: "birthDate",
                zh: "身份证号码中的出生日期（第7至14位）无效",
                en: "the birth date in the resident ID number (characters 7–14) is not a real past date"))
        }

        let division = String(characters[..<6])
        guard divisionExists(division) else {
            throw ValidationFailure(FieldIssue(
                field: field, code: "division",
                zh: "身份证号码前6位的行政区划代码\(division)不存在",
                en: "the division code \(division) in the resident ID number does not exist"))
        }

        guard characters[17] == Self.checkCharacter(for: digits) else {
            throw ValidationFailure(FieldIssue(
                field: field, code: "checksum",
                zh: "身份证号码校验位不正确，请逐位核对",
                en: "the check character of the resident ID number is wrong; please check each digit"))
        }

        value = text
        birthDate = birth
        divisionCode = division
    }

    /// ISO 7064 MOD 11-2 over the first 17 digits.
    static func checkCharacter(for digits: some Sequence<Int>) -> Character {
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkCharacters[sum % 11]
    }
}

/// Interpolating an ID into a log line or message shows only the masked form,
/// so the full number leaves the system only through an explicit `value`.
extension ResidentID: CustomStringConvertible {
    public var description: String { Masking.maskResidentID(value) }
}
