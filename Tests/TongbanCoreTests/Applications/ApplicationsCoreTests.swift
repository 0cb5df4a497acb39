import Foundation
import Testing
@testable import TongbanCore

@Suite("Application forms")
struct FormDefinitionTests {
    static let today = CivilDate(year: 2026, month: 3, day: 12)!
    static let divisions: Set<String> = ["330106", "330100", "330000", "330102"]

    static let form = FormDefinition(itemCode: "330000-XK-0009", itemVersion: 1, fields: [
        FormField(id: "name", label: "经营者名称", type: .text, required: true, maxLength: 10),
        FormField(id: "kind", label: "类型", type: .choice, required: true,
                  options: [ChoiceOption(value: "individual", label: "个体"), ChoiceOption(value: "company", label: "企业")]),
        FormField(id: "creditCode", label: "统一社会信用代码", type: .creditCode,
                  requiredWhen: FieldCondition(field: "kind", values: ["company"])),
        FormField(id: "idNumber", label: "身份证号", type: .idNumber, required: true, prefill: .applicantIDNumber),
        FormField(id: "division", label: "区划", type: .division),
        FormField(id: "area", label: "面积", type: .number, min: 1, max: 100),
        FormField(id: "capital", label: "注册资本", type: .money),
        FormField(id: "opening", label: "开业日期", type: .date),
    ])

    func check(_ values: [String: String]) -> [FieldIssue] {
        Self.form.validateForSubmission(values, divisionExists: Self.divisions.contains, today: Self.today)
    }

    @Test func aValidFormHasNoIssuesAndIsCanonical() throws {
        let (values, issues) = Self.form.normalize(
            ["name": " 小吃店 ", "kind": "company", "creditCode": "91330106ma2h0001x6", "idNumber": "330106198503120116",
             "division": "330106", "area": "12.50", "capital": "1000.5", "opening": "2026-04-01"],
            divisionExists: Self.divisions.contains, today: Self.today)
        #expect(issues.isEmpty)
        #expect(values["name"] == "小吃店")
        #expect(values["creditCode"] == "91330106MA2H0001X6")
        #expect(values["area"] == "12.5")
        #expect(values["capital"] == "1000.50")
        #expect(check(values).isEmpty)
    }

    @Test func everyProblemIsNamedAtOnce() {
        let issues = check(["name": String(repeating: "长", count: 11), "kind": "other", "idNumber": "330106198503120117",
                            "division": "999999", "area": "0", "capital": "1.234", "opening": "2026-02-30", "extra": "x"])
        #expect(Set(issues.map(\.field)) == ["form/name", "form/kind", "form/idNumber", "form/division", "form/area",
                                             "form/capital", "form/opening", "form/extra"])
        #expect(issues.allSatisfy { !$0.messageZh.isEmpty && !$0.messageEn.isEmpty })
    }

    @Test func conditionalFieldsAreRequiredOnlyWhenTheConditionHolds() {
        #expect(check(["name": "甲", "kind": "individual", "idNumber": "330106198503120116"]).isEmpty)
        let issues = check(["name": "甲", "kind": "company", "idNumber": "330106198503120116"])
        #expect(issues.map(\.field) == ["form/creditCode"])
        #expect(Set(check([:]).map(\.field)) == ["form/name", "form/kind", "form/idNumber"])
    }

    @Test func definitionsAreValidatedBeforeUse() {
        let bad = FormDefinition(itemCode: "", itemVersion: 1, fields: [
            FormField(id: "a", label: "", type: .choice),
            FormField(id: "a", label: "A", type: .text, requiredWhen: FieldCondition(field: "missing", values: [])),
        ])
        #expect(throws: ValidationFailure.self) { try bad.validate() }
        do { try bad.validate() } catch {
            #expect(Set(error.issues.map(\.field)) == ["itemCode", "fields/0/label", "fields/0/options", "fields/1/id",
                                                       "fields/1/requiredWhen/field", "fields/1/requiredWhen/values"])
        }
        #expect(throws: Never.self) { try Self.form.validate() }
    }

    @Test func numbersAndDatesAreWhatPeopleWrite() {
        func area(_ text: String) -> [String] {
            Self.form.normalize(["area": text], divisionExists: Self.divisions.contains, today: Self.today).1.map(\.code)
        }
        for good in ["1", "45", "45.5", "100", "099"] { #expect(area(good).isEmpty, "\(good)") }
        for bad in ["0x10", "0x1p4", "1e3", "1E1", "inf", "nan", "+5", ".5", "5.", "4 5", "４５", "-", "1.2.3"] {
            #expect(area(bad) == ["format"], "\(bad)")
        }
        #expect(area("-3") == ["range"], "a negative number is a number, below the minimum")
        func opening(_ text: String) -> [String] {
            Self.form.normalize(["opening": text], divisionExists: Self.divisions.contains, today: Self.today).1.map(\.code)
        }
        #expect(opening("1900-01-01").isEmpty && opening("2199-12-31").isEmpty)
        #expect(opening("0001-01-01") == ["range"] && opening("9999-12-31") == ["range"] && opening("1899-12-31") == ["range"])
    }

    static let rules = FormDefinition(itemCode: "330000-XK-0009", itemVersion: 1, fields: [
        FormField(id: "name", label: "名称", type: .text),
        FormField(id: "note", label: "说明", type: .text, multiline: true),
        FormField(id: "mobile", label: "联系电话", type: .mobile),
        FormField(id: "premises", label: "经营场所区划", type: .division, withinCaseDivision: true),
        FormField(id: "home", label: "户籍地", type: .division),
        FormField(id: "opening", label: "计划开业日期", type: .date, notBeforeDays: 0, notAfterDays: 730),
    ])

    func rule(_ field: String, _ value: String, caseDivision: String? = "330106") -> (value: String?, codes: [String]) {
        let (values, issues) = Self.rules.normalize([field: value], divisionExists: Self.divisions.contains, today: Self.today,
                                                    caseDivision: caseDivision)
        return (values[field], issues.map(\.code))
    }

    @Test func textRefusesControlCharactersExceptLineBreaksInMultiLineText() {
        #expect(rule("name", "a\u{0001}b").codes == ["control"])
        #expect(rule("name", "a\tb").codes == ["control"] && rule("name", "a\nb").codes == ["control"])
        #expect(rule("name", "a\u{7F}b").codes == ["control"])
        #expect(rule("note", "第一行\r\n第二行\t完").value == "第一行\n第二行\t完", "CR LF from a textarea is one line feed")
        #expect(rule("note", "a\u{001B}[31m").codes == ["control"])
        #expect(rule("name", "西湖小吃店 № 1").value == "西湖小吃店 № 1")
        #expect(rule("name", "a\u{0085}b").codes == ["control"], "C1 controls are control characters too")
    }

    /// Bidirectional controls are invisible and reorder the text around them: "张\u{202E}伟王" would
    /// display as 张王伟 to the official. Every one of them is refused, in multi-line text too.
    @Test func textRefusesBidirectionalControls() {
        let controls: [UInt32] = [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C]
        for value in controls {
            let scalar = Character(Unicode.Scalar(value)!)
            #expect(rule("name", "张\(scalar)伟").codes == ["control"], "U+\(String(value, radix: 16, uppercase: true))")
            #expect(rule("note", "第一行\n张\(scalar)伟").codes == ["control"], "U+\(String(value, radix: 16, uppercase: true)) in multi-line text")
        }
        // Neighbours that are no controls stay: the zero-width joiner of an emoji sequence, Arabic and Hebrew letters.
        for text in ["👨\u{200D}👩\u{200D}👧", "مطعم", "מסעדה", "Café"] { #expect(rule("name", text).value == text, "\(text)") }
    }

    @Test func mobileNumbersAreChecked() {
        #expect(rule("mobile", "13800000001").value == "13800000001")
        for bad in ["abc", "1380000000", "12800000001", "138000000011", "+8613800000001"] {
            #expect(rule("mobile", bad).codes == ["format"], "\(bad)")
        }
    }

    @Test func aDivisionFieldMayBeBoundToTheCasesDivision() {
        #expect(rule("premises", "330106").value == "330106")
        #expect(rule("premises", "330102").codes == ["outsideDivision"], "another county")
        #expect(rule("premises", "330100").codes == ["outsideDivision"], "the enclosing city is not within the county")
        #expect(rule("premises", "330102", caseDivision: "330000").value == "330102", "a province case takes any county of it")
        #expect(rule("home", "330102").value == "330102", "an unbound division field takes any known division")
        #expect(rule("premises", "999999").codes == ["division"])
    }

    @Test func dateBoundsAreCountedFromToday() {
        #expect(rule("opening", "2026-03-12").value == "2026-03-12")
        #expect(rule("opening", "2028-03-11").value == "2028-03-11")
        #expect(rule("opening", "2026-03-11").codes == ["range"])
        #expect(rule("opening", "1900-01-01").codes == ["range"])
        #expect(rule("opening", "2028-03-12").codes == ["range"])
    }

    @Test func fieldOptionsFitTheirType() {
        let bad = FormDefinition(itemCode: "X", itemVersion: 1, fields: [
            FormField(id: "a", label: "A", type: .number, multiline: true),
            FormField(id: "b", label: "B", type: .text, withinCaseDivision: true),
            FormField(id: "c", label: "C", type: .text, notBeforeDays: 0),
            FormField(id: "d", label: "D", type: .date, notBeforeDays: 10, notAfterDays: 1),
        ])
        do { try bad.validate(); Issue.record("accepted") } catch {
            #expect(error.issues.map(\.field) == ["fields/0/multiline", "fields/1/withinCaseDivision", "fields/2/notBeforeDays", "fields/3/notAfterDays"])
        }
        #expect(throws: Never.self) { try Self.rules.validate() }
    }

    /// A form defined for item version N governs the later versions a guide edit publishes, until a
    /// form is defined for a later version; a case keeps the form version it recorded.
    @Test func aFormGovernsLaterItemVersionsUntilALaterFormIsDefined() {
        let item = CatalogFixtures.item(code: "330000-XK-0009")
        let first = Self.form
        let third = FormDefinition(itemCode: "330000-XK-0009", itemVersion: 3, fields: [FormField(id: "scope", label: "经营范围", type: .text)])
        let other = FormDefinition(itemCode: "330000-XK-0010", itemVersion: 2, fields: [FormField(id: "x", label: "X", type: .text)])
        let forms = [third, other, first]
        #expect(FormDefinition.inForce(among: forms, for: item, version: 1) == first)
        #expect(FormDefinition.inForce(among: forms, for: item, version: 2) == first, "a guide edit keeps the form")
        #expect(FormDefinition.inForce(among: forms, for: item, version: 3) == third)
        #expect(FormDefinition.inForce(among: forms, for: item, version: 9) == third)
        let generic = FormDefinition.inForce(among: [other], for: item, version: 4)
        #expect(generic.itemVersion == 4 && generic.field("request") != nil, "an item without a form of its own gets the generic form")

        // A case filed on version 2 recorded the form version 1 and keeps it, whatever was defined since.
        #expect(FormDefinition.filed(among: forms, for: item, formVersion: first.itemVersion) == first)
        #expect(FormDefinition.filed(among: forms, for: item, formVersion: 3) == third)
        #expect(FormDefinition.filed(among: forms, for: item, formVersion: 2).field("request") != nil,
                "a case filed on the generic form (it records the item version) keeps the generic form")
    }

    /// A person's name and ID number are facts of their own case; filing for an organisation its name
    /// and credit code are, the agent's own identity only offered; a contact number is only offered.
    @Test func prefilledFactsDependOnTheApplicantOfRecord() {
        #expect(PrefillSource.allCases.filter { $0.isHeldFact(forOrganization: false) } == [.applicantName, .applicantIDNumber])
        #expect(PrefillSource.allCases.filter { $0.isHeldFact(forOrganization: true) } == [.organizationName, .organizationCreditCode])

        let form = FormDefinition(itemCode: "X", itemVersion: 1, fields: [
            FormField(id: "name", label: "负责人姓名", type: .text, prefill: .applicantName),
            FormField(id: "id", label: "负责人身份证号", type: .idNumber, prefill: .applicantIDNumber),
            FormField(id: "mobile", label: "联系电话", type: .mobile, prefill: .applicantMobile),
            FormField(id: "org", label: "单位名称", type: .text, prefill: .organizationName),
            FormField(id: "note", label: "说明", type: .text),
        ])
        let held = ["name": "张伟", "id": "330106198503120116", "mobile": "13800000001"]
        let sent = ["name": "王芳", "id": "", "mobile": "13800000002", "org": "某公司", "note": "x"]
        let issues = form.replacedFacts(sent, held: held, forOrganization: false)
        #expect(issues.map(\.field) == ["form/name", "form/id"], "a blank clears a fact: refused too")
        #expect(issues.allSatisfy { $0.code == "prefilled" } && issues.first?.messageZh == "“负责人姓名”由申请人身份自动填写，不能修改")
        #expect(form.replacedFacts(held, held: held, forOrganization: false).isEmpty, "the same value is no change")
        #expect(form.replacedFacts(sent, held: held.merging(["org": "西湖公司"]) { a, _ in a }, forOrganization: true).map(\.field) == ["form/org"])
        #expect(form.replacedFacts(["org": "某公司"], held: [:], forOrganization: true).isEmpty, "nothing held, nothing to keep")

        #expect(!form.changesHeldFacts(["name": "张伟", "mobile": "13900000009"], current: held, forOrganization: false))
        #expect(form.changesHeldFacts(["id": ""], current: held, forOrganization: false))
        #expect(form.changesHeldFacts(["name": "张伟"], current: [:], forOrganization: false), "a fact the case lacks is looked up")
        #expect(!form.changesHeldFacts(["name": "李店长"], current: held, forOrganization: true), "an agent's name is only offered")
    }

    @Test func moneyNeverUsesFloatingPoint() {
        #expect(Money.fen(from: "0.1") == 10)
        #expect(Money.fen(from: "12") == 1200)
        #expect(Money.fen(from: "12.05") == 1205)
        #expect(Money.fen(from: "-1") == nil)
        #expect(Money.fen(from: "1.") == nil)
        #expect(Money.fen(from: "1e3") == nil)
        #expect(Money.yuan(1205) == "12.05")
    }
}

@Suite("Attachments, receipts and posts")
struct ApplicationSupportTests {
    @Test func uploadsAreRecognisedByTheirBytes() {
        func sniff(_ bytes: [UInt8], _ name: String, _ type: String?, entries: [String]? = nil) -> AttachmentType? {
            AttachmentPolicy.sniff(bytes, fileName: name, declaredType: type, zipEntries: { _ in entries })
        }
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        #expect(sniff(Array("%PDF-1.7\n".utf8), "a.txt", "text/plain") == .pdf)
        #expect(sniff([0xFF, 0xD8, 0xFF, 0xE0], "a", nil) == .jpeg)
        #expect(sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0], "a", nil) == .png)
        #expect(sniff(zip, "证照.OFD", nil, entries: ["OFD.xml", "Doc_0/Document.xml"]) == .ofd)
        #expect(sniff(zip, "a.bin", "application/ofd", entries: ["OFD.xml"]) == .ofd)
        #expect(sniff(zip, "a.zip", "application/zip", entries: ["OFD.xml"]) == nil, "a ZIP must say it is OFD")
        #expect(sniff(zip, "licence.ofd", nil, entries: ["evil.exe", "index.html"]) == nil, "a ZIP without OFD.xml")
        #expect(sniff(zip, "licence.ofd", nil, entries: ["Doc_0/OFD.xml"]) == nil, "OFD.xml only counts at the root")
        #expect(sniff(zip + [UInt8](repeating: 0, count: 64), "licence.ofd", nil, entries: nil) == nil, "no readable ZIP")
        #expect(sniff(Array("<html>".utf8), "a.pdf", "application/pdf") == nil)
        #expect(AttachmentPolicy.cleanFileName("../../etc/\"passwd\"\n") == "passwd")
        let long = AttachmentPolicy.cleanFileName(String(repeating: "营", count: 5000) + ".pdf")
        #expect(long.count == AttachmentPolicy.fileNameLimit && long.hasSuffix("营….pdf"), "the type stays readable")
        #expect(AttachmentPolicy.cleanFileName(String(repeating: "a", count: 200)).count == AttachmentPolicy.fileNameLimit)
    }

    @Test func storedNamesCarryTheExtensionOfTheDetectedType() {
        #expect(AttachmentPolicy.storedFileName("x.html", type: .pdf) == "x.pdf")
        #expect(AttachmentPolicy.storedFileName("申请书.PDF", type: .pdf) == "申请书.PDF", "a matching name is kept")
        #expect(AttachmentPolicy.storedFileName("照片.jpeg", type: .jpeg) == "照片.jpeg")
        #expect(AttachmentPolicy.storedFileName("照片.png", type: .jpeg) == "照片.jpg")
        #expect(AttachmentPolicy.storedFileName("证照", type: .ofd) == "证照.ofd")
        #expect(AttachmentPolicy.storedFileName("a.tar.gz", type: .png) == "a.tar.png")
        #expect(AttachmentPolicy.storedFileName("../\"x\".exe", type: .pdf) == "x.pdf")
        let long = AttachmentPolicy.storedFileName(String(repeating: "营", count: 500) + ".html", type: .pdf)
        #expect(long.count <= AttachmentPolicy.fileNameLimit && long.hasSuffix(".pdf"))
    }

    @Test func receiptNumbersCarryDivisionDateAndSequence() {
        #expect(ReceiptNumber.make(division: "330106", date: CivilDate(year: 2026, month: 3, day: 2)!, sequence: 42) == "33010620260302000042")
    }

    @Test func staffRolesMapToProcessPostsInOnePlace() {
        #expect(StaffPosts.processRoles(for: [.windowClerk, .approver, .supervisor]) == [.acceptor, .decisionMaker])
        let step = ProcessDefinition.standard(id: "p", name: "p", timeLimit: 10, reviewDays: 5, decisionDays: 3).step("decision")
        #expect(StaffPosts.actingRole(for: [.reviewer, .approver], action: .approve, at: step) == .decisionMaker)
        #expect(StaffPosts.actingRole(for: [.reviewer], action: .approve, at: step) == .reviewer)
        #expect(StaffPosts.actingRole(for: [.supervisor], action: .approve, at: step) == nil)
    }
}

@Suite("Work-queue tasks")
struct CaseTasksTests {
    static let date = CivilDate(year: 2026, month: 3, day: 2)!
    static let joint = ProcessDefinition.withJointReview(
        id: "joint", name: "joint", timeLimit: 10,
        participants: [JointParticipant(departmentCode: "scjgj", timeLimit: 5), JointParticipant(departmentCode: "wjj", timeLimit: 3)],
        leadDepartment: "scjgj", joinMode: .all, jointReviewDays: 5, decisionDays: 3)

    @Test func tasksFollowTheCaseThroughJointReview() throws {
        let engine = try WorkflowEngine(definition: Self.joint)
        var c = engine.newCase(id: "c")
        #expect(engine.openTasks(of: c, handlingDepartment: "bureau", escalated: false).isEmpty)
        c = try engine.apply(.submit, by: .applicant, to: c, on: Self.date).case
        #expect(engine.openTasks(of: c, handlingDepartment: "bureau", escalated: false)
                == [CaseTask(departmentCode: "bureau", role: .acceptor, kind: .intake, step: "acceptance")])
        c = try engine.apply(.accept, by: WorkflowActor(role: .acceptor, departmentCode: "bureau"), to: c, on: Self.date).case
        let opinions = engine.openTasks(of: c, handlingDepartment: "bureau", escalated: false)
        #expect(Set(opinions.map(\.departmentCode)) == ["scjgj", "wjj"])
        #expect(opinions.allSatisfy { $0.kind == .opinion && $0.role == .reviewer })
        c = try engine.apply(.giveOpinion(JointOpinion(.agree, comment: "")), by: WorkflowActor(role: .reviewer, departmentCode: "wjj"),
                             to: c, on: Self.date).case
        #expect(engine.openTasks(of: c, handlingDepartment: "bureau", escalated: false).map(\.departmentCode) == ["scjgj"])
        c = try engine.apply(.giveOpinion(JointOpinion(.agree, comment: "")), by: WorkflowActor(role: .reviewer, departmentCode: "scjgj"),
                             to: c, on: Self.date).case
        #expect(engine.openTasks(of: c, handlingDepartment: "bureau", escalated: true) == [
            CaseTask(departmentCode: "scjgj", role: .reviewer, kind: .closeJointReview, step: "jointReview"),
            CaseTask(departmentCode: "bureau", role: .decisionMaker, kind: .supervise, step: "jointReview"),
        ])
        #expect(engine.participatingDepartments(handlingDepartment: "bureau") == ["bureau", "scjgj", "wjj"])
    }

    @Test func aSettledJoinAsksOnlyForItsClosing() throws {
        let engine = try WorkflowEngine(definition: Self.joint)
        var c = try engine.apply(.submit, by: .applicant, to: engine.newCase(id: "c"), on: Self.date).case
        c = try engine.apply(.accept, by: WorkflowActor(role: .acceptor, departmentCode: "bureau"), to: c, on: Self.date).case
        // Under AND one disagreement settles it: the lead's own opinion would change nothing.
        c = try engine.apply(.giveOpinion(JointOpinion(.disagree, comment: "卫生条件不达标")),
                             by: WorkflowActor(role: .reviewer, departmentCode: "wjj"), to: c, on: Self.date).case
        #expect(engine.openTasks(of: c, handlingDepartment: "bureau", escalated: false)
                == [CaseTask(departmentCode: "scjgj", role: .reviewer, kind: .closeJointReview, step: "jointReview")])
    }

    @Test func theHeadHoldingTheNextTaskGetsNoSecondRow() throws {
        let engine = try WorkflowEngine(definition: Self.joint)
        var c = try engine.apply(.submit, by: .applicant, to: engine.newCase(id: "c"), on: Self.date).case
        c = try engine.apply(.accept, by: WorkflowActor(role: .acceptor, departmentCode: "bureau"), to: c, on: Self.date).case
        for department in ["wjj", "scjgj"] {
            c = try engine.apply(.giveOpinion(JointOpinion(.agree, comment: "")), by: WorkflowActor(role: .reviewer, departmentCode: department),
                                 to: c, on: Self.date).case
        }
        c = try engine.apply(.approve, by: WorkflowActor(role: .reviewer, departmentCode: "scjgj"), to: c, on: Self.date).case
        // The decision is the lead's; when the lead also handles the case, its head supervising
        // would only see the same case twice. Another handling department's head still gets the row.
        let decision = CaseTask(departmentCode: "scjgj", role: .decisionMaker, kind: .handle, step: "decision")
        #expect(engine.openTasks(of: c, handlingDepartment: "scjgj", escalated: true) == [decision])
        #expect(engine.openTasks(of: c, handlingDepartment: "bureau", escalated: true)
                == [decision, CaseTask(departmentCode: "bureau", role: .decisionMaker, kind: .supervise, step: "decision")])
    }

    @Test func aSupplementNoticeNamesWhatTheApplicantProvides() {
        let item = CatalogFixtures.item()
        #expect(item.supplementIssues(naming: ["申请书", " ", " 申请书 "]).isEmpty)
        let issues = item.supplementIssues(naming: ["申请书", "营业执照", "不存在的材料"])
        #expect(issues.map(\.field) == ["materials/1", "materials/2"])
        #expect(issues.map(\.code) == ["governmentSupplied", "unknownMaterial"])
    }

    @Test func statusNamesEveryState() {
        #expect(ApplicationStatus(.accepted(step: "review")) == .inProgress)
        #expect(ApplicationStatus(.supplementRequested(step: nil)).isEditable)
        #expect(!ApplicationStatus(.submitted).isEditable)
        #expect(ApplicationStatus.allCases.allSatisfy { !$0.zh.isEmpty })
    }
}

@Suite("Where an application is filed")
struct FilingDivisionTests {
    static let known: Set<String> = ["330000", "330100", "330106", "330102", "440000", "440300", "440304"]
    func home(_ id: String?, _ org: String? = nil) -> String? {
        FilingDivision.home(idNumber: id, organizationDivision: org, divisionExists: Self.known.contains)
    }

    @Test func theApplicantsOwnDivisionComesFromTheOrganisationOrTheIDNumber() {
        #expect(home("330106198503120116") == "330106")
        #expect(home("330106198503120116", "440304") == "440304", "an agent applies where the organisation is registered")
        #expect(home("330103198503120116") == "330100", "a county merged away: the deepest division that still exists")
        #expect(home("990000198503120116") == nil)
        #expect(home(nil) == nil)
    }

    @Test func theDeepestImplementationCoveringTheApplicantIsCompetent() {
        let offered = ["330000", "330106"]
        #expect(FilingDivision.choose(home: "330106", offeredIn: offered) == .division("330106"))
        #expect(FilingDivision.choose(home: "330102", offeredIn: offered) == .division("330000"), "no local one: the province's")
        #expect(FilingDivision.choose(home: "330106", offeredIn: ["000000", "330100"]) == .division("330100"))
        #expect(FilingDivision.choose(home: "440304", offeredIn: ["000000"]) == .division("000000"))
    }

    @Test func withoutACompetentImplementationTheApplicantChooses() {
        #expect(FilingDivision.choose(home: "440304", offeredIn: ["330106", "330000"]) == .ambiguous(["330000", "330106"]))
        #expect(FilingDivision.choose(home: nil, offeredIn: ["330000", "330106"]) == .ambiguous(["330000", "330106"]))
        #expect(FilingDivision.choose(home: nil, offeredIn: ["330000"]) == .standard, "handled in one division only")
        #expect(FilingDivision.choose(home: "440304", offeredIn: ["330000"]) == .standard)
        #expect(FilingDivision.choose(home: "330106", offeredIn: []) == .standard, "an unknown item is refused by the catalog")
    }
}
