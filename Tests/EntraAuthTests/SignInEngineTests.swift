import Foundation
import HelperCore
import Testing
@testable import EntraAuth

/// Records, at each access-token save, which refresh token the refresh store held.
final class OrderCheckingCache: AccessTokenCache {
    let backendName = "order-checking"
    let refreshStore: MemoryTokenStore
    let key: SignInKey
    private(set) var refreshTokenAtSave: [String?] = []
    var tokens: [String: AccessToken] = [:]

    init(refreshStore: MemoryTokenStore, key: SignInKey) {
        self.refreshStore = refreshStore
        self.key = key
    }

    func load(_ key: String) -> AccessToken? { tokens[key] }
    func save(_ token: AccessToken, key: String, now: Int64) {
        refreshTokenAtSave.append(refreshStore.refreshTokens[self.key]?.token)
        tokens[key] = token
    }
    func remove(prefix: String) {}
}

@Suite("sign-in engine: cache and refresh grant")
struct SignInEngineTests {
    @Test("a cached token with 300 s or more left is used without any request", arguments: [300, 301, 3600])
    func cacheHit(secondsLeft: Int64) throws {
        let h = EngineHarness()
        h.cacheAccessToken("at-cached", secondsLeft: secondsLeft)
        let token = try h.engine().token(h.profile, options: AcquireOptions())
        #expect(token.token == "at-cached")
        #expect(h.http.requests.isEmpty)
        #expect(h.locker.acquires == 0)
    }

    @Test("a cached token with 299 s left is refreshed")
    func nearlyExpired() throws {
        let h = EngineHarness()
        h.cacheAccessToken("at-cached", secondsLeft: 299)
        h.storeRefreshToken("rt-old")
        h.http.enqueue(200, tokenBody(access: "at-new", refresh: "rt-new"))
        let token = try h.engine().token(h.profile, options: AcquireOptions())
        #expect(token.token == "at-new")
        #expect(h.http.requests.count == 1)
        #expect(h.http.requests[0].url == h.tokenURL)
        #expect(h.http.form(0)["grant_type"] == "refresh_token")
        #expect(h.http.form(0)["refresh_token"] == "rt-old")
        #expect(h.locker.acquires == 1)
        #expect(h.locker.locks.allSatisfy { $0.released })
        #expect(h.browser.urls.isEmpty)
    }

    @Test("the refresh grant rotates the refresh token (stored first) and caches the access token")
    func rotation() throws {
        let h = EngineHarness()
        h.storeRefreshToken("rt-old")
        let cache = OrderCheckingCache(refreshStore: h.refreshStore, key: h.key)
        let client = EntraClient(http: h.http)
        let flows = InteractiveSignIn(client: client, listeners: h.listeners, browser: h.browser, browserUsable: true,
                                      clock: h.clock, tell: { _ in })
        let engine = SignInEngine(client: client, refreshTokens: h.refreshStore, accessTokens: cache, locker: h.locker,
                                  clock: h.clock, interactive: flows, cooldownSeconds: 120)
        h.http.enqueue(200, tokenBody(access: "at-new", expiresIn: 3599, refresh: "rt-rotated",
                                      scope: "https://graph.microsoft.com/.default"))
        let token = try engine.token(h.profile, options: AcquireOptions())
        #expect(token.token == "at-new")
        #expect(token.expiresOn == h.clock.now + 3599)
        #expect(token.account == h.account)
        #expect(h.refreshStore.refreshTokens[h.key]?.token == "rt-rotated")
        #expect(h.refreshStore.refreshTokens[h.key]?.account.homeAccountID == "uid-1.utid-1")
        #expect(cache.refreshTokenAtSave == ["rt-rotated"])
        #expect(cache.tokens[h.key.accessKey(scopes: h.profile.scopes)]?.token == "at-new")
    }

    @Test("the access token is cached under SignInKey.accessKey(scopes:)")
    func cachedUnderAccessKey() throws {
        let h = EngineHarness()
        h.storeRefreshToken()
        h.http.enqueue(200, tokenBody(access: "at-new", refresh: "rt-new"))
        _ = try h.engine().token(h.profile, options: AcquireOptions())
        #expect(Array(h.accessStore.accessTokens.keys) == [h.key.accessKey(scopes: h.profile.scopes)])
        // Scope order and case do not change the key, so the next call is served from the cache.
        var options = AcquireOptions()
        options.scopes = ["HTTPS://graph.microsoft.com/.default"]
        #expect(try h.engine().token(h.profile, options: options).token == "at-new")
        #expect(h.http.requests.count == 1)
    }

    @Test("one refresh token serves another scope set, without a prompt")
    func otherScopes() throws {
        let h = EngineHarness()
        h.storeRefreshToken("rt-old")
        h.http.enqueue(200, tokenBody(access: "at-graph", refresh: "rt-2"))
        h.http.enqueue(200, tokenBody(access: "at-ado", refresh: "rt-3"))
        let engine = h.engine()
        #expect(try engine.token(h.profile, options: AcquireOptions()).token == "at-graph")
        var options = AcquireOptions()
        options.scopes = ["499b84ac-1321-427f-aa17-267ca6975798/.default"]
        let second = try engine.token(h.profile, options: options)
        #expect(second.token == "at-ado")
        #expect(second.scopes == ["499b84ac-1321-427f-aa17-267ca6975798/.default"])
        #expect(h.http.requests.count == 2)
        #expect(h.http.form(1)["grant_type"] == "refresh_token")
        #expect(h.http.form(1)["refresh_token"] == "rt-2")
        #expect(h.http.form(1)["scope"] == "499b84ac-1321-427f-aa17-267ca6975798/.default openid profile offline_access")
        #expect(h.browser.urls.isEmpty)
        #expect(h.accessStore.accessTokens.count == 2)
        #expect(h.refreshStore.refreshTokens[h.key]?.token == "rt-3")
    }

    @Test("a refresh answer without a refresh token keeps the stored one")
    func noRotation() throws {
        let h = EngineHarness()
        h.storeRefreshToken("rt-old")
        h.http.enqueue(200, tokenBody(access: "at-new"))
        _ = try h.engine().token(h.profile, options: AcquireOptions())
        #expect(h.refreshStore.refreshTokens[h.key]?.token == "rt-old")
    }

    @Test("a server fault after the transport throws .network and keeps the refresh token", arguments: [
        (500, errorBody("server_error", codes: [500011])),
        (503, "<html>Service Unavailable</html>"),
        (503, errorBody("temporarily_unavailable", codes: [90033])),
    ])
    func serverFault(status: Int, body: String) throws {
        let h = EngineHarness()
        h.storeRefreshToken("rt-old")
        h.http.enqueue(status, body)
        let error = #expect(throws: HelperError.self) { try h.engine().token(h.profile, options: AcquireOptions()) }
        guard case let .network(host, _)? = error else {
            Issue.record("expected .network, got \(String(describing: error))")
            return
        }
        #expect(host == "https://login.microsoftonline.com")
        #expect(h.refreshStore.refreshTokens[h.key]?.token == "rt-old")
        #expect(h.accessStore.accessTokens.isEmpty)
        #expect(h.browser.urls.isEmpty)
    }

    @Test("a transport fault throws .network and keeps the refresh token")
    func transportFault() throws {
        let h = EngineHarness()
        h.storeRefreshToken("rt-old")
        h.http.enqueue(.failure(.timedOut("connect")))
        #expect(throws: HelperError.network(host: "https://login.microsoftonline.com", detail: "timed out: connect")) {
            try h.engine().token(h.profile, options: AcquireOptions())
        }
        #expect(h.refreshStore.refreshTokens[h.key]?.token == "rt-old")
    }

    @Test("a misconfigured profile (invalid_client) throws .signInFailed without prompting")
    func misconfigured() throws {
        let h = EngineHarness()
        h.storeRefreshToken("rt-old")
        h.http.enqueue(401, errorBody("invalid_client", codes: [7000218],
                                      description: "AADSTS7000218: The request body must contain client_assertion.\r\nTrace ID: x"))
        let error = #expect(throws: HelperError.self) { try h.engine().token(h.profile, options: AcquireOptions()) }
        #expect(error == .signInFailed("AADSTS7000218: The request body must contain client_assertion. (check the profile's tenant, client id and scopes)"))
        #expect(h.browser.urls.isEmpty)
        #expect(h.refreshStore.refreshTokens[h.key]?.token == "rt-old")
    }

    @Test("no stored sign-in and no interactivity: .interactionRequired names the login command")
    func nothingStoredNotInteractive() throws {
        let h = EngineHarness()
        var options = AcquireOptions()
        options.interactivity = { .notAllowed }
        let error = #expect(throws: HelperError.self) { try h.engine().token(h.profile, options: options) }
        #expect(error == .interactionRequired(profile: "work", reason: "no sign-in is stored for profile work"))
        #expect(error?.message.contains("entra-credential-helper login --profile work") == true)
        #expect(h.http.requests.isEmpty)
    }

    @Test("refresh() redeems the stored token whatever the cache holds")
    func explicitRefresh() throws {
        let h = EngineHarness()
        h.cacheAccessToken("at-cached", secondsLeft: 3000)
        h.storeRefreshToken("rt-old")
        h.http.enqueue(200, tokenBody(access: "at-new", refresh: "rt-new"))
        #expect(try h.engine().refresh(h.profile).token == "at-new")
        #expect(h.refreshStore.refreshTokens[h.key]?.token == "rt-new")
    }

    @Test("logout(profile) removes only that key's tokens; logout(nil) removes all")
    func logout() throws {
        let h = EngineHarness()
        let other = Profile(name: "other", tenant: "fabrikam.com", clientID: "client-2", scopes: ["api://x/.default"])
        let otherKey = SignInKey(profile: other)
        h.storeRefreshToken("rt-work")
        h.cacheAccessToken("at-work-1", secondsLeft: 3600)
        h.cacheAccessToken("at-work-2", secondsLeft: 3600, scopes: ["api://y/.default"])
        h.refreshStore.save(StoredRefreshToken(token: "rt-other", account: h.account), key: otherKey, profile: "other")
        h.accessStore.save(AccessToken(token: "at-other", expiresOn: h.clock.now + 3600, scopes: other.scopes, account: h.account),
                           key: otherKey.accessKey(scopes: other.scopes), now: h.clock.now)
        let engine = h.engine()

        try engine.logout(h.profile)
        #expect(h.refreshStore.refreshTokens[h.key] == nil)
        #expect(h.refreshStore.refreshTokens[otherKey]?.token == "rt-other")
        #expect(h.accessStore.accessTokens.values.map(\.token) == ["at-other"])
        #expect(h.locker.cleared == [h.key])

        try engine.logout(nil)
        #expect(h.refreshStore.refreshTokens.isEmpty)
        #expect(h.accessStore.accessTokens.isEmpty)
    }

    @Test("status reports the account and a live cached token, never expired ones")
    func status() throws {
        let h = EngineHarness()
        h.storeRefreshToken()
        h.cacheAccessToken("at", secondsLeft: 100)
        let live = try h.engine().status(h.profile)
        #expect(live.hasRefreshToken && live.account == h.account && live.accessTokenExpiresOn == h.clock.now + 100)
        h.clock.now += 100
        #expect(try h.engine().status(h.profile).accessTokenExpiresOn == nil)
    }
}
