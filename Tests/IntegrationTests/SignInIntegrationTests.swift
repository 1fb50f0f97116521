import Foundation
import Testing

/// The sign-in engine end to end: the real binary, the repo's Entra emulator, the real
/// gnome-keyring, the kernel keyring, and real headless Chromium as $BROWSER.
@Suite("sign-in against the emulator", .enabled(if: Harness.keyringReady && Harness.which("python3") != nil))
struct SignInIntegrationTests {
    @Test("browser flow: real headless Chromium, PKCE S256, state and nonce, loopback redirect",
          .enabled(if: Harness.which("chromium") != nil))
    func browserFlow() throws {
        let world = try SignInWorld()
        world.extra = ["BROWSER": SignInWorld.browserScript, "ECH_BROWSER_DUMP": world.home.file("page.html")]
        let result = try world.helper(["get-token", "--output", "json"], timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let answer = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        let token = answer["access_token"] as? String ?? ""
        #expect(SignInWorld.claims(token)["upn"] as? String == "ada@contoso.example")
        #expect(answer["account"] as? String == "ada@contoso.example")
        #expect(answer["token_type"] as? String == "Bearer")
        let authorize = try world.emulator.lastAuthorize()
        #expect(authorize["code_challenge_method"] as? String == "S256")
        #expect((authorize["state"] as? String)?.count ?? 0 >= 32)
        #expect((authorize["nonce"] as? String)?.isEmpty == false)
        let redirect = authorize["redirect_uri"] as? String ?? ""
        #expect(redirect.hasPrefix("http://localhost:"))
        let port = Int(redirect.dropFirst("http://localhost:".count)) ?? 0
        #expect((49152...65535).contains(port))
        #expect(try world.emulator.grants("authorization_code") == 1)
        #expect(result.stderr.contains("/oauth2/v2.0/authorize?"), "the URL is always on stderr")
        #expect(!result.stderr.contains(token))
        #expect(world.dumpedPage().contains("Signed in"), "the browser got the success page")
    }

    @Test("an access_denied answer is shown, and the browser gets the failure page",
          .enabled(if: Harness.which("chromium") != nil))
    func browserDenied() throws {
        let world = try SignInWorld()
        try world.emulator.control("config", ["auto_approve": false])
        world.extra = ["BROWSER": SignInWorld.browserScript, "ECH_BROWSER_APPEND": "&deny=1",
                       "ECH_BROWSER_DUMP": world.home.file("page.html")]
        let result = try world.helper(["get-token"], timeout: 120)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\nentra-credential-helper: the sign-in was refused (access_denied: AADSTS65004"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(world.dumpedPage().contains("Sign-in failed"))
        #expect(try world.emulator.grants("authorization_code") == 0)
    }

    @Test("an unanswered browser sign-in is bounded by --timeout",
          .enabled(if: Harness.which("chromium") != nil))
    func browserTimeout() throws {
        let world = try SignInWorld()
        try world.emulator.control("config", ["auto_approve": false])
        // Without auto-approval the emulator shows a page; a --dump-dom browser never clicks, so
        // this is a timeout, which must be bounded by --timeout and stop further automatic prompts.
        world.extra = ["BROWSER": SignInWorld.browserScript]
        let result = try world.helper(["get-token", "--timeout", "3"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("did not complete within 3 s"), "\(result.stderr)")
        #expect(result.seconds < 15)
    }

    @Test("device code when there is no display and no $BROWSER")
    func deviceCodeFallback() throws {
        let world = try SignInWorld()
        let child = try world.start(["get-token"], name: "fallback")
        let code = try world.emulator.approveDeviceCode()
        #expect(child.wait() == 0)
        let (stdout, stderr) = world.output("fallback")
        #expect(stderr.contains("enter the code \(code)"), "\(stderr)")
        #expect(SignInWorld.claims(stdout.trimmingCharacters(in: .newlines))["aud"] as? String == "api://work")
        #expect(try world.emulator.grants("device_code") >= 1)
        #expect(try world.emulator.grants("authorization_code") == 0)
    }

    @Test("silent hit: a cached token costs zero requests; then refresh rotates the stored refresh token")
    func silentThenRefresh() throws {
        let world = try SignInWorld()
        let first = try world.signInWithDeviceCode()
        let storedBefore = try #require(try world.storedRefreshToken())
        try world.emulator.control("reset-counters", [:])
        let cached = try world.helper(["get-token"])
        #expect(cached.stdout.trimmingCharacters(in: .newlines) == first)
        let counted = try world.emulator.counters()
        #expect(try world.emulator.totalRequests() == 0, "a cached hit makes no request: \(counted)")

        let refreshed = try world.helper(["get-token", "--force"])
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        #expect(refreshed.stdout.trimmingCharacters(in: .newlines) != first)
        #expect(try world.emulator.grants("refresh_token") == 1)
        let storedAfter = try #require(try world.storedRefreshToken())
        #expect(storedAfter != storedBefore, "the rotated refresh token replaced the old one")

        // One refresh token serves another scope of the same tenant and client, silently.
        let other = try world.helper(["get-token", "--scope", "api://other/.default", "--no-interactive"])
        #expect(other.status == 0, "\(other.stderr)")
        #expect(SignInWorld.claims(other.stdout.trimmingCharacters(in: .newlines))["aud"] as? String == "api://other")
        #expect(try world.emulator.grants("refresh_token") == 2)
        #expect(try world.emulator.counters()["devicecode"] as? Int == 0)

        for token in [first, refreshed.stdout.trimmingCharacters(in: .newlines), storedAfter] {
            #expect(world.filesContaining(token).isEmpty, "no token in any file under the test HOME")
        }
    }

    @Test("a revoked refresh token leads to an interactive sign-in")
    func revoked() throws {
        let world = try SignInWorld()
        _ = try world.signInWithDeviceCode()
        try world.emulator.control("revoke", ["all": true])
        let blocked = try world.helper(["get-token", "--force", "--no-interactive"])
        #expect(blocked.status == 1)
        #expect(blocked.stderr.contains("AADSTS50173"), "\(blocked.stderr)")
        #expect(blocked.stderr.contains("entra-credential-helper login --profile work"))
        #expect(try world.storedRefreshToken() != nil, "nothing is deleted because a grant failed")
        let again = try world.signInWithDeviceCode(["--force"])
        #expect(!again.isEmpty)
    }

    @Test("MFA required: the claims challenge goes to the interactive sign-in",
          .enabled(if: Harness.which("chromium") != nil))
    func mfaClaims() throws {
        let world = try SignInWorld()
        _ = try world.signInWithDeviceCode()
        try world.emulator.control("require-mfa", ["required": true])
        world.extra = ["BROWSER": SignInWorld.browserScript]
        let result = try world.helper(["get-token", "--force"], timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let authorize = try world.emulator.lastAuthorize()
        #expect((authorize["claims"] as? String)?.contains("capolids") == true, "\(authorize)")
        let tokenRequest = try world.emulator.control("last-request?endpoint=token") as? [String: Any] ?? [:]
        #expect("\(tokenRequest)".contains("capolids"), "the code redemption carries the claims too")
    }

    @Test("callers that cannot prompt fail in under a second with the login command",
          arguments: [["CI": "true"], ["GIT_TERMINAL_PROMPT": "0"], ["USE_INTERACTIVE": "false"], [:]])
    func nonInteractive(environment: [String: String]) throws {
        let world = try SignInWorld()
        world.extra = environment
        let result = try world.helper(["get-token"] + (environment.isEmpty ? ["--no-interactive"] : []))
        #expect(result.status == 1)
        #expect(result.stderr == "entra-credential-helper: no sign-in is stored for profile work, and this caller cannot show a sign-in prompt; run `entra-credential-helper login --profile work` in a terminal, then retry\n")
        #expect(result.stdout.isEmpty)
        #expect(result.seconds < 1.0, "took \(result.seconds) s")
        #expect(try world.emulator.totalRequests() == 0)
    }

    @Test("16 parallel callers with an expired access token make exactly one refresh")
    func parallelRefresh() throws {
        let world = try SignInWorld()
        _ = try world.signInWithDeviceCode()
        // Tokens that live under 5 minutes are never served from the cache: every caller needs a refresh.
        try world.emulator.control("config", ["token_lifetime": 200])
        _ = try world.helper(["get-token", "--force"])
        try world.emulator.control("config", ["token_lifetime": 3600])
        try world.emulator.control("reset-counters", [:])
        let children = try (0..<16).map { try world.start(["get-token", "--scope", "api://work/.default"], name: "p\($0)") }
        let statuses = children.map { $0.wait() }
        #expect(statuses.allSatisfy { $0 == 0 }, "\(statuses) \(world.output("p0").stderr)")
        let tokens = Set((0..<16).map { world.output("p\($0)").stdout })
        #expect(tokens.count == 1, "all sixteen got the one refreshed token")
        #expect(try world.emulator.grants("refresh_token") == 1)
    }

    @Test("server faults are retried (Retry-After honoured); a network fault keeps the refresh token")
    func faults() throws {
        let world = try SignInWorld()
        _ = try world.signInWithDeviceCode()
        try world.emulator.control("fault", ["endpoint": "token", "kind": "503", "retry_after": 1, "count": 1])
        let retried = try world.helper(["get-token", "--force"])
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.seconds >= 1.0, "waited for Retry-After")

        try world.emulator.control("fault", ["endpoint": "token", "kind": "reset", "count": 10])
        let failed = try world.helper(["get-token", "--force"])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("could not reach http://127.0.0.1:\(world.emulator.port)"), "\(failed.stderr)")
        #expect(try world.storedRefreshToken() != nil)
        try world.emulator.control("clear-faults", [:])
        #expect(try world.helper(["get-token", "--force", "--no-interactive"]).status == 0)
    }

    @Test("status and logout: who, expiry and stores, never a token; logout purges every cache")
    func statusAndLogout() throws {
        let world = try SignInWorld()
        let token = try world.signInWithDeviceCode()
        let status = try world.helper(["status", "--output", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(object["account"] as? String == "ada@contoso.example")
        #expect(object["refresh_token"] as? Bool == true)
        #expect(object["access_token_expires_on"] is String)
        #expect(!status.stdout.contains(token))
        #expect(try world.helper(["logout", "--profile", "work"]).status == 0)
        #expect(try world.storedRefreshToken() == nil)
        try world.emulator.control("reset-counters", [:])
        let after = try world.helper(["get-token", "--no-interactive"])
        #expect(after.status == 1, "the cached access token is gone too")
        #expect(try world.emulator.totalRequests() == 0)
    }
}
