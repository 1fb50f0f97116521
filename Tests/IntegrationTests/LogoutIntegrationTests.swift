import Foundation
import Testing

/// `logout --all` against a keyring of its own (it removes every sign-in it finds) and,
/// through a user namespace, a kernel user keyring of its own.
@Suite("logout --all", .enabled(if: Harness.keyringReady || Harness.integrationRequired))
struct LogoutAllTests {
    static let accessSchema = "io.github.entra-credential-helper.AccessToken"
    static let refreshSchema = "io.github.entra-credential-helper.RefreshToken"

    func items(_ schema: String, bus: PrivateBus) throws -> Int {
        let found = try run(["secret-tool", "search", "--all", "xdg:schema", schema], environment: bus.variables, timeout: 10)
        return found.stdout.split(separator: "\n").filter { $0 == "schema = \(schema)" }.count
    }

    @Test("clears every cache: the Secret Service's access-token fallback, its refresh tokens, and the token file")
    func clearsEveryCache() throws {
        let bus = try PrivateBus(.session)
        defer { bus.stop() }
        try bus.startKeyring()
        let world = try SignInWorld()
        world.launcher = ["unshare", "--user", "--map-root-user"]
        world.extra["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        world.extra["ENTRA_CREDENTIAL_HELPER_ACCESS_CACHE"] = "secret-service"
        let keptInSecretService = try world.signInWithDeviceCode()
        let keptInFile = try world.signInWithDeviceCode(["--store", "file"])
        let file = world.home.file("state/entra-credential-helper/tokens.json")
        #expect(try items(Self.accessSchema, bus: bus) == 1)
        #expect(try items(Self.refreshSchema, bus: bus) == 1)
        #expect(world.filesContaining(keptInFile) == ["state/entra-credential-helper/tokens.json"])

        // Signed out with today's settings: the kernel keyring for access tokens.
        world.extra["ENTRA_CREDENTIAL_HELPER_ACCESS_CACHE"] = nil
        let logout = try world.helper(["logout", "--all"])
        #expect(logout.status == 0, "\(logout.stderr)")

        #expect(try items(Self.accessSchema, bus: bus) == 0, "the access token left in the Secret Service fallback")
        #expect(try items(Self.refreshSchema, bus: bus) == 0)
        #expect(world.filesContaining(keptInFile).isEmpty, "the token file still holds a token")
        #expect(world.filesContaining(keptInSecretService).isEmpty)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
        #expect((json?["access_tokens"] as? [String: Any])?.isEmpty == true)
        #expect((json?["refresh_tokens"] as? [String: Any])?.isEmpty == true)

        // Nothing answers silently any more, from either setting.
        try world.emulator.control("reset-counters", [:])
        world.extra["ENTRA_CREDENTIAL_HELPER_ACCESS_CACHE"] = "secret-service"
        #expect(try world.helper(["get-token", "--no-interactive"]).status == 1)
        #expect(try world.helper(["get-token", "--no-interactive", "--store", "file"]).status == 1)
        #expect(try world.emulator.totalRequests() == 0)
    }
}
