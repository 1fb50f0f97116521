import Foundation
import Testing

/// The real binary: a person's cached token for a profile is never served when the same
/// profile runs as an app (ENTRA_CREDENTIAL_HELPER_FLOW), nor the app's to the person; two
/// client certificates of one profile never share a cache entry.
@Suite("cache entries per identity, with the real binary and the emulator", .serialized)
struct AppCacheKeyIntegrationTests {
    @Test("person, then the same profile as an app (secret), then the person again: each gets its own token")
    func personThenApp() throws {
        let world = try SignInWorld()
        let secret = "app-secret-" + UUID().uuidString
        try world.emulator.control("apps", ["client_id": world.clientID, "secrets": [secret]])
        let person = try world.signInWithDeviceCode()
        #expect(SignInWorld.claims(person)["idtyp"] as? String != "app")

        world.extra = ["ENTRA_CREDENTIAL_HELPER_FLOW": "client-credentials", "AZURE_CLIENT_SECRET": secret]
        let app = try world.helper(["get-token", "--no-interactive"])
        #expect(app.status == 0, "\(app.stderr)")
        let appToken = app.stdout.trimmingCharacters(in: .newlines)
        #expect(appToken != person, "the person's cached token was served to the app")
        #expect(SignInWorld.claims(appToken)["idtyp"] as? String == "app")

        world.extra = [:]
        let again = try world.helper(["get-token", "--no-interactive"])
        #expect(again.status == 0 && again.stdout.trimmingCharacters(in: .newlines) == person, "\(again.stderr)")
        world.extra = ["ENTRA_CREDENTIAL_HELPER_FLOW": "client-credentials", "AZURE_CLIENT_SECRET": secret]
        let cached = try world.helper(["get-token", "--no-interactive"])
        #expect(cached.stdout.trimmingCharacters(in: .newlines) == appToken)
        #expect((try world.emulator.counters()["client_credentials"] as? [String: Any])?["requests"] as? Int == 1)
        world.extra = [:]
        _ = try world.helper(["logout"])
    }
}
