import Foundation

/// The public holidays the law itself fixes (《全国年节及纪念日放假办法》, as revised in 2024,
/// in force from 2025): what a year looks like before the State Council publishes its notice.
///
/// The State Council's notice for a year usually appears in November of the year before, and
/// until an administrator enters it deadlines running into that year must still skip its
/// festivals: a 20-working-day limit started in mid-December would otherwise count New Year's
/// Day and the Spring Festival as working days. The notice also moves weekends around (调休),
/// which no rule predicts, so an estimated year has no make-up working days; instead it
/// follows article 6 of the law: a holiday falling on a Saturday or Sunday is made up on the
/// next working day (补假). Deadlines computed on an estimate are marked as such, and are
/// recomputed once the notice is entered.
public enum StatutoryHolidays {
    /// Years the estimate covers: the solar-term rule below holds for 2000–2099.
    public static let years = 2025...2099

    public static let source = "估算：《全国年节及纪念日放假办法》规定的法定节假日（国务院办公厅当年通知公布前）"

    /// The estimated schedule of `year`: holidays only, no make-up working days. Nil outside `years`.
    public static func estimate(year: Int) -> HolidaySchedule.Year? {
        guard years.contains(year),
              let newYearsDay = CivilDate(year: year, month: 1, day: 1),
              let springFestival = lunarDate(year: year, month: 1, day: 1),
              let dragonBoat = lunarDate(year: year, month: 5, day: 5),
              let midAutumn = lunarDate(year: year, month: 8, day: 15),
              let qingming = CivilDate(year: year, month: 4, day: qingmingDay(year: year)),
              let labour = CivilDate(year: year, month: 5, day: 1),
              let national = CivilDate(year: year, month: 10, day: 1) else { return nil }
        let festivals: [(String, [CivilDate])] = [
            ("元旦", [newYearsDay]),
            // 农历除夕 and 正月初一至初三.
            ("春节", (-1...2).map { springFestival.adding(days: $0) }),
            ("清明节", [qingming]),
            ("劳动节", [labour, labour.adding(days: 1)]),
            ("端午节", [dragonBoat]),
            ("中秋节", [midAutumn]),
            ("国庆节", (0...2).map { national.adding(days: $0) }),
        ]
        var taken = Set(festivals.flatMap(\.1))
        var listed = Set<CivilDate>()
        var groups: [HolidaySchedule.DayGroup] = []
        for (name, days) in festivals {
            // 中秋节 can fall within 国庆节 (as in 2028); a coinciding day is one day off, listed once.
            var dates = days.filter { listed.insert($0).inserted }
            for _ in dates.filter(\.isWeekend) {
                var makeUp = days.max()!.adding(days: 1)
                while makeUp.isWeekend || taken.contains(makeUp) { makeUp = makeUp.adding(days: 1) }
                taken.insert(makeUp)
                listed.insert(makeUp)
                dates.append(makeUp)
            }
            // 除夕 of the earliest Spring Festival or a make-up day after 国庆节 never leaves
            // the year, but a schedule entry must hold only its own year's dates.
            groups.append(HolidaySchedule.DayGroup(name: name, dates: dates.filter { $0.year == year }))
        }
        return HolidaySchedule.Year(year: year, source: source, holidays: groups, workdays: [])
    }

    /// 清明 is the solar term at 15° of solar longitude, on 4 or 5 April; the usual
    /// day-count rule for the 21st century (C = 4.81) gives it without an ephemeris.
    static func qingmingDay(year: Int) -> Int {
        let y = year % 100
        return Int((Double(y) * 0.2422 + 4.81).rounded(.down)) - y / 4
    }

    private static let chineseCalendar: Calendar = {
        var calendar = Calendar(identifier: .chinese)
        calendar.timeZone = TimeZone(secondsFromGMT: CivilDate.chinaStandardTimeOffset)!
        return calendar
    }()

    /// The Gregorian date of a lunar month and day in the lunar year that begins in `year`.
    static func lunarDate(year: Int, month: Int, day: Int) -> CivilDate? {
        // Foundation numbers Chinese years by 60-year cycle (era) and year in the cycle; 1984
        // began the 78th cycle. Only called for `years`, after 1984.
        let offset = year - 1984
        var components = DateComponents()
        components.era = 78 + offset / 60
        components.year = offset % 60 + 1
        components.month = month
        components.day = day
        components.isLeapMonth = false
        guard let instant = chineseCalendar.date(from: components) else { return nil }
        return CivilDate(instant: instant)
    }
}
