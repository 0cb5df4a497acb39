import Foundation

/// A calendar date with no time and no zone (a birth date, a working day).
/// Kept apart from `Date` so that "born on 1990-03-07" never shifts by a day
/// when a server runs in UTC while the applicant lives in UTC+8.
public struct CivilDay: Sendable, Comparable, Hashable, Codable, LosslessStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    /// Does not validate: check `isValid` for input that came from outside.
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` and rejects dates that do not exist (e.g. 2023-02-29).
    public init?(_ description: String) {
        let parts = description.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(IdentityText.isDigit) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
        guard isValid else { return nil }
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String { IdentityText.zeroPadded(String(value), to: width) }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Whether this day exists in the proleptic Gregorian calendar.
    public var isValid: Bool {
        (1...12).contains(month) && day >= 1 && day <= Self.daysInMonth(year: year, month: month)
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// 0 for a month outside 1...12, so callers comparing a day against it reject it.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: 31
        case 4, 6, 9, 11: 30
        case 2: isLeapYear(year) ? 29 : 28
        default: 0
        }
    }

    /// The civil date at instant `now` in a fixed-offset zone. China has one zone
    /// without daylight saving, so an offset (default UTC+8) is exact and avoids
    /// depending on the host's time-zone database.
    public static func today(in timeZoneOffsetSeconds: Int = 8 * 3600, now: Date) -> CivilDay {
        let seconds = Int(now.timeIntervalSince1970.rounded(.down)) + timeZoneOffsetSeconds
        let (days, _) = seconds.floorDivided(by: 86_400)
        return CivilDay(daysSinceEpoch: days)
    }

    /// Converts days since 1970-01-01 (Howard Hinnant's `civil_from_days`), which
    /// works for any era without a calendar object.
    init(daysSinceEpoch: Int) {
        let z = daysSinceEpoch + 719_468
        let (era, _) = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        self.init(year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    public static func < (lhs: CivilDay, rhs: CivilDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

extension Int {
    /// Division rounding towards negative infinity, so instants before 1970 land on the right day.
    fileprivate func floorDivided(by divisor: Int) -> (quotient: Int, remainder: Int) {
        let (q, r) = quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
