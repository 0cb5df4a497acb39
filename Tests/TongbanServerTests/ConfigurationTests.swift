import Foundation
import Testing
@testable import TongbanServer

@Suite struct ConfigurationTests {
    @Test func uploadsFollowTheDataDirectoryUnlessGivenTheirOwn() {
        let plain = AppConfiguration.fromEnvironment(environment: ["TONGBAN_DATA_DIR": "/srv/tongban"])
        #expect(plain.uploadDirectory.path == "/srv/tongban/uploads")
        #expect(plain.store == .sqlite(path: "/srv/tongban/tongban.sqlite"))

        let shared = AppConfiguration.fromEnvironment(environment: [
            "TONGBAN_DATA_DIR": "/srv/tongban", "TONGBAN_UPLOAD_DIR": "/mnt/shared/uploads", "DATABASE_URL": "postgres://db/tongban",
        ])
        #expect(shared.uploadDirectory.path == "/mnt/shared/uploads")
        #expect(shared.store == .postgres(url: "postgres://db/tongban"))

        // Flags win over the environment; an empty variable counts as unset.
        let flagged = AppConfiguration.fromEnvironment(dataDirectory: "/d", uploadDirectory: "/u",
                                                       environment: ["TONGBAN_UPLOAD_DIR": "/mnt/shared/uploads"])
        #expect(flagged.uploadDirectory.path == "/u")
        #expect(AppConfiguration.fromEnvironment(dataDirectory: "/d", environment: ["TONGBAN_UPLOAD_DIR": ""]).uploadDirectory.path == "/d/uploads")
    }
}
