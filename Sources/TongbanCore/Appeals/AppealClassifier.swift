import Foundation

/// Settings of `AppealClassifier.train`. The defaults were chosen on the dev split of the
/// 12345 message data (see `tongban appeals train`): n-grams up to 3 characters beat 2,
/// dropping n-grams seen in fewer than 3 documents halves the model at no loss, and scale 4
/// gave the lowest log-loss of the confidences. Invalid values are rejected up front.
public struct AppealTrainingOptions: Sendable, Equatable {
    /// Longest character n-gram used as a feature (1...3).
    public let maxNGramLength: Int
    /// N-grams found in fewer training documents are dropped.
    public let minDocumentFrequency: Int
    /// SVM cost C: larger fits the training data more closely.
    public let cost: Double
    /// Raise the cost of each category's own examples by `n / (7 · n_category)` so small
    /// categories (交通运输 has a third of 城乡建设's appeals) are not routed away; this is
    /// what macro-F1 rewards.
    public let balanceCategories: Bool
    /// Stop when the spread of projected dual gradients falls below this.
    public let tolerance: Double
    public let maxEpochs: Int
    /// Seeds the example order, so the same data and options give the same model.
    public let seed: UInt64
    /// Multiplies SVM margins before the softmax that yields `confidence`.
    public let confidenceScale: Double

    public static let standard = try! AppealTrainingOptions()

    public init(
        maxNGramLength: Int = 3,
        minDocumentFrequency: Int = 3,
        cost: Double = 8,
        balanceCategories: Bool = true,
        tolerance: Double = 0.1,
        maxEpochs: Int = 300,
        seed: UInt64 = 12345,
        confidenceScale: Double = 4
    ) throws {
        var issues = IssueCollector()
        if !(1...AppealTextFeatures.maxSupportedOrder).contains(maxNGramLength) {
            issues.add(FieldIssue(field: "maxNGramLength", code: "range",
                                  zh: "n 元语法长度须在 1 到 3 之间", en: "maxNGramLength must be 1...3"))
        }
        if minDocumentFrequency < 1 {
            issues.add(FieldIssue(field: "minDocumentFrequency", code: "range",
                                  zh: "最小文档频数须至少为 1", en: "minDocumentFrequency must be at least 1"))
        }
        if !(cost > 0 && cost.isFinite) {
            issues.add(FieldIssue(field: "cost", code: "range", zh: "惩罚系数须为正数", en: "cost must be positive"))
        }
        if !(tolerance > 0 && tolerance.isFinite) {
            issues.add(FieldIssue(field: "tolerance", code: "range", zh: "收敛容差须为正数", en: "tolerance must be positive"))
        }
        if maxEpochs < 1 {
            issues.add(FieldIssue(field: "maxEpochs", code: "range", zh: "迭代轮数须至少为 1", en: "maxEpochs must be at least 1"))
        }
        if !(confidenceScale > 0 && confidenceScale.isFinite) {
            issues.add(FieldIssue(field: "confidenceScale", code: "range",
                                  zh: "置信度缩放系数须为正数", en: "confidenceScale must be positive"))
        }
        try issues.throwIfAny()
        self.maxNGramLength = maxNGramLength
        self.minDocumentFrequency = minDocumentFrequency
        self.cost = cost
        self.balanceCategories = balanceCategories
        self.tolerance = tolerance
        self.maxEpochs = maxEpochs
        self.seed = seed
        self.confidenceScale = confidenceScale
    }
}

/// One category's standing for one appeal.
public struct AppealCategoryScore: Sendable, Equatable {
    public let category: AppealCategory
    /// Softmax probability, 0...1; the scores of one classification sum to 1.
    public let score: Double
    /// Raw one-vs-rest SVM margin: positive means "looks like this category".
    public let margin: Double
}

public struct AppealClassification: Sendable, Equatable {
    public let category: AppealCategory
    /// Probability of `category` (0...1), a softmax of the margins: usable for ranking and
    /// thresholds such as "send to a person below 0.5", not an exact probability.
    public let confidence: Double
    /// Every category, most likely first.
    public let ranked: [AppealCategoryScore]
    /// How many of the appeal's n-grams the model knew; 0 means the answer is a blind guess
    /// (empty or foreign-script input).
    public let matchedFeatureCount: Int
}

/// Routes a citizen's appeal to one of the seven first-level categories with one-vs-rest
/// linear SVMs over character n-gram TF-IDF. Immutable, so one instance serves all requests.
public struct AppealClassifier: Sendable {
    /// Class order of `biases` and of each feature's weight row.
    public let categories: [AppealCategory]
    public let confidenceScale: Double
    let vectorizer: AppealVectorizer
    let weights: QuantizedWeights
    let biases: [Float]

    /// `vocabulary` must ascend; the trained vectorizer's table is rebuilt with the weights
    /// stored beside each n-gram.
    init(categories: [AppealCategory], confidenceScale: Double, maxOrder: Int, vocabulary: [UInt64],
         documentFrequencies: [Int32], documentCount: Int, weights: QuantizedWeights, biases: [Float]) {
        self.categories = categories
        self.confidenceScale = confidenceScale
        self.vectorizer = AppealVectorizer(
            maxOrder: maxOrder, vocabulary: vocabulary, documentFrequencies: documentFrequencies,
            documentCount: documentCount, weightCodes: weights.codes, classCount: categories.count)
        self.weights = weights
        self.biases = biases
    }

    /// Number of n-gram features in the vocabulary.
    public var featureCount: Int { vectorizer.featureCount }

    public static func train(_ examples: [LabeledAppealText], options: AppealTrainingOptions = .standard) -> AppealClassifier {
        let categories = AppealCategory.allCases
        let keys = examples.map {
            AppealTextFeatures.nGramKeys(title: $0.title, text: $0.text, maxOrder: options.maxNGramLength)
        }
        let vectorizer = AppealVectorizer.fit(
            documents: keys, maxOrder: options.maxNGramLength, minDocumentFrequency: options.minDocumentFrequency)
        let vectors = keys.map(vectorizer.vector(keys:))
        let trainer = LinearSVMTrainer(tolerance: options.tolerance, maxEpochs: options.maxEpochs)
        var rows: [[Double]] = []
        var biases: [Float] = []
        for (c, category) in categories.enumerated() {
            let positive = examples.map { $0.category == category }
            let positiveCount = positive.count { $0 }
            let weight = options.balanceCategories && positiveCount > 0
                ? Double(examples.count) / Double(categories.count * positiveCount) : 1
            let result = trainer.train(
                examples: vectors,
                positive: positive,
                positiveCost: options.cost * weight,
                negativeCost: options.cost,
                featureCount: vectorizer.featureCount,
                seed: options.seed &+ UInt64(c))
            rows.append(result.weights)
            biases.append(Float(result.bias))
        }
        return AppealClassifier(
            categories: categories,
            confidenceScale: options.confidenceScale,
            maxOrder: options.maxNGramLength,
            vocabulary: vectorizer.vocabulary,
            documentFrequencies: vectorizer.documentFrequencies,
            documentCount: vectorizer.documentCount,
            weights: QuantizedWeights(classMajor: rows),
            biases: biases)
    }

    public func classify(title: String, text: String) -> AppealClassification {
        let vector = vectorizer.vector(title: title, text: text)
        let classCount = categories.count
        // The 8-bit codes sit in the same table slot the n-gram was found in; they are
        // summed as is and scaled once per class.
        var sums = [Float](repeating: 0, count: classCount)
        sums.withUnsafeMutableBufferPointer { sums in
            for (slot, value) in zip(vector.slots, vector.values) {
                let packed = vectorizer.table.packedCodes(atSlot: slot)
                for c in 0..<classCount {
                    sums[c] += value * Float(Int8(truncatingIfNeeded: packed >> (8 * UInt64(c))))
                }
            }
        }
        let margins = categories.indices.map { biases[$0] + weights.scales[$0] * sums[$0] }
        let largest = margins.max() ?? 0
        let exponentials = margins.map { exp(confidenceScale * Double($0 - largest)) }
        let total = exponentials.reduce(0, +)
        let ranked = categories.indices
            .map { AppealCategoryScore(category: categories[$0], score: exponentials[$0] / total, margin: Double(margins[$0])) }
            // By margin, not score: far-behind categories all underflow to score 0.
            .sorted { $0.margin != $1.margin ? $0.margin > $1.margin : $0.category.rawValue < $1.category.rawValue }
        return AppealClassification(
            category: ranked[0].category,
            confidence: ranked[0].score,
            ranked: ranked,
            matchedFeatureCount: vector.indices.count)
    }
}

/// Per-class 8-bit weights (`codes[feature * classCount + class]`, weight = code × scale of
/// the class): a quarter of the size of `Float`, so a vocabulary of a few hundred thousand
/// n-grams ships in a few megabytes and each n-gram's weights fit in one table word.
/// Predictions use the codes themselves, so a saved and reloaded model predicts exactly as
/// the trained one.
struct QuantizedWeights: Sendable {
    static let levels: Double = 127
    let codes: [Int8]
    let scales: [Float]

    init(codes: [Int8], scales: [Float]) {
        self.codes = codes
        self.scales = scales
    }

    /// `rows[class][feature]`, each class scaled by its own largest weight.
    init(classMajor rows: [[Double]]) {
        let classCount = rows.count
        let featureCount = rows.first?.count ?? 0
        let scales = rows.map { row -> Double in
            let largest = row.reduce(0) { max($0, abs($1)) }
            return largest > 0 ? largest / Self.levels : 1
        }
        var codes = [Int8](repeating: 0, count: featureCount * classCount)
        for (c, row) in rows.enumerated() {
            for (f, weight) in row.enumerated() {
                codes[f * classCount + c] = Int8((weight / scales[c]).rounded())
            }
        }
        self.init(codes: codes, scales: scales.map { Float($0) })
    }
}
