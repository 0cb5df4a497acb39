/// Rules for passwords chosen by users. Length and "not a known password" matter
/// far more than character classes, which push users towards `Password1!`.
public enum PasswordPolicy {
    public static let minimumLength = 10
    /// Personal values shorter than this (an empty mobile, a two-letter name) would
    /// forbid too much by accident.
    static let minimumPersonalInputLength = 4

    /// Reports every broken rule at once, so the user fixes the password in one try.
    /// - Parameter userInputs: values tied to the account (ID number, mobile, user name)
    ///   that must not appear inside the password, compared case-insensitively.
    public static func check(
        _ password: String,
        field: String = "password",
        userInputs: [String]
    ) throws(ValidationFailure) {
        var issues: [FieldIssue] = []
        let lowered = password.lowercased()

        if password.count < minimumLength {
            issues.append(FieldIssue(
                field: field, code: "tooShort",
                zh: "密码至少需要\(minimumLength)个字符",
                en: "the password needs at least \(minimumLength) characters"))
        }
        if let first = password.first, password.allSatisfy({ $0 == first }) {
            issues.append(FieldIssue(
                field: field, code: "repetitive",
                zh: "密码不能由同一个字符重复组成",
                en: "the password must not repeat a single character"))
        } else if isSequential(lowered) {
            issues.append(FieldIssue(
                field: field, code: "sequential",
                zh: "密码不能是连续的数字或字母",
                en: "the password must not be a run of consecutive digits or letters"))
        }
        if weakPasswords.contains(lowered) {
            issues.append(FieldIssue(
                field: field, code: "common",
                zh: "该密码过于常见，容易被猜中，请换一个",
                en: "this password is too common and easy to guess; choose another"))
        }
        let personal = userInputs
            .map { $0.trimmed().lowercased() }
            .filter { $0.count >= minimumPersonalInputLength }
        if personal.contains(where: lowered.contains) {
            issues.append(FieldIssue(
                field: field, code: "personalInfo",
                zh: "密码不能包含身份证号码、手机号码等个人信息",
                en: "the password must not contain personal details such as the ID number or mobile number"))
        }

        if !issues.isEmpty { throw ValidationFailure(issues) }
    }

    /// `abcdefghij`, `9876543210`: every character one code point above (or below) the last.
    static func isSequential(_ text: String) -> Bool {
        let scalars = text.unicodeScalars.map(\.value)
        guard scalars.count >= 3 else { return false }
        let steps = zip(scalars.dropFirst(), scalars).map { Int64($0) - Int64($1) }
        return steps.allSatisfy { $0 == 1 } || steps.allSatisfy { $0 == -1 }
    }
}
