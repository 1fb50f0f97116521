import HelperCore
import Testing
@testable import EntraAuth

struct ResolveCase: Sendable, CustomTestStringConvertible {
    enum Setup: Sendable { case withDefault, twoNoDefault, single, empty }
    var name: String
    var setup: Setup
    var requested: String? = nil
    var flagTenant: String? = nil
    var flagClientID: String? = nil
    var environment: [String: String] = [:]
    /// Expected profile name, tenant and client id.
    var expected: (name: String, tenant: String, clientID: String)
    var testDescription: String { name }
}

@Suite("profile resolution")
struct ProfileResolverTests {
    static let work = Profile(name: "work", tenant: "work-tenant", clientID: "work-client", scopes: ["api://work/.default"])
    static let home = Profile(name: "home", tenant: "home-tenant", clientID: "home-client", scopes: [])

    static func config(_ setup: ResolveCase.Setup) -> Config {
        var config = Config()
        switch setup {
        case .withDefault:
            config.profiles = ["work": work, "home": home]
            config.defaultProfile = "work"
        case .twoNoDefault: config.profiles = ["work": work, "home": home]
        case .single: config.profiles = ["home": home]
        case .empty: break
        }
        return config
    }

    static let cases: [ResolveCase] = [
        .init(name: "named profile from the file", setup: .withDefault, requested: "home",
              expected: ("home", "home-tenant", "home-client")),
        .init(name: "AZURE_* beats the file", setup: .withDefault, requested: "home",
              environment: ["AZURE_TENANT_ID": "env-tenant", "AZURE_CLIENT_ID": "env-client"],
              expected: ("home", "env-tenant", "env-client")),
        .init(name: "flags beat AZURE_*", setup: .withDefault, requested: "home", flagTenant: "flag-tenant", flagClientID: "flag-client",
              environment: ["AZURE_TENANT_ID": "env-tenant", "AZURE_CLIENT_ID": "env-client"],
              expected: ("home", "flag-tenant", "flag-client")),
        .init(name: "flag tenant, env client id", setup: .withDefault, requested: "home", flagTenant: "flag-tenant",
              environment: ["AZURE_CLIENT_ID": "env-client"], expected: ("home", "flag-tenant", "env-client")),
        .init(name: "the default profile", setup: .withDefault, expected: ("work", "work-tenant", "work-client")),
        .init(name: "Lokka names ignored with a default", setup: .withDefault,
              environment: ["TENANT_ID": "lokka-tenant", "CLIENT_ID": "lokka-client"], expected: ("work", "work-tenant", "work-client")),
        .init(name: "Lokka names ignored with a named profile", setup: .twoNoDefault, requested: "home",
              environment: ["TENANT_ID": "lokka-tenant", "CLIENT_ID": "lokka-client"], expected: ("home", "home-tenant", "home-client")),
        .init(name: "Lokka names without name or default", setup: .twoNoDefault,
              environment: ["TENANT_ID": "lokka-tenant", "CLIENT_ID": "lokka-client"],
              expected: ("environment", "lokka-tenant", "lokka-client")),
        .init(name: "AZURE_* names beat Lokka's for the environment profile", setup: .empty,
              environment: ["TENANT_ID": "lokka-tenant", "CLIENT_ID": "lokka-client",
                            "AZURE_TENANT_ID": "env-tenant", "AZURE_CLIENT_ID": "env-client"],
              expected: ("environment", "env-tenant", "env-client")),
        .init(name: "flags alone make the environment profile", setup: .empty, flagTenant: "flag-tenant", flagClientID: "flag-client",
              environment: ["CLIENT_ID": "lokka-client"], expected: ("environment", "flag-tenant", "flag-client")),
        .init(name: "the single profile without a default", setup: .single, expected: ("home", "home-tenant", "home-client")),
        .init(name: "the single profile when only a tenant is in the environment", setup: .single,
              environment: ["TENANT_ID": "lokka-tenant"], expected: ("home", "home-tenant", "home-client")),
    ]

    @Test("precedence: flags, then environment, then config file", arguments: cases)
    func precedence(_ c: ResolveCase) throws {
        var overrides = ProfileOverrides()
        overrides.tenant = c.flagTenant
        overrides.clientID = c.flagClientID
        let resolver = ProfileResolver(config: Self.config(c.setup), environment: { c.environment[$0] })
        let profile = try resolver.resolve(name: c.requested, overrides: overrides)
        #expect(profile.name == c.expected.name)
        #expect(profile.tenant == c.expected.tenant)
        #expect(profile.clientID == c.expected.clientID)
    }

    @Test("an unknown profile lists the known names")
    func unknown() {
        let resolver = ProfileResolver(config: Self.config(.withDefault), environment: { _ in nil })
        let error = #expect(throws: HelperError.self) { try resolver.resolve(name: "wrok", overrides: ProfileOverrides()) }
        #expect(error == .unknownProfile("wrok", known: ["home", "work"]))
        #expect(error?.message.contains("known: home, work") == true)
    }

    @Test("nothing configured: .noProfile", arguments: [
        [String: String](), ["TENANT_ID": "t"], ["AZURE_CLIENT_ID": "c"],
    ])
    func noProfile(environment: [String: String]) {
        let resolver = ProfileResolver(config: Config(), environment: { environment[$0] })
        #expect(throws: HelperError.noProfile) { try resolver.resolve(name: nil, overrides: ProfileOverrides()) }
    }

    @Test("two profiles, no default, no environment: .noProfile")
    func ambiguous() {
        let resolver = ProfileResolver(config: Self.config(.twoNoDefault), environment: { _ in nil })
        #expect(throws: HelperError.noProfile) { try resolver.resolve(name: nil, overrides: ProfileOverrides()) }
    }

    @Test("scopes: the profile's, the flags', or Microsoft Graph when none")
    func scopes() throws {
        let resolver = ProfileResolver(config: Self.config(.withDefault), environment: { _ in nil })
        #expect(try resolver.resolve(name: "work", overrides: ProfileOverrides()).scopes == ["api://work/.default"])
        #expect(try resolver.resolve(name: "home", overrides: ProfileOverrides()).scopes == ["https://graph.microsoft.com/.default"])
        var overrides = ProfileOverrides()
        overrides.scopes = ["api://flag/.default"]
        #expect(try resolver.resolve(name: "work", overrides: overrides).scopes == ["api://flag/.default"])
        let env = ProfileResolver(config: Config(), environment: { ["TENANT_ID": "t", "CLIENT_ID": "c"][$0] })
        #expect(try env.resolve(name: nil, overrides: ProfileOverrides()).scopes == ProfileResolver.defaultScopes)
    }

    @Test("authority host: flag beats AZURE_AUTHORITY_HOST beats the file; insecure hosts are refused")
    func authorityHost() throws {
        var usGov = Self.work
        usGov.authorityHost = "https://login.microsoftonline.us"
        var config = Config()
        config.profiles = ["work": usGov]
        let env = ["AZURE_AUTHORITY_HOST": "https://login.chinacloudapi.cn"]
        #expect(try ProfileResolver(config: config, environment: { _ in nil })
            .resolve(name: "work", overrides: ProfileOverrides()).authorityHost == "https://login.microsoftonline.us")
        let resolver = ProfileResolver(config: config, environment: { env[$0] })
        #expect(try resolver.resolve(name: "work", overrides: ProfileOverrides()).authorityHost == "https://login.chinacloudapi.cn")
        var overrides = ProfileOverrides()
        overrides.authorityHost = "http://127.0.0.1:8400"
        overrides.flow = .deviceCode
        overrides.ports = 50000...50001
        let flagged = try resolver.resolve(name: "work", overrides: overrides)
        #expect(flagged.authorityHost == "http://127.0.0.1:8400" && flagged.flow == .deviceCode && flagged.ports == 50000...50001)
        let insecure = ProfileResolver(config: config, environment: { ["AZURE_AUTHORITY_HOST": "http://evil.example"][$0] })
        #expect(throws: HelperError.insecureAuthority("http://evil.example")) {
            try insecure.resolve(name: "work", overrides: ProfileOverrides())
        }
    }
}
