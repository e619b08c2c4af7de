// swift-tools-version:6.2
// libFuzzer targets for PacSpaceCore's parsers (issue 5). Not part of the main build:
// `scripts/fuzz` builds this package with `-sanitize=fuzzer,address` into .build-fuzz.
import PackageDescription

let package = Package(
    name: "pacspace-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "pacspace", path: "..")],
    targets: [
        .executableTarget(
            name: "PacSpaceFuzz",
            dependencies: [.product(name: "PacSpaceCore", package: "pacspace")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ]
)
