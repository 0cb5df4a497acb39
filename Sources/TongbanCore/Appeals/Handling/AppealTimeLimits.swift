import Foundation

/// Working-day limits of the hotline: a department signs for an appeal within `acceptDays`
/// of dispatch and replies within the limit of the appeal's type, counted from filing (or
/// from the reopening). Stored as data so a city sets its own.
public struct AppealTimeLimits: Sendable, Codable, Equatable {
    public var acceptDays: Int
    public var replyDays: [String: Int]

    public static let standard = AppealTimeLimits(acceptDays: 1, replyDays: [
        AppealType.consultation.rawValue: 5, AppealType.help.rawValue: 5,
        AppealType.complaint.rawValue: 15, AppealType.report.rawValue: 15,
        AppealType.suggestion.rawValue: 15, AppealType.praise.rawValue: 15,
    ])

    public init(acceptDays: Int, replyDays: [String: Int]) {
        self.acceptDays = acceptDays
        self.replyDays = replyDays
    }

    public func validate() throws(ValidationFailure) {
        var issues = IssueCollector()
        let allowed = WorkingCalendar.timeLimits
        if !allowed.contains(acceptDays) {
            issues.add(FieldIssue(field: "acceptDays", code: "range", zh: "签收时限应为 1 到 \(allowed.upperBound) 个工作日",
                                  en: "acceptDays must be 1 to \(allowed.upperBound) working days"))
        }
        for type in AppealType.allCases {
            guard let days = replyDays[type.rawValue] else { issues.add(.required("replyDays/\(type.rawValue)")); continue }
            if !allowed.contains(days) {
                issues.add(FieldIssue(field: "replyDays/\(type.rawValue)", code: "range",
                                      zh: "答复时限应为 1 到 \(allowed.upperBound) 个工作日",
                                      en: "reply limit must be 1 to \(allowed.upperBound) working days"))
            }
        }
        for key in replyDays.keys where AppealType(rawValue: key) == nil {
            issues.add(FieldIssue(field: "replyDays/\(key)", code: "unknown", zh: "未知的诉求类型 \(key)", en: "unknown appeal type \(key)"))
        }
        if !issues.issues.isEmpty { throw ValidationFailure(issues.issues) }
    }

    public func replyLimit(for type: AppealType) -> Int {
        replyDays[type.rawValue] ?? Self.standard.replyDays[type.rawValue] ?? 15
    }
}

/// The dates at which a time limit started on `start` turns yellow and red, on the same
/// rule as `CaseClock` (warning at 80 % of the limit, overdue past it). Stored with the
/// appeal so warning and overdue lists are plain date comparisons in SQL.
public struct AppealDeadline: Sendable, Equatable, Codable {
    public var limit: Int
    public var startedOn: CivilDate
    /// Last working day within the limit.
    public var dueOn: CivilDate
    public var warnFrom: CivilDate
    public var overdueFrom: CivilDate

    public init(limit: Int, startedOn: CivilDate, calendar: WorkingCalendar) {
        self.limit = limit
        self.startedOn = startedOn
        dueOn = calendar.addWorkingDays(limit, from: startedOn)
        // First day with elapsed × 5 ≥ limit × 4.
        warnFrom = calendar.addWorkingDays((limit * 4 + 4) / 5, from: startedOn)
        overdueFrom = calendar.addWorkingDays(limit + 1, from: startedOn)
    }

    public func status(asOf date: CivilDate, calendar: WorkingCalendar) -> ClockStatus {
        CaseClock(limit: limit, startedOn: startedOn).status(asOf: date, calendar: calendar)
    }

    /// Whether a reply given on `date` kept the limit.
    public func kept(by date: CivilDate) -> Bool { date < overdueFrom }
}
