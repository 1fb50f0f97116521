import Foundation

/// Tests never reach the real managed identity endpoints (IMDS at 169.254.169.254, an App
/// Service or Arc agent): every child a test starts goes through `Spawned`, which calls
/// `check` first and refuses to start one whose environment lacks the IMDS override
/// (AZURE_POD_IDENTITY_AUTHORITY_HOST, the variable the Azure SDKs and the helper read),
/// or points any managed identity variable anywhere but loopback, or is started through
/// `env -i` (which would drop the override). `Harness.environment`, the base of every
/// test's environment, carries the override to a closed loopback port.
enum ManagedIdentityGuard {
    /// Where IMDS is for every test that does not start its own: a closed loopback port.
    static let closedIMDS = "http://127.0.0.1:9"
    /// The variables that choose a managed identity endpoint (the helper reads the first
    /// three; MSI_ENDPOINT is the older App Service name other tools still read).
    static let variables = ["AZURE_POD_IDENTITY_AUTHORITY_HOST", "IDENTITY_ENDPOINT", "IMDS_ENDPOINT", "MSI_ENDPOINT"]

    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    static func check(_ argv: [String], environment: [String: String]) throws {
        guard let imds = environment["AZURE_POD_IDENTITY_AUTHORITY_HOST"], !imds.isEmpty else {
            throw Refused(description: "test guard: refusing to start \(argv.first ?? "") without AZURE_POD_IDENTITY_AUTHORITY_HOST: "
                          + "build the child's environment from Harness.environment (it sets \(closedIMDS)), or set a loopback one")
        }
        for name in variables {
            if let value = environment[name], !value.isEmpty, !isLoopback(url: value) {
                throw Refused(description: "test guard: refusing to start \(argv.first ?? "") with \(name)=\(value): tests talk only to loopback")
            }
        }
        if let env = argv.firstIndex(where: { $0 == "env" || $0.hasSuffix("/env") }),
           argv[(env + 1)...].contains(where: { $0 == "-i" || $0 == "--ignore-environment" || $0 == "-" }) {
            throw Refused(description: "test guard: refusing `env -i`: it would drop AZURE_POD_IDENTITY_AUTHORITY_HOST")
        }
    }

    /// http(s)://127.x.y.z, localhost or [::1], with an optional port and path.
    static func isLoopback(url: String) -> Bool {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", components.user == nil, let host = components.host?.lowercased() else { return false }
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
