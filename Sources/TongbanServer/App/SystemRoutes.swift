import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Liveness, readiness, the OpenAPI document and static assets.
struct SystemRoutes {
    let database: AppDatabase
    let openAPI: Data
    let stylesheet: Data

    struct Health: Encodable, Sendable {
        var status: String
        var database: String?
    }

    func register(_ routes: SecuredRouter) {
        routes.get("/healthz", access: .anyone) { _, _ in
            try JSONOut.response(Health(status: "ok"))
        }
        routes.get("/readyz", access: .anyone) { _, context in
            do {
                try await database.sql.raw("SELECT 1").run()
                return try JSONOut.response(Health(status: "ready", database: "\(database.engine)"))
            } catch {
                context.logger.warning("readiness check failed: \(error)")
                return try JSONOut.response(Health(status: "unavailable", database: "\(database.engine)"), status: .serviceUnavailable)
            }
        }
        routes.get("/api/v1/openapi.json", access: .anyone) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
        routes.get("/static/app.css", access: .anyone) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(bytes: stylesheet)))
        }
    }
}
