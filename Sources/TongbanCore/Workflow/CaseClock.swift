import Foundation

/// Why a time limit stops running. Besides 补正, 《行政许可法》第四十五条 excludes hearings,
/// tendering and auctions, inspection/testing/quarantine, appraisal and expert review.
public enum PauseReason: String, Sendable, Codable, CaseIterable {
    case supplement
    case hearing
    case tendering
    case inspection
    case appraisal
    case expertReview

    public var nameZh: String {
        switch self {
        case .supplement: "补正材料"
        case .hearing: "听证"
        case .tendering: "招标、拍卖"
        case .inspection: "检验、检测、检疫"
        case .appraisal: "鉴定"
        case .expertReview: "专家评审"
        }
    }
}

public struct ClockEvent: Sendable, Codable, Equatable {
    public enum Kind: Sendable, Codable, Equatable {
        case started
        case paused(PauseReason)
        case resumed
    }

    public var kind: Kind
    public var date: CivilDate

    public init(_ kind: Kind, on date: CivilDate) {
        self.kind = kind
        self.date = date
    }
}

public enum ClockError: Error, Sendable, Equatable {
    case notStartedFirst
    case alreadyPaused(PauseReason)
    case notPaused
    case dateOutOfOrder(last: CivilDate, given: CivilDate)
}

/// 黄牌 at 80 % of the limit, 红牌 past it.
public enum WarningLevel: Int, Sendable, Codable, Comparable {
    case normal
    case warning
    case overdue

    public static func < (lhs: WarningLevel, rhs: WarningLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

public struct ClockStatus: Sendable, Equatable {
    public var limit: Int
    public var elapsed: Int
    /// Negative once overdue: the number of working days past the limit.
    public var remaining: Int { limit - elapsed }
    /// The last working day within the limit; nil while paused short of the limit, because
    /// nobody knows yet when the clock will run again.
    public var dueDate: CivilDate?
    public var pausedFor: PauseReason?
    public var level: WarningLevel
}

/// A time limit in working days, started at acceptance and paused for the legally excluded
/// periods. It stores only its events, so any status is a pure function of
/// (events, as-of date, calendar) and can be recomputed from storage at any time.
///
/// Counting rule: the day something happens is not counted (the law counts a period from
/// the next day), so a clock running from day S to day E uses the working days in (S, E].
public struct CaseClock: Sendable, Codable, Equatable {
    public let limit: Int
    public private(set) var events: [ClockEvent]

    public init(limit: Int, startedOn date: CivilDate) {
        self.limit = limit
        self.events = [ClockEvent(.started, on: date)]
    }

    /// Rebuilds a clock from stored events, rejecting sequences no clock can produce.
    public init(limit: Int, events: [ClockEvent]) throws(ClockError) {
        guard let first = events.first, first.kind == .started else { throw .notStartedFirst }
        self.init(limit: limit, startedOn: first.date)
        for event in events.dropFirst() {
            switch event.kind {
            case .started: throw .notStartedFirst
            case .paused(let reason): try pause(reason, on: event.date)
            case .resumed: try resume(on: event.date)
            }
        }
    }

    /// The same history measured against another limit, e.g. one joint-review participant's.
    public func withLimit(_ limit: Int) -> CaseClock {
        var copy = CaseClock(limit: limit, startedOn: events[0].date)
        copy.events = events
        return copy
    }

    public var pauseReason: PauseReason? {
        if case .paused(let reason) = events.last?.kind { return reason }
        return nil
    }

    public var isPaused: Bool { pauseReason != nil }

    public mutating func pause(_ reason: PauseReason, on date: CivilDate) throws(ClockError) {
        if let current = pauseReason { throw .alreadyPaused(current) }
        try append(ClockEvent(.paused(reason), on: date))
    }

    public mutating func resume(on date: CivilDate) throws(ClockError) {
        guard isPaused else { throw .notPaused }
        try append(ClockEvent(.resumed, on: date))
    }

    private mutating func append(_ event: ClockEvent) throws(ClockError) {
        let last = events[events.count - 1].date
        guard event.date >= last else { throw .dateOutOfOrder(last: last, given: event.date) }
        events.append(event)
    }

    /// Status as it stood at the end of `date`; events after it are not yet known then.
    public func status(asOf date: CivilDate, calendar: WorkingCalendar) -> ClockStatus {
        var elapsed = 0
        var dueDate: CivilDate?
        var runningSince: CivilDate?
        // The due date is where the running total first reaches the limit, so walk the
        // running spans in order; an open span runs on past `date` for that purpose only.
        func closeSpan(at end: CivilDate?) {
            guard let start = runningSince else { return }
            let spanEnd = end.map { max($0, start) }
            if dueDate == nil {
                let needed = limit - elapsed
                let reachesLimit = spanEnd.map { calendar.workingDays(between: start, and: $0) >= needed } ?? true
                if reachesLimit { dueDate = calendar.addWorkingDays(needed, from: start) }
            }
            elapsed += calendar.workingDays(between: start, and: spanEnd ?? max(date, start))
            runningSince = nil
        }
        var pausedFor: PauseReason?
        for event in events where event.date <= date {
            switch event.kind {
            case .started, .resumed:
                runningSince = event.date
                pausedFor = nil
            case .paused(let reason):
                closeSpan(at: event.date)
                pausedFor = reason
            }
        }
        closeSpan(at: nil)
        let level: WarningLevel = elapsed > limit ? .overdue : (elapsed * 5 >= limit * 4 ? .warning : .normal)
        return ClockStatus(limit: limit, elapsed: elapsed, dueDate: dueDate, pausedFor: pausedFor, level: level)
    }

    private enum CodingKeys: String, CodingKey { case limit, events }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(limit: container.decode(Int.self, forKey: .limit),
                      events: container.decode([ClockEvent].self, forKey: .events))
    }
}
