import Foundation
import Testing
@testable import TongbanCore

@Suite struct CivilDateTests {
    @Test func parsesOnlyRealDates() throws {
        #expect(try day("2024-02-29").day == 29)
        for bad in ["2025-02-29", "2025-13-01", "2025-00-10", "2025-1-01", "25-01-01", "2025/01/01", "", "２０２５-01-01"] {
            #expect(CivilDate(iso: bad) == nil, "\(bad)")
        }
        #expect(CivilDate(year: 2025, month: 4, day: 31) == nil)
    }

    @Test func weekdaysAndArithmetic() throws {
        #expect(try day("1970-01-01").weekday == .thursday)
        #expect(try day("2026-02-14").weekday == .saturday)
        #expect(try day("2025-01-26").weekday == .sunday)
        #expect(try day("2024-12-31").adding(days: 1) == day("2025-01-01"))
        #expect(try day("2024-03-01").adding(days: -1) == day("2024-02-29"))
        #expect(try day("1969-12-31").dayNumber == -1)
        #expect(try day("2025-01-01").days(to: day("2026-01-01")) == 365)
        #expect(try day("2025-12-31") < day("2026-01-01"))
        #expect(try day("2026-02-14").description == "2026-02-14")
    }

    @Test func instantsFallOnChinaStandardTimeDays() throws {
        // 2025-12-31T16:30:00Z is already 00:30 on New Year's Day in Beijing.
        let instant = Date(timeIntervalSince1970: 1_767_198_600)
        #expect(CivilDate(instant: instant) == (try day("2026-01-01")))
        #expect(CivilDate(instant: instant, utcOffsetSeconds: 0) == (try day("2025-12-31")))
        #expect(CivilDate(instant: Date(timeIntervalSince1970: -1)) == (try day("1970-01-01")))
        #expect(CivilDate(instant: Date(timeIntervalSince1970: -1), utcOffsetSeconds: 0) == (try day("1969-12-31")))
    }

    @Test func textFormsArePaddedLikeTheFormatTheyReplace() throws {
        for n in [0, 7, 42, 2026, 123_456, 9_999_999, -5, -42] {
            for width in [2, 4, 6] {
                #expect(n.zeroPadded(width) == String(format: "%0\(width)d", n), "\(n) \(width)")
            }
        }
        #expect(try day("0987-03-04").description == "0987-03-04")
        #expect(try day("2026-03-04").compact == "20260304")
        #expect(ReceiptNumber.make(division: "330106", date: try day("2026-03-12"), sequence: 42) == "33010620260312000042")
        // 2025-12-31T15:59:59Z is 23:59 in Beijing, a second later the next day's 00:00.
        #expect(CivilDate.chinaMinute(unixMilliseconds: 1_767_196_799_999) == "2025-12-31 23:59")
        #expect(CivilDate.chinaMinute(unixMilliseconds: 1_767_196_800_000) == "2026-01-01 00:00")
        #expect(CivilDate.chinaMinute(unixMilliseconds: -28_800_001) == "1969-12-31 23:59")
    }

    @Test func codesAsISOString() throws {
        let data = try JSONEncoder().encode([try day("2026-10-10")])
        #expect(String(decoding: data, as: UTF8.self) == #"["2026-10-10"]"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([CivilDate].self, from: Data(#"["2026-02-30"]"#.utf8)) }
    }
}

@Suite struct WorkingCalendarTests {
    @Test func springFestival2026WithMakeUpSaturdays() throws {
        let calendar = try officialCalendar()
        #expect(calendar.isWorkingDay(try day("2026-02-13")))
        #expect(calendar.isWorkingDay(try day("2026-02-14")), "调休上班 Saturday")
        for d in 15...23 {
            let date = try #require(CivilDate(year: 2026, month: 2, day: d))
            #expect(!calendar.isWorkingDay(date), "\(date)")
            #expect(calendar.holidayName(on: date) == "春节")
        }
        #expect(calendar.isWorkingDay(try day("2026-02-24")))
        #expect(calendar.isWorkingDay(try day("2026-02-28")), "调休上班 Saturday")
        #expect(!calendar.isWorkingDay(try day("2026-03-01")), "ordinary Sunday")
        #expect(!calendar.isWorkingDay(try day("2026-03-07")), "ordinary Saturday")
        #expect(calendar.holidayName(on: try day("2026-02-24")) == nil)

        #expect(calendar.workingDays(between: try day("2026-02-13"), and: try day("2026-02-28")) == 6)
        #expect(calendar.addWorkingDays(1, from: try day("2026-02-14")) == (try day("2026-02-24")))
        #expect(calendar.addWorkingDays(-1, from: try day("2026-02-24")) == (try day("2026-02-14")))
        #expect(calendar.addWorkingDays(0, from: try day("2026-02-16")) == (try day("2026-02-16")))
    }

    @Test func addWorkingDaysOverNationalDay2025() throws {
        let calendar = try officialCalendar()
        let friday = try day("2025-09-26")
        #expect(calendar.addWorkingDays(1, from: friday) == (try day("2025-09-28")), "Sunday make-up day")
        #expect(calendar.addWorkingDays(4, from: friday) == (try day("2025-10-09")))
        #expect(calendar.addWorkingDays(6, from: friday) == (try day("2025-10-11")), "Saturday make-up day")
        #expect(calendar.addWorkingDays(7, from: friday) == (try day("2025-10-13")))
        #expect(calendar.addWorkingDays(1, from: try day("2025-09-30")) == (try day("2025-10-09")))
        // Without the schedule the holiday would be counted as work.
        #expect(WorkingCalendar.weekendsOnly.addWorkingDays(1, from: try day("2025-09-30")) == (try day("2025-10-01")))
    }

    @Test func workingDaysIsTheInverseOfAdding() throws {
        let calendar = try officialCalendar()
        var start = try day("2025-01-01")
        while start.year < 2027 {
            for n in [0, 1, 3, 10, 20] {
                let end = calendar.addWorkingDays(n, from: start)
                #expect(calendar.workingDays(between: start, and: end) == n, "\(start) + \(n)")
                #expect(calendar.workingDays(between: end, and: start) == -n)
            }
            start = start.adding(days: 17)
        }
    }

    @Test func countsWholeYears() throws {
        let calendar = try officialCalendar()
        #expect(calendar.coveredYears == [2025, 2026])
        #expect(calendar.workingDays(between: try day("2024-12-31"), and: try day("2025-12-31")) == 248)
        #expect(calendar.workingDays(between: try day("2025-12-31"), and: try day("2026-12-31")) == 248)
    }

    @Test func roundTripsThroughJSON() throws {
        let calendar = try officialCalendar()
        let copy = try JSONDecoder().decode(WorkingCalendar.self, from: JSONEncoder().encode(calendar))
        #expect(copy == calendar)
        #expect(copy.isWorkingDay(try day("2026-10-10")))
    }

    @Test func rejectsInconsistentSchedules() throws {
        typealias Group = HolidaySchedule.DayGroup
        let schedule = HolidaySchedule(version: 2, years: [
            .init(year: 2026, holidays: [
                Group(name: "春节", dates: [try day("2026-02-16"), try day("2026-02-16")]),
                Group(name: " ", dates: [try day("2027-01-01")]),
                Group(name: "清明节", dates: []),
            ], workdays: [
                Group(name: "春节", dates: [try day("2026-02-16"), try day("2026-02-25")]),
            ]),
            .init(year: 2026, holidays: [], workdays: []),
        ])
        let codes = issueCodes { try schedule.validate() }
        #expect(codes["version"] == ["unsupported"])
        #expect(codes["years/0/holidays/0/dates/1"] == ["duplicate"])
        #expect(codes["years/0/holidays/1/name"] == ["required"])
        #expect(codes["years/0/holidays/1/dates/0"] == ["yearMismatch"])
        #expect(codes["years/0/holidays/2/dates"] == ["required"])
        #expect(codes["years/0/workdays/0/dates/0"] == ["notWeekend", "conflict"])
        #expect(codes["years/0/workdays/0/dates/1"] == ["notWeekend"])
        #expect(codes["years/1/year"] == ["duplicate"])
        #expect(codes.count == 8)
        #expect(throws: ValidationFailure.self) { try WorkingCalendar(schedule: schedule) }
    }

    @Test func yearsFollowEachOtherWithinTheCentury() throws {
        func year(_ y: Int) -> HolidaySchedule.Year { .init(year: y, holidays: [], workdays: []) }
        #expect(issueCodes { try HolidaySchedule(years: [year(2025), year(2026), year(2028), year(2031)]).validate() }
                == ["years": ["gap", "gap", "gap"]])
        #expect(issueCodes { try HolidaySchedule(years: [year(2026), year(99999)]).validate() }["years/1/year"] == ["range"])
        #expect(throws: Never.self) { try HolidaySchedule(years: [year(2027), year(2026)]).validate() }
    }

    @Test func conflictOnAWeekendIsTheOnlyIssue() throws {
        let schedule = HolidaySchedule(years: [.init(year: 2026, holidays: [
            .init(name: "春节", dates: [try day("2026-02-14")]),
        ], workdays: [
            .init(name: "春节", dates: [try day("2026-02-14")]),
        ])])
        #expect(issueCodes { try schedule.validate() } == ["years/0/workdays/0/dates/0": ["conflict"]])
    }

    @Test func reportsMalformedJSONWithItsPath() {
        let json = #"{"version":1,"years":[{"year":2026,"holidays":[{"name":"春节","dates":["2026-02-30"]}],"workdays":[]}]}"#
        let codes = issueCodes { _ = try WorkingCalendar(json: Data(json.utf8)) }
        #expect(codes == ["years/0/holidays/0/dates/0": ["malformed"]])
        let missing = issueCodes { _ = try WorkingCalendar(json: Data(#"{"version":1}"#.utf8)) }
        #expect(missing == ["years": ["required"]])
        #expect(issueCodes { _ = try WorkingCalendar(json: Data("not json".utf8)) }.values.first == ["malformed"])
    }

    @Test func yearsAfterTheScheduleSkipTheStatutoryHolidays() throws {
        let calendar = try officialCalendar()
        #expect(calendar.provisionalFrom == 2027)
        #expect(!calendar.isProvisional(try day("2026-12-31")))
        #expect(calendar.isProvisional(try day("2027-01-04")))
        #expect(calendar.holidayName(on: try day("2027-01-01")) == "元旦")
        // Thursday 31 December counts, New Year's Day and the weekend do not.
        #expect(calendar.addWorkingDays(2, from: try day("2026-12-30")) == (try day("2027-01-04")))
        // 2027: 除夕 is Friday 5 February, 初一 and 初二 fall on the weekend and are made up on
        // Tuesday and Wednesday.
        for d in 5...10 {
            let date = try #require(CivilDate(year: 2027, month: 2, day: d))
            #expect(!calendar.isWorkingDay(date), "\(date)")
            #expect(calendar.holidayName(on: date) == "春节", "\(date)")
        }
        #expect(calendar.isWorkingDay(try day("2027-02-11")))
        #expect(!calendar.isWorkingDay(try day("2027-04-05")), "清明")
        #expect(!calendar.isWorkingDay(try day("2027-05-04")), "劳动节 on a weekend, made up on Monday and Tuesday")
        #expect(calendar.isWorkingDay(try day("2027-05-05")))
        #expect(calendar.holidayName(on: try day("2027-06-09")) == "端午节")
        #expect(calendar.holidayName(on: try day("2027-09-15")) == "中秋节")
        // 2028: 中秋节 is 3 October, inside 国庆节 (one day off, not two); Sunday 1 October is
        // made up on Wednesday.
        #expect(calendar.holidayName(on: try day("2028-10-03")) == "中秋节")
        #expect(calendar.holidayName(on: try day("2028-10-01")) == "国庆节")
        #expect(!calendar.isWorkingDay(try day("2028-10-04")))
        #expect(calendar.isWorkingDay(try day("2028-10-05")))
        // Entering the notice takes over from the estimate.
        let withNotice = try WorkingCalendar(schedule: HolidaySchedule(years: calendar.schedule.years + [
            .init(year: 2027, holidays: [.init(name: "元旦", dates: [try day("2027-01-01")])], workdays: []),
        ]))
        #expect(withNotice.provisionalFrom == 2028)
        #expect(!withNotice.isProvisional(try day("2027-02-08")))
        #expect(withNotice.isWorkingDay(try day("2027-02-08")), "only what the entered notice lists is a holiday")
    }

    @Test func estimatesAgreeWithTheNoticesOf2025And2026() throws {
        let official = try officialCalendar()
        for year in [2025, 2026] {
            let estimate = try #require(StatutoryHolidays.estimate(year: year))
            let dates = estimate.holidays.flatMap(\.dates)
            #expect(dates.count >= 13, "\(year): 13 statutory days, more when some fall on a weekend")
            for date in dates {
                #expect(!official.isWorkingDay(date), "\(date) is estimated as a holiday but the notice has it as a working day")
            }
        }
    }

    @Test func everyEstimateIsAValidScheduleYear() throws {
        #expect(StatutoryHolidays.estimate(year: 2024) == nil)
        #expect(StatutoryHolidays.estimate(year: 2100) == nil)
        for year in StatutoryHolidays.years {
            let estimate = try #require(StatutoryHolidays.estimate(year: year))
            try HolidaySchedule(years: [estimate]).validate()
            #expect(estimate.holidays.map(\.name) == ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"])
            #expect([4, 5].contains(StatutoryHolidays.qingmingDay(year: year)), "\(year)")
        }
        #expect(StatutoryHolidays.qingmingDay(year: 2025) == 4)
        #expect(StatutoryHolidays.qingmingDay(year: 2026) == 5)
        #expect(StatutoryHolidays.qingmingDay(year: 2028) == 4)
    }

    @Test func withoutAScheduleOnlyWeekendsAreOff() throws {
        #expect(WorkingCalendar.weekendsOnly.provisionalFrom == nil)
        #expect(WorkingCalendar.weekendsOnly.isWorkingDay(try day("2027-01-01")))
        #expect(!WorkingCalendar.weekendsOnly.isProvisional(try day("2027-01-01")))
        // Years before the schedule are history: no estimate is made for them.
        #expect(try officialCalendar().isWorkingDay(try day("2024-10-08")))
    }
}
