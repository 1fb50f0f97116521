import EntraAuth
import Foundation
import Testing
@testable import HelperApp

/// `--scope` as the seed CLI takes it (issue 11): several scopes in one space-separated
/// value, and Microsoft Graph's short names (`User.Read`), which Microsoft's identity
/// platform reads as https://graph.microsoft.com/User.Read when the resource is left out.
@Suite("--scope: lists and short Graph scopes")
struct ScopeListTests {
    @Test("each value is split on white space; short names are Graph's; OIDC scopes and full scopes stay", arguments: [
        (["User.Read"], ["https://graph.microsoft.com/User.Read"]),
        (["User.Read Mail.Read"], ["https://graph.microsoft.com/User.Read", "https://graph.microsoft.com/Mail.Read"]),
        (["  User.Read\tMail.Send  ", "offline_access"], ["https://graph.microsoft.com/User.Read", "https://graph.microsoft.com/Mail.Send", "offline_access"]),
        (["openid profile offline_access email"], ["openid", "profile", "offline_access", "email"]),
        (["https://management.azure.com/.default"], ["https://management.azure.com/.default"]),
        (["499b84ac-1321-427f-aa17-267ca6975798/.default"], ["499b84ac-1321-427f-aa17-267ca6975798/.default"]),
        (["api://my-api/access_as_user User.Read"], ["api://my-api/access_as_user", "https://graph.microsoft.com/User.Read"]),
        (["User.Read", "User.Read"], ["https://graph.microsoft.com/User.Read"]),
        (["", "   "], []),
    ])
    func parse(values: [String], scopes: [String]) {
        #expect(ScopeList.parse(values) == scopes)
    }

    @Test("profile add --scope \"A B\" stores both, Graph's short names in full")
    func profileAdd() throws {
        let world = try FrontEndWorld()
        let (exit, streams) = world.run(["entra-credential-helper", "profile", "add", "g", "--tenant", "t", "--client-id", "c",
                                         "--scope", "User.Read Mail.Read"])
        #expect(exit == 0, "\(streams.diagnostics)")
        let config = try Config.parse(Array(try Data(contentsOf: world.configURL)), path: "/c.json")
        #expect(config.profile(named: "g")?.scopes == ["https://graph.microsoft.com/User.Read", "https://graph.microsoft.com/Mail.Read"])
    }

    @Test("get-token --scope \"A B\" asks for both: status shows the profile's scopes as overridden")
    func getTokenOverride() throws {
        let world = try FrontEndWorld()
        let services = Services(environment: { world.environment[$0] }, tell: { _ in })
        let commands = TokenCommands(streams: MemoryStreams(), environment: { world.environment[$0] }, services: services)
        let args = try Arguments(["--profile", "git", "--scope", "User.Read api://x/y"], command: "get-token",
                                 options: TokenCommands.tokenOptions, flags: TokenCommands.tokenFlags)
        let (profile, _) = try commands.setUp(args, command: "get-token")
        #expect(profile.scopes == ["https://graph.microsoft.com/User.Read", "api://x/y"])
    }
}
