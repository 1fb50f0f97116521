import EntraAuth
import Foundation
import HelperCore
import Testing
@testable import HelperApp

/// The seed CLI's `inspect --profile N` (issue 11): who, flow, audience, scopes or roles,
/// expiry and tenant of the cached access token; never the token; no network, no sign-in.
@Suite("seed CLI: inspect")
struct InspectTests {
    static func jwt(_ claims: [String: Any]) throws -> String {
        func part(_ object: Any) throws -> String {
            try JSONSerialization.data(withJSONObject: object).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        return try part(["typ": "JWT", "alg": "RS256"]) + "." + part(claims) + ".c2lnbmF0dXJl"
    }

    /// The world's profile `git`, with `token` in the file cache under its scopes.
    static func world(caching token: String?, account: String = "ada@contoso.example") throws -> FrontEndWorld {
        let world = try FrontEndWorld()
        world.environment["ENTRA_CREDENTIAL_HELPER_STORE"] = "file"
        world.environment["XDG_STATE_HOME"] = world.directory.appendingPathComponent("state").path
        guard let token else { return world }
        let config = try Config.parse(Array(try Data(contentsOf: world.configURL)), path: "/c.json")
        let profile = try #require(config.profile(named: "git"))
        let store = FileTokenStore(path: FileTokenStore.defaultPath(environment: { world.environment[$0] }))
        let now = Int64(Date().timeIntervalSince1970)
        try store.save(AccessToken(token: token, expiresOn: now + 3600, scopes: profile.scopes,
                                   account: Account(homeAccountID: "o.t", username: account, tenantID: "t-from-cache")),
                       key: SignInKey(profile: profile).accessKey(scopes: profile.scopes), now: now)
        return world
    }

    @Test("a person's token: account, flow, audience, scopes, tenant and expiry; never the token")
    func person() throws {
        let token = try Self.jwt(["aud": "api://git", "scp": "user_impersonation Repo.Read", "tid": "contoso-tid",
                                  "preferred_username": "ada@contoso.example", "appid": "c1", "exp": 4_000_000_000])
        let world = try Self.world(caching: token)
        let (exit, streams) = world.run(["entra-credential-helper", "inspect", "--profile", "git", "--output", "json"])
        #expect(exit == 0, "\(streams.diagnostics)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(streams.output)) as? [String: Any])
        #expect(object["profile"] as? String == "git")
        #expect(object["flow"] as? String == "auto")
        #expect(object["account"] as? String == "ada@contoso.example")
        #expect(object["audience"] as? String == "api://git")
        #expect(object["scopes"] as? [String] == ["user_impersonation", "Repo.Read"])
        #expect(object["roles"] as? [String] == [])
        #expect(object["tenant"] as? String == "contoso-tid")
        #expect((object["expires_on"] as? String)?.hasSuffix("Z") == true)
        #expect(!streams.stdout.contains(token) && !streams.stdout.contains("c2lnbmF0dXJl"))
        #expect(!streams.diagnostics.joined().contains(token))
        let (_, text) = world.run(["entra-credential-helper", "inspect", "--profile", "git"])
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("scopes: user_impersonation Repo.Read"))
        #expect(!lines.contains { $0.hasPrefix("roles:") }, "a person's token has no roles: no empty line for them")
    }

    @Test("an app's token: roles, not scopes; text output; hostile claim values shown clean")
    func app() throws {
        let token = try Self.jwt(["aud": "https://graph.microsoft.com\u{1B}[31m", "roles": ["User.Read.All", "Mail.Send"],
                                  "tid": "t", "appid": "c1"])
        let world = try Self.world(caching: token, account: "")
        let (exit, streams) = world.run(["entra-credential-helper", "inspect", "--profile", "git"])
        #expect(exit == 0, "\(streams.diagnostics)")
        let lines = streams.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("roles: User.Read.All Mail.Send"))
        #expect(!lines.contains { $0.hasPrefix("scopes:") }, "an app's token has no scopes: no empty line for them")
        #expect(lines.contains("app: c1"))
        #expect(lines.contains("account: -"))
        #expect(!streams.stdout.contains("\u{1B}"))
        #expect(!streams.stdout.contains(token))
    }

    @Test("nothing cached: one line naming get-token, exit 1, nothing on stdout, no sign-in attempted")
    func nothingCached() throws {
        let world = try Self.world(caching: nil)
        let (exit, streams) = world.run(["entra-credential-helper", "inspect", "--profile", "git"])
        #expect(exit == 1 && streams.output.isEmpty)
        #expect(streams.diagnostics.last == "entra-credential-helper: no access token of profile git is cached; get one with `entra-credential-helper get-token --profile git`, then inspect it")
    }
}
