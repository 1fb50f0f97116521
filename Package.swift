// swift-tools-version:6.0
import PackageDescription

// No third-party Swift packages: Foundation, the toolchain's own modules and Debian C libraries only.
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
        // Protocol codecs: git credential helper, docker credential helper. Streams only.
        .target(name: "HelperProtocol"),
        // Storage behind a small protocol: libsecret (Secret Service) and in-memory.
        .target(name: "SecretStore", dependencies: ["HelperProtocol", "CLibSecret"]),
        // The executable: thin CLI and wiring.
        .executableTarget(
            name: "entra-credential-helper",
            dependencies: ["HelperProtocol", "SecretStore"]
        ),
        .testTarget(name: "HelperProtocolTests", dependencies: ["HelperProtocol"]),
        .testTarget(name: "SecretStoreTests", dependencies: ["SecretStore", "HelperProtocol"]),
        .testTarget(name: "IntegrationTests", dependencies: ["entra-credential-helper"]),
    ],
    swiftLanguageModes: [.v6]
)
