import Foundation
import Testing
@testable import TongbanCore

/// A few sentences per category built from words no other category uses, so a working
/// classifier must separate them and a broken one cannot do so by luck.
private let vocabulary: [AppealCategory: [String]] = [
    .urbanRuralConstruction: ["小区物业", "房屋漏水", "拆迁安置", "道路施工"],
    .environmentalProtection: ["污水排放", "噪音扰民", "工厂废气", "垃圾焚烧"],
    .transportation: ["公交线路", "出租车", "高速收费", "驾驶证"],
    .educationCultureSports: ["学校老师", "学生入学", "体育场馆", "幼儿园"],
    .laborSocialSecurity: ["拖欠工资", "养老保险", "劳动合同", "失业金"],
    .commerceTourism: ["商场价格", "景区门票", "网购退货", "酒店服务"],
    .healthFamilyPlanning: ["医院看病", "医生态度", "生育证明", "疫苗接种"],
]

private func syntheticExamples() -> [LabeledAppealText] {
    var examples: [LabeledAppealText] = []
    for category in AppealCategory.allCases {
        let words = vocabulary[category]!
        for (i, word) in words.enumerated() {
            let other = words[(i + 1) % words.count]
            examples.append(LabeledAppealText(title: "关于\(word)的问题", text: "我要反映\(word)和\(other)的情况，请尽快处理。", category: category))
            examples.append(LabeledAppealText(title: "", text: "\(other)问题严重，\(word)一直没有解决。", category: category))
        }
    }
    return examples
}

private let quickOptions = try! AppealTrainingOptions(cost: 1, tolerance: 0.01, maxEpochs: 200)
private let tinyModel = AppealClassifier.train(syntheticExamples(), options: quickOptions)

@Suite("AppealClassifier")
struct AppealClassifierTests {
    @Test("separates the synthetic categories on unseen sentences", arguments: AppealCategory.allCases)
    func separates(category: AppealCategory) {
        let words = vocabulary[category]!
        let result = tinyModel.classify(title: "", text: "市民来电：\(words[2])，还有\(words[0])。")
        #expect(result.category == category)
        #expect(result.ranked.first?.category == category)
        #expect(result.confidence > 1.0 / Double(AppealCategory.allCases.count))
        #expect(result.matchedFeatureCount > 0)
    }

    @Test func rankedCoversEveryCategoryAsADistribution() throws {
        let result = tinyModel.classify(title: "公交线路调整", text: "")
        #expect(Set(result.ranked.map(\.category)) == Set(AppealCategory.allCases))
        #expect(result.ranked.count == AppealCategory.allCases.count)
        #expect(abs(result.ranked.map(\.score).reduce(0, +) - 1) < 1e-9)
        #expect(result.ranked.allSatisfy { (0...1).contains($0.score) })
        #expect(zip(result.ranked, result.ranked.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(result.confidence == result.ranked[0].score)
        // The softmax must not reorder the SVM's verdict.
        let topMargin = try #require(result.ranked.map(\.margin).max())
        #expect(result.ranked[0].margin == topMargin)
    }

    @Test func titleAloneIsEnough() {
        #expect(tinyModel.classify(title: "拖欠工资三个月", text: "").category == .laborSocialSecurity)
    }

    @Test("empty and blank input give a valid answer, flagged as unsupported",
          arguments: [("", ""), ("   ", "\n\t\u{3000}"), ("\u{FEFF}", "\r\n")])
    func blankInput(title: String, text: String) {
        let result = tinyModel.classify(title: title, text: text)
        #expect(result.matchedFeatureCount == 0)
        #expect((0...1).contains(result.confidence))
        #expect(result.ranked.count == AppealCategory.allCases.count)
    }

    @Test func unknownScriptMatchesNothing() {
        #expect(tinyModel.classify(title: "", text: "ДОБРЫЙДЕНЬ").matchedFeatureCount == 0)
    }

    @Test func trainingIsDeterministic() {
        let again = AppealClassifier.train(syntheticExamples(), options: quickOptions)
        #expect(again.serialized() == tinyModel.serialized())
    }

    @Test func trainingOnNothingStillClassifies() {
        let empty = AppealClassifier.train([], options: quickOptions)
        #expect(empty.featureCount == 0)
        let result = empty.classify(title: "任何", text: "内容")
        #expect(result.matchedFeatureCount == 0)
        #expect(abs(result.ranked.map(\.score).reduce(0, +) - 1) < 1e-9)
    }

    @Test func minimumDocumentFrequencyPrunesRareNGrams() throws {
        let loose = AppealClassifier.train(syntheticExamples(), options: try AppealTrainingOptions(minDocumentFrequency: 1, maxEpochs: 5))
        let strict = AppealClassifier.train(syntheticExamples(), options: try AppealTrainingOptions(minDocumentFrequency: 3, maxEpochs: 5))
        #expect(strict.featureCount < loose.featureCount)
        #expect(strict.featureCount > 0)
    }

    @Test func invalidOptionsAreRejectedTogether() {
        let failure = #expect(throws: ValidationFailure.self) {
            _ = try AppealTrainingOptions(maxNGramLength: 4, minDocumentFrequency: 0, cost: 0, tolerance: -1,
                                          maxEpochs: 0, confidenceScale: .infinity)
        }
        #expect(failure?.issues.map(\.field)
                == ["maxNGramLength", "minDocumentFrequency", "cost", "tolerance", "maxEpochs", "confidenceScale"])
        #expect(throws: ValidationFailure.self) { _ = try AppealTrainingOptions(cost: .nan) }
        #expect(throws: ValidationFailure.self) { _ = try AppealTrainingOptions(maxNGramLength: 0) }
    }
}

@Suite("AppealClassifier serialization")
struct AppealClassifierSerializationTests {
    private let samples: [(String, String)] = [
        ("", "小区物业不作为，房屋漏水无人管"),
        ("学生入学", ""),
        ("", ""),
        ("ＡＢＣ１２３", "景区门票太贵了！！"),
        ("医院", "医生态度差，疫苗接种排队三小时"),
    ]

    @Test func roundTripPredictsIdentically() throws {
        let restored = try AppealClassifier(serialized: tinyModel.serialized())
        #expect(restored.categories == tinyModel.categories)
        #expect(restored.featureCount == tinyModel.featureCount)
        #expect(restored.confidenceScale == tinyModel.confidenceScale)
        for (title, text) in samples {
            #expect(restored.classify(title: title, text: text) == tinyModel.classify(title: title, text: text))
        }
        #expect(restored.serialized() == tinyModel.serialized())
    }

    @Test func rejectsEmptyData() {
        #expect(throws: AppealModelFormatError.self) { _ = try AppealClassifier(serialized: Data()) }
    }

    @Test func rejectsForeignData() {
        #expect(throws: AppealModelFormatError(reason: "not an appeal model (bad magic)")) {
            _ = try AppealClassifier(serialized: Data("label\n城乡建设\n".utf8))
        }
    }

    @Test func rejectsOtherVersions() {
        var data = tinyModel.serialized()
        data[4] = 99
        #expect(throws: AppealModelFormatError(reason: "unsupported format version 99")) {
            _ = try AppealClassifier(serialized: data)
        }
    }

    @Test("rejects a model cut short anywhere", arguments: [5, 20, 100, 1000])
    func rejectsTruncation(keep: Int) {
        let data = tinyModel.serialized()
        #expect(throws: AppealModelFormatError.self) { _ = try AppealClassifier(serialized: data.prefix(keep)) }
        #expect(throws: AppealModelFormatError.self) { _ = try AppealClassifier(serialized: data.dropLast()) }
    }

    @Test func rejectsTrailingBytes() {
        #expect(throws: AppealModelFormatError(reason: "trailing bytes")) {
            _ = try AppealClassifier(serialized: tinyModel.serialized() + [0])
        }
    }

    @Test func rejectsUnknownCategory() {
        var data = tinyModel.serialized()
        // The first label starts after magic, version, n-gram length, class count and label length.
        let firstLabel = 4 + 3 + 1
        data[firstLabel] = UInt8(ascii: "X")
        #expect(throws: AppealModelFormatError.self) { _ = try AppealClassifier(serialized: data) }
    }
}
