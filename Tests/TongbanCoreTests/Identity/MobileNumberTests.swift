import Foundation
import Testing
@testable import TongbanCore

@Suite struct MobileNumberTests {
    @Test(arguments: ["13812345678", "19912345678", " 15000000000 "])
    func acceptsValidNumbers(_ raw: String) throws {
        let number = try MobileNumber(validating: raw)
        #expect(number.value == raw.trimmingCharacters(in: .whitespaces))
    }

    @Test(arguments: ["", "1381234567", "138123456789", "12812345678", "23812345678", "1381234567a", "138 1234567"])
    func rejectsInvalidNumbers(_ raw: String) {
        let found = IDFixture.issue { _ = try MobileNumber(validating: raw, field: "contact/mobile") }
        #expect(found?.code == "format")
        #expect(found?.field == "contact/mobile")
    }

    @Test func decodingValidates() throws {
        let good = try JSONDecoder().decode([MobileNumber].self, from: Data(#"["13812345678"]"#.utf8))
        #expect(good.map(\.value) == ["13812345678"])
        #expect(throws: ValidationFailure.self) {
            _ = try JSONDecoder().decode([MobileNumber].self, from: Data(#"["12345"]"#.utf8))
        }
    }

    @Test func descriptionIsMasked() throws {
        #expect("\(try MobileNumber(validating: "13812345678"))" == "138****5678")
    }
}
