import HelperCore
import Testing
@testable import EntraAuth

/// Lokka's app-only settings (issue 11): with no profile given, TENANT_ID, CLIENT_ID and
/// CLIENT_SECRET make the "environment" profile use the client-credentials flow, unless
/// USE_INTERACTIVE=true asks for a person. The secret itself is not copied anywhere: the
/// client-credentials source reads it from the environment when it acquires.
@Suite("Lokka's CLIENT_SECRET")
struct LokkaAppOnlyTests {
    static func resolve(_ environment: [String: String], config: Config = Config(), flow: Profile.Flow? = nil) throws -> Profile {
        var overrides = ProfileOverrides()
        overrides.flow = flow
        return try ProfileResolver(config: config, environment: { environment[$0] }).resolve(name: nil, overrides: overrides)
    }

    static let lokka = ["TENANT_ID": "t", "CLIENT_ID": "c"]

    @Test("the flow of the environment profile", arguments: [
        ([String: String](), Profile.Flow.auto),
        (["CLIENT_SECRET": "s3cr3t"], .clientCredentials),
        (["CLIENT_SECRET": ""], .auto),
        (["CLIENT_SECRET": "s3cr3t", "USE_INTERACTIVE": "true"], .auto),
        (["CLIENT_SECRET": "s3cr3t", "USE_INTERACTIVE": "false"], .clientCredentials),
    ])
    func flow(extra: [String: String], flow: Profile.Flow) throws {
        let profile = try Self.resolve(Self.lokka.merging(extra) { _, new in new })
        #expect(profile.name == ProfileResolver.environmentProfile)
        #expect(profile.flow == flow)
        #expect(!"\(profile)".contains("s3cr3t"), "the secret is not kept on the profile")
    }

    @Test("--flow still wins, and a configured default profile is not changed by CLIENT_SECRET")
    func precedence() throws {
        #expect(try Self.resolve(Self.lokka.merging(["CLIENT_SECRET": "s"]) { _, new in new }, flow: .deviceCode).flow == .deviceCode)
        var config = Config()
        config.profiles = ["work": Profile(name: "work", tenant: "w", clientID: "wc", scopes: [])]
        config.defaultProfile = "work"
        #expect(try Self.resolve(["CLIENT_SECRET": "s"], config: config).flow == .auto)
    }
}
