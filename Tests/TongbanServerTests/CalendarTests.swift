import Foundation
import Testing
import TongbanCore
@testable import TongbanServer

@Suite("Holiday calendar as editable data")
struct CalendarTests {
    @Test(arguments: TestEngine.available)
    func administratorsPublishNextYearsSchedule(_ engine: TestEngine) async throws {
        try await withApp(engine, demo: true) { s in
            let published = try await s.call(.get, "/api/v1/calendar")
            #expect(published.json["coveredYears"] as? [Int] == [2025, 2026])
            #expect(published.json["provisionalFrom"] as? Int == 2027)
            let estimates = published.json["estimates"] as? [[String: Any]] ?? []
            #expect(estimates.compactMap { $0["year"] as? Int } == [2027, 2028])
            #expect(!s.services.applications.calendar.isWorkingDay(CivilDate(year: 2027, month: 2, day: 8)!), "初三, estimated")
            var schedule = published.json["schedule"] as? [String: Any] ?? [:]
            var years = schedule["years"] as? [[String: Any]] ?? []
            years.append(["year": 2027, "holidays": [["name": "元旦", "dates": ["2027-01-01"]]], "workdays": []])
            schedule["years"] = years

            let person = try await s.logIn(DemoData.persons[0].mobile, password: DemoData.password)
            #expect(try await s.call(.put, "/api/v1/calendar", token: person, json: schedule).status == .forbidden)

            let admin = try await s.logInDemoStaff("admin")
            let before = s.services.calendars.revision
            let saved = try await s.call(.put, "/api/v1/calendar", token: admin, json: schedule)
            #expect(saved.status == .ok, "\(saved.text)")
            #expect(saved.json["coveredYears"] as? [Int] == [2025, 2026, 2027])
            #expect(saved.json["provisionalFrom"] as? Int == 2028)
            #expect(s.services.calendars.revision == before + 1)
            // Every time limit now counts on it alone: 2027-01-01 (a Friday) is no working day,
            // and the Spring Festival, which this notice leaves out, no longer is estimated.
            #expect(!s.services.applications.calendar.isWorkingDay(CivilDate(year: 2027, month: 1, day: 1)!))
            #expect(s.services.applications.calendar.isWorkingDay(CivilDate(year: 2027, month: 2, day: 8)!))

            // A day both holiday and make-up working day is refused, naming the field; nothing changes.
            years[years.count - 1]["workdays"] = [["name": "调休", "dates": ["2027-01-01"]]]
            schedule["years"] = years
            let bad = try await s.call(.put, "/api/v1/calendar", token: admin, json: schedule)
            #expect(bad.status == .unprocessableContent)
            #expect(!bad.errorFields.isEmpty)
            #expect(s.services.calendars.revision == before + 1)
            let malformed = try await s.call(.put, "/api/v1/calendar", token: admin, json: ["version": 1, "years": [["year": "x"]]])
            #expect(malformed.status == .badRequest)

            var filter = AuditFilter()
            filter.action = "calendar.update"
            #expect(try await s.services.audit.list(filter, paging: Paging()).total == 1)
        }
    }
}
