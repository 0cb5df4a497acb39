import SQLKit
import Testing
@testable import TongbanServer

/// The remembered key conversion must name exactly the columns SQLKit's own would.
@Suite struct SnakeCaseKeysTests {
    struct Model: Encodable {
        var accountID = 1, definitionId = 2, sha256 = 3, myURLProperty = 4, a = 5, aB = 6
        var createdAtMs = 7, x1Y2 = 8, ABC = 9, receiptNumber = 10, idNumberEnc = 11, _hidden = 12
    }

    @Test func matchesSQLKit() throws {
        let theirs = try SQLQueryEncoder(keyEncodingStrategy: .convertToSnakeCase).encode(Model()).map(\.0)
        let ours = try SQLQueryEncoder(keyEncodingStrategy: .snakeCase).encode(Model()).map(\.0)
        #expect(ours == theirs)
        #expect(ours.contains("created_at_ms") && ours.contains("account_iD"))
    }
}
