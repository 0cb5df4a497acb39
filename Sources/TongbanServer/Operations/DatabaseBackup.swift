import Foundation
import Logging
import SQLKit

/// Online backup and restore for both engines.
public enum DatabaseBackup {
    public enum Failure: Error, CustomStringConvertible {
        case targetExists(String)
        case notEmpty
        case missingFile(String)
        case toolFailed(String, Int32)

        public var description: String {
            switch self {
            case .targetExists(let p): "\(p) already exists; choose a new file"
            case .notEmpty: "the database is not empty; pass --force to overwrite it"
            case .missingFile(let p): "\(p) does not exist"
            case .toolFailed(let tool, let code): "\(tool) exited with status \(code)"
            }
        }
    }

    public static func backup(_ config: AppConfiguration, to file: String) async throws {
        let target = URL(fileURLWithPath: file).standardizedFileURL.path
        if FileManager.default.fileExists(atPath: target) { throw Failure.targetExists(target) }
        switch config.store {
        case .sqlite:
            let db = try AppDatabase.open(config.store, logger: Logger(label: "tongban.backup"))
            // VACUUM INTO reads one snapshot under WAL, so writers keep going meanwhile.
            do {
                try await db.sql.raw("VACUUM INTO \(bind: target)").run()
            } catch {
                await db.shutdown()
                throw error
            }
            await db.shutdown()
        case .postgres(let url):
            try await run("pg_dump", ["--format=custom", "--no-owner", "--file=\(target)", "--dbname=\(url)"])
        }
    }

    public static func restore(_ config: AppConfiguration, from file: String, force: Bool) async throws {
        let source = URL(fileURLWithPath: file).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: source) else { throw Failure.missingFile(source) }
        let db = try AppDatabase.open(config.store, logger: Logger(label: "tongban.restore"))
        let empty = try await db.isEmpty()
        guard empty || force else {
            await db.shutdown()
            throw Failure.notEmpty
        }
        switch config.store {
        case .sqlite(let path):
            await db.shutdown()
            let fm = FileManager.default
            for suffix in ["", "-wal", "-shm"] where fm.fileExists(atPath: path + suffix) {
                try fm.removeItem(atPath: path + suffix)
            }
            try fm.copyItem(atPath: source, toPath: path)
        case .postgres(let url):
            try await db.sql.raw("DROP SCHEMA public CASCADE").run()
            try await db.sql.raw("CREATE SCHEMA public").run()
            await db.shutdown()
            try await run("pg_restore", ["--no-owner", "--dbname=\(url)", source])
        }
    }

    /// Waits for the tool without holding a thread of the cooperative pool.
    private static func run(_ tool: String, _ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        guard status == 0 else { throw Failure.toolFailed(tool, status) }
    }
}
