import ArgumentParser
import Foundation
import Logging
import TongbanCore
import TongbanServer

struct CertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate", abstract: "Electronic certificate tools.", subcommands: [Verify.self, ExportKeys.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a certificate QR payload (or its verification link); exit 0 only when valid.",
            discussion: "With --keys the check is offline against an exported key file and cannot know about revocations; "
                + "without it the keys and the revocation register come from the database.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The TBC1. payload or the whole link from the QR code.") var payload: String
        @Option(help: "Key file written by `tongban certificate export-keys`.") var keys: String?

        func run() async throws {
            guard let presentation = CertificatePresentation(payload: payload) else {
                throw ValidationError("not a certificate payload (expected TBC1.… or a link with ?p=TBC1.…)")
            }
            let result: VerificationResult
            if let keys {
                let set = try JSONDecoder().decode(PublishedKeySet.self, from: Data(contentsOf: URL(fileURLWithPath: keys)))
                result = CertificateChecker(keys: set.keys, verifiers: SealCrypto.verifiers)
                    .check(presentation, today: CivilDate(instant: Date()), revoked: false)
            } else {
                let services = try await TongbanServices.start(store.configuration(), logger: Logger(label: "tongban.certificate"))
                do {
                    result = try await services.certificates.verify(presentation)
                    await services.database.shutdown()
                } catch {
                    await services.database.shutdown()
                    throw error
                }
            }
            let c = result.content
            print("\(result.outcome.rawValue) (\(result.outcome.zh))")
            print("  \(c.typeName) \(c.number)")
            print("  发证机关 \(c.departmentName) · 发证 \(c.issuedOn) · 有效期至 \(c.expiresOn?.description ?? "长期")")
            print("  seal \(c.algorithm.label) \(c.keyID)")
            for claim in result.disclosed { print("  \(claim.name): \(claim.value)") }
            if keys != nil { print("  (offline check: revocation status not known)") }
            if result.outcome != .valid { throw ExitCode(1) }
        }
    }

    struct ExportKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-keys", abstract: "Write every published seal public key (active and retired) as JSON.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Output file; standard output when omitted.") var output: String?

        func run() async throws {
            let services = try await TongbanServices.start(store.configuration(), logger: Logger(label: "tongban.certificate"))
            let keys = try await services.certificates.publishedKeys()
            await services.database.shutdown()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(PublishedKeySet(keys: keys))
            if let output {
                try data.write(to: URL(fileURLWithPath: output))
                print("\(keys.count) keys written to \(output)")
            } else {
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }
}
