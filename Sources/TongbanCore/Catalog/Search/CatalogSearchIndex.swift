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

public struct CatalogSearchHit: Sendable, Hashable {
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

public struct CatalogSearchResult: Sendable, Hashable {
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
        var kind: Int
        var department: Int
        var division: Int
        var code: Int
        var level: CatalogScope.Level
        var lifeEvents: UInt16
    }

    public let synonyms: SynonymTable
    public let tuning: Tuning

    private var docs: [Doc?] = []
    /// Dense per-slot field lengths, read on every posting, kept apart from `docs` for locality.
    private var fieldLengths: [SIMD4<Float>] = []
    private var freeSlots: [Int32] = []
    private var slotByKey: [ItemKey: Int32] = [:]
    private var termIDs: [String: Int32] = [:]
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
            fieldLengths.append(.zero)
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
        var frequencies: [String: SIMD4<UInt8>] = [:]
        var lengths = SIMD4<Float>(repeating: 0)
        for (field, text) in texts.enumerated() {
            let tokens = SearchText.tokenize(text)
            lengths[field] = Float(tokens.count)
            for token in tokens {
                var tf = frequencies[token.text, default: .zero]
                if tf[field] < .max { tf[field] += 1 }
                frequencies[token.text] = tf
            }
        }
        var terms: [Int32] = []
        terms.reserveCapacity(frequencies.count)
        for (text, tf) in frequencies {
            let id = termID(text)
            postings[Int(id)].append(Posting(slot: slot, tf: tf))
            terms.append(id)
        }
        let code = codes.id(item.itemCode)
        if code == slotsByCode.count { slotsByCode.append([]) }
        slotsByCode[code].append(slot)
        docs[Int(slot)] = Doc(
            item: item, departmentName: departmentName, terms: terms,
            kind: ItemKind.allCases.firstIndex(of: item.kind)!,
            department: departments.id(item.departmentCode),
            division: divisions.id(item.divisionCode),
            code: code,
            level: CatalogScope.level(of: item.divisionCode) ?? .national,
            lifeEvents: item.lifeEvents.reduce(0) { $0 | Self.bit($1) })
        fieldLengths[Int(slot)] = lengths
        lengthTotals += lengths
        count += 1
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
        slotsByCode[doc.code].removeAll { $0 == slot }
        lengthTotals -= fieldLengths[Int(slot)]
        fieldLengths[Int(slot)] = .zero
        docs[Int(slot)] = nil
        count -= 1
    }

    private mutating func termID(_ text: String) -> Int32 {
        if let id = termIDs[text] { return id }
        let id = Int32(postings.count)
        termIDs[text] = id
        postings.append([])
        return id
    }

    private static func bit(_ event: LifeEvent) -> UInt16 {
        1 << UInt16(LifeEvent.allCases.firstIndex(of: event)!)
    }

    // MARK: - Search

    /// One way of reading a query segment: its terms and how much a full match is worth.
    private struct Alternative {
        var terms: [String]
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
            return [Alternative(terms: SearchText.queryTerms(typed), weight: 1)]
                + synonyms.alternatives(for: typed).map { Alternative(terms: SearchText.queryTerms($0), weight: tuning.synonymWeight) }
        }
        let eligible = Eligibility(filters: filters, index: self)

        var candidates: [(slot: Int32, score: Float)] = []
        if clauses.isEmpty {
            for slot in docs.indices where docs[slot] != nil && eligible.admits(Int32(slot)) {
                candidates.append((Int32(slot), 0))
            }
        } else {
            let (totals, matchedClauses, touched) = score(clauses)
            for slot in touched where eligible.admits(slot) {
                let s = Int(slot)
                candidates.append((slot, totals[s] * Float(matchedClauses[s]) / Float(clauses.count)))
            }
        }

        let facets = facetCounts(candidates.map(\.slot))
        let top = Self.topSlots(candidates, limit: page * pageSize)
        let highlightTerms = Set(clauses.flatMap { $0.flatMap(\.terms) })
        let hits = top.dropFirst((page - 1) * pageSize).map { hit(slot: $0.slot, score: $0.score, terms: highlightTerms) }
        return CatalogSearchResult(hits: Array(hits), total: candidates.count, page: page, pageSize: pageSize, facets: facets)
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

    /// Accumulates BM25F over dense per-slot buffers: a fresh allocation per search costs
    /// far less than hashing every posting, and keeps `search` free of shared state.
    private func score(_ clauses: [[Alternative]]) -> (totals: [Float], matched: [UInt8], touched: [Int32]) {
        let slots = docs.count
        var totals = [Float](repeating: 0, count: slots)
        var matched = [UInt8](repeating: 0, count: slots)
        var touched: [Int32] = []
        var best = [Float](repeating: 0, count: slots)
        var altScore = [Float](repeating: 0, count: slots)
        var altHits = [UInt8](repeating: 0, count: slots)
        let n = Float(max(count, 1))
        let averages = lengthTotals / n
        let b = tuning.lengthNormalization
        let one = SIMD4<Float>(repeating: 1)
        // An empty field's length is 0; dividing by a zero average must not happen.
        let inverseAverages = SIMD4<Float>(
            averages[0] > 0 ? 1 / averages[0] : 0, averages[1] > 0 ? 1 / averages[1] : 0,
            averages[2] > 0 ? 1 / averages[2] : 0, averages[3] > 0 ? 1 / averages[3] : 0)
        let weights = tuning.fieldWeights
        let k1 = tuning.k1

        for alternatives in clauses {
            var clauseTouched: [Int32] = []
            for alternative in alternatives where !alternative.terms.isEmpty {
                var altTouched: [Int32] = []
                for term in alternative.terms {
                    guard let id = termIDs[term] else { continue }
                    let list = postings[Int(id)]
                    let df = Float(list.count)
                    let idf = log(1 + (n - df + 0.5) / (df + 0.5))
                    for posting in list {
                        let s = Int(posting.slot)
                        let norm = one - b + b * fieldLengths[s] * inverseAverages
                        let tf = (weights * SIMD4<Float>(posting.tf) / norm).sum()
                        if altHits[s] == 0 { altTouched.append(posting.slot) }
                        altHits[s] &+= 1
                        altScore[s] += idf * tf / (k1 + tf)
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
        return (totals, matched, touched)
    }

    private func facetCounts(_ slots: [Int32]) -> CatalogFacets {
        var kinds = [Int](repeating: 0, count: ItemKind.allCases.count)
        var departmentCounts = [Int](repeating: 0, count: departments.values.count)
        var divisionCounts = [Int](repeating: 0, count: divisions.values.count)
        var events = [Int](repeating: 0, count: LifeEvent.allCases.count)
        var visits: [Int: Int] = [:]
        var online = [0, 0]
        for slot in slots {
            let doc = docs[Int(slot)]!
            kinds[doc.kind] += 1
            departmentCounts[doc.department] += 1
            divisionCounts[doc.division] += 1
            var mask = doc.lifeEvents
            while mask != 0 {
                events[mask.trailingZeroBitCount] += 1
                mask &= mask - 1
            }
            visits[doc.item.visits, default: 0] += 1
            online[doc.item.onlineFull ? 1 : 0] += 1
        }
        func ranked(_ pairs: [(String, Int)]) -> [FacetCount] {
            pairs.filter { $0.1 > 0 }
                .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                .map { FacetCount(value: $0.0, count: $0.1) }
        }
        return CatalogFacets(
            kind: ranked(zip(ItemKind.allCases.map(\.rawValue), kinds).map { ($0, $1) }),
            department: ranked(zip(departments.values, departmentCounts).map { ($0, $1) }),
            division: ranked(zip(divisions.values, divisionCounts).map { ($0, $1) }),
            lifeEvent: ranked(zip(LifeEvent.allCases.map(\.rawValue), events).map { ($0, $1) }),
            visits: ranked(visits.map { (String($0.key), $0.value) }),
            onlineFull: ranked([("false", online[0]), ("true", online[1])]))
    }

    /// The best `limit` candidates, best first: higher score, then earlier slot. A bounded
    /// heap keeps this O(n log limit) where sorting every match would dominate the search.
    private static func topSlots(_ candidates: [(slot: Int32, score: Float)], limit: Int) -> [(slot: Int32, score: Float)] {
        func better(_ a: (slot: Int32, score: Float), _ b: (slot: Int32, score: Float)) -> Bool {
            a.score != b.score ? a.score > b.score : a.slot < b.slot
        }
        var heap = MinHeap(limit: limit, isBetter: better)
        for candidate in candidates { heap.offer(candidate) }
        return heap.elements.sorted(by: better)
    }

    private func hit(slot: Int32, score: Float, terms: Set<String>) -> CatalogSearchHit {
        let doc = docs[Int(slot)]!
        let item = doc.item
        let others = [
            (item.tags + item.lifeEvents.map(\.zh)).joined(separator: "、"),
            item.materials.map(\.name).joined(separator: "、"),
            doc.departmentName,
        ]
        // The field matching most distinct terms; the earlier field wins ties.
        let snippet = others
            .map { SearchText.highlight($0, terms: terms, maxLength: tuning.snippetLength) }
            .filter(\.matched)
            .max { $0.distinctMatches < $1.distinctMatches }?.html
        return CatalogSearchHit(
            itemCode: item.itemCode, divisionCode: item.divisionCode, departmentCode: item.departmentCode,
            name: item.name, score: Double(score),
            title: SearchText.highlight(item.name, terms: terms).html, snippet: snippet)
    }

    // MARK: - Filtering

    /// Filters resolved once per search into interned ids and bit masks.
    private struct Eligibility {
        let index: CatalogSearchIndex
        let filters: CatalogSearchFilters
        let kinds: Set<Int>
        let departments: Set<Int>?
        let divisions: Set<Int>?
        let lifeEvents: UInt16
        /// Interned division ids visible to the citizen, with their chain rank (0 = most local).
        let visibleRank: [Int: Int]?

        init(filters: CatalogSearchFilters, index: CatalogSearchIndex) {
            self.index = index
            self.filters = filters
            kinds = Set(filters.kinds.map { ItemKind.allCases.firstIndex(of: $0)! })
            departments = filters.departmentCodes.isEmpty ? nil : Set(filters.departmentCodes.compactMap { index.departments.existingID($0) })
            divisions = filters.divisionCodes.isEmpty ? nil : Set(filters.divisionCodes.compactMap { index.divisions.existingID($0) })
            lifeEvents = filters.lifeEvents.reduce(0) { $0 | CatalogSearchIndex.bit($1) }
            visibleRank = filters.citizenDivision.map { division in
                var ranks: [Int: Int] = [:]
                for (rank, code) in CatalogScope.chain(of: division).enumerated() {
                    if let id = index.divisions.existingID(code) { ranks[id] = rank }
                }
                return ranks
            }
        }

        func admits(_ slot: Int32) -> Bool {
            guard let doc = index.docs[Int(slot)], basic(doc) else { return false }
            guard let visibleRank else { return true }
            guard let rank = visibleRank[doc.division] else { return false }
            // Competent implementation: no more local visible record of the same code.
            return !index.slotsByCode[doc.code].contains { other in
                guard other != slot, let otherDoc = index.docs[Int(other)], let otherRank = visibleRank[otherDoc.division] else { return false }
                return otherRank < rank && basic(otherDoc)
            }
        }

        private func basic(_ doc: Doc) -> Bool {
            let item = doc.item
            if !filters.statuses.isEmpty, !filters.statuses.contains(item.status) { return false }
            if !kinds.isEmpty, !kinds.contains(doc.kind) { return false }
            if let departments, !departments.contains(doc.department) { return false }
            if let divisions, !divisions.contains(doc.division) { return false }
            if lifeEvents != 0, doc.lifeEvents & lifeEvents == 0 { return false }
            if let maxVisits = filters.maxVisits, item.visits > maxVisits { return false }
            if let online = filters.onlineFull, item.onlineFull != online { return false }
            if let type = filters.applicantType, !item.applicantType.serves(type) { return false }
            return true
        }
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

/// Keeps the best `limit` elements seen; the root is the worst of them.
private struct MinHeap<Element> {
    let limit: Int
    let isBetter: (Element, Element) -> Bool
    private(set) var elements: [Element] = []

    init(limit: Int, isBetter: @escaping (Element, Element) -> Bool) {
        self.limit = limit
        self.isBetter = isBetter
        elements.reserveCapacity(limit)
    }

    mutating func offer(_ element: Element) {
        if elements.count < limit {
            elements.append(element)
            siftUp(elements.count - 1)
        } else if let worst = elements.first, isBetter(element, worst) {
            elements[0] = element
            siftDown(0)
        }
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard isBetter(elements[parent], elements[child]) else { return }
            elements.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            var worst = parent
            let left = 2 * parent + 1, right = left + 1
            if left < elements.count, isBetter(elements[worst], elements[left]) { worst = left }
            if right < elements.count, isBetter(elements[worst], elements[right]) { worst = right }
            if worst == parent { return }
            elements.swapAt(parent, worst)
            parent = worst
        }
    }
}
