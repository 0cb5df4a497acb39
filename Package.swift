// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Tongban",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tongban", targets: ["tongban"]),
        .library(name: "TongbanCore", targets: ["TongbanCore"]),
        .library(name: "TongbanServer", targets: ["TongbanServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV.git", from: "0.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
    ],
    targets: [
        // Domain core: rules only, no I/O, so it is unit-tested in microseconds.
        .target(
            name: "TongbanCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // System libraries from Debian (libssl-dev, libqrencode-dev): SM2/SM3 need OpenSSL 3,
        // and QR codes come from libqrencode rather than a hand-written encoder.
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        .systemLibrary(
            name: "CQREncode", pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"]), .brew(["qrencode"])]),
        // Small C shim over OpenSSL's EVP API for SM2 with SM3 (GM/T 0003/0004).
        .target(name: "CTongbanSM", dependencies: ["COpenSSL"]),
        // One call SQLite offers only as a variadic C function (see SQLiteWriter.swift).
        .target(name: "CTongbanSQLite"),
        .target(
            name: "TongbanServer",
            dependencies: [
                "TongbanCore",
                "CTongbanSM",
                "CTongbanSQLite",
                "CQREncode",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                // Reads OFD packages (ZIP) from memory to check they are OFD documents.
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tongban",
            dependencies: [
                "TongbanServer",
                "TongbanCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
            ],
            swiftSettings: strict
        ),
        // Catalog search benchmark: 100k generated items on SQLite and PostgreSQL.
        .executableTarget(
            name: "catalog-bench",
            dependencies: [
                "TongbanServer",
                "TongbanCore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        // The least a submission request could cost on Hummingbird and SQLite: the yardstick of
        // bench/applications/sqlite_ceiling.py, not part of the product.
        .executableTarget(
            name: "submission-floor",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TongbanCoreTests",
            dependencies: ["TongbanCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TongbanServerTests",
            dependencies: [
                "TongbanServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strict
        ),
    ]
)
