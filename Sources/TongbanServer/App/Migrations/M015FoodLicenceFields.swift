import FluentKit
import Foundation
import SQLKit
import TongbanCore

/// The food business licence's 主体业态 was filled from the operator type (个体 or 企业) and
/// its 经营项目 with the form's code (`restaurant`): both now come from the business scope,
/// as the certificate reads it (`CertificateFieldSpec.valueText`). Installations that seeded
/// the type before get the shipped fields; certificates already issued keep what they were signed with.
struct M015FoodLicenceFields: SQLMigration {
    var name: String { "M015FoodLicenceFields" }
    static let code = "food-business-licence"

    private struct Row: Decodable { var definition: String }

    func prepare(sql: any SQLDatabase) async throws {
        guard let stored = try await sql.select().column("definition").from("certificate_types").where("code", .equal, Self.code)
            .first(decoding: Row.self) else { return }
        let shipped = try JSONDecoder().decode([CertificateType].self, from: BundledResources.data("certificates/types.json"))
        guard let fields = shipped.first(where: { $0.code == Self.code })?.fields else { return }
        var type = try JSONDecoder().decode(CertificateType.self, from: Data(stored.definition.utf8))
        type.fields = fields
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try await sql.update("certificate_types").set("definition", to: String(decoding: try encoder.encode(type), as: UTF8.self))
            .where("code", .equal, Self.code).run()
    }

    func revert(sql: any SQLDatabase) async throws {}
}
