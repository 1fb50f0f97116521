// swift-tools-version:6.0
import PackageDescription

// No third-party Swift packages: the toolchain's own modules and Debian C libraries only.

// The helper runs on every git fetch, docker pull and kubectl call, so start-up cost is
// part of the design: the shipped modules import neither Foundation nor the implicit
// _Concurrency and _StringProcessing modules, which keeps the static binary small and
// its resident set low (see BENCHMARKS.md). Tests import whatever they like.
let lean: [SwiftSetting] = [
    .unsafeFlags([
        "-Xfrontend", "-disable-implicit-concurrency-module-import",
        "-Xfrontend", "-disable-implicit-string-processing-module-import",
    ]),
]

let package = Package(
    name: "entra-credential-helper",
    products: [
        .executable(name: "entra-credential-helper", targets: ["entra-credential-helper"]),
    ],
    targets: [
        // libsecret-1 (and through it GLib/GIO), imported as a system library.
        .systemLibrary(
            name: "CLibSecret",
            pkgConfig: "libsecret-1",
            providers: [.apt(["libsecret-1-dev"])]
        ),
        // One HTTP request through libcurl, opened with dlopen at first use (never linked,
        // so the cached path does not pay for loading it).
        .target(name: "CHTTP"),
        // Non-variadic wrappers for the kernel key calls (syscall(2) is variadic).
        .systemLibrary(name: "CKernel"),
        // Protocol codecs: git credential helper, docker credential helper. Streams only.
        .target(name: "HelperProtocol", swiftSettings: lean),
        // Storage behind a small protocol: libsecret (Secret Service) and in-memory.
        .target(name: "SecretStore", dependencies: ["HelperProtocol", "CLibSecret"], swiftSettings: lean),
        // The sign-in engine's parts: profiles, host patterns, PKCE, requests, Entra errors.
        .target(name: "EntraAuth", dependencies: ["HelperProtocol", "SecretStore", "CLibSecret", "CKernel", "CHTTP"],
                swiftSettings: lean),
        // The executable: thin CLI and wiring.
        .executableTarget(
            name: "entra-credential-helper",
            dependencies: ["HelperProtocol", "SecretStore", "EntraAuth"],
            swiftSettings: lean
        ),
        .testTarget(name: "HelperProtocolTests", dependencies: ["HelperProtocol"]),
        .testTarget(name: "SecretStoreTests", dependencies: ["SecretStore", "HelperProtocol"]),
        .testTarget(name: "EntraAuthTests", dependencies: ["EntraAuth", "HelperProtocol"]),
        .testTarget(
            name: "IntegrationTests", dependencies: ["entra-credential-helper"],
            exclude: ["Support/gdbus-exit.supp", "Support/headless-browser.sh"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
