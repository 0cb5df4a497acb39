import Synchronization

/// Resolved guides of one catalog revision. Any catalog change moves the revision, and the
/// first lookup that sees the new revision drops every guide of the old one.
final class GuideCache: Sendable {
    struct Key: Hashable, Sendable {
        var code: String
        var division: String?
        var version: Int?
    }

    private struct State {
        var revision: Int64 = -1
        var guides: [Key: CatalogService.Guide] = [:]
    }

    /// Bounds memory if callers walk the whole catalog; a full cache simply starts over.
    private static let capacity = 20_000
    private let state = Mutex(State())

    func guide(_ key: Key, at revision: Int64) -> CatalogService.Guide? {
        state.withLock { $0.revision == revision ? $0.guides[key] : nil }
    }

    /// Keeps `guide`, read at `revision`, unless a newer revision has been seen meanwhile.
    func store(_ guide: CatalogService.Guide, for key: Key, at revision: Int64) {
        state.withLock { state in
            if revision > state.revision || state.guides.count >= Self.capacity {
                state = State(revision: max(revision, state.revision))
            }
            if revision == state.revision { state.guides[key] = guide }
        }
    }
}
