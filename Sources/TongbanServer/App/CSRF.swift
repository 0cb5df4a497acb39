import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Double-submit CSRF protection: a random token lives in a SameSite=Strict cookie and must
/// come back in the form (or the `X-CSRF-Token` header); a foreign site can send the
/// cookie but cannot read it to fill the field.
enum CSRF {
    static let cookie = "tongban_csrf"
    static let field = "_csrf"
    static let header = HTTPField.Name("X-CSRF-Token")!

    /// The token for this browser, and a cookie to set when it had none yet.
    static func token(for request: Request) -> (token: String, setCookie: Cookie?) {
        if let existing = request.cookies[cookie]?.value, existing.count >= 32 { return (existing, nil) }
        let fresh = IdentityService.randomToken()
        return (fresh, Cookie(name: cookie, value: fresh, path: "/", secure: false, httpOnly: true, sameSite: .strict))
    }

    static func check(_ request: Request, submitted: String?) throws {
        guard let expected = request.cookies[cookie]?.value, let submitted,
              expected.count >= 32, constantTimeEqual(expected, submitted)
        else {
            throw Problem(.forbidden, code: "csrf", zh: "页面已过期或来源不明，请刷新后重试", en: "missing or invalid CSRF token")
        }
    }

    static func requireHeader(_ request: Request) throws {
        try check(request, submitted: request.headers[header])
    }

    /// Compares secrets without leaking through timing where they first differ.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
