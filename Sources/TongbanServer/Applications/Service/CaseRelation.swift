import TongbanCore

/// How a caller who may read a case (`ApplicationService.visible`) stands to it, which decides
/// what of the applicant's personal data they are shown.
public enum CaseRelation: Sendable, Equatable {
    /// The applicant: their own data.
    case applicant
    /// Staff in a case-work post of a department the case's process names: they need the numbers
    /// whole to work it, and every read of theirs is audited.
    case worker
    /// Anyone else who may read it (supervisors and system administrators of its division): they
    /// follow its state and deadlines, not the applicant's identity.
    case overseer

    /// Whether ID and mobile numbers are shown whole rather than masked (`Masking`).
    public var seesIdentifiers: Bool { self != .overseer }
}

extension ApplicationService {
    /// For a caller already let read the case: the applicant, one who works it, else an overseer.
    func relation(of caller: Principal, to record: ApplicationRecord) async throws -> CaseRelation {
        if record.applicantId == caller.accountID { return .applicant }
        return try await handles(record, caller) ? .worker : .overseer
    }
}
