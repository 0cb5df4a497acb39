import Foundation
import Logging

/// Everything the process needs to know before it starts, gathered from flags and the
/// environment in one place so `main` and the tests build the application the same way.
public struct AppConfiguration: Sendable {
    public enum Store: Sendable, Equatable {
        /// Embedded SQLite file inside the data directory.
        case sqlite(path: String)
        /// PostgreSQL, for production and for several server processes sharing one store.
        case postgres(url: String)
    }

    public var host: String
    public var port: Int
    public var dataDirectory: URL
    /// Where applicants' uploads are kept, outside the database. Several server processes
    /// must share it (a shared volume), as they share the database.
    public var uploadDirectory: URL
    public var store: Store
    /// Base64 of 32 bytes; when nil a key file is created in the data directory.
    public var dataKey: String?
    /// False only for tools that read no personal data (the audit chain's verification), which
    /// may then run on a backup restored without its key: the check is skipped, and the
    /// process works with a throwaway key it never writes down.
    public var needsDataKey = true
    public var loadDemoData: Bool
    /// bcrypt work factor; tests lower it because each hash otherwise costs ~250 ms.
    public var bcryptCost: UInt8
    public var bearerTokenLifetime: TimeInterval
    public var sessionLifetime: TimeInterval
    public var logLevel: Logger.Level
    /// Lets tests and demo runs pin "now" so expiry and lock-out rules are reproducible.
    public var clock: @Sendable () -> Date

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        dataDirectory: URL = URL(fileURLWithPath: "data"),
        uploadDirectory: URL? = nil,
        store: Store? = nil,
        dataKey: String? = nil,
        loadDemoData: Bool = false,
        bcryptCost: UInt8 = 11,
        bearerTokenLifetime: TimeInterval = 12 * 3600,
        sessionLifetime: TimeInterval = 8 * 3600,
        logLevel: Logger.Level = .info,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.uploadDirectory = uploadDirectory ?? dataDirectory.appendingPathComponent("uploads", isDirectory: true)
        self.store = store ?? .sqlite(path: dataDirectory.appendingPathComponent("tongban.sqlite").path)
        self.dataKey = dataKey
        self.loadDemoData = loadDemoData
        self.bcryptCost = bcryptCost
        self.bearerTokenLifetime = bearerTokenLifetime
        self.sessionLifetime = sessionLifetime
        self.logLevel = logLevel
        self.clock = clock
    }

    /// Reads `TONGBAN_DATA_DIR`, `TONGBAN_UPLOAD_DIR`, `DATABASE_URL` and `TONGBAN_DATA_KEY`;
    /// explicit flags win.
    public static func fromEnvironment(
        host: String = "127.0.0.1",
        port: Int = 8080,
        dataDirectory: String? = nil,
        uploadDirectory: String? = nil,
        loadDemoData: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> AppConfiguration {
        let dir = URL(fileURLWithPath: dataDirectory ?? environment["TONGBAN_DATA_DIR"] ?? "data")
        let uploads = (uploadDirectory ?? environment["TONGBAN_UPLOAD_DIR"]).flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true) }
        var store: Store? = nil
        if let url = environment["DATABASE_URL"], !url.isEmpty {
            store = .postgres(url: url)
        }
        let level = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return AppConfiguration(
            host: host, port: port, dataDirectory: dir, uploadDirectory: uploads, store: store,
            dataKey: environment["TONGBAN_DATA_KEY"], loadDemoData: loadDemoData, logLevel: level
        )
    }
}
