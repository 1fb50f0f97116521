import Foundation
import Testing

/// The real binary with `--flow managed-identity` on an Azure Arc-like machine: the
/// emulator's Arc listener (POST /_control/listen {"kind": "arc"}) answers 401 naming a key
/// file, and the binary reads it and retries. The binary trusts key files only in the
/// agent's own directory, /var/opt/azcmagent/tokens, which no environment variable moves
/// (a movable directory would let whoever sets the environment point the helper at any
/// .key file). So this test makes that directory when it is missing (the tests run as
/// root, as in CI), points the emulator's arc_key_dir at it, and removes afterwards every
/// key file the emulator wrote and every directory it made itself.
@Suite("managed identity on Azure Arc, end to end with the real binary", .serialized)
struct ManagedIdentityArcIntegrationTests {
    static let tokens = "/var/opt/azcmagent/tokens"

    /// The agent's token directory for one test; what it made is removed by `close`.
    final class TokenDirectory {
        private var made: [String] = []
        private let before: Set<String>

        init() throws {
            for path in ["/var/opt", "/var/opt/azcmagent", ManagedIdentityArcIntegrationTests.tokens] where !FileManager.default.fileExists(atPath: path) {
                guard mkdir(path, 0o755) == 0 else {
                    throw ControlFailed(text: "cannot make \(path) (\(String(cString: strerror(errno)))): this test runs as root, as scripts/test.sh does in CI")
                }
                made.append(path)
            }
            before = Set((try? FileManager.default.contentsOfDirectory(atPath: ManagedIdentityArcIntegrationTests.tokens)) ?? [])
        }

        /// The key files written since `init`.
        var written: [String] {
            let now = (try? FileManager.default.contentsOfDirectory(atPath: ManagedIdentityArcIntegrationTests.tokens)) ?? []
            return now.filter { !before.contains($0) }.map { "\(ManagedIdentityArcIntegrationTests.tokens)/\($0)" }
        }

        deinit {
            for file in written { unlink(file) }
            for path in made.reversed() { rmdir(path) }
        }
    }

    /// The emulator with its Arc listener, a private HOME, and a profile `arc` with the
    /// managed-identity flow; the environment is what the Arc agent sets, plus CI=true.
    final class World {
        let emulator: Emulator
        let home: TemporaryDirectory
        var environment: [String: String]
        static let removed = SignInWorld.unset + ["DBUS_SESSION_BUS_ADDRESS", "AZURE_CLIENT_ID", "IDENTITY_HEADER", "ENTRA_CREDENTIAL_HELPER_FLOW"]

        init(keyDirectory: String? = nil) throws {
            emulator = try Emulator()
            if let keyDirectory { try emulator.control("managed-identities", ["system_assigned": true, "arc_key_dir": keyDirectory]) }
            let arc = try #require(try emulator.control("listen", ["kind": "arc"]) as? [String: Any])
            home = try TemporaryDirectory()
            environment = ["HOME": home.file("home"), "XDG_CONFIG_HOME": home.file("config"), "XDG_RUNTIME_DIR": home.file("runtime"),
                           "XDG_CACHE_HOME": home.file("cache"), "XDG_STATE_HOME": home.file("state"), "CI": "true",
                           "IDENTITY_ENDPOINT": try #require(arc["IDENTITY_ENDPOINT"] as? String),
                           "IMDS_ENDPOINT": try #require(arc["IMDS_ENDPOINT"] as? String)]
            let added = try helper(["profile", "add", "arc", "--tenant", UUID().uuidString.lowercased(),
                                    "--client-id", UUID().uuidString.lowercased(), "--scope", "https://management.azure.com/.default",
                                    "--flow", "managed-identity", "--host", "arc.example"])
            guard added.status == 0 else { throw ControlFailed(text: added.stderr) }
        }

        func helper(_ arguments: [String]) throws -> Outcome {
            try run(["setsid", "-w", Harness.binary] + arguments, environment: environment, removing: Self.removed)
        }

        var arcRequests: Int { get throws { try emulator.counters()["arc"] as? Int ?? -1 } }
    }

    @Test("401 challenge, key file read, retried: the token on stdout, two Arc requests, the key nowhere else; then from the cache")
    func handshake() throws {
        let directory = try TokenDirectory()
        let world = try World(keyDirectory: Self.tokens)
        let first = try world.helper(["get-token", "--profile", "arc"])
        #expect(first.status == 0, "\(first.stderr)")
        let token = first.stdout.trimmingCharacters(in: .newlines)
        #expect(token.split(separator: ".").count == 3, "not a JWT: \(token.prefix(40))")
        #expect(try world.arcRequests == 2)  // the challenge, then the retry with the key

        let keys = directory.written
        #expect(keys.count == 1 && keys.allSatisfy { $0.hasSuffix(".key") }, "\(keys)")
        for key in keys.compactMap({ try? String(contentsOfFile: $0, encoding: .utf8) }) {
            #expect(!first.stderr.contains(key) && !first.stdout.contains(key))
            #expect(filesContaining(key, under: world.home.path).isEmpty)
        }

        let again = try world.helper(["get-token", "--profile", "arc"])
        #expect(again.status == 0 && again.stdout.trimmingCharacters(in: .newlines) == token)
        #expect(try world.arcRequests == 2)  // cached: no new request
        _ = try world.helper(["logout", "--profile", "arc"])
    }

    @Test("the emulator's own key directory (a temporary one) is not the agent's: one line naming both, no retry, exit 1")
    func foreignDirectory() throws {
        let world = try World()
        let result = try world.helper(["get-token", "--profile", "arc"])
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("entra-credential-helper: the Azure Arc challenge names /"), "\(result.stderr)")
        #expect(result.stderr.contains(", which is not a file in \(Self.tokens); it is not used"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try world.arcRequests == 1)
    }

    @Test("a user-assigned identity on Arc: one line before any request, exit 1")
    func userAssigned() throws {
        let world = try World()
        world.environment["AZURE_CLIENT_ID"] = "uami-1"
        let result = try run(["setsid", "-w", Harness.binary, "get-token", "--profile", "arc"], environment: world.environment,
                             removing: World.removed.filter { $0 != "AZURE_CLIENT_ID" })
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(result.stderr == "entra-credential-helper: Azure Arc has only the machine's system-assigned managed identity; unset AZURE_CLIENT_ID and remove the profile's --managed-identity, or run this elsewhere\n")
        #expect(try world.arcRequests == 0)
    }
}

/// Files under `root` whose bytes contain `needle`.
private func filesContaining(_ needle: String, under root: String) -> [String] {
    var hits: [String] = []
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    for case let relative as String in walker {
        if let data = FileManager.default.contents(atPath: "\(root)/\(relative)"), data.range(of: Data(needle.utf8)) != nil {
            hits.append(relative)
        }
    }
    return hits
}
