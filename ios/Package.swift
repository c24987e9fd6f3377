// swift-tools-version:5.9
// The Swift shell of Qianpi: the generated bindings over the Rust core (QianpiFFI + Qianpi), the
// presentation logic the SwiftUI screens use (QianpiShell), and its tests. Everything here builds
// and is tested on Linux; the SwiftUI app sources in App/ are Apple-only and not part of this
// package. Run scripts/bindings.sh first: it generates Sources/QianpiFFI/include/QianpiFFI.h and
// Sources/Qianpi/Qianpi.swift from the built library.
import PackageDescription

// Where the Rust library (libqianpi_ffi.so / .dylib) was built.
let rustLib = Context.environment["QIANPI_RUST_LIB_DIR"] ?? (Context.packageDirectory + "/../target/debug")

let package = Package(
    name: "Qianpi",
    defaultLocalization: "zh-Hans",
    // iOS 17 / macOS 14: the screen models are @Observable (the Observation framework).
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [
        .library(name: "QianpiShell", targets: ["QianpiShell"]),
        // The generated bindings on their own, for the app's platform code (ios/App/project.yml).
        .library(name: "Qianpi", targets: ["Qianpi"]),
    ],
    targets: [
        // The C header of the Rust library; its module map links libqianpi_ffi.
        .target(name: "QianpiFFI", path: "Sources/QianpiFFI"),
        // The generated Swift bindings (Swift 5 language mode: the uniffi templates are not clean
        // under Swift 6 strict concurrency).
        .target(name: "Qianpi", dependencies: ["QianpiFFI"], path: "Sources/Qianpi"),
        // Screen models and their string tables (Resources/<language>.lproj, read by StringTable).
        // Swift 5 mode (it imports the generated module), with Swift 6's strict concurrency
        // checking on: the app code must stay free of its warnings.
        .target(
            name: "QianpiShell", dependencies: ["Qianpi"], path: "Sources/QianpiShell", resources: [.copy("Resources")],
            swiftSettings: [.enableExperimentalFeature("StrictConcurrency")]
        ),
        .testTarget(
            name: "QianpiShellTests",
            dependencies: ["QianpiShell", "Qianpi"],
            path: "Tests/QianpiShellTests",
            linkerSettings: [.unsafeFlags(["-L\(rustLib)", "-Xlinker", "-rpath", "-Xlinker", rustLib])]
        ),
    ]
)
