import Foundation

/// A calendar day as written on a government notice (公历日期), with no time and no zone.
///
/// Time limits are counted in whole days in China Standard Time, so the arithmetic here is
/// plain proleptic-Gregorian day counting: it never consults the machine's time zone or
/// `Foundation.Calendar`, whose results depend on the host's settings.
public struct CivilDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// China has used one offset, UTC+8, without daylight saving since 1991.
    public static let chinaStandardTimeOffset = 8 * 3600

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CivilDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` exactly, the form used in the stored schedules and the API.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The civil date an instant falls on at the given offset (China Standard Time by default).
    public init(instant: Date, utcOffsetSeconds: Int = CivilDate.chinaStandardTimeOffset) {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + utcOffsetSeconds
        self.init(dayNumber: seconds.floorDivided(by: 86_400))
    }

    /// Days since 1970-01-01 (negative before it).
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil: exact for every Gregorian date, no tables.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yearOfEra + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = dayOfYear - (153 * mp + 2) / 5 + 1
    }

    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// Calendar days from `self` to `other` (negative when `other` is earlier).
    public func days(to other: CivilDate) -> Int { other.dayNumber - dayNumber }

    public var weekday: Weekday {
        // 1970-01-01 was a Thursday.
        Weekday(rawValue: (dayNumber + 3).floorModulo(7) + 1)!
    }

    public var isWeekend: Bool { weekday == .saturday || weekday == .sunday }

    public var description: String {
        "\(year.zeroPadded(4))-\(month.zeroPadded(2))-\(day.zeroPadded(2))"
    }

    /// The date without separators, e.g. 20260312.
    public var compact: String { year.zeroPadded(4) + month.zeroPadded(2) + day.zeroPadded(2) }

    /// An instant as the wall-clock minute in China, e.g. "2026-03-12 09:05".
    public static func chinaMinute(unixMilliseconds millis: Int64) -> String {
        let seconds = Int(millis.floorDivided(by: 1000)) + chinaStandardTimeOffset
        let minute = seconds.floorModulo(86_400) / 60
        return "\(CivilDate(dayNumber: seconds.floorDivided(by: 86_400))) \((minute / 60).zeroPadded(2)):\((minute % 60).zeroPadded(2))"
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = CivilDate(iso: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a date as YYYY-MM-DD, got \(text)")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// ISO 8601 numbering: Monday is 1.
public enum Weekday: Int, Sendable, Codable, CaseIterable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday
}

fileprivate extension BinaryInteger {
    func floorDivided(by divisor: Self) -> Self {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }

    func floorModulo(_ divisor: Self) -> Self {
        let r = self % divisor
        return r < 0 ? r + divisor : r
    }
}

extension Int {
    /// Decimal digits padded with zeros to `width`, as `%0*d` would give, without the cost of
    /// `String(format:)` (a format parse and a C call; it showed in profiles of every answer
    /// carrying a date).
    public func zeroPadded(_ width: Int) -> String {
        let digits = String(magnitude)
        let padding = String(repeating: "0", count: Swift.max(0, width - digits.count - (self < 0 ? 1 : 0)))
        return (self < 0 ? "-" : "") + padding + digits
    }
}
