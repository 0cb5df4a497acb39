import Foundation
import SQLKit
import TongbanCore

// Where one capability serves another. Applications know the catalog and certificates
// only through the protocols they declare; these adapters plug the real ones in.

/// Applications bind to published catalog items and the version current when filed.
struct CatalogBackedItems: PublishedCatalog {
    let catalog: CatalogService

    func item(code: String, division: String?, version: Int?, revision: Int64?) async throws -> CatalogEntry? {
        do {
            let guide = try await catalog.cachedGuide(code: code, division: division, version: version, revision: revision)
            return CatalogEntry(item: guide.item, currentVersion: guide.currentVersion, isPublished: guide.currentStatus == .published)
        } catch CatalogError.itemNotFound, CatalogError.versionNotFound {
            return nil
        }
    }

    func offeringDivisions(code: String) async throws -> [String] {
        try await catalog.offeringDivisions(code: code)
    }
}

/// A material whose guide names a certificate type is filled from the applicant's wallet
/// when a valid certificate of that type is held (免证办).
struct WalletSupplier: MaterialSupplier {
    let certificates: CertificateService

    func supply(_ requirement: MaterialRequirement, for applicant: ApplicantIdentity, on db: any SQLDatabase) async throws -> SuppliedMaterial? {
        guard case .certificate(let type) = requirement.source else { return nil }
        let holder = applicant.organizationID ?? applicant.accountID
        guard let number = try await certificates.heldCertificateNumber(type: type, holderAccountID: holder, on: db) else { return nil }
        return SuppliedMaterial(reference: "wallet:\(number)")
    }
}

/// Approval issues the item's certificate in the same transaction that concludes the case.
struct CertificateIssuingListener: ConclusionListener {
    let certificates: CertificateService
    let protector: FieldProtector

    private struct Holder: Decodable { var name: String; var identifier: String? }

    func applicationConcluded(_ summary: ConcludedApplication, on db: any SQLDatabase) async throws {
        let holder: CertificateHolder
        if let organization = summary.organizationID {
            guard let row = try await db.select().column("name").column("credit_code_enc", as: "identifier")
                .from("organizations").where("id", .equal, organization).first(decoding: Holder.self) else { return }
            holder = CertificateHolder(kind: .organization, accountID: organization, name: row.name,
                                       identifier: try row.identifier.map(protector.decrypt) ?? "")
        } else {
            guard let row = try await db.select().column("display_name", as: "name").column("id_number_enc", as: "identifier")
                .from("accounts").where("id", .equal, summary.applicantID).first(decoding: Holder.self) else { return }
            holder = CertificateHolder(kind: .person, accountID: summary.applicantID, name: row.name,
                                       identifier: try row.identifier.map(protector.decrypt) ?? "")
        }
        let fields = try await certificates.formFields(for: summary.itemCode, form: summary.form, on: db)
        _ = try await certificates.issueOnApproval(applicationID: summary.applicationID, itemCode: summary.itemCode, holder: holder,
                                                   fields: fields, departmentCode: summary.departmentCode, on: db)
    }
}
