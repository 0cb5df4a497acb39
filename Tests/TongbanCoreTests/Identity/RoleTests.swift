import Testing
@testable import TongbanCore

@Suite struct RoleTests {
    @Test func rawValuesAreStable() {
        #expect(Role(rawValue: "windowClerk") == .windowClerk)
        #expect(Role.allCases.count == 11)
        #expect(Set(Role.allCases.map(\.zh)).count == Role.allCases.count)
    }

    @Test func onlyApplicantsAreNotStaff() {
        #expect(Role.allCases.filter { !$0.isStaff } == [.person, .organizationAgent])
        #expect(Role.supervisor.zh == "监察员")
    }
}
