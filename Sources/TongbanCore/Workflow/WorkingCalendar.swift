import Foundation

/// The holiday schedule exactly as administrators store and edit it: for each year, the
/// named holiday days and the make-up working days (调休上班) from the State Council notice.
public struct HolidaySchedule: Sendable, Codable, Equatable {
    public static let currentVersion = 1
    /// Years a schedule may hold.
    public static let years = 2000...2099

    public var version: Int
    public var years: [Year]

    public init(version: Int = HolidaySchedule.currentVersion, years: [Year]) {
        self.version = version
        self.years = years
    }

    public struct Year: Sendable, Codable, Equatable {
        public var year: Int
        /// Title of the notice the dates come from, for whoever checks them later.
        public var source: String?
        public var holidays: [DayGroup]
        public var workdays: [DayGroup]

        public init(year: Int, source: String? = nil, holidays: [DayGroup], workdays: [DayGroup]) {
            self.year = year
            self.source = source
            self.holidays = holidays
            self.workdays = workdays
        }
    }

    /// Days that belong to one festival, e.g. 春节 and its dates.
    public struct DayGroup: Sendable, Codable, Equatable {
        public var name: String
        public var dates: [CivilDate]

        public init(name: String, dates: [CivilDate]) {
            self.name = name
            self.dates = dates
        }
    }

    /// Every problem in the schedule at once, so an administrator fixes the file in one pass.
    public func validate() throws(ValidationFailure) {
        var issues = IssueCollector()
        if version != HolidaySchedule.currentVersion {
            issues.add(FieldIssue(field: "version", code: "unsupported",
                                  zh: "不支持的日历版本 \(version)", en: "unsupported calendar version \(version)"))
        }
        var seenYears = Set<Int>()
        var holidayPaths: [CivilDate: String] = [:]
        var workdayPaths: [CivilDate: String] = [:]
        for (y, entry) in years.enumerated() {
            if !Self.years.contains(entry.year) {
                issues.add(FieldIssue(field: "years/\(y)/year", code: "range",
                                      zh: "年份须在 \(Self.years.lowerBound) 至 \(Self.years.upperBound) 之间",
                                      en: "the year must lie between \(Self.years.lowerBound) and \(Self.years.upperBound)"))
            }
            if !seenYears.insert(entry.year).inserted {
                issues.add(FieldIssue(field: "years/\(y)/year", code: "duplicate",
                                      zh: "\(entry.year) 年重复出现", en: "year \(entry.year) appears twice"))
            }
            let kinds: [(key: String, groups: [DayGroup])] = [("holidays", entry.holidays), ("workdays", entry.workdays)]
            for (key, groups) in kinds {
                for (g, group) in groups.enumerated() {
                    let groupPath = "years/\(y)/\(key)/\(g)"
                    if group.name.workflowIsBlank {
                        issues.add(.required("\(groupPath)/name"))
                    } else if group.name.count > 50 {
                        issues.add(FieldIssue(field: "\(groupPath)/name", code: "tooLong",
                                              zh: "节日名称不能超过 50 个字", en: "a holiday name must be at most 50 characters"))
                    }
                    if group.dates.isEmpty { issues.add(.required("\(groupPath)/dates")) }
                    for (d, date) in group.dates.enumerated() {
                        let field = "\(groupPath)/dates/\(d)"
                        if date.year != entry.year {
                            issues.add(FieldIssue(field: field, code: "yearMismatch",
                                                  zh: "\(date) 不属于 \(entry.year) 年，请放入该年份的条目",
                                                  en: "\(date) is not in \(entry.year); list it under its own year"))
                        }
                        let isHoliday = key == "holidays"
                        if !isHoliday, !date.isWeekend {
                            issues.add(FieldIssue(field: field, code: "notWeekend",
                                                  zh: "调休上班日 \(date) 不是周末", en: "make-up working day \(date) is not a weekend day"))
                        }
                        if isHoliday ? holidayPaths[date] != nil : workdayPaths[date] != nil {
                            issues.add(FieldIssue(field: field, code: "duplicate",
                                                  zh: "\(date) 重复列出", en: "\(date) is listed twice"))
                        } else if isHoliday {
                            holidayPaths[date] = field
                        } else {
                            workdayPaths[date] = field
                        }
                    }
                }
            }
        }
        // A year missing in between would count its festivals as working days without being
        // provisional: the estimate only covers years after the last one entered.
        let inRange = seenYears.filter(Self.years.contains)
        if let first = inRange.min(), let last = inRange.max() {
            for missing in (first...last).filter({ !inRange.contains($0) }).prefix(5) {
                issues.add(FieldIssue(field: "years", code: "gap", zh: "缺少 \(missing) 年的安排：年份须连续",
                                      en: "\(missing) is missing: the years must follow each other"))
            }
        }
        for (date, field) in workdayPaths.sorted(by: { $0.key < $1.key }) where holidayPaths[date] != nil {
            issues.add(FieldIssue(field: field, code: "conflict",
                                  zh: "\(date) 同时被列为放假日和调休上班日",
                                  en: "\(date) is listed both as a holiday and as a make-up working day"))
        }
        if !issues.issues.isEmpty { throw ValidationFailure(issues.issues) }
    }
}

/// Decides which civil dates are working days (工作日): Monday to Friday, except the
/// official holidays, plus the weekend days the State Council makes working days.
/// Years after the schedule's last one, whose notice is not out or not yet entered, skip the
/// statutory holidays (`StatutoryHolidays`) and are provisional: answers about them may change
/// when the notice is entered. Years before the schedule's first one have weekends only.
public struct WorkingCalendar: Sendable, Equatable, Codable {
    public let schedule: HolidaySchedule
    /// The first year counted on the statutory estimate; nil when the schedule is empty.
    public let provisionalFrom: Int?
    /// The time limits, in working days, that any rule may set (process steps, catalog items,
    /// appeals). Deadlines are counted day by day and 80 % of a limit by multiplication, so an
    /// unbounded limit (2^63 was once accepted) would loop without end or trap; no statutory
    /// limit comes near the bound.
    public static let timeLimits = 1...1000
    private let holidayNames: [CivilDate: String]
    private let workdayNames: [CivilDate: String]

    public init(schedule: HolidaySchedule) throws(ValidationFailure) {
        try schedule.validate()
        self.schedule = schedule
        var holidays: [CivilDate: String] = [:]
        var workdays: [CivilDate: String] = [:]
        provisionalFrom = schedule.years.map(\.year).max().map { $0 + 1 }
        let estimated = provisionalFrom.map {
            StatutoryHolidays.years.clamped(to: $0...Int.max).compactMap(StatutoryHolidays.estimate(year:))
        } ?? []
        for year in schedule.years + estimated {
            for group in year.holidays { for date in group.dates { holidays[date] = group.name } }
            for group in year.workdays { for date in group.dates { workdays[date] = group.name } }
        }
        holidayNames = holidays
        workdayNames = workdays
    }

    /// Decodes and validates a stored schedule (the `cn-holidays.json` format).
    public init(json: Data) throws(ValidationFailure) {
        let schedule: HolidaySchedule
        do {
            schedule = try JSONDecoder().decode(HolidaySchedule.self, from: json)
        } catch {
            throw ValidationFailure(.decoding(error))
        }
        try self.init(schedule: schedule)
    }

    /// Weekends only, no holidays: for tests and for regions without a schedule yet.
    public static let weekendsOnly = try! WorkingCalendar(schedule: HolidaySchedule(years: []))

    public var coveredYears: [Int] { schedule.years.map(\.year).sorted() }

    /// Whether `date` falls in a year counted on the statutory estimate.
    public func isProvisional(_ date: CivilDate) -> Bool { provisionalFrom.map { date.year >= $0 } ?? false }

    public func isWorkingDay(_ date: CivilDate) -> Bool {
        if workdayNames[date] != nil { return true }
        if holidayNames[date] != nil { return false }
        return !date.isWeekend
    }

    /// The festival a date is a holiday for, e.g. "春节"; nil on ordinary days.
    public func holidayName(on date: CivilDate) -> String? { holidayNames[date] }

    /// The `n`-th working day after `date` (before it when `n` is negative). The start day
    /// itself is not counted, as the law counts a period from the day after it begins.
    public func addWorkingDays(_ n: Int, from date: CivilDate) -> CivilDate {
        let step = n < 0 ? -1 : 1
        var remaining = abs(n)
        var current = date
        while remaining > 0 {
            current = current.adding(days: step)
            if isWorkingDay(current) { remaining -= 1 }
        }
        return current
    }

    /// Working days in the half-open span (start, end]: the inverse of `addWorkingDays`, so
    /// `workingDays(between: d, and: addWorkingDays(n, from: d)) == n`. Negative when `end`
    /// is before `start`.
    public func workingDays(between start: CivilDate, and end: CivilDate) -> Int {
        if end < start { return -workingDays(between: end, and: start) }
        var count = 0
        var current = start
        while current < end {
            current = current.adding(days: 1)
            if isWorkingDay(current) { count += 1 }
        }
        return count
    }

    public init(from decoder: any Decoder) throws {
        try self.init(schedule: HolidaySchedule(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try schedule.encode(to: encoder)
    }

    public static func == (lhs: WorkingCalendar, rhs: WorkingCalendar) -> Bool {
        lhs.schedule == rhs.schedule
    }
}
