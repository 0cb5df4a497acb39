import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TongbanCore
@testable import TongbanServer

/// The databases every integration test runs against: SQLite always, PostgreSQL when
/// `TONGBAN_TEST_DATABASE_URL` names a server (CI always starts one).
enum TestEngine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }

    static var available: [TestEngine] {
        ProcessInfo.processInfo.environment["TONGBAN_TEST_DATABASE_URL"].map { $0.isEmpty ? [.sqlite] : [.sqlite, .postgres] } ?? [.sqlite]
    }
}

/// A clock tests can move, so lock-outs and expiry are checked without sleeping.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Date
    init(_ start: Date = Date()) { now = start }
    func read() -> Date { lock.withLock { now } }
    func advance(_ seconds: TimeInterval) { lock.withLock { now += seconds } }
}

/// One isolated store per test: a fresh SQLite file, or a fresh PostgreSQL database.
struct TestStore: Sendable {
    let configuration: AppConfiguration
    let cleanup: @Sendable () async -> Void

    static func make(_ engine: TestEngine, clock: TestClock, demo: Bool = false) async throws -> TestStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tongban-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var store: AppConfiguration.Store? = nil
        var dropDatabase: String?
        if engine == .postgres, let base = ProcessInfo.processInfo.environment["TONGBAN_TEST_DATABASE_URL"] {
            let name = "tb_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
            try await psql(base, "CREATE DATABASE \(name)")
            store = .postgres(url: replaceDatabase(in: base, with: name))
            dropDatabase = name
        }
        let config = AppConfiguration(
            dataDirectory: dir, uploadDirectory: dir.appendingPathComponent("shared-uploads", isDirectory: true), store: store,
            loadDemoData: demo, bcryptCost: 4, logLevel: .warning,
            clock: { clock.read() })
        let created = dropDatabase
        return TestStore(configuration: config) {
            try? FileManager.default.removeItem(at: dir)
            if let name = created, let base = ProcessInfo.processInfo.environment["TONGBAN_TEST_DATABASE_URL"] {
                try? await psql(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            }
        }
    }

    static func replaceDatabase(in url: String, with name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + name
        return components.string ?? url
    }

    /// Runs psql without blocking a thread of the cooperative pool: with two cores, a few tests
    /// waiting on child processes at once would otherwise starve every other test's I/O.
    static func psql(_ url: String, _ command: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", command]
        process.standardOutput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        if status != 0 { throw CocoaError(.executableLoad) }
    }
}

/// How many applications the parallel tests run at once. Swift Testing starts every test case
/// together; hundreds of applications, each migrating its own PostgreSQL database over its own
/// connection pools, left two cores so busy that connects timed out (10 s) and tests failed
/// with 500s that say nothing about the product. Waiting for a turn costs no test anything.
actor TestGate {
    static let applications = TestGate(limit: 6)
    /// Set inside a turn, so an application a test starts within its own never waits for itself.
    @TaskLocal static var holding = false

    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func turn<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if Self.holding { return try await body() }
        if running < limit { running += 1 } else { await withCheckedContinuation { waiting.append($0) } }
        defer { if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() } }
        return try await Self.$holding.withValue(true) { try await body() }
    }
}

/// Builds the real application on an isolated store and hands the test an HTTP client.
func withApp(
    _ engine: TestEngine, demo: Bool = false, clock: TestClock = TestClock(),
    _ body: @Sendable (TestSession) async throws -> Void
) async throws {
    try await TestGate.applications.turn { try await runApp(engine, demo: demo, clock: clock, body) }
}

private func runApp(_ engine: TestEngine, demo: Bool, clock: TestClock, _ body: @Sendable (TestSession) async throws -> Void) async throws {
    let store = try await TestStore.make(engine, clock: clock, demo: demo)
    let app: TongbanApplication
    do {
        app = try await buildApplication(store.configuration)
    } catch {
        await store.cleanup()
        throw error
    }
    do {
        try await app.application.test(.router) { client in
            try await body(TestSession(client: client, app: app, clock: clock))
        }
    } catch {
        await app.services.database.shutdown()
        await store.cleanup()
        throw error
    }
    await app.services.database.shutdown()
    await store.cleanup()
}

struct TestSession: Sendable {
    let client: any TestClientProtocol
    let app: TongbanApplication
    let clock: TestClock
    var services: TongbanServices { app.services }

    struct Reply: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: Data
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }
        var text: String { String(decoding: body, as: UTF8.self) }
        var errorFields: [String] {
            (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
        }
    }

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: Any? = nil,
              raw: String? = nil, headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        } else if let raw {
            headers[.contentType] = headers[.contentType] ?? "application/json"
            body = ByteBuffer(string: raw)
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            Reply(status: response.status, headers: response.headers, body: Data(buffer: response.body))
        }
    }

    /// Registers a person through the API and returns their bearer token and id.
    func registerPerson(name: String = "测试用户", idNumber: String, mobile: String,
                        password: String = "Zhejiang#2026pass") async throws -> (token: String, id: String) {
        let created = try await call(.post, "/api/v1/persons", json: ["name": name, "idNumber": idNumber, "mobile": mobile, "password": password])
        #expect(created.status == .created, "register: \(created.text)")
        let token = try await logIn(mobile, password: password)
        return (token, created.json["id"] as? String ?? "")
    }

    func logIn(_ login: String, password: String, otp: String? = nil) async throws -> String {
        var body: [String: Any] = ["login": login, "password": password]
        if let otp { body["otp"] = otp }
        let reply = try await call(.post, "/api/v1/auth/token", json: body)
        #expect(reply.status == .created, "log-in \(login): \(reply.text)")
        return reply.json["token"] as? String ?? ""
    }

    /// Logs a demo staff member in with the demo password and their current TOTP code.
    func logInDemoStaff(_ username: String) async throws -> String {
        let code = TOTP.code(secret: DemoData.totpSecret(for: username), at: clock.read())
        return try await logIn(username, password: DemoData.password, otp: code)
    }
}

/// Valid identifiers for tests (check digits computed independently).
enum Fixtures {
    static let idNumbers = ["330106199201010012", "330102198802150029", "330106197506300134", "110101198001010045", "320102199909090057"]
    static let creditCodes = ["91330106MA2H0001X6", "91330102MA2H0002YG", "92330106MA2H0003L9"]
    static let mobiles = ["13800000011", "13800000012", "13900000013", "15000000014", "18600000015"]
}
