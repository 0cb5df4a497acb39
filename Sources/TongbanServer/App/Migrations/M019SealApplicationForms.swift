import FluentKit
import SQLKit

/// Application forms were stored in clear: the applicant's ID and mobile numbers, names and
/// addresses were readable in every copy and backup of the database, though the accounts'
/// own numbers were encrypted. The store now seals each form with the data key
/// (`SQLApplicationStore`); this seals the forms stored before. A form in clear is a JSON
/// object (`{…}`), a sealed one `v1:…`, so a run cut short is taken up where it stopped and
/// nothing is sealed twice.
struct M019SealApplicationForms: SQLMigration {
    let protector: FieldProtector
    var name: String { "M019SealApplicationForms" }

    private struct Row: Decodable { var id: String; var formJson: String }

    func prepare(sql: any SQLDatabase) async throws {
        var after = ""
        while true {
            let rows = try await sql.select().column("id").column("form_json").from("applications")
                .where("form_json", .like, "{%").where("id", .greaterThan, after)
                .orderBy("id").limit(500)
                .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            guard let last = rows.last else { return }
            for row in rows {
                // Only the form read: a write by another process meanwhile is not put back.
                try await sql.update("applications").set("form_json", to: try protector.encrypt(row.formJson))
                    .where("id", .equal, row.id).where("form_json", .equal, row.formJson).run()
            }
            after = last.id
        }
    }

    func revert(sql: any SQLDatabase) async throws {}
}
