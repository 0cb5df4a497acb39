import ArgumentParser
import Foundation
import SwiftCSV
import TongbanCore
import TongbanServer

/// `tongban appeals …`: train, apply and measure the 12345 appeal router.
struct AppealsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appeals",
        abstract: "12345 诉求自动分类 / Route citizen appeals to a category.",
        subcommands: [Train.self, Classify.self, Evaluate.self, AppealsReplyCheck.self, AppealsHotTopics.self]
    )

    static let modelResource = "appeals/model.bin"
    static let messagesResource = "appeals/messages_train_dev.csv"
    static let titlesResource = "appeals/titles_train.csv"

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "从仓库自带的数据重新训练模型 / Rebuild the model from the repository's CSV copies.",
            discussion: """
            First trains on the train split (plus the extra titles, minus any title that also \
            heads a dev message) and prints dev metrics; then, unless --train-only, retrains on \
            train + dev + all titles and writes that model.
            """
        )

        @Option(help: "Where to write the model (relative paths start at the current directory: run from the repository root).")
        var output = "Sources/TongbanServer/Resources/\(AppealsCommand.modelResource)"

        @Flag(help: "Ship the train-split model instead of retraining on train + dev.")
        var trainOnly = false

        func run() throws {
            let messages = try readCSV(resource: AppealsCommand.messagesResource, required: ["title", "text", "label", "split"])
            let titles = try readCSV(resource: AppealsCommand.titlesResource, required: ["title", "label"])
            var train: [LabeledAppealText] = []
            var dev: [LabeledAppealText] = []
            for (row, record) in zip(messages, 1...) {
                let example = try labeled(row, record: record)
                switch row["split"] {
                case "train": train.append(example)
                case "dev": dev.append(example)
                default: throw CommandFailure("第 \(record) 条记录的 split 应为 train 或 dev / record \(record): split must be train or dev")
                }
            }
            let extra = try zip(titles, 1...).map { row, record in try labeled(row, record: record) }
            // A dev message's title in the training titles would leak its answer into dev.
            let devTitles = Set(dev.map(\.title).filter { !$0.isEmpty })
            let trainExamples = train + extra.filter { !devTitles.contains($0.title) }

            let (trained, trainTime) = timed { AppealClassifier.train(trainExamples) }
            print("train-split model: \(trainExamples.count) examples, \(trained.featureCount) features, trained in \(format(trainTime))")
            print("dev split (\(dev.count) messages):")
            try report(classifier: trained, examples: dev, passes: 3)

            var shipped = trained
            if !trainOnly {
                let all = train + dev + extra
                let (final, finalTime) = timed { AppealClassifier.train(all) }
                print("final model: train + dev + titles, \(all.count) examples, \(final.featureCount) features, trained in \(format(finalTime))")
                shipped = final
            }
            let data = shipped.serialized()
            let url = URL(fileURLWithPath: output)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
            print("wrote \(url.path) (\(data.count) bytes)")
        }
    }

    struct Classify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "为 CSV 中每条诉求预测分类 / Predict a category per row of a CSV.",
            discussion: "Reads columns title (optional, may be empty) and text; writes CSV with header label to stdout, one row per input row."
        )

        @Option(help: "UTF-8 CSV with a header row holding `text` and optionally `title`.")
        var input: String

        @Option(help: "Model file; defaults to the bundled model.")
        var model: String?

        func run() throws {
            let classifier = try loadModel(path: model)
            let rows = try readCSV(path: input, required: ["text"])
            var out = "label\n"
            for row in rows {
                out += classifier.classify(title: row["title"] ?? "", text: row["text"] ?? "").category.rawValue
                out += "\n"
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "在带标注的 CSV 上评估模型 / Measure the model on a labelled CSV.",
            discussion: "Reads columns title (optional), text and label; prints accuracy, macro-F1, a per-class table and throughput."
        )

        @Option(help: "UTF-8 CSV with a header row holding `text`, `label` and optionally `title`.")
        var input: String

        @Option(help: "Model file; defaults to the bundled model.")
        var model: String?

        @Option(help: "Classify everything this many times and report the fastest pass.")
        var passes = 3

        func validate() throws {
            guard passes >= 1 else { throw ValidationError("--passes 至少为 1 / --passes must be at least 1") }
        }

        func run() throws {
            let classifier = try loadModel(path: model)
            let rows = try readCSV(path: input, required: ["text", "label"])
            let examples = try zip(rows, 1...).map { row, record in try labeled(row, record: record) }
            guard !examples.isEmpty else { throw CommandFailure("没有可评估的记录 / no records to evaluate") }
            try report(classifier: classifier, examples: examples, passes: passes)
        }
    }
}

private struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private func loadModel(path: String?) throws -> AppealClassifier {
    let url: URL
    if let path {
        url = URL(fileURLWithPath: path)
    } else if let bundled = BundledResources.url(AppealsCommand.modelResource) {
        url = bundled
    } else {
        throw CommandFailure("找不到内置模型，请先运行 tongban appeals train / bundled model missing: run `tongban appeals train`")
    }
    guard let data = FileManager.default.contents(atPath: url.path) else {
        throw CommandFailure("无法读取模型 \(url.path) / cannot read model \(url.path)")
    }
    return try AppealClassifier(serialized: data)
}

private func readCSV(resource: String, required: [String]) throws -> [[String: String]] {
    guard let url = BundledResources.url(resource) else {
        throw CommandFailure("缺少内置数据 \(resource) / bundled data \(resource) missing")
    }
    return try readCSV(url: url, required: required)
}

private func readCSV(path: String, required: [String]) throws -> [[String: String]] {
    try readCSV(url: URL(fileURLWithPath: path), required: required)
}

private func readCSV(url: URL, required: [String]) throws -> [[String: String]] {
    guard FileManager.default.isReadableFile(atPath: url.path) else {
        throw CommandFailure("无法读取文件 \(url.path) / cannot read \(url.path)")
    }
    // The delimiter is fixed: guessing from Chinese text full of commas can pick wrongly.
    let csv = try CSV<Named>(url: url, delimiter: .comma, loadColumns: false)
    let missing = required.filter { !csv.header.contains($0) }
    guard missing.isEmpty else {
        throw CommandFailure("\(url.path) 缺少列 \(missing.joined(separator: ", ")) / missing column(s) \(missing.joined(separator: ", "))")
    }
    return csv.rows
}

/// `record` counts data rows from 1 (a quoted field may span lines, so it is not a line number).
private func labeled(_ row: [String: String], record: Int) throws -> LabeledAppealText {
    let label = row["label"] ?? ""
    guard let category = AppealCategory(label: label) else {
        throw CommandFailure("第 \(record) 条记录的标签“\(label)”无效 / record \(record): unknown label \"\(label)\"")
    }
    return LabeledAppealText(title: row["title"] ?? "", text: row["text"] ?? "", category: category)
}

/// Classifies `examples` `passes` times and reports throughput of the fastest pass: the
/// first pass also pays for faulting the model into memory, and other processes interrupt.
private func report(classifier: AppealClassifier, examples: [LabeledAppealText], passes: Int) throws {
    var predicted: [AppealCategory] = []
    var elapsed = Duration.seconds(Int64.max)
    for _ in 0..<passes {
        let (pass, time) = timed { examples.map { classifier.classify(title: $0.title, text: $0.text).category } }
        predicted = pass
        elapsed = min(elapsed, time)
    }
    let result = try ClassificationReport(truth: examples.map(\.category), predicted: predicted)
    let seconds = inSeconds(elapsed)
    print("accuracy  \(fixed(result.accuracy))")
    print("macro-F1  \(fixed(result.macroF1))")
    print(pad("category", 16) + pad("precision", 11) + pad("recall", 11) + pad("F1", 11) + "support")
    for metrics in result.perClass {
        print(pad(metrics.category.rawValue, 16) + pad(fixed(metrics.precision), 11) + pad(fixed(metrics.recall), 11)
              + pad(fixed(metrics.f1), 11) + String(metrics.support))
    }
    print("confusion (rows = truth, columns = prediction, order as above):")
    for row in result.confusion {
        print(row.map { pad(String($0), 6) }.joined())
    }
    let perMessage = seconds / Double(examples.count)
    print(String(format: "fastest of %d passes: %d messages in %.3f s: %.0f messages/s, %.4f ms/message",
                 passes, examples.count, seconds, Double(examples.count) / max(seconds, 1e-9), perMessage * 1000))
}

private func fixed(_ value: Double) -> String { String(format: "%.4f", value) }

private func timed<T>(_ body: () -> T) -> (T, Duration) {
    let start = ContinuousClock.now
    let result = body()
    return (result, ContinuousClock.now - start)
}

private func inSeconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

private func format(_ duration: Duration) -> String { String(format: "%.1f s", inSeconds(duration)) }

/// Pads by display width: a CJK character takes two terminal columns.
private func pad(_ text: String, _ width: Int) -> String {
    let used = text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) }
    return text + String(repeating: " ", count: max(1, width - used))
}
