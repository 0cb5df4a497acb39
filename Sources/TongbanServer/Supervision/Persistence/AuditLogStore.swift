import Foundation
import SQLKit
import TongbanCore

/// What a caller says happened; the store adds the sequence, time and chain hashes.
public struct AuditRecord: Sendable {
    public var action: String
    public var targetType: String?
    public var targetID: String?
    public var outcome: AuditOutcome
    public var detail: String?

    public init(_ action: String, targetType: String? = nil, targetID: String? = nil,
                outcome: AuditOutcome = .success, detail: String? = nil) {
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.outcome = outcome
        self.detail = detail
    }
}

public enum AuditOutcome: String, Sendable, Codable, CaseIterable {
    case success, denied, failure
}

/// Filters a supervisor may apply when reading the log.
public struct AuditFilter: Sendable {
    public var actorID: String?
    public var action: String?
    public var targetType: String?
    public var targetID: String?
    public var outcome: AuditOutcome?
    public var from: Date?
    public var to: Date?
    /// Restricts to entries of these departments; nil means every department.
    public var departments: [String]?

    public init() {}
}

/// Who the actors and departments of some entries are: accounts by id, department names by code.
public struct AuditParties: Sendable {
    public var accounts: [String: AuditParty] = [:]
    public var departments: [String: String] = [:]
}

public protocol AuditLog: Sendable {
    /// Appends inside the caller's transaction so the entry and the change it records are
    /// stored together or not at all.
    func append(_ record: AuditRecord, actor: AuditActor, on db: any SQLDatabase) async throws
    /// Appends in a transaction of its own (reads and security events).
    func append(_ record: AuditRecord, actor: AuditActor) async throws
    func list(_ filter: AuditFilter, paging: Paging) async throws -> (entries: [AuditEntry], total: Int)
    /// The accounts and departments that `entries` name, read in one statement (a page of the
    /// log names far fewer of them than it has rows).
    func parties(of entries: [AuditEntry]) async throws -> AuditParties
    /// Streams the whole chain in sequence order through a verifier.
    func verify() async throws -> AuditVerification
    /// Links entries appended but not yet chained (PostgreSQL, see `append`) into the chain,
    /// oldest first, and returns how many; reads of the log seal first, so they see every
    /// committed entry.
    @discardableResult
    func seal() async throws -> Int
}

struct SQLAuditLog: AuditLog {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    /// An entry before it is linked: what `audit_pending` holds, and all of a chained row but
    /// its place in the chain.
    // The rows are read by hand, as the application row is: SQLKit's generic row decoder with
    // its key conversion was 63 % of the chain verification's CPU (270,000 entries, 3.4 s) and
    // about 1 % of a PostgreSQL submission's (the sealer reads every pending entry back).
    private struct Pending {
        /// Set only for rows of `audit_pending`.
        var id: Int64?
        var occurredAt: Int64
        var actorId: String?
        var actorRole: String?
        var departmentCode: String?
        var action: String
        var targetType: String?
        var targetId: String?
        var outcome: String
        var clientAddress: String?
        var requestId: String?
        var detail: String?

        static func read(_ row: any SQLRow) throws -> Pending {
            Pending(
                id: row.contains(column: "id") ? try row.decode(column: "id") : nil, occurredAt: try row.decode(column: "occurred_at"),
                actorId: try row.decode(column: "actor_id"), actorRole: try row.decode(column: "actor_role"),
                departmentCode: try row.decode(column: "department_code"), action: try row.decode(column: "action"),
                targetType: try row.decode(column: "target_type"), targetId: try row.decode(column: "target_id"),
                outcome: try row.decode(column: "outcome"), clientAddress: try row.decode(column: "client_address"),
                requestId: try row.decode(column: "request_id"), detail: try row.decode(column: "detail"))
        }

        func entry(sequence: Int64, previousHash: String, hash: String) -> AuditEntry {
            var e = AuditEntry(
                sequence: sequence, occurredAt: Date(timeIntervalSince1970: Double(occurredAt) / 1000),
                actorID: actorId, actorRole: actorRole, departmentCode: departmentCode, action: action,
                targetType: targetType, targetID: targetId, outcome: outcome, clientAddress: clientAddress,
                requestID: requestId, detail: detail, previousHash: previousHash, hash: hash)
            e.occurredAtMilliseconds = occurredAt
            return e
        }
    }

    /// A row of `audit_log`: the entry and its place in the chain.
    private static func entry(_ row: any SQLRow) throws -> AuditEntry {
        try Pending.read(row).entry(sequence: try row.decode(column: "sequence"), previousHash: try row.decode(column: "previous_hash"),
                                    hash: try row.decode(column: "hash"))
    }

    private struct Head {
        var sequence: Int64
        var hash: String

        init(row: any SQLRow) throws {
            sequence = try row.decode(column: "sequence")
            hash = try row.decode(column: "hash")
        }
    }

    func append(_ record: AuditRecord, actor: AuditActor, on db: any SQLDatabase) async throws {
        let pending = Pending(
            id: nil, occurredAt: Int64((clock().timeIntervalSince1970 * 1000).rounded()), actorId: actor.accountID, actorRole: actor.role,
            departmentCode: actor.departmentCode, action: record.action, targetType: record.targetType, targetId: record.targetID,
            outcome: record.outcome.rawValue, clientAddress: actor.clientAddress, requestId: actor.requestID, detail: record.detail)
        guard database.engine == .sqlite else {
            // Nobody waits here: linking into the chain under a lock held until COMMIT made
            // every write transaction of every process wait for the previous one's commit.
            // `seal` links the entry once this transaction has committed.
            let binds: [any Encodable & Sendable] = [
                pending.occurredAt, pending.actorId, pending.actorRole, pending.departmentCode, pending.action, pending.targetType,
                pending.targetId, pending.outcome, pending.clientAddress, pending.requestId, pending.detail,
            ]
            try await db.query(Self.insertPending, binds).run()
            return
        }
        // The embedded database has one writer: the chain head cannot move under this transaction.
        let head = try await db.query(Self.chainHead).first().map(Head.init(row:))
        try await insert(Self.chain([pending], after: head), on: db)
    }

    /// The entries linked one after another from `head`, in the order given.
    private static func chain(_ pending: [Pending], after head: Head?) -> [AuditEntry] {
        var sequence = head?.sequence ?? 0
        var previous = head?.hash ?? AuditChain.genesisHash
        return pending.map {
            sequence += 1
            var entry = $0.entry(sequence: sequence, previousHash: previous, hash: "")
            entry.hash = AuditChain.hash(previousHash: previous, entry: entry)
            previous = entry.hash
            return entry
        }
    }

    /// One statement per 500 entries: the sealer's work is one round trip per batch, not per entry.
    private func insert(_ entries: [AuditEntry], on db: any SQLDatabase) async throws {
        for start in stride(from: 0, to: entries.count, by: 500) {
            let chunk = entries[start..<min(start + 500, entries.count)]
            let template = chunk.count == 1 ? Self.insertEntry : SQLTemplate(Self.insertEntries + " " + Array(
                repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", "))
            var binds: [any Encodable & Sendable] = []
            binds.reserveCapacity(chunk.count * 14)
            for e in chunk {
                binds += [
                    e.sequence, e.occurredAtMilliseconds, e.actorID, e.actorRole, e.departmentCode, e.action, e.targetType,
                    e.targetID, e.outcome, e.clientAddress, e.requestID, e.detail, e.previousHash, e.hash,
                ] as [any Encodable & Sendable]
            }
            try await db.query(template, binds).run()
        }
    }

    static let sealBatch = 1000

    @discardableResult
    func seal() async throws -> Int {
        guard database.engine == .postgres else { return 0 }
        // Most turns find nothing; they should not queue for the lock to learn it.
        guard try await database.sql.query(Self.anyPending).first() != nil else { return 0 }
        var total = 0
        while true {
            let sealed = try await database.transaction { db -> Int in
                // One sealer at a time across every process: the head is read and extended under the lock.
                try await db.raw("SELECT pg_advisory_xact_lock(7215002)").run()
                let taken = try await db.query(Self.takePending, [Self.sealBatch]).all().map(Pending.read)
                let head = try await db.query(Self.chainHead).first().map(Head.init(row:))
                try await insert(Self.chain(taken.sorted { ($0.id ?? 0) < ($1.id ?? 0) }, after: head), on: db)
                return taken.count
            }
            total += sealed
            if sealed < Self.sealBatch { return total }
        }
    }

    // Every write transaction runs these.
    private static let chainHead = SQLTemplate("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1")
    private static let insertEntries = """
        INSERT INTO audit_log (sequence, occurred_at, actor_id, actor_role, department_code, action, target_type,
                               target_id, outcome, client_address, request_id, detail, previous_hash, hash)
        VALUES
        """
    private static let insertEntry = SQLTemplate(insertEntries + " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    private static let insertPending = SQLTemplate("""
        INSERT INTO audit_pending (occurred_at, actor_id, actor_role, department_code, action, target_type, target_id, outcome,
                                   client_address, request_id, detail)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """, deferrable: true)
    private static let anyPending = SQLTemplate("SELECT id FROM audit_pending LIMIT 1")
    /// Only committed rows are seen; one committing later, even with a lower id, is taken by a later turn.
    private static let takePending = SQLTemplate("""
        DELETE FROM audit_pending WHERE id IN (SELECT id FROM audit_pending ORDER BY id LIMIT ?)
        RETURNING id, occurred_at, actor_id, actor_role, department_code, action, target_type, target_id, outcome, client_address,
                  request_id, detail
        """)

    func append(_ record: AuditRecord, actor: AuditActor) async throws {
        try await database.transaction { db in
            try await append(record, actor: actor, on: db)
        }
    }

    func list(_ filter: AuditFilter, paging: Paging) async throws -> (entries: [AuditEntry], total: Int) {
        func apply<Q: SQLPredicateBuilder>(_ q: Q) -> Q {
            if let v = filter.actorID { q.where("actor_id", .equal, v) }
            if let v = filter.action { q.where("action", .like, v.hasSuffix("*") ? String(v.dropLast()) + "%" : v) }
            if let v = filter.targetType { q.where("target_type", .equal, v) }
            if let v = filter.targetID { q.where("target_id", .equal, v) }
            if let v = filter.outcome { q.where("outcome", .equal, v.rawValue) }
            if let v = filter.from { q.where("occurred_at", .greaterThanOrEqual, Int64(v.timeIntervalSince1970 * 1000)) }
            if let v = filter.to { q.where("occurred_at", .lessThan, Int64(v.timeIntervalSince1970 * 1000)) }
            if let v = filter.departments { q.where("department_code", .in, v) }
            return q
        }
        struct Count: Decodable { var n: Int }
        try await seal()
        let sql = database.sql
        let total = try await apply(sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("audit_log"))
            .first(decoding: Count.self)?.n ?? 0
        let rows = try await apply(sql.select().column("*").from("audit_log"))
            .orderBy("sequence", .descending).limit(paging.pageSize).offset(paging.offset)
            .all().map(Self.entry)
        return (rows, total)
    }

    func parties(of entries: [AuditEntry]) async throws -> AuditParties {
        let accounts = Set(entries.compactMap(\.actorID).filter { !$0.hasPrefix("system:") }).sorted()
        let departments = Set(entries.compactMap(\.departmentCode)).sorted()
        var branches: [SQLQueryString] = []
        if !accounts.isEmpty {
            branches.append("SELECT 'account' AS source, id AS code, kind, display_name AS name, username FROM accounts WHERE id IN (\(binds: accounts))")
        }
        if !departments.isEmpty {
            branches.append("SELECT 'department' AS source, code, NULL AS kind, name, NULL AS username FROM departments WHERE code IN (\(binds: departments))")
        }
        var parties = AuditParties()
        guard !branches.isEmpty else { return parties }
        for row in try await database.sql.raw(branches.joined(separator: " UNION ALL ")).all() {
            let code = try row.decode(column: "code", as: String.self), name = try row.decode(column: "name", as: String.self)
            if try row.decode(column: "source", as: String.self) == "department" {
                parties.departments[code] = name
            } else if let kind = AuditParty.Kind(rawValue: try row.decode(column: "kind", as: String.self)) {
                parties.accounts[code] = AuditParty(kind: kind, name: name, username: try row.decode(column: "username", as: String?.self))
            }
        }
        return parties
    }

    func verify() async throws -> AuditVerification {
        var verifier = AuditChainVerifier()
        var after: Int64 = -1
        try await seal()
        let sql = database.sql
        // Pages by sequence so millions of entries never sit in memory at once.
        while true {
            let rows = try await sql.select().column("*").from("audit_log")
                .where("sequence", .greaterThan, after)
                .orderBy("sequence").limit(5000)
                .all().map(Self.entry)
            if rows.isEmpty { break }
            for entry in rows where !verifier.feed(entry) {
                return verifier.result
            }
            after = rows.last!.sequence
        }
        return verifier.result
    }
}
