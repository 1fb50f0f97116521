import Foundation
import HelperCore
import Testing
@testable import EntraAuth

@Suite("sign-in engine: browser flow, cool-down and device code")
struct InteractiveSignInTests {
    static let claims = #"{"access_token":{"capolids":{"essential":true,"values":["c1"]}}}"#

    @Test("an MFA claims challenge on refresh leads to the browser with the claims parameter")
    func claimsChallenge() throws {
        let h = EngineHarness()
        h.storeRefreshToken("rt-old")
        h.http.enqueue(400, errorBody("invalid_grant", codes: [50076], claims: Self.claims))
        h.http.enqueue(200, tokenBody(access: "at-mfa", refresh: "rt-mfa"))
        let token = try h.engine().token(h.profile, options: AcquireOptions())
        #expect(token.token == "at-mfa")
        let url = try #require(h.browser.urls.first)
        #expect(h.browser.urls.count == 1)
        #expect(url.contains("&claims=" + FormEncoding.escape(Self.claims)))
        #expect(url.contains("%7B%22access_token%22%3A%7B%22capolids%22"))
        #expect(queryFields(url)["claims"] == Self.claims)
        #expect(h.http.requests.count == 2)
        #expect(h.http.form(1)["grant_type"] == "authorization_code")
        #expect(h.http.form(1)["claims"] == Self.claims)
        #expect(h.refreshStore.refreshTokens[h.key]?.token == "rt-mfa")
    }

    @Test("the same challenge without interactivity throws .interactionRequired with the login command")
    func claimsChallengeNotAllowed() throws {
        let h = EngineHarness()
        h.storeRefreshToken("rt-old")
        h.http.enqueue(400, errorBody("invalid_grant", codes: [50076], description: "AADSTS50076: Due to MFA you must sign in.\r\nTrace ID: t",
                                      claims: Self.claims))
        var options = AcquireOptions()
        options.interactivity = { .notAllowed }
        let error = #expect(throws: HelperError.self) { try h.engine().token(h.profile, options: options) }
        #expect(error == .interactionRequired(profile: "work",
                                              reason: "the stored sign-in for profile work needs renewal (AADSTS50076: Due to MFA you must sign in.)"))
        #expect(error?.message.contains("entra-credential-helper login --profile work") == true)
        #expect(h.browser.urls.isEmpty)
        #expect(h.refreshStore.refreshTokens[h.key]?.token == "rt-old")
    }

    @Test("no consent (AADSTS65001), without interactivity: the login command consents up front to what was asked",
          arguments: [(["api://other/.default"], [65001], "work --extra-scopes-to-consent api://other/.default"),
                      (nil, [65001], "work --extra-scopes-to-consent https://graph.microsoft.com/.default"),
                      (["api://other/.default"], [50173], "work")])
    func consentNotAllowed(scopes: [String]?, codes: [Int], login: String) throws {
        let h = EngineHarness()
        h.storeRefreshToken("rt-old")
        h.http.enqueue(400, errorBody("invalid_grant", codes: codes, description: "AADSTS\(codes[0]): No.\r\nTrace ID: t"))
        var options = AcquireOptions()
        options.scopes = scopes
        options.interactivity = { .notAllowed }
        let error = #expect(throws: HelperError.self) { try h.engine().token(h.profile, options: options) }
        #expect(error?.message.contains("run `entra-credential-helper login --profile \(login)` in a terminal") == true,
                "\(error?.message ?? "")")
        #expect(h.browser.urls.isEmpty)
    }

    @Test("the code request carries the PKCE verifier of the challenge and the listener's redirect URI")
    func pkceAndRedirect() throws {
        let h = EngineHarness()
        h.listeners.port = 51234
        h.profile.ports = 51000...52000
        h.http.enqueue(200, tokenBody(access: "at-1", refresh: "rt-1"))
        let token = try h.engine().token(h.profile, options: AcquireOptions())
        #expect(token.token == "at-1")
        #expect(token.account == h.account)
        let query = queryFields(try #require(h.browser.urls.first))
        let form = h.http.form(0)
        #expect(form["grant_type"] == "authorization_code")
        #expect(form["code"] == "the-code")
        let verifier = try #require(form["code_verifier"])
        #expect(verifier.count == 43)
        #expect(query["code_challenge_method"] == "S256")
        #expect(query["code_challenge"] == PKCE.challenge(for: verifier))
        #expect(query["code_challenge"] != verifier)
        #expect(query["redirect_uri"] == "http://localhost:51234")
        #expect(form["redirect_uri"] == "http://localhost:51234")
        #expect(h.listeners.requestedPorts == [51000...52000])
        let listener = try #require(h.listeners.listeners.first)
        #expect(listener.states == [query["state"]!])
        #expect(listener.closed)
        #expect(h.refreshStore.refreshTokens[h.key]?.token == "rt-1")
        #expect(h.told.contains { $0.contains(h.browser.urls[0]) })
    }

    @Test("login (alwaysPrompt) prompts even with a valid refresh token and cached token")
    func loginPrompts() throws {
        let h = EngineHarness()
        h.storeRefreshToken("rt-old")
        h.cacheAccessToken("at-cached", secondsLeft: 3000)
        h.http.enqueue(200, tokenBody(access: "at-login", refresh: "rt-login"))
        var options = AcquireOptions()
        options.alwaysPrompt = true
        #expect(try h.engine().token(h.profile, options: options).token == "at-login")
        #expect(h.browser.urls.count == 1)
        #expect(h.http.requests.count == 1)
        #expect(h.http.form(0)["grant_type"] == "authorization_code")
        #expect(h.refreshStore.refreshTokens[h.key]?.token == "rt-login")
        #expect(h.accessStore.accessTokens[h.key.accessKey(scopes: h.profile.scopes)]?.token == "at-login")
    }

    @Test("a sign-in as another account drops the old account's cached tokens before it stores anything",
          arguments: [false, true])
    func accountChangeDropsCacheFirst(saveFails: Bool) throws {
        let h = EngineHarness()
        h.storeRefreshToken("rt-old")
        h.cacheAccessToken("at-old-account", secondsLeft: 3000)
        h.http.enqueue(200, tokenBody(access: "at-grace", refresh: "rt-grace", username: "grace@contoso.com",
                                      clientInfo: ("uid-2", "utid-1")))
        let refreshTokens = SaveFailingStore(h.refreshStore, fails: saveFails)
        let client = EntraClient(http: h.http)
        let flows = InteractiveSignIn(client: client, listeners: h.listeners, browser: h.browser, browserUsable: true,
                                      clock: h.clock, tell: { _ in })
        let engine = SignInEngine(client: client, refreshTokens: refreshTokens, accessTokens: h.accessStore, locker: h.locker,
                                  clock: h.clock, interactive: flows, cooldownSeconds: 120)
        var options = AcquireOptions()
        options.alwaysPrompt = true
        if saveFails {
            #expect(throws: HelperError.keyringFailure("save refused")) { try engine.token(h.profile, options: options) }
            #expect(h.accessStore.accessTokens.isEmpty, "the old account's token would be served next")
        } else {
            #expect(try engine.token(h.profile, options: options).token == "at-grace")
            #expect(h.accessStore.accessTokens.values.map(\.token) == ["at-grace"])
        }
    }

    @Test("a declined sign-in is recorded; automatic callers cool down, login does not")
    func deniedAndCooldown() throws {
        let h = EngineHarness()
        h.listeners.callback = .error("access_denied", description: "AADSTS65004: User declined\r\nTrace ID: 1")
        let engine = h.engine(cooldown: 120)
        let start = h.clock.now
        #expect(throws: HelperError.signInDenied("access_denied: AADSTS65004: User declined")) {
            try engine.token(h.profile, options: AcquireOptions())
        }
        #expect(h.locker.recorded.count == 1)
        #expect(h.locker.recorded.first?.0 == h.key && h.locker.recorded.first?.1 == start)
        #expect(h.browser.urls.count == 1)

        h.clock.now += 10
        var automatic = AcquireOptions()
        automatic.automatic = true
        let error = #expect(throws: HelperError.self) { try engine.token(h.profile, options: automatic) }
        #expect(error == .promptCoolingDown(profile: "work", seconds: 110))
        #expect(error?.message.contains("entra-credential-helper login --profile work") == true)
        #expect(h.browser.urls.count == 1)
        #expect(h.http.requests.isEmpty)

        h.listeners.callback = .code("the-code")
        h.http.enqueue(200, tokenBody(access: "at-login", refresh: "rt-login"))
        var login = AcquireOptions()
        login.alwaysPrompt = true
        login.automatic = true
        #expect(try engine.token(h.profile, options: login).token == "at-login")
        #expect(h.browser.urls.count == 2)
        #expect(h.locker.abandoned[h.key] == nil)
        #expect(h.locker.cleared == [h.key])
    }

    @Test("a denied sign-in's description reaches the message without C1 control characters (known bug)")
    func deniedC1() throws {
        let h = EngineHarness()
        h.listeners.callback = .error("access_denied", description: "User\u{1B}[2J declined\u{9B}2J")
        let error = #expect(throws: HelperError.self) { try h.engine().token(h.profile, options: AcquireOptions()) }
        let message = try #require(error?.message)
        #expect(!message.contains("\u{1B}"))
        // Server text reaches the terminal through Sanitize: no C0, C1 (CSI) or DEL.
        #expect(!message.unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
    }

    @Test("after the cool-down an automatic caller prompts again")
    func cooldownOver() throws {
        let h = EngineHarness()
        h.locker.abandoned[h.key] = h.clock.now - 121
        h.http.enqueue(200, tokenBody(access: "at", refresh: "rt"))
        var automatic = AcquireOptions()
        automatic.automatic = true
        #expect(try h.engine(cooldown: 120).token(h.profile, options: automatic).token == "at")
        #expect(h.browser.urls.count == 1)
    }

    @Test("a prompt abandoned while this caller waited 20 ms or more for the lock is not shown to it again",
          arguments: [(30_000, false), (20, false), (19, true)] as [(Int, Bool)])
    func abandonedWhileWaiting(waitedMilliseconds: Int, prompts: Bool) throws {
        let h = EngineHarness()
        h.locker.whileWaiting = { [unowned h] in
            h.clock.advance(milliseconds: waitedMilliseconds)
            h.locker.abandoned[h.key] = h.clock.now  // the holder's prompt timed out
        }
        h.http.enqueue(200, tokenBody(access: "at", refresh: "rt"))
        let engine = h.engine(cooldown: 120)
        if prompts {
            #expect(try engine.token(h.profile, options: AcquireOptions()).token == "at")
            #expect(h.browser.urls.count == 1)
        } else {
            #expect(throws: HelperError.promptCoolingDown(profile: "work", seconds: 120)) {
                try engine.token(h.profile, options: AcquireOptions())
            }
            #expect(h.browser.urls.isEmpty && h.http.remaining == 1)
        }
    }

    @Test("no callback before the deadline: .signInTimedOut, recorded as abandoned")
    func browserTimeout() throws {
        let h = EngineHarness()
        h.listeners.callback = nil
        var options = AcquireOptions()
        options.interactive.timeoutSeconds = 42
        #expect(throws: HelperError.signInTimedOut(seconds: 42)) { try h.engine().token(h.profile, options: options) }
        #expect(h.locker.recorded.count == 1)
    }

    static func deviceCodeBody(expiresIn: Int = 900, interval: Int = 1) -> String {
        jsonText(["device_code": "dc-1", "user_code": "ABC-123", "verification_uri": "https://microsoft.com/devicelogin",
                  "expires_in": expiresIn, "interval": interval,
                  "message": "To sign in, \u{1B}[31muse\u{07} ABC-123\u{9B}2J at https://microsoft.com/devicelogin"])
    }

    @Test("device code: pending, then a token; the message reaches tell without control characters")
    func deviceCodeSuccess() throws {
        let h = EngineHarness()
        h.profile.flow = .deviceCode
        var options = AcquireOptions()
        options.interactive.flow = .deviceCode
        h.http.enqueue(200, Self.deviceCodeBody())
        h.http.enqueue(400, errorBody("authorization_pending", codes: [70016]))
        h.http.enqueue(200, tokenBody(access: "at-dc", refresh: "rt-dc"))
        let token = try h.engine().token(h.profile, options: options)
        #expect(token.token == "at-dc")
        #expect(h.browser.urls.isEmpty && h.listeners.listeners.isEmpty)
        #expect(h.http.requests.count == 3)
        #expect(h.http.requests[0].url == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode")
        #expect(h.http.form(0)["client_id"] == "client-1")
        #expect(h.http.requests[2].url == h.tokenURL)
        #expect(h.http.form(2)["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code")
        #expect(h.http.form(2)["device_code"] == "dc-1")
        #expect(h.told == ["To sign in, [31muse ABC-1232J at https://microsoft.com/devicelogin"])
        #expect(h.refreshStore.refreshTokens[h.key]?.token == "rt-dc")
        // The interval before each poll, on the injected clock: no real waiting.
        #expect(h.clock.slept == [1_000, 1_000])
    }

    @Test("device code: slow_down adds 5 s to the interval, up to 60 s",
          arguments: [(1, [1_000, 6_000, 6_000]), (57, [57_000, 60_000, 60_000])] as [(Int, [Int])])
    func deviceCodeSlowDown(interval: Int, slept: [Int]) throws {
        let h = EngineHarness()
        var options = AcquireOptions()
        options.interactive.flow = .deviceCode
        h.http.enqueue(200, Self.deviceCodeBody(interval: interval))
        h.http.enqueue(400, errorBody("slow_down", codes: [70016]))
        h.http.enqueue(400, errorBody("authorization_pending", codes: [70016]))
        h.http.enqueue(200, tokenBody(access: "at-dc", refresh: "rt-dc"))
        #expect(try h.engine().token(h.profile, options: options).token == "at-dc")
        #expect(h.clock.slept == slept)
        #expect(h.http.remaining == 0)
    }

    @Test("device code: polling ends at the sign-in timeout or the code's expiry, whichever comes first",
          arguments: [
              // timeout, expires_in, interval: the polls that fit, then the error's seconds.
              (10, 900, 3, [3_000, 3_000, 3_000], 4),
              (180, 5, 2, [2_000, 2_000], 3),
              (180, 5, 5, [5_000], 5),
          ] as [(Int, Int, Int, [Int], Int)])
    func deviceCodeBounds(timeout: Int, expiresIn: Int, interval: Int, slept: [Int], seconds: Int) throws {
        let h = EngineHarness()
        var options = AcquireOptions()
        options.interactive.flow = .deviceCode
        options.interactive.timeoutSeconds = timeout
        h.http.enqueue(200, Self.deviceCodeBody(expiresIn: expiresIn, interval: interval))
        for _ in slept { h.http.enqueue(400, errorBody("authorization_pending", codes: [70016])) }
        #expect(throws: HelperError.signInTimedOut(seconds: seconds)) { try h.engine().token(h.profile, options: options) }
        #expect(h.clock.slept == slept)
        #expect(h.http.requests.count == 1 + slept.count)
        #expect(h.locker.recorded.count == 1)
    }

    @Test("device code declined: .signInDenied, recorded as abandoned (auto flow without a browser)")
    func deviceCodeDeclined() throws {
        let h = EngineHarness()
        h.http.enqueue(200, Self.deviceCodeBody())
        h.http.enqueue(400, errorBody("authorization_declined", codes: [70000],
                                      description: "AADSTS70000: The user declined.\r\nTrace ID: t"))
        #expect(throws: HelperError.signInDenied("AADSTS70000: The user declined.")) {
            try h.engine(browserUsable: false).token(h.profile, options: AcquireOptions())
        }
        #expect(h.browser.urls.isEmpty)
        #expect(h.locker.recorded.count == 1)
    }

    @Test("device code expired: .signInTimedOut with the code's lifetime")
    func deviceCodeExpired() throws {
        let h = EngineHarness()
        var options = AcquireOptions()
        options.interactive.flow = .deviceCode
        h.http.enqueue(200, Self.deviceCodeBody())
        h.http.enqueue(400, errorBody("expired_token", codes: [70019]))
        #expect(throws: HelperError.signInTimedOut(seconds: 900)) { try h.engine().token(h.profile, options: options) }
        #expect(h.http.remaining == 0)
        #expect(h.refreshStore.refreshTokens.isEmpty)
    }
}

/// A refresh-token store whose saves fail (a keyring that refuses the write).
final class SaveFailingStore: RefreshTokenStore {
    let inner: MemoryTokenStore
    let fails: Bool
    var backendName: String { inner.backendName }

    init(_ inner: MemoryTokenStore, fails: Bool) {
        self.inner = inner
        self.fails = fails
    }

    func load(_ key: SignInKey, username: String?) -> StoredRefreshToken? { inner.load(key, username: username) }
    func save(_ token: StoredRefreshToken, key: SignInKey, profile: String) throws(HelperError) {
        if fails { throw .keyringFailure("save refused") }
        inner.save(token, key: key, profile: profile)
    }
    func remove(_ key: SignInKey?) { inner.remove(key) }
}
