import Testing
import TongbanCore

/// The audit page shows officials by name and log-in name, citizens by masked name only.
@Suite struct AuditPartyTests {
    @Test func partiesAreLabelledByKind() {
        #expect(AuditParty.label(actorID: "a", party: AuditParty(kind: .person, name: "王芳", username: nil)) == "王*")
        #expect(AuditParty.label(actorID: "a", party: AuditParty(kind: .person, name: "王", username: nil)) == "*")
        #expect(AuditParty.label(actorID: "b", party: AuditParty(kind: .staff, name: "陈受理", username: "clerk")) == "陈受理（clerk）")
        #expect(AuditParty.label(actorID: "system:deadlines", party: nil) == "系统（deadlines）")
        #expect(AuditParty.label(actorID: "gone-1", party: nil) == "gone-1")
        #expect(AuditParty.label(actorID: nil, party: nil) == nil)
    }
}
