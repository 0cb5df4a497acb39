import Crypto
import Foundation
import Logging
import SQLKit

/// Makes sure this process holds the data key the database's personal data is encrypted
/// under before it serves anything. Processes sharing one PostgreSQL each load their key from
/// their own environment or data directory; one with another key used to start normally,
/// then answer every citizen's log-in with "wrong password" and every read with a 500.
enum DataKeyCheck {
    private struct Stored: Decodable { var fingerprint: String }
    private struct Sample: Decodable { var value: String }

    /// Loads the key and checks it against the fingerprint stored by the first process (M016);
    /// a database from before the fingerprint is checked against a value encrypted in it.
    /// `checked` is false for the stand-in key of a run that does without the data key.
    static func load(_ config: AppConfiguration, database: AppDatabase, logger: Logger) async throws
        -> (protector: FieldProtector, checked: Bool) {
        do {
            return (try await check(configured: config.dataKey, dataDirectory: config.dataDirectory, database: database, now: config.clock()), true)
        } catch let error as FieldProtectorError where !config.needsDataKey {
            logger.warning("\(error); personal data stays unreadable to this run")
            return (FieldProtector(masterKey: SymmetricKey(size: .bits256)), false)
        }
    }

    private static func check(configured: String?, dataDirectory: URL, database: AppDatabase, now: Date) async throws -> FieldProtector {
        let db = database.sql
        let stored = try await db.select().column("fingerprint").from("data_key_check").where("id", .equal, 1)
            .first(decoding: Stored.self)?.fingerprint
        let sample = stored != nil ? nil : try await db.raw("""
            SELECT COALESCE(id_number_enc, mobile_enc, totp_secret_enc) AS value FROM accounts
            WHERE COALESCE(id_number_enc, mobile_enc, totp_secret_enc) IS NOT NULL LIMIT 1
            """).first(decoding: Sample.self)?.value
        let protector = try FieldProtector.load(configured: configured, dataDirectory: dataDirectory,
                                                mayCreate: stored == nil && sample == nil)
        if let stored {
            guard stored == fingerprint(protector) else { throw FieldProtectorError.keyMismatch }
            return protector
        }
        if let sample, (try? protector.decrypt(sample)) == nil { throw FieldProtectorError.keyMismatch }
        // Two processes starting at once on an empty database: the first fingerprint stands, and
        // the other compares against it.
        try await db.raw("""
            INSERT INTO data_key_check (id, fingerprint, created_at) VALUES (1, \(bind: fingerprint(protector)), \
            \(bind: Int64(now.timeIntervalSince1970 * 1000))) ON CONFLICT (id) DO NOTHING
            """).run()
        let winner = try await db.select().column("fingerprint").from("data_key_check").where("id", .equal, 1)
            .first(decoding: Stored.self)?.fingerprint
        guard winner == fingerprint(protector) else { throw FieldProtectorError.keyMismatch }
        return protector
    }

    /// A MAC under the blind-index sub-key: tells keys apart without revealing either.
    private static func fingerprint(_ protector: FieldProtector) -> String {
        protector.blindIndex("data-key-check", purpose: "key-fingerprint")
    }
}
