/// The stored form of a case, written by hand. It is the JSON the synthesized `Encodable`
/// conformance produces (the same members and enum shapes, so `Decodable` reads it back and
/// cases stored before read the same), at a small part of the cost: Foundation's
/// JSONEncoder building its value tree was about 9 % of the server's CPU on a workflow
/// action, which encodes the case every time.
extension WorkflowCase {
    public var storedJSON: String {
        var w = JSONTextWriter()
        w.openObject()
        w.key("id"); w.string(id)
        w.key("definitionID"); w.string(definitionID)
        w.key("definitionVersion"); w.int(definitionVersion)
        w.key("state"); state.write(to: &w)
        w.key("version"); w.int(version)
        if let clock { w.key("clock"); clock.write(to: &w) }
        if let stepClock { w.key("stepClock"); stepClock.write(to: &w) }
        w.key("stepPath"); w.strings(stepPath)
        w.key("opinions"); JointOpinion.write(opinions, to: &w)
        w.key("outstandingMaterials"); w.strings(outstandingMaterials)
        w.key("supplementNoticeSent"); w.bool(supplementNoticeSent)
        if let decision {
            w.key("decision")
            w.openObject()
            w.key("outcome"); w.string(decision.outcome.rawValue)
            if let reason = decision.reason { w.key("reason"); w.string(reason) }
            if let basis = decision.legalBasis { w.key("legalBasis"); w.string(basis) }
            if let department = decision.departmentCode { w.key("departmentCode"); w.string(department) }
            w.key("date"); w.string(decision.date.description)
            w.closeObject()
        }
        if let lastActionOn { w.key("lastActionOn"); w.string(lastActionOn.description) }
        w.closeObject()
        return w.text
    }
}

extension CaseState {
    /// Synthesized enum coding: `{"case":{labels…}}`, an absent optional left out.
    fileprivate func write(to w: inout JSONTextWriter) {
        let (name, step): (String, String?) = switch self {
        case .draft: ("draft", nil)
        case .submitted: ("submitted", nil)
        case .accepted(let step): ("accepted", step)
        case .supplementRequested(let step): ("supplementRequested", step)
        case .rejectedAtIntake: ("rejectedAtIntake", nil)
        case .approved(let step): ("approved", step)
        case .rejected(let step): ("rejected", step)
        case .concluded: ("concluded", nil)
        case .withdrawn: ("withdrawn", nil)
        }
        w.openObject()
        w.key(name)
        w.openObject()
        if let step { w.key("step"); w.string(step) }
        w.closeObject()
        w.closeObject()
    }
}

extension CaseClock {
    fileprivate func write(to w: inout JSONTextWriter) {
        w.openObject()
        w.key("limit"); w.int(limit)
        w.key("events")
        w.objects(events) { w, event in
            w.key("kind")
            w.openObject()
            switch event.kind {
            case .started: w.key("started"); w.openObject(); w.closeObject()
            case .resumed: w.key("resumed"); w.openObject(); w.closeObject()
            case .paused(let reason):
                // An unlabelled associated value is keyed `_0`.
                w.key("paused"); w.openObject(); w.key("_0"); w.string(reason.rawValue); w.closeObject()
            }
            w.closeObject()
            w.key("date"); w.string(event.date.description)
        }
        w.closeObject()
    }
}

extension JointOpinion {
    /// Departments' opinions as synthesized coding writes a `[String: JointOpinion]`.
    public static func write(_ opinions: [String: JointOpinion], to w: inout JSONTextWriter) {
        w.object { w in
            for (department, opinion) in opinions {
                w.key(department)
                w.object { w in
                    w.member("verdict", opinion.verdict.rawValue)
                    w.member("comment", opinion.comment)
                }
            }
        }
    }
}
