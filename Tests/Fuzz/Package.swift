// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for Murmur's parsers; built and run by `make fuzz` only, never by the root
// package's `swift build` or `swift test`. See README.md.

/// The root package's settings, plus `FUZZING` for sources compiled both here and in its tests.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .define("FUZZING"),
]

let package = Package(
    name: "murmur-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "murmur", path: "../.."),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzDriver", dependencies: ["CLibFuzzer"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzWire",
            dependencies: ["FuzzDriver", .product(name: "Cluster", package: "murmur")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzSealed",
            dependencies: ["FuzzDriver", .product(name: "Cluster", package: "murmur")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzJSON",
            dependencies: ["FuzzDriver", .product(name: "Gateway", package: "murmur")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzSafetensors",
            dependencies: ["FuzzDriver", .product(name: "Model", package: "murmur")],
            swiftSettings: swiftSettings
        ),
        // `Config` and `ModelDirectory.swift` are symlinks to the executable Node target's sources:
        // the configuration loader is compiled into this target, which links what they import.
        .executableTarget(
            name: "FuzzConfiguration",
            dependencies: [
                "FuzzDriver",
                .product(name: "Cluster", package: "murmur"),
                .product(name: "Model", package: "murmur"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
