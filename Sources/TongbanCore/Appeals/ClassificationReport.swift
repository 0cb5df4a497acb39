/// Quality of predicted categories against the true ones.
///
/// Macro-F1 averages the per-class F1 over the classes that occur in the true or the
/// predicted labels (as scikit-learn does), so small categories such as 交通运输 weigh as
/// much as large ones: a router that never sends anything there is visibly bad.
public struct ClassificationReport: Sendable, Equatable {
    public struct ClassMetrics: Sendable, Equatable {
        public let category: AppealCategory
        /// Of the appeals predicted as this class, the share that truly were; 0 if none predicted.
        public let precision: Double
        /// Of the appeals truly in this class, the share predicted so; 0 if none exist.
        public let recall: Double
        public let f1: Double
        /// Number of appeals truly in this class.
        public let support: Int
    }

    /// Row and column order of `confusion`.
    public let categories: [AppealCategory]
    /// `confusion[truth][prediction]` counts, indexed like `categories`.
    public let confusion: [[Int]]
    public let total: Int
    public let accuracy: Double
    public let macroF1: Double
    public let perClass: [ClassMetrics]

    public init(truth: [AppealCategory], predicted: [AppealCategory]) throws {
        var issues = IssueCollector()
        if truth.isEmpty {
            issues.add(FieldIssue(field: "truth", code: "empty", zh: "没有可评估的样本", en: "nothing to evaluate"))
        }
        if truth.count != predicted.count {
            issues.add(FieldIssue(
                field: "predicted", code: "length",
                zh: "预测数量（\(predicted.count)）与标注数量（\(truth.count)）不一致",
                en: "\(predicted.count) predictions for \(truth.count) labels"))
        }
        try issues.throwIfAny()

        let categories = AppealCategory.allCases
        let position = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
        var confusion = Array(repeating: Array(repeating: 0, count: categories.count), count: categories.count)
        for (t, p) in zip(truth, predicted) {
            confusion[position[t]!][position[p]!] += 1
        }
        var perClass: [ClassMetrics] = []
        var f1Sum = 0.0
        var present = 0
        var correct = 0
        for (c, category) in categories.enumerated() {
            let truePositives = confusion[c][c]
            let support = confusion[c].reduce(0, +)
            let predictedCount = confusion.reduce(0) { $0 + $1[c] }
            let precision = predictedCount == 0 ? 0 : Double(truePositives) / Double(predictedCount)
            let recall = support == 0 ? 0 : Double(truePositives) / Double(support)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            perClass.append(ClassMetrics(category: category, precision: precision, recall: recall, f1: f1, support: support))
            correct += truePositives
            if support > 0 || predictedCount > 0 {
                f1Sum += f1
                present += 1
            }
        }
        self.categories = categories
        self.confusion = confusion
        self.total = truth.count
        self.accuracy = Double(correct) / Double(truth.count)
        self.macroF1 = f1Sum / Double(present)
        self.perClass = perClass
    }
}
