import Foundation

/// Narrowing of a catalog search. Empty sets mean "any".
public struct CatalogSearchFilters: Sendable, Hashable, Codable {
    public var kinds: Set<ItemKind> = []
    public var departmentCodes: Set<String> = []
    public var divisionCodes: Set<String> = []
    /// Items tagged with any of these life events.
    public var lifeEvents: Set<LifeEvent> = []
    /// 最多跑一次 is `maxVisits: 1`.
    public var maxVisits: Int?
    public var onlineFull: Bool?
    /// Items a person (or organisation) may apply for; `both` items always qualify.
    public var applicantType: ApplicantType?
    public var statuses: Set<ItemStatus> = [.published]
    /// The citizen's view (`CatalogScope`): only items of this division and the levels above
    /// it, each item code once at its most local implementation.
    public var citizenDivision: String?

    public init(
        kinds: Set<ItemKind> = [], departmentCodes: Set<String> = [], divisionCodes: Set<String> = [],
        lifeEvents: Set<LifeEvent> = [], maxVisits: Int? = nil, onlineFull: Bool? = nil,
        applicantType: ApplicantType? = nil, statuses: Set<ItemStatus> = [.published], citizenDivision: String? = nil
    ) {
        self.kinds = kinds
        self.departmentCodes = departmentCodes
        self.divisionCodes = divisionCodes
        self.lifeEvents = lifeEvents
        self.maxVisits = maxVisits
        self.onlineFull = onlineFull
        self.applicantType = applicantType
        self.statuses = statuses
        self.citizenDivision = citizenDivision
    }
}

public struct CatalogSearchHit: Sendable, Hashable, Codable {
    public var itemCode: String
    public var divisionCode: String
    public var departmentCode: String
    public var name: String
    public var score: Double
    /// Escaped item name with matches in `<mark>`.
    public var title: String
    /// Escaped excerpt of the other field (tags, materials, department) that matched best.
    public var snippet: String?
}

public struct FacetCount: Sendable, Hashable, Codable {
    public var value: String
    public var count: Int
}

/// Counts over every item matching the query and filters, most frequent first.
/// Values: kind and life event raw values, department and division codes, visits as
/// a number, onlineFull as `true`/`false`.
public struct CatalogFacets: Sendable, Hashable, Codable {
    public var kind: [FacetCount] = []
    public var department: [FacetCount] = []
    public var division: [FacetCount] = []
    public var lifeEvent: [FacetCount] = []
    public var visits: [FacetCount] = []
    public var onlineFull: [FacetCount] = []
}

public struct CatalogSearchResult: Sendable, Hashable, Codable {
    public var hits: [CatalogSearchHit]
    public var total: Int
    public var page: Int
    public var pageSize: Int
    public var facets: CatalogFacets
}

/// In-memory inverted index over service items, fielded BM25 (BM25F) ranking with synonym
/// expansion. Kept in memory because the catalog is small enough (10⁵ items) and search must
/// answer in milliseconds whatever database sits behind it. A value type: searches on a
/// copy are safe from any thread while an owner mutates its own.
public struct CatalogSearchIndex: Sendable {
    public enum Field: Int, CaseIterable, Sendable { case name, tags, materials, department }

    public struct Tuning: Sendable, Hashable {
        /// Per-field weights in `Field` order: the item name dominates.
        public var fieldWeights: SIMD4<Float> = [6, 2.5, 1, 1.2]
        /// Length normalisation per field; names are short, so they are normalised less.
        public var lengthNormalization: SIMD4<Float> = [0.5, 0.75, 0.75, 0.75]
        public var k1: Float = 1.2
        /// A rewrite through the synonym table scores this much of the words typed.
        public var synonymWeight: Float = 0.8
        public var snippetLength = 60
        /// Relative drift of average field lengths tolerated before norms are recomputed.
        public var normDrift: Float = 0.05
        public static let maxPageSize = 100
        /// Longer queries are cut: per-document hit counters are bytes, and nobody types more.
        public static let maxQueryLength = 100

        public init() {}
    }

    public struct ItemKey: Sendable, Hashable {
        public var itemCode: String
        public var divisionCode: String
        public init(itemCode: String, divisionCode: String) {
            self.itemCode = itemCode
            self.divisionCode = divisionCode
        }
    }

    /// Term frequencies of one document, one byte per field in `Field` order.
    private struct Posting {
        var slot: Int32
        var tf: SIMD4<UInt8>
    }

    private struct Doc {
        var item: ServiceItem
        var departmentName: String
        var terms: [Int32]
    }

    /// What filters and facets read of a document, free of references so that scanning
    /// tens of thousands of candidates costs no reference counting.
    private struct Attributes {
        var live = false
        var kind: UInt8 = 0
        var status: UInt8 = 0
        var applicant: UInt8 = 0
        var onlineFull = false
        var lifeEvents: UInt16 = 0
        var visits: Int32 = 0
        var department: Int32 = 0
        var division: Int32 = 0
        var code: Int32 = 0
        /// Another live record has the same item code, so scope must pick the competent one.
        var sharesCode = false
    }

    public let synonyms: SynonymTable
    public let tuning: Tuning
    /// Shared by copies of the index: buffers are handed to one search at a time.
    private let scratch = ScratchPool()

    private var docs: [Doc?] = []
    private var attributes: [Attributes] = []
    private var fieldLengths: [SIMD4<Float>] = []
    /// Per slot, field weight / BM25 length norm, read on every posting. Norms use the
    /// field-length averages of `normAverages` and are all recomputed only when the live
    /// averages drift from them by more than `Tuning.normDrift`, so a search never divides.
    private var weightedNorms: [SIMD4<Float>] = []
    private var normAverages = SIMD4<Float>(repeating: 0)
    private var freeSlots: [Int32] = []
    private var slotByKey: [ItemKey: Int32] = [:]
    private var termIDs: [TermKey: Int32] = [:]
    private var postings: [[Posting]] = []
    private var lengthTotals = SIMD4<Float>(repeating: 0)
    private var departments = Interner()
    private var divisions = Interner()
    private var codes = Interner()
    /// Slots implementing each item code, for picking the competent one.
    private var slotsByCode: [[Int32]] = []

    public private(set) var count = 0

    public init(synonyms: SynonymTable = .empty, tuning: Tuning = Tuning()) {
        self.synonyms = synonyms
        self.tuning = tuning
    }

    public func item(_ key: ItemKey) -> ServiceItem? {
        slotByKey[key].flatMap { docs[Int($0)]?.item }
    }

    // MARK: - Mutation

    /// Adds an item; one record per item code and division.
    public mutating func add(_ item: ServiceItem, departmentName: String = "") throws {
        let key = ItemKey(itemCode: item.itemCode, divisionCode: item.divisionCode)
        guard slotByKey[key] == nil else {
            throw ValidationFailure(FieldIssue(
                field: "itemCode", code: "duplicate",
                zh: "区划 \(item.divisionCode) 已有事项 \(item.itemCode)",
                en: "item \(item.itemCode) already exists in division \(item.divisionCode)"))
        }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = Int32(docs.count)
            docs.append(nil)
            attributes.append(Attributes())
            fieldLengths.append(.zero)
            weightedNorms.append(.zero)
        }
        insert(item, departmentName: departmentName, at: slot)
        slotByKey[key] = slot
    }

    /// Replaces the item with the same item code and division, keeping its place.
    public mutating func update(_ item: ServiceItem, departmentName: String = "") throws {
        let key = ItemKey(itemCode: item.itemCode, divisionCode: item.divisionCode)
        guard let slot = slotByKey[key] else { throw Self.notFound(key) }
        erase(slot)
        insert(item, departmentName: departmentName, at: slot)
    }

    public mutating func remove(_ key: ItemKey) throws {
        guard let slot = slotByKey.removeValue(forKey: key) else { throw Self.notFound(key) }
        erase(slot)
        freeSlots.append(slot)
    }

    private static func notFound(_ key: ItemKey) -> ValidationFailure {
        ValidationFailure(FieldIssue(
            field: "itemCode", code: "notFound",
            zh: "区划 \(key.divisionCode) 没有事项 \(key.itemCode)",
            en: "no item \(key.itemCode) in division \(key.divisionCode)"))
    }

    private mutating func insert(_ item: ServiceItem, departmentName: String, at slot: Int32) {
        let texts: [String] = [
            item.name,
            (item.tags + item.lifeEvents.map(\.zh) + [item.kind.zh]).joined(separator: " "),
            item.materials.map(\.name).joined(separator: " "),
            departmentName,
        ]
        var frequencies: [TermKey: SIMD4<UInt8>] = [:]
        var lengths = SIMD4<Float>(repeating: 0)
        for (field, text) in texts.enumerated() {
            SearchText.scan(text, query: false) { key, _, _ in
                lengths[field] += 1
                var tf = frequencies[key, default: .zero]
                if tf[field] < .max { tf[field] += 1 }
                frequencies[key] = tf
            }
        }
        var terms: [Int32] = []
        terms.reserveCapacity(frequencies.count)
        for (key, tf) in frequencies {
            let id = termID(key)
            postings[Int(id)].append(Posting(slot: slot, tf: tf))
            terms.append(id)
        }
        let code = codes.id(item.itemCode)
        if code == slotsByCode.count { slotsByCode.append([]) }
        docs[Int(slot)] = Doc(item: item, departmentName: departmentName, terms: terms)
        attributes[Int(slot)] = Attributes(
            live: true,
            kind: Self.ordinal(item.kind), status: Self.ordinal(item.status), applicant: Self.ordinal(item.applicantType),
            onlineFull: item.onlineFull,
            lifeEvents: item.lifeEvents.reduce(0) { $0 | Self.bit($1) },
            visits: Int32(clamping: item.visits),
            department: Int32(departments.id(item.departmentCode)),
            division: Int32(divisions.id(item.divisionCode)),
            code: Int32(code))
        slotsByCode[code].append(slot)
        markSharedCode(code)
        fieldLengths[Int(slot)] = lengths
        lengthTotals += lengths
        count += 1
        weightedNorms[Int(slot)] = weightedNorm(lengths)
        refreshNormsIfDrifted()
    }

    private mutating func erase(_ slot: Int32) {
        guard let doc = docs[Int(slot)] else { return }
        for term in doc.terms {
            let t = Int(term)
            if let i = postings[t].firstIndex(where: { $0.slot == slot }) {
                postings[t].swapAt(i, postings[t].count - 1)
                postings[t].removeLast()
            }
        }
        let code = Int(attributes[Int(slot)].code)
        slotsByCode[code].removeAll { $0 == slot }
        attributes[Int(slot)] = Attributes()
        markSharedCode(code)
        lengthTotals -= fieldLengths[Int(slot)]
        fieldLengths[Int(slot)] = .zero
        weightedNorms[Int(slot)] = .zero
        docs[Int(slot)] = nil
        count -= 1
        refreshNormsIfDrifted()
    }

    private mutating func markSharedCode(_ code: Int) {
        let shared = slotsByCode[code].count > 1
        for slot in slotsByCode[code] { attributes[Int(slot)].sharesCode = shared }
    }

    private func weightedNorm(_ lengths: SIMD4<Float>) -> SIMD4<Float> {
        let b = tuning.lengthNormalization
        // An average of 0 means the field is empty everywhere; its lengths are 0 too.
        let ratio = (lengths / normAverages).replacing(with: 0, where: normAverages .== 0)
        return tuning.fieldWeights / (1 - b + b * ratio)
    }

    private mutating func refreshNormsIfDrifted() {
        let averages = count > 0 ? lengthTotals / Float(count) : .zero
        let diff = averages - normAverages
        let drift = diff.replacing(with: -diff, where: diff .< 0) / pointwiseMax(normAverages, SIMD4(repeating: 1))
        guard drift.max() > tuning.normDrift else { return }
        normAverages = averages
        for slot in attributes.indices where attributes[slot].live {
            weightedNorms[slot] = weightedNorm(fieldLengths[slot])
        }
    }

    private mutating func termID(_ key: TermKey) -> Int32 {
        if let id = termIDs[key] { return id }
        let id = Int32(postings.count)
        termIDs[key] = id
        postings.append([])
        return id
    }

    private static func bit(_ event: LifeEvent) -> UInt16 {
        1 << UInt16(ordinal(event))
    }

    private static func ordinal<T: CaseIterable & Equatable>(_ value: T) -> UInt8 {
        UInt8(T.allCases.firstIndex(of: value).map { T.allCases.distance(from: T.allCases.startIndex, to: $0) }!)
    }

    // MARK: - Search

    /// One way of reading a query segment: its terms and how much a full match is worth.
    private struct Alternative {
        var terms: [TermKey]
        var weight: Float
    }

    /// Searches `query` (empty lists everything the filters let through, in insertion order).
    /// Each whitespace-separated segment of the query is scored by its best reading (as
    /// typed or through a synonym), scaled by the square of the share of its terms found;
    /// documents matching only some segments are scaled down by the share matched.
    public func search(
        _ query: String, filters: CatalogSearchFilters = CatalogSearchFilters(), page: Int = 1, pageSize: Int = 20
    ) throws -> CatalogSearchResult {
        try Self.checkPaging(page: page, pageSize: pageSize, filters: filters)
        let clauses = SearchText.normalize(String(query.prefix(Tuning.maxQueryLength))).split(separator: " ").map { segment -> [Alternative] in
            let typed = String(segment)
            return [Alternative(terms: SearchText.queryKeys(typed), weight: 1)]
                + synonyms.alternatives(for: typed).map { Alternative(terms: SearchText.queryKeys($0), weight: tuning.synonymWeight) }
        }
        let eligible = Eligibility(filters: filters, index: self)

        // One pass over the matches filters, counts facets and keeps the best page: heavy
        // queries match most of the catalog, so every extra pass or array shows in the p99.
        var facets = FacetTally(index: self)
        var top = TopSlots(limit: page * pageSize)
        if clauses.isEmpty {
            for slot in attributes.indices where eligible.admits(Int32(slot)) {
                facets.add(attributes[slot])
                top.offer(Int32(slot), 0)
            }
        } else {
            let buffers = scratch.take(slots: docs.count)
            defer { scratch.give(buffers) }
            let touched = score(clauses, into: buffers)
            let clauseCount = Float(clauses.count)
            // Reads each touched slot once and leaves the buffers zeroed for the next search.
            buffers.totals.withUnsafeMutableBufferPointer { totals in
            buffers.matched.withUnsafeMutableBufferPointer { matched in
            attributes.withUnsafeBufferPointer { attributes in
                for slot in touched {
                    let s = Int(slot)
                    let a = attributes[s]
                    if eligible.admits(a, slot: slot) {
                        facets.add(a)
                        top.offer(slot, totals[s] * Float(matched[s]) / clauseCount)
                    }
                    totals[s] = 0
                    matched[s] = 0
                }
            }
            }
            }
        }

        let highlightTerms = Set(clauses.flatMap { $0.flatMap(\.terms) })
        let hits = top.best().dropFirst((page - 1) * pageSize).map { hit(slot: $0.slot, score: $0.score, terms: highlightTerms) }
        return CatalogSearchResult(hits: Array(hits), total: facets.total, page: page, pageSize: pageSize, facets: facets.result(self))
    }

    private static func checkPaging(page: Int, pageSize: Int, filters: CatalogSearchFilters) throws {
        var issues = IssueCollector()
        if page < 1 { issues.add(FieldIssue(field: "page", code: "range", zh: "页码从1开始", en: "page starts at 1")) }
        if !(1...Tuning.maxPageSize).contains(pageSize) {
            issues.add(FieldIssue(
                field: "pageSize", code: "range",
                zh: "每页条数应在1到\(Tuning.maxPageSize)之间", en: "page size must be between 1 and \(Tuning.maxPageSize)"))
        }
        if let division = filters.citizenDivision, !CatalogScope.isDivisionCode(division) {
            issues.add(FieldIssue(field: "citizenDivision", code: "format", zh: "行政区划代码应为6位数字", en: "division code must be 6 digits"))
        }
        try issues.throwIfAny()
    }

    /// Accumulates BM25F over dense per-slot buffers (hashing every posting would cost far
    /// more) and returns the slots touched. The buffers come zeroed and are left zeroed
    /// except `totals` and `matched` at the touched slots, which the caller clears.
    private func score(_ clauses: [[Alternative]], into buffers: ScoreBuffers) -> [Int32] {
        var touched: [Int32] = []
        let n = Float(max(count, 1))
        let k1 = tuning.k1

        // Unsafe buffers keep bounds and uniqueness checks out of the loop over every posting.
        buffers.totals.withUnsafeMutableBufferPointer { totals in
        buffers.matched.withUnsafeMutableBufferPointer { matched in
        buffers.best.withUnsafeMutableBufferPointer { best in
        buffers.altScore.withUnsafeMutableBufferPointer { altScore in
        buffers.altHits.withUnsafeMutableBufferPointer { altHits in
        weightedNorms.withUnsafeBufferPointer { norms in
            for alternatives in clauses {
                var clauseTouched: [Int32] = []
                for alternative in alternatives where !alternative.terms.isEmpty {
                    var altTouched: [Int32] = []
                    altTouched.reserveCapacity(alternative.terms.compactMap { termIDs[$0] }.map { postings[Int($0)].count }.max() ?? 0)
                    for term in alternative.terms {
                        guard let id = termIDs[term] else { continue }
                        postings[Int(id)].withUnsafeBufferPointer { list in
                            let df = Float(list.count)
                            let idf = log(1 + (n - df + 0.5) / (df + 0.5))
                            for posting in list {
                                let s = Int(posting.slot)
                                let tf = (SIMD4<Float>(posting.tf) * norms[s]).sum()
                                if altHits[s] == 0 { altTouched.append(posting.slot) }
                                altHits[s] &+= 1
                                altScore[s] += idf * tf / (k1 + tf)
                            }
                        }
                    }
                    let termCount = Float(alternative.terms.count)
                    for slot in altTouched {
                        let s = Int(slot)
                        let coverage = Float(altHits[s]) / termCount
                        let value = alternative.weight * altScore[s] * coverage * coverage
                        if best[s] == 0 { clauseTouched.append(slot) }
                        best[s] = max(best[s], value)
                        altScore[s] = 0
                        altHits[s] = 0
                    }
                }
                for slot in clauseTouched {
                    let s = Int(slot)
                    if matched[s] == 0 { touched.append(slot) }
                    matched[s] += 1
                    totals[s] += best[s]
                    best[s] = 0
                }
            }
        }
        }
        }
        }
        }
        }
        return touched
    }

    /// Facet counts over the admitted matches, in dense arrays indexed by interned ids.
    private struct FacetTally {
        var total = 0
        var kinds = [Int](repeating: 0, count: ItemKind.allCases.count)
        var departments: [Int]
        var divisions: [Int]
        var events = [Int](repeating: 0, count: LifeEvent.allCases.count)
        var visits: [Int] = []
        var online = [0, 0]

        init(index: CatalogSearchIndex) {
            departments = [Int](repeating: 0, count: index.departments.values.count)
            divisions = [Int](repeating: 0, count: index.divisions.values.count)
        }

        mutating func add(_ a: Attributes) {
            total += 1
            kinds[Int(a.kind)] += 1
            departments[Int(a.department)] += 1
            divisions[Int(a.division)] += 1
            var mask = a.lifeEvents
            while mask != 0 {
                events[mask.trailingZeroBitCount] += 1
                mask &= mask - 1
            }
            let v = Int(a.visits)
            if v >= visits.count { visits += [Int](repeating: 0, count: v + 1 - visits.count) }
            visits[v] += 1
            online[a.onlineFull ? 1 : 0] += 1
        }

        func result(_ index: CatalogSearchIndex) -> CatalogFacets {
            func ranked(_ pairs: [(String, Int)]) -> [FacetCount] {
                pairs.filter { $0.1 > 0 }
                    .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                    .map { FacetCount(value: $0.0, count: $0.1) }
            }
            return CatalogFacets(
                kind: ranked(zip(ItemKind.allCases.map(\.rawValue), kinds).map { ($0, $1) }),
                department: ranked(zip(index.departments.values, departments).map { ($0, $1) }),
                division: ranked(zip(index.divisions.values, divisions).map { ($0, $1) }),
                lifeEvent: ranked(zip(LifeEvent.allCases.map(\.rawValue), events).map { ($0, $1) }),
                visits: ranked(visits.enumerated().map { (String($0.offset), $0.element) }),
                onlineFull: ranked([("false", online[0]), ("true", online[1])]))
        }
    }

    private func hit(slot: Int32, score: Float, terms: Set<TermKey>) -> CatalogSearchHit {
        let doc = docs[Int(slot)]!
        let item = doc.item
        let others = [
            (item.tags + item.lifeEvents.map(\.zh)).joined(separator: "、"),
            item.materials.map(\.name).joined(separator: "、"),
            doc.departmentName,
        ]
        // The field matching most distinct terms; the earlier field wins ties.
        let snippet = others
            .map { SearchText.highlight($0, keys: terms, maxLength: tuning.snippetLength) }
            .filter(\.matched)
            .max { $0.distinctMatches < $1.distinctMatches }?.html
        return CatalogSearchHit(
            itemCode: item.itemCode, divisionCode: item.divisionCode, departmentCode: item.departmentCode,
            name: item.name, score: Double(score),
            title: SearchText.highlight(item.name, keys: terms, maxLength: nil).html, snippet: snippet)
    }

    // MARK: - Filtering

    /// Filters resolved once per search into bit masks and dense per-id tables, so the
    /// per-candidate test does no hashing.
    private struct Eligibility {
        let attributes: [Attributes]
        let slotsByCode: [[Int32]]
        let statuses: UInt32
        let kinds: UInt32
        let applicants: UInt32
        /// Indexed by interned id; nil when the filter is off.
        let departments: [Bool]?
        let divisions: [Bool]?
        let lifeEvents: UInt16
        let maxVisits: Int32?
        let onlineFull: Bool?
        /// Chain rank (0 = most local) by interned division id, -1 where the citizen cannot see.
        let visibleRank: [Int8]?

        init(filters: CatalogSearchFilters, index: CatalogSearchIndex) {
            attributes = index.attributes
            slotsByCode = index.slotsByCode
            statuses = Self.mask(filters.statuses)
            kinds = Self.mask(filters.kinds)
            applicants = filters.applicantType.map { wanted in Self.mask(ApplicantType.allCases.filter { $0.serves(wanted) }) } ?? .max
            departments = Self.table(filters.departmentCodes, index.departments)
            divisions = Self.table(filters.divisionCodes, index.divisions)
            lifeEvents = filters.lifeEvents.reduce(0) { $0 | CatalogSearchIndex.bit($1) }
            maxVisits = filters.maxVisits.map { Int32(clamping: $0) }
            onlineFull = filters.onlineFull
            visibleRank = filters.citizenDivision.map { division in
                var ranks = [Int8](repeating: -1, count: index.divisions.values.count)
                for (rank, code) in CatalogScope.chain(of: division).enumerated() {
                    if let id = index.divisions.existingID(code) { ranks[id] = Int8(rank) }
                }
                return ranks
            }
        }

        /// Empty means any: all bits set.
        private static func mask<S: Sequence>(_ values: S) -> UInt32 where S.Element: CaseIterable & Equatable {
            let bits = values.reduce(UInt32(0)) { $0 | 1 << UInt32(CatalogSearchIndex.ordinal($1)) }
            return bits == 0 ? .max : bits
        }

        private static func table(_ codes: Set<String>, _ interner: Interner) -> [Bool]? {
            guard !codes.isEmpty else { return nil }
            var table = [Bool](repeating: false, count: interner.values.count)
            for code in codes { if let id = interner.existingID(code) { table[id] = true } }
            return table
        }

        func admits(_ slot: Int32) -> Bool { admits(attributes[Int(slot)], slot: slot) }

        /// `admits(slot)` for a caller that has already read the slot's attributes.
        @inline(__always)
        func admits(_ a: Attributes, slot: Int32) -> Bool {
            guard basic(a) else { return false }
            guard let visibleRank else { return true }
            let rank = visibleRank[Int(a.division)]
            guard rank >= 0 else { return false }
            guard a.sharesCode else { return true }
            // Competent implementation: no more local visible record of the same code.
            for other in slotsByCode[Int(a.code)] where other != slot {
                let b = attributes[Int(other)]
                let otherRank = visibleRank[Int(b.division)]
                if otherRank >= 0, otherRank < rank, basic(b) { return false }
            }
            return true
        }

        private func basic(_ a: Attributes) -> Bool {
            guard a.live,
                  statuses & (1 << UInt32(a.status)) != 0,
                  kinds & (1 << UInt32(a.kind)) != 0,
                  applicants & (1 << UInt32(a.applicant)) != 0
            else { return false }
            if let departments, !departments[Int(a.department)] { return false }
            if let divisions, !divisions[Int(a.division)] { return false }
            if lifeEvents != 0, a.lifeEvents & lifeEvents == 0 { return false }
            if let maxVisits, a.visits > maxVisits { return false }
            if let onlineFull, a.onlineFull != onlineFull { return false }
            return true
        }
    }
}

/// Per-slot score buffers of one search. Allocating and zeroing them afresh (five arrays of
/// one entry per item) showed in the tail latency at 10⁵ items, so searches reuse them.
private final class ScoreBuffers {
    var totals: [Float] = []
    var matched: [UInt8] = []
    var best: [Float] = []
    var altScore: [Float] = []
    var altHits: [UInt8] = []

    func fit(_ slots: Int) {
        guard totals.count < slots else { return }
        let extra = slots - totals.count
        totals += [Float](repeating: 0, count: extra)
        matched += [UInt8](repeating: 0, count: extra)
        best += [Float](repeating: 0, count: extra)
        altScore += [Float](repeating: 0, count: extra)
        altHits += [UInt8](repeating: 0, count: extra)
    }

}

/// Idle score buffers; a search takes one (or makes one) and gives it back cleared.
private final class ScratchPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [ScoreBuffers] = []
    /// Enough for the concurrent searches of a busy server; more are made and dropped.
    private static let keep = 8

    func take(slots: Int) -> ScoreBuffers {
        let buffers = lock.withLock { idle.popLast() } ?? ScoreBuffers()
        buffers.fit(slots)
        return buffers
    }

    func give(_ buffers: ScoreBuffers) {
        lock.withLock { if idle.count < Self.keep { idle.append(buffers) } }
    }
}

/// Dense ids for repeated strings (department and division codes), so facets count in arrays.
private struct Interner: Sendable {
    private(set) var values: [String] = []
    private var ids: [String: Int] = [:]

    mutating func id(_ value: String) -> Int {
        if let id = ids[value] { return id }
        ids[value] = values.count
        values.append(value)
        return values.count - 1
    }

    func existingID(_ value: String) -> Int? { ids[value] }
}

/// The best `limit` (slot, score) pairs seen, best first on reading: higher score, then
/// earlier slot. A bounded min-heap keeps this O(n log limit); it is specialised to the pair
/// so that the common case, a match worse than the whole page, costs one comparison.
private struct TopSlots {
    typealias Entry = (slot: Int32, score: Float)
    let limit: Int
    private var heap: [Entry] = []

    init(limit: Int) {
        self.limit = limit
        heap.reserveCapacity(limit)
    }

    @inline(__always)
    private static func better(_ a: Entry, _ b: Entry) -> Bool {
        a.score != b.score ? a.score > b.score : a.slot < b.slot
    }

    @inline(__always)
    mutating func offer(_ slot: Int32, _ score: Float) {
        let entry = (slot: slot, score: score)
        if heap.count < limit {
            heap.append(entry)
            siftUp(heap.count - 1)
        } else if Self.better(entry, heap[0]) {
            heap[0] = entry
            siftDown(0)
        }
    }

    func best() -> [Entry] { heap.sorted(by: Self.better) }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.better(heap[parent], heap[child]) else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            var worst = parent
            let left = 2 * parent + 1, right = left + 1
            if left < heap.count, Self.better(heap[worst], heap[left]) { worst = left }
            if right < heap.count, Self.better(heap[worst], heap[right]) { worst = right }
            if worst == parent { return }
            heap.swapAt(parent, worst)
            parent = worst
        }
    }
}
