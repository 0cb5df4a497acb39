/// SplitMix64: a tiny seeded generator, so training is reproducible bit for bit
/// (the standard library's generator cannot be seeded).
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fisher–Yates written out, because `shuffle(using:)` may change between Swift releases.
    mutating func shuffle(_ values: inout [Int]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            values.swapAt(i, j)
        }
    }
}

/// Linear SVM with squared hinge loss, solved in the dual by coordinate descent
/// (Hsieh et al. 2008, the algorithm behind LIBLINEAR). It needs no learning rate, touches
/// one example at a time and converges in a few dozen passes on sparse text.
/// The bias is learned as the weight of a constant feature 1, regularised like the others.
struct LinearSVMTrainer {
    var tolerance: Double
    var maxEpochs: Int

    struct Result {
        var weights: [Double]
        var bias: Double
    }

    /// `positive[i]` says whether example `i` belongs to the class (one-vs-rest); errors on
    /// positive and negative examples cost `positiveCost` and `negativeCost` (SVM's C).
    func train(examples: [SparseVector], positive: [Bool], positiveCost: Double, negativeCost: Double,
               featureCount: Int, seed: UInt64) -> Result {
        let n = examples.count
        let diagonals = positive.map { 1 / (2 * ($0 ? positiveCost : negativeCost)) }
        var weights = [Double](repeating: 0, count: featureCount)
        var bias = 0.0
        var alpha = [Double](repeating: 0, count: n)
        let labels = positive.map { $0 ? 1.0 : -1.0 }
        let qDiagonal = zip(examples, diagonals).map { example, diagonal in
            example.values.reduce(1 + diagonal) { $0 + Double($1) * Double($1) }
        }
        var order = Array(0..<n)
        var rng = SplitMix64(seed: seed)
        for _ in 0..<maxEpochs {
            rng.shuffle(&order)
            var maxGradient = -Double.infinity
            var minGradient = Double.infinity
            for i in order {
                let example = examples[i]
                let y = labels[i]
                var margin = bias
                example.indices.withUnsafeBufferPointer { idx in
                    example.values.withUnsafeBufferPointer { val in
                        for k in 0..<idx.count { margin += weights[Int(idx[k])] * Double(val[k]) }
                    }
                }
                let gradient = y * margin - 1 + alpha[i] * diagonals[i]
                let projected = alpha[i] == 0 ? min(gradient, 0) : gradient
                maxGradient = max(maxGradient, projected)
                minGradient = min(minGradient, projected)
                guard abs(projected) > 1e-12 else { continue }
                let old = alpha[i]
                alpha[i] = max(old - gradient / qDiagonal[i], 0)
                let step = (alpha[i] - old) * y
                example.indices.withUnsafeBufferPointer { idx in
                    example.values.withUnsafeBufferPointer { val in
                        for k in 0..<idx.count { weights[Int(idx[k])] += step * Double(val[k]) }
                    }
                }
                bias += step
            }
            if maxGradient - minGradient <= tolerance { break }
        }
        return Result(weights: weights, bias: bias)
    }
}
