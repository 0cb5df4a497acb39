import Foundation
import Testing
@testable import TongbanCore

@Suite struct CaseClockTests {
    /// Accepted Tuesday 2026-02-10 with ten working days; 春节 and two make-up Saturdays follow.
    @Test func runsAcrossSpringFestival() throws {
        let calendar = try officialCalendar()
        let clock = CaseClock(limit: 10, startedOn: try day("2026-02-10"))

        let acceptanceDay = clock.status(asOf: try day("2026-02-10"), calendar: calendar)
        #expect(acceptanceDay.elapsed == 0, "the day of acceptance is not counted")
        #expect(acceptanceDay.dueDate == (try day("2026-03-02")))

        let holiday = clock.status(asOf: try day("2026-02-20"), calendar: calendar)
        #expect(holiday.elapsed == 4)
        #expect(holiday.level == .normal)
        #expect(holiday.remaining == 6)
    }

    @Test func warnsAtEightyPercentAndGoesOverdueAfterTheLimit() throws {
        let calendar = try officialCalendar()
        let clock = CaseClock(limit: 10, startedOn: try day("2026-02-10"))
        let seventyPercent = clock.status(asOf: try day("2026-02-26"), calendar: calendar)
        #expect(seventyPercent.elapsed == 7)
        #expect(seventyPercent.level == .normal)

        let eightyPercent = clock.status(asOf: try day("2026-02-27"), calendar: calendar)
        #expect(eightyPercent.elapsed == 8)
        #expect(eightyPercent.level == .warning)

        let dueDay = clock.status(asOf: try day("2026-03-02"), calendar: calendar)
        #expect(dueDay.elapsed == 10)
        #expect(dueDay.remaining == 0)
        #expect(dueDay.level == .warning, "the last day is still within the limit")

        let overdue = clock.status(asOf: try day("2026-03-03"), calendar: calendar)
        #expect(overdue.elapsed == 11)
        #expect(overdue.remaining == -1)
        #expect(overdue.level == .overdue)
        #expect(overdue.dueDate == (try day("2026-03-02")))
    }

    /// Paused on Friday 2025-09-26 for expert review, resumed 2025-10-10: the make-up Sunday
    /// and the working days around 国庆 inside the pause do not count.
    @Test func pauseAndResumeAcrossNationalDay() throws {
        let calendar = try officialCalendar()
        var clock = CaseClock(limit: 5, startedOn: try day("2025-09-24"))
        try clock.pause(.expertReview, on: try day("2025-09-26"))
        #expect(clock.pauseReason == .expertReview)

        let paused = clock.status(asOf: try day("2025-10-09"), calendar: calendar)
        #expect(paused.elapsed == 2)
        #expect(paused.pausedFor == .expertReview)
        #expect(paused.dueDate == nil, "unknown until the clock runs again")

        try clock.resume(on: try day("2025-10-10"))
        #expect(!clock.isPaused)
        let resumedDay = clock.status(asOf: try day("2025-10-10"), calendar: calendar)
        #expect(resumedDay.elapsed == 2, "the resumption day itself is not counted")
        #expect(resumedDay.pausedFor == nil)
        #expect(resumedDay.dueDate == (try day("2025-10-14")), "via make-up Saturday 10-11")

        #expect(clock.status(asOf: try day("2025-10-13"), calendar: calendar).level == .warning)
        let late = clock.status(asOf: try day("2025-10-15"), calendar: calendar)
        #expect(late.elapsed == 6)
        #expect(late.level == .overdue)

        // Asking about a day before the pause ignores events not yet happened then.
        #expect(clock.status(asOf: try day("2025-09-25"), calendar: calendar).elapsed == 1)
        #expect(clock.status(asOf: try day("2025-09-20"), calendar: calendar).elapsed == 0)
    }

    @Test func dueDateStaysInThePastWhenOverdueBeforeAPause() throws {
        var clock = CaseClock(limit: 2, startedOn: try day("2026-03-02"))
        try clock.pause(.hearing, on: try day("2026-03-06"))
        let status = clock.status(asOf: try day("2026-03-20"), calendar: .weekendsOnly)
        #expect(status.elapsed == 4)
        #expect(status.level == .overdue)
        #expect(status.dueDate == (try day("2026-03-04")))
    }

    @Test func rejectsImpossibleHistories() throws {
        let start = ClockEvent(.started, on: try day("2026-03-02"))
        let pause = ClockEvent(.paused(.hearing), on: try day("2026-03-03"))
        let resume = ClockEvent(.resumed, on: try day("2026-03-04"))
        #expect(throws: ClockError.notStartedFirst) { try CaseClock(limit: 5, events: []) }
        #expect(throws: ClockError.notStartedFirst) { try CaseClock(limit: 5, events: [pause]) }
        #expect(throws: ClockError.notStartedFirst) { try CaseClock(limit: 5, events: [start, start]) }
        #expect(throws: ClockError.notPaused) { try CaseClock(limit: 5, events: [start, resume]) }
        #expect(throws: ClockError.alreadyPaused(.hearing)) { try CaseClock(limit: 5, events: [start, pause, pause]) }
        #expect(throws: ClockError.dateOutOfOrder(last: resume.date, given: pause.date)) {
            try CaseClock(limit: 5, events: [start, ClockEvent(.paused(.hearing), on: resume.date), resume, pause])
        }
        let rebuilt = try CaseClock(limit: 5, events: [start, pause, resume])
        #expect(rebuilt.events == [start, pause, resume])
    }

    @Test func decodingValidatesTheHistory() throws {
        var clock = CaseClock(limit: 5, startedOn: try day("2026-03-02"))
        try clock.pause(.inspection, on: try day("2026-03-03"))
        let data = try JSONEncoder().encode(clock)
        #expect(try JSONDecoder().decode(CaseClock.self, from: data) == clock)
        let broken = #"{"limit":5,"events":[{"kind":{"resumed":{}},"date":"2026-03-02"}]}"#
        #expect(throws: ClockError.notStartedFirst) { try JSONDecoder().decode(CaseClock.self, from: Data(broken.utf8)) }
    }

    @Test func sameHistoryAgainstAnotherLimit() throws {
        let clock = CaseClock(limit: 10, startedOn: try day("2026-03-02"))
        let short = clock.withLimit(3)
        #expect(short.events == clock.events)
        #expect(short.status(asOf: try day("2026-03-06"), calendar: .weekendsOnly).level == .overdue)
        #expect(clock.status(asOf: try day("2026-03-06"), calendar: .weekendsOnly).level == .normal)
    }

    @Test func overdueEscalatesToTheDepartmentHead() {
        #expect(Escalation(level: .normal) == Escalation.none)
        #expect(Escalation(level: .warning) == .remindHandler)
        #expect(Escalation(level: .overdue) == .escalateToDepartmentHead)
        #expect(Escalation(level: .overdue).escalatesToDepartmentHead)
        #expect(!Escalation(level: .warning).escalatesToDepartmentHead)
        #expect(WarningLevel.normal < .warning && WarningLevel.warning < .overdue)
    }
}
