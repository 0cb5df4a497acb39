import Foundation
import SQLKit
import TongbanCore

/// The catalog as applications need it: a published item and its version
/// (`CatalogBackedItems` plugs in the catalog capability).
public protocol PublishedCatalog: Sendable {
    /// The item as implemented in `division` (nil: the standard at its own division), at
    /// `version` or, without one, the current version; nil when the catalog has no such item.
    /// `revision`: the catalog's revision if the caller has just read it (with an application).
    func item(code: String, division: String?, version: Int?, revision: Int64?) async throws -> CatalogEntry?
    /// Every division where the item takes applications (`FilingDivision.choose`).
    func offeringDivisions(code: String) async throws -> [String]
}

extension PublishedCatalog {
    func item(code: String, division: String?, version: Int?) async throws -> CatalogEntry? {
        try await item(code: code, division: division, version: version, revision: nil)
    }
}

/// An item's guide at one version, and where the item stands now.
public struct CatalogEntry: Sendable {
    public var item: ServiceItem
    public var currentVersion: Int
    /// Whether the current version is published: retired items take no new applications.
    public var isPublished: Bool
}

/// Who applies, as material suppliers need to know them.
public struct ApplicantIdentity: Sendable {
    public var accountID: String
    public var name: String
    public var idNumber: String?
    public var mobile: String?
    public var organizationID: String?
    public var organizationName: String?
    public var creditCode: String?
    /// Where the organisation is registered: an application for it is filed there.
    public var organizationDivision: String?
}

/// A material the government provides itself (免提交), with where it came from.
public struct SuppliedMaterial: Sendable {
    /// e.g. `sharedData:household-register`, `certificate:business-licence`, `wallet:<certificate id>`.
    public var reference: String

    public init(reference: String) { self.reference = reference }
}

/// Fills a government-supplied material for an applicant. The certificates capability
/// implements it to take materials from the applicant's wallet; suppliers are asked in
/// order and the first answer wins.
public protocol MaterialSupplier: Sendable {
    func supply(_ requirement: MaterialRequirement, for applicant: ApplicantIdentity, on db: any SQLDatabase) async throws -> SuppliedMaterial?
}

/// The government's own shared data and certificate libraries: every material the guide
/// marks as government-supplied is recorded as fetched from its named source.
public struct SharedDataSupplier: MaterialSupplier {
    public init() {}

    public func supply(_ requirement: MaterialRequirement, for applicant: ApplicantIdentity, on db: any SQLDatabase) async throws -> SuppliedMaterial? {
        switch requirement.source {
        case .applicant: nil
        case .sharedData(let resource): SuppliedMaterial(reference: "sharedData:\(resource)")
        case .certificate(let type): SuppliedMaterial(reference: "certificate:\(type)")
        }
    }
}

/// What a concluded, approved application hands on (e.g. to issue a certificate).
public struct ConcludedApplication: Sendable {
    public var applicationID: String
    public var receiptNumber: String?
    public var itemCode: String
    public var itemName: String
    public var divisionCode: String
    public var departmentCode: String
    public var applicantID: String
    public var organizationID: String?
    public var form: [String: String]
    public var decidedOn: CivilDate?
}

/// Called inside the concluding transaction after a case concludes with approval; an error
/// rolls the conclusion back, so a certificate is never lost or issued for a case left open.
public protocol ConclusionListener: Sendable {
    func applicationConcluded(_ summary: ConcludedApplication, on db: any SQLDatabase) async throws
}
