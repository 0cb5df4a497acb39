import ArgumentParser
import Foundation
import Hummingbird
import Logging
import TongbanCore
import TongbanServer

@main
struct TongbanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tongban",
        abstract: "一网通办 Tongban: the integrated online government-services platform.",
        subcommands: [Serve.self, Migrate.self, AuditCommand.self, StaffCommand.self, Backup.self, Restore.self, TOTPCommand.self,
                      AppealsCommand.self, CatalogCommand.self, CertificateCommand.self])
}

/// Options every command that touches the store shares.
struct StoreOptions: ParsableArguments {
    @Option(help: "Directory for everything the server writes (default: $TONGBAN_DATA_DIR or ./data).")
    var dataDir: String?
    @Option(help: "Directory for applicants' uploads, shared by every server process (default: $TONGBAN_UPLOAD_DIR or DATA_DIR/uploads).")
    var uploadDir: String?

    func configuration(host: String = "127.0.0.1", port: Int = 8080, demo: Bool = false) -> AppConfiguration {
        AppConfiguration.fromEnvironment(host: host, port: port, dataDirectory: dataDir, uploadDirectory: uploadDir, loadDemoData: demo)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the HTTP server (migrates the database first).")
    @OptionGroup var store: StoreOptions
    @Option var host = "127.0.0.1"
    @Option var port = 8080
    @Flag(help: "Load the demo data set when the database is empty.") var demo = false

    func run() async throws {
        let app = try await buildApplication(store.configuration(host: host, port: port, demo: demo))
        if let logins = app.services.demoLogins {
            print("演示数据已加载 / demo data loaded. Password for every demo account: \(DemoData.password)")
            for login in logins {
                let otp = login.totpSecret.map { "  TOTP secret \($0)  (current code: tongban totp \($0))" } ?? ""
                print("  \(login.login)  — \(login.who)\(otp)")
            }
        } else if demo {
            print("The database already holds data; demo data not loaded again. Demo password: \(DemoData.password)")
        }
        print("Tongban listening on http://\(host):\(port)")
        // Show the log-ins at once even when output goes to a file or pipe.
        fflush(nil)
        try await app.application.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and load reference data.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let services = try await TongbanServices.start(store.configuration(), logger: Logger(label: "tongban.migrate"))
        await services.database.shutdown()
        print("migrations applied")
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Audit log tools.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the audit hash chain; exit 1 at the first broken entry.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            var configuration = store.configuration()
            configuration.needsDataKey = false
            let services = try await TongbanServices.start(configuration, logger: Logger(label: "tongban.audit"))
            let result = try await services.audit.verify()
            await services.database.shutdown()
            switch result {
            case .ok(let count):
                print("\(count) entries OK")
            case .broken(let sequence, let reason):
                print("BROKEN at entry \(sequence): \(reason.en) (\(reason.zh))")
                throw ExitCode(1)
            }
        }
    }
}

struct StaffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "staff", abstract: "Staff administration.", subcommands: [CreateAdmin.self])

    struct CreateAdmin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-admin", abstract: "Create a system administrator and print the TOTP enrolment URI.")
        @OptionGroup var store: StoreOptions
        @Option var username: String
        @Option var name = "系统管理员"
        @Option(help: "Department code the administrator belongs to.") var department: String
        @Option(help: "Password; read from $TONGBAN_ADMIN_PASSWORD when omitted.") var password: String?

        func run() async throws {
            guard let password = password ?? ProcessInfo.processInfo.environment["TONGBAN_ADMIN_PASSWORD"] else {
                throw ValidationError("give --password or set TONGBAN_ADMIN_PASSWORD")
            }
            let services = try await TongbanServices.start(store.configuration(), logger: Logger(label: "tongban.staff"))
            do {
                let uri = try await services.identity.createAdministrator(
                    username: username, name: name, password: password, department: department)
                await services.database.shutdown()
                print("created \(username)\nTOTP enrolment: \(uri)")
            } catch {
                await services.database.shutdown()
                if let failure = error as? ValidationFailure {
                    throw ValidationError(failure.issues.map { "\($0.field): \($0.messageEn)" }.joined(separator: "; "))
                }
                throw error
            }
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a consistent copy of the database while the server runs.")
    @OptionGroup var store: StoreOptions
    @Argument var file: String

    func run() async throws {
        try await DatabaseBackup.backup(store.configuration(), to: file)
        print("backup written to \(file)")
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Restore a backup; refuses a non-empty database unless --force.")
    @OptionGroup var store: StoreOptions
    @Argument var file: String
    @Flag var force = false

    func run() async throws {
        try await DatabaseBackup.restore(store.configuration(), from: file, force: force)
        print("restored from \(file)")
    }
}

struct TOTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "totp", abstract: "Print the current TOTP code for a base32 secret (like oathtool), for demo log-ins.")
    @Argument var secret: String

    func run() throws {
        guard let key = TOTP.base32Decode(secret) else { throw ValidationError("not a base32 secret") }
        print(TOTP.code(secret: key, at: Date()))
    }
}
