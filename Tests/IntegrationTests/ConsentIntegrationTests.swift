import Foundation
import Testing

/// `--extra-scopes-to-consent` (MSAL's WithExtraScopesToConsent) against the emulator with
/// per-user consent on (config require_consent), the real binary and real headless Chromium:
/// the extra scopes ride in the authorize request's `scope`, the code is redeemed for the
/// requested resource only, and the refresh token later serves the extra resource silently.
@Suite("consent up front", .enabled(if: Harness.keyringReady && Harness.which("python3") != nil
                                     && Harness.which("chromium") != nil))
struct ConsentIntegrationTests {
    static let other = "api://other/.default"

    /// A world whose emulator tracks consent, with Chromium as $BROWSER.
    static func world() throws -> SignInWorld {
        let world = try SignInWorld()
        try world.emulator.control("config", ["require_consent": true])
        world.extra = ["BROWSER": SignInWorld.browserScript]
        return world
    }

    /// The scope values of the last request to `endpoint` (token or devicecode).
    static func lastScope(_ world: SignInWorld) throws -> String? {
        let last = try world.emulator.control("last-request?endpoint=token") as? [String: Any]
        return (last?["values"] as? [String: Any])?["scope"] as? String
    }

    @Test("consent given at sign-in: the second resource's token comes from the refresh token, with no prompt")
    func consentedUpFront() throws {
        let world = try Self.world()
        let signIn = try world.helper(["get-token", "--extra-scopes-to-consent", Self.other], timeout: 120)
        #expect(signIn.status == 0, "\(signIn.stderr)")
        #expect(SignInWorld.claims(signIn.stdout.trimmingCharacters(in: .newlines))["aud"] as? String == "api://work")
        let authorize = try world.emulator.lastAuthorize()
        #expect(authorize["scope"] as? String == "api://work/.default api://other/.default openid profile offline_access")
        #expect(authorize.keys.sorted() == ["client_id", "code_challenge", "code_challenge_method", "nonce",
                                            "redirect_uri", "response_mode", "response_type", "scope", "state"])
        #expect(try Self.lastScope(world) == "api://work/.default openid profile offline_access",
                "the code is redeemed for the requested resource only")

        try world.emulator.control("reset-counters", [:])
        let silent = try world.helper(["get-token", "--scope", Self.other, "--no-interactive"])
        #expect(silent.status == 0, "\(silent.stderr)")
        #expect(SignInWorld.claims(silent.stdout.trimmingCharacters(in: .newlines))["aud"] as? String == "api://other")
        #expect(try world.emulator.grants("refresh_token") == 1)
        #expect(try world.emulator.grants("authorization_code") == 0, "no interactive sign-in was added")
        #expect(try world.emulator.counters()["authorize"] as? Int == 0)
    }

    @Test("no consent given: the second resource is refused with AADSTS65001 and a line naming the fix, which works")
    func notConsented() throws {
        let world = try Self.world()
        let signIn = try world.helper(["get-token"], timeout: 120)
        #expect(signIn.status == 0, "\(signIn.stderr)")
        try world.emulator.control("reset-counters", [:])
        let refused = try world.helper(["get-token", "--scope", Self.other, "--no-interactive"])
        #expect(refused.status == 1)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("AADSTS65001"), "\(refused.stderr)")
        let fix = "entra-credential-helper login --profile work --extra-scopes-to-consent \(Self.other)"
        #expect(refused.stderr.hasSuffix("; run `\(fix)` in a terminal, then retry\n"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "one line: \(refused.stderr)")
        #expect(try world.emulator.grants("refresh_token") == 1)
        #expect(try world.emulator.counters()["authorize"] as? Int == 0)

        let login = try world.helper(Array(fix.split(separator: " ").dropFirst().map(String.init)), timeout: 120)
        #expect(login.status == 0, "\(login.stderr)")
        let silent = try world.helper(["get-token", "--scope", Self.other, "--no-interactive"])
        #expect(silent.status == 0, "\(silent.stderr)")
        #expect(SignInWorld.claims(silent.stdout.trimmingCharacters(in: .newlines))["aud"] as? String == "api://other")
    }

    @Test("a device-code sign-in consents to its own scopes only; prompt=none cannot consent to another resource")
    func deviceCodeAndSilentBrowser() throws {
        let world = try Self.world()
        world.extra = [:]
        _ = try world.signInWithDeviceCode()
        let refused = try world.helper(["get-token", "--scope", Self.other, "--no-interactive"])
        #expect(refused.status == 1 && refused.stderr.contains("AADSTS65001"), "\(refused.stderr)")

        world.extra = ["BROWSER": SignInWorld.browserScript]
        let browser = try world.helper(["login"], timeout: 120)  // starts the browser session
        #expect(browser.status == 0, "\(browser.stderr)")
        let silent = try world.helper(["get-token", "--scope", Self.other, "--prompt", "none"], timeout: 120)
        #expect(silent.status == 1)
        #expect(silent.stderr.contains("the sign-in was refused (consent_required: AADSTS65001"), "\(silent.stderr)")
        #expect(try world.emulator.lastAuthorize()["prompt"] as? String == "none")
        #expect(try world.emulator.grants("authorization_code") == 1, "only the login's code")
    }

    @Test("the emulator refuses an authorize parameter Microsoft does not document (the old extra_scopes_to_consent)")
    func madeUpParameter() throws {
        let world = try Self.world()
        world.extra["ECH_BROWSER_APPEND"] = "&extra_scopes_to_consent=api%3A%2F%2Fother%2F.default"
        let result = try world.helper(["get-token"], timeout: 120)
        #expect(result.status == 1)
        #expect(result.stderr.contains("the sign-in was refused (invalid_request: AADSTS90100: The request parameter "
                                       + "'extra_scopes_to_consent' is not valid"), "\(result.stderr)")
        #expect(try world.emulator.grants("authorization_code") == 0)
    }
}
