import ArgumentParser
import Foundation
import Logging
import TongbanCore
import TongbanServer

struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog", abstract: "Service catalog (事项目录) import and export.", subcommands: [Import.self, Export.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import items and local implementations from a JSON or CSV file; nothing is stored if any row is bad.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "A .json (CatalogBundle) or .csv file.") var file: String
        @Option(help: "json or csv; by default taken from the file extension.") var format: String?

        func run() async throws {
            let chosen = format ?? (file.lowercased().hasSuffix(".csv") ? "csv" : "json")
            guard let format = CatalogTransfer.Format(rawValue: chosen) else { throw ValidationError("--format must be json or csv") }
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let services = try await TongbanServices.start(store.configuration(), logger: Logger(label: "tongban.catalog"))
            let bar = ProgressBar()
            do {
                let report = try await CatalogTransfer(catalog: services.catalog).importFile(
                    data, format: format, by: nil, actor: .system("cli"), progress: { done, total in bar.show(done, of: total) })
                bar.finish()
                await services.database.shutdown()
                print("imported: \(report.created) created, \(report.updated) updated, \(report.unchanged) unchanged, "
                      + "\(report.drafts) drafts, \(report.localImplementations) local implementations")
            } catch let failure as ValidationFailure {
                bar.finish()
                await services.database.shutdown()
                for issue in failure.issues { FileHandle.standardError.write(Data("\(issue.messageZh) / \(issue.messageEn)\n".utf8)) }
                FileHandle.standardError.write(Data("\(failure.issues.count) bad rows; nothing was imported\n".utf8))
                throw ExitCode(1)
            } catch {
                await services.database.shutdown()
                throw error
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the published catalog to stdout (or --output) as JSON or CSV.")
        @OptionGroup var store: StoreOptions
        @Option(help: "json or csv") var format = "json"
        @Option(help: "File to write instead of stdout.") var output: String?

        func run() async throws {
            guard let format = CatalogTransfer.Format(rawValue: format) else { throw ValidationError("--format must be json or csv") }
            let services = try await TongbanServices.start(store.configuration(), logger: Logger(label: "tongban.catalog"))
            let data: Data
            do {
                data = try await CatalogTransfer(catalog: services.catalog).export(format)
            } catch {
                await services.database.shutdown()
                throw error
            }
            await services.database.shutdown()
            if let output {
                try data.write(to: URL(fileURLWithPath: output))
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }
}

/// A one-line progress bar on stderr, redrawn only when the percentage moves.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private var lastPercent = -1
    private var drawn = false

    func show(_ done: Int, of total: Int) {
        // Short imports finish before a bar would tell anything.
        guard total >= 1000 else { return }
        let percent = done * 100 / total
        lock.withLock {
            guard percent != lastPercent else { return }
            lastPercent = percent
            drawn = true
            let filled = percent * 30 / 100
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: 30 - filled)
            FileHandle.standardError.write(Data("\r导入 importing [\(bar)] \(percent)% \(done)/\(total)".utf8))
        }
    }

    func finish() {
        lock.withLock { if drawn { FileHandle.standardError.write(Data("\n".utf8)) } }
    }
}
