import Foundation
import Hummingbird
import TongbanCore

/// Wallet, printable certificate and public verification pages.
struct CertificateWeb {
    let api: CertificateAPI
    let views: ViewRenderer
    var service: CertificateService { api.service }

    struct Row: Sendable {
        var number: String
        var typeName: String
        var issuedOn: String
        var expiresOn: String
        var status: String
        var revoked: Bool
    }

    struct WalletPage: Sendable {
        var certificates: [Row]
        var hasCertificates: Bool
        var notices: [[String: String]]
        var hasNotices: Bool
    }

    struct DetailPage: Sendable {
        var certificate: CertificateAPI.CertificateView
        var revoked: Bool
        var holderDisclosed: Bool
        var identifierDisclosed: Bool
        var fields: [CertificateAPI.FieldView]
        var shareLink: String
        var saved: Bool
    }

    struct PrintPage: Sendable {
        var certificate: CertificateAPI.CertificateView
        var revoked: Bool
        var sealSVG: String
        var qrSVG: String
        var shareLink: String
    }

    struct VerifyPage: Sendable {
        var number: String
        var outcome: String
        var outcomeZh: String
        var valid: Bool
        var typeName: String
        var issuedOn: String
        var expiresOn: String
        var department: String
        var sealKey: String
        var algorithm: String
        var disclosed: [CertificateAPI.FieldView]
        var hasDisclosed: Bool
        var fromPayload: Bool
    }

    static func statusZh(_ c: Certificate, today: CivilDate) -> String {
        if c.isRevoked { return "已撤销" }
        if let e = c.content.expiresOn, e < today { return "已过期" }
        return "有效"
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/certificates", access: .signedIn) { request, context in
            let holders = try await api.holderIDs(context.principal!)
            let (items, _) = try await service.list(CertificateScope(holders: holders), paging: Paging(page: 1, pageSize: 200))
            let today = service.today
            let rows = items.map {
                Row(number: $0.number, typeName: $0.content.typeName, issuedOn: $0.record.issuedOn,
                    expiresOn: $0.record.expiresOn ?? "长期", status: Self.statusZh($0, today: today), revoked: $0.isRevoked)
            }
            let notices = try await service.store.notices(account: context.principal!.accountID, on: service.database.sql)
                .map { ["message": $0.message, "link": $0.link ?? "", "number": $0.certificateNumber] }
            return views.page("certificates", WalletPage(certificates: rows, hasCertificates: !rows.isEmpty, notices: notices,
                                                         hasNotices: !notices.isEmpty), request: request, context: context)
        }
        routes.get("/certificates/{number}", access: .signedIn) { request, context in
            let (certificate, _) = try await api.readable(try context.parameters.require("number"), by: context.principal!, holderOnly: true)
            return detail(certificate, saved: request.query("saved") != nil, request: request, context: context)
        }
        routes.post("/certificates/{number}/disclosure", access: .signedIn) { request, context in
            let form = try await FormBody.read(request)
            let (certificate, _) = try await api.readable(try context.parameters.require("number"), by: context.principal!, holderOnly: true)
            let chosen = certificate.claims.map(\.name).filter { form["show.\($0)"] != nil }
            _ = try await service.setDisclosure(certificate, fields: chosen, version: form["version"].flatMap { Int($0) },
                                                actor: context.auditActor)
            return ViewRenderer.redirect("/certificates/\(certificate.number)?saved=1")
        }
        routes.get("/certificates/{number}/print", access: .signedIn) { request, context in
            let (certificate, _) = try await api.readable(try context.parameters.require("number"), by: context.principal!, holderOnly: true)
            let link = CertificateAPI.shareLink(certificate, request: request)
            let page = PrintPage(certificate: CertificateAPI.view(certificate), revoked: certificate.isRevoked,
                                 sealSVG: SealSVG.render(department: certificate.content.departmentName),
                                 qrSVG: try QRCodeSVG.svg(link, title: "证照核验二维码 \(certificate.number)"), shareLink: link)
            return views.page("certificate-print", page, request: request, context: context)
        }
        routes.get("/verify/{number}", access: .anyone) { request, context in
            try await api.throttle(context)
            let number = try context.parameters.require("number")
            let result: VerificationResult
            var type: CertificateType?
            let fromPayload = request.query("p") != nil
            if let payload = request.query("p") {
                guard let presentation = CertificatePresentation(payload: payload), presentation.content.number == number else {
                    throw Problem.badRequest("二维码内容无法识别", "unrecognised certificate payload",
                                             issues: [FieldIssue(field: "p", code: "format", zh: "二维码内容无法识别", en: "unrecognised payload")])
                }
                result = try await service.verify(presentation)
                type = try await service.types().first { $0.code == presentation.content.typeCode }
            } else {
                guard let certificate = try await service.certificate(number: number) else { throw Problem.notFound("certificate") }
                result = try await service.verify(certificate)
                type = certificate.type
            }
            let view = CertificateAPI.view(result, type: type)
            let page = VerifyPage(number: view.number, outcome: view.outcome, outcomeZh: view.outcomeZh, valid: result.outcome == .valid,
                                  typeName: view.typeName, issuedOn: view.issuedOn, expiresOn: view.expiresOn ?? "长期",
                                  department: view.department.name, sealKey: view.seal.keyId,
                                  algorithm: result.content.algorithm.label, disclosed: view.disclosed,
                                  hasDisclosed: !view.disclosed.isEmpty, fromPayload: fromPayload)
            return views.page("verify", page, request: request, context: context)
        }
    }

    func detail(_ certificate: Certificate, saved: Bool, request: Request, context: TongbanContext) -> Response {
        let view = CertificateAPI.view(certificate)
        let page = DetailPage(certificate: view, revoked: certificate.isRevoked,
                              holderDisclosed: certificate.disclosed.contains(HolderClaim.name),
                              identifierDisclosed: certificate.disclosed.contains(HolderClaim.identifier),
                              fields: view.fields, shareLink: CertificateAPI.shareLink(certificate, request: request), saved: saved)
        return views.page("certificate", page, request: request, context: context)
    }
}

/// The department's seal as drawn on a printed certificate: a red ring, a star and the
/// department's name. The cryptographic seal is the signature; this is its picture.
enum SealSVG {
    static func render(department: String) -> String {
        let name = department.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" class="seal" role="img"><title>\(name) 电子印章</title>\
            <circle cx="100" cy="100" r="92" fill="none" stroke="#d7000f" stroke-width="6"/>\
            <path id="seal-arc" d="M 32 112 A 70 70 0 1 1 168 112" fill="none"/>\
            <text font-size="17" fill="#d7000f" font-weight="700"><textPath href="#seal-arc" startOffset="50%" text-anchor="middle">\(name)</textPath></text>\
            <polygon points="100,70 108,94 133,94 113,109 120,133 100,118 80,133 87,109 67,94 92,94" fill="#d7000f"/>\
            <text x="100" y="160" font-size="16" fill="#d7000f" text-anchor="middle">电子证照专用章</text></svg>
            """
    }
}
