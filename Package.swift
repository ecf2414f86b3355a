// swift-tools-version:6.1

import PackageDescription

/// One set of settings for every target, as Hummingbird does.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Test code may lean on modules its dependencies re-export.
let testSwiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "ledger",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ledgerd", targets: ["ledgerd"]),
        .executable(name: "ledgerctl", targets: ["ledgerctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
    ],
    targets: [
        // libpq, the PostgreSQL C client library, found through pkg-config.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Our own small PostgreSQL client over libpq. Knows nothing of meals.
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The programme's rules as plain values and functions: no I/O.
        .target(
            name: "LedgerCore",
            swiftSettings: swiftSettings
        ),
        // The subsidy report of a reconciliation and its files: CSV, the stored JSON, the printable HTML.
        .target(
            name: "LedgerReports",
            dependencies: ["LedgerCore"],
            swiftSettings: swiftSettings
        ),
        // SQL for each use case, over Postgres and LedgerCore; also the migrations runner. The only module above
        // Postgres: it throws domain refusals and `LedgerUnavailable`, never `PostgresError`, to the layers above.
        .target(
            name: "LedgerStore",
            dependencies: [
                "Postgres",
                "LedgerCore",
                "LedgerReports",
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The terminal API: routes, authentication, request and response types, error mapping.
        .target(
            name: "LedgerServer",
            dependencies: [
                "LedgerStore",
                "LedgerCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The staff console: server-rendered HTML pages over LedgerStore, each signed-in staff member acting through a
        // PostgreSQL connection opened as their own login.
        .target(
            name: "LedgerConsole",
            dependencies: [
                "LedgerStore",
                "LedgerCore",
                "LedgerReports",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // One file per ledgerctl subcommand.
        .target(
            name: "LedgerCommands",
            dependencies: [
                "LedgerStore",
                "LedgerCore",
                "LedgerReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ledgerd",
            dependencies: [
                "LedgerServer",
                "LedgerConsole",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ledgerctl",
            dependencies: [
                "LedgerCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // bench/pool: pool round trips against pgbench -S.
        .executableTarget(
            name: "ledger-bench",
            dependencies: [
                "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/Sources/ledger-bench",
            swiftSettings: swiftSettings
        ),
        // The test database of every test target: DATABASE_URL, scratch databases, migrations.
        .target(
            name: "TestSupport",
            dependencies: [
                "Postgres",
                "LedgerStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: [
                "Postgres",
                "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: testSwiftSettings
        ),
        // Runs the built ledgerctl and ledgerd as an operator would.
        .testTarget(
            name: "CommandLineTests",
            dependencies: ["TestSupport"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "LedgerCoreTests",
            dependencies: ["LedgerCore"],
            swiftSettings: testSwiftSettings
        ),
        // The printed report: its HTML, and its PDF as Chromium prints it (scripts/report-pdf).
        .testTarget(
            name: "LedgerReportsTests",
            dependencies: ["LedgerReports", "LedgerCore"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "LedgerStoreTests",
            dependencies: ["LedgerStore", "Postgres", "LedgerCore", "LedgerReports", "TestSupport"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "LedgerServerTests",
            dependencies: [
                "LedgerServer",
                "LedgerStore",
                "Postgres",
                "LedgerCore",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "LedgerConsoleTests",
            dependencies: [
                "LedgerConsole",
                "LedgerStore",
                "Postgres",
                "LedgerCore",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
            ],
            swiftSettings: testSwiftSettings
        ),
    ]
)
