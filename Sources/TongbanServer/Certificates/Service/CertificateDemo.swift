import Foundation
import TongbanCore

/// Demo seals and certificates for the demo persons, loaded with the rest of the demo data:
/// an identity-card record each and a food-business licence for 张伟 that expires soon,
/// so the wallet shows an expiry reminder.
enum CertificateDemo {
    static let seals: [(department: String, algorithm: SealAlgorithm)] = [
        ("330106-xzspj", .sm2), ("330106-gafj", .ed25519), ("330106-scjgj", .sm2),
    ]

    struct Seed {
        var idNumber: String
        var type: String
        var department: String
        var fields: [String: String]
        var expiresInDays: Int?
    }

    static let certificates: [Seed] = [
        Seed(idNumber: "330106198503120116", type: "resident-id", department: "330106-gafj",
             fields: ["sex": "男", "ethnicity": "汉", "birthDate": "1985-03-12", "address": "浙江省杭州市西湖区文三路100号"]),
        Seed(idNumber: "330106198503120116", type: "food-business-licence", department: "330106-xzspj",
             fields: ["operatorName": "西湖张记小吃店", "legalRepresentative": "张伟", "premises": "杭州市西湖区文三路100号1楼",
                      "businessType": "餐饮服务经营者（小型餐饮）", "scope": "热食类食品制售"], expiresInDays: 20),
        Seed(idNumber: "330102199007080257", type: "resident-id", department: "330106-gafj",
             fields: ["sex": "女", "ethnicity": "汉", "birthDate": "1990-07-08", "address": "浙江省杭州市上城区解放路8号"]),
    ]

    static func load(_ service: CertificateService, accounts: any AccountStore, protector: FieldProtector) async throws {
        let actor = AuditActor.system("demo")
        for seal in seals {
            _ = try await service.rotateSeal(department: seal.department, algorithm: seal.algorithm, validUntil: nil, actor: actor)
        }
        let types = try await service.types()
        for seed in certificates {
            guard let type = types.first(where: { $0.code == seed.type }),
                  let account = try await accounts.account(idNumberIndex: protector.blindIndex(seed.idNumber, purpose: "resident-id"))
            else { continue }
            let holder = CertificateHolder(kind: .person, accountID: account.id, name: account.displayName, identifier: seed.idNumber)
            let expires = seed.expiresInDays.map { service.today.adding(days: $0) }
            _ = try await service.database.transaction { db in
                try await service.issue(type: type, holder: holder, fields: seed.fields, departmentCode: seed.department,
                                        applicationID: nil, expiresOn: expires, actor: actor, on: db)
            }
        }
    }
}
