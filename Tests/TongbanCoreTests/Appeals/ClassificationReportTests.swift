import Testing
@testable import TongbanCore

@Suite("ClassificationReport")
struct ClassificationReportTests {
    private let a = AppealCategory.urbanRuralConstruction
    private let b = AppealCategory.transportation
    private let c = AppealCategory.healthFamilyPlanning

    private func metrics(_ report: ClassificationReport, _ category: AppealCategory) throws -> ClassificationReport.ClassMetrics {
        try #require(report.perClass.first { $0.category == category })
    }

    @Test func matchesHandComputedConfusion() throws {
        // truth  a a a b b c
        // pred   a a b b c c
        let report = try ClassificationReport(truth: [a, a, a, b, b, c], predicted: [a, a, b, b, c, c])
        let ia = try #require(report.categories.firstIndex(of: a))
        let ib = try #require(report.categories.firstIndex(of: b))
        let ic = try #require(report.categories.firstIndex(of: c))
        #expect(report.confusion[ia][ia] == 2 && report.confusion[ia][ib] == 1)
        #expect(report.confusion[ib][ib] == 1 && report.confusion[ib][ic] == 1)
        #expect(report.confusion[ic][ic] == 1)
        #expect(report.confusion.flatMap { $0 }.reduce(0, +) == 6)
        #expect(report.total == 6)
        #expect(abs(report.accuracy - 4.0 / 6) < 1e-12)

        let ma = try metrics(report, a)  // TP 2, predicted 2, support 3
        #expect(ma.precision == 1 && abs(ma.recall - 2.0 / 3) < 1e-12 && abs(ma.f1 - 0.8) < 1e-12 && ma.support == 3)
        let mb = try metrics(report, b)  // TP 1, predicted 2, support 2
        #expect(mb.precision == 0.5 && mb.recall == 0.5 && mb.f1 == 0.5 && mb.support == 2)
        let mc = try metrics(report, c)  // TP 1, predicted 2, support 1
        #expect(mc.precision == 0.5 && mc.recall == 1 && abs(mc.f1 - 2.0 / 3) < 1e-12 && mc.support == 1)

        // Categories absent from both truth and prediction do not drag the macro average down.
        #expect(abs(report.macroF1 - (0.8 + 0.5 + 2.0 / 3) / 3) < 1e-12)
        let absent = try metrics(report, .commerceTourism)
        #expect(absent.support == 0 && absent.f1 == 0)
    }

    @Test func categoryOnlyPredictedCountsAsZero() throws {
        let report = try ClassificationReport(truth: [a, a], predicted: [a, b])
        // a: P 1, R 0.5, F1 2/3; b: never true, once predicted: F1 0.
        #expect(abs(report.macroF1 - (2.0 / 3) / 2) < 1e-12)
        #expect(try metrics(report, b).precision == 0)
    }

    @Test func perfectPrediction() throws {
        let truth = AppealCategory.allCases
        let report = try ClassificationReport(truth: truth, predicted: truth)
        #expect(report.accuracy == 1 && report.macroF1 == 1)
        #expect(report.perClass.allSatisfy { $0.precision == 1 && $0.recall == 1 && $0.support == 1 })
    }

    @Test func rejectsMismatchedLengths() {
        let failure = #expect(throws: ValidationFailure.self) {
            _ = try ClassificationReport(truth: [a, b], predicted: [a])
        }
        #expect(failure?.issues.map(\.code) == ["length"])
    }

    @Test func rejectsEmptyInput() {
        let failure = #expect(throws: ValidationFailure.self) {
            _ = try ClassificationReport(truth: [], predicted: [])
        }
        #expect(failure?.issues.map(\.code) == ["empty"])
    }
}
