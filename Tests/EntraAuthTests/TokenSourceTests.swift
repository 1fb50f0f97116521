import EntraAuth
import HelperCore
import Testing

/// A token source that is not a person's sign-in: what the layer above sees of it.
final class ScriptedSource: TokenSource {
    /// The tokens to give, each saying whether it is another account's.
    var answers: [(token: AccessToken, newAccount: Bool)] = []
    private(set) var demands: [TokenDemand] = []
    private(set) var renewed = 0
    private(set) var forgotten: [SignInKey?] = []

    func acquire(_ profile: Profile, key: SignInKey, demand: TokenDemand) throws(HelperError) -> SourcedToken {
        demands.append(demand)
        guard !answers.isEmpty else { throw .signInFailed("no scripted answer") }
        let answer = answers.removeFirst()
        if answer.newAccount { demand.dropCachedTokens() }
        return SourcedToken(token: answer.token)
    }

    func renew(_ profile: Profile, key: SignInKey) throws(HelperError) -> AccessToken {
        renewed += 1
        return try acquire(profile, key: key, demand: TokenDemand(scopes: profile.scopes, options: AcquireOptions())).token
    }

    func state(_ profile: Profile, key: SignInKey) -> SourceState {
        SourceState(account: nil, hasStoredCredential: false, store: "scripted")
    }

    func forget(_ key: SignInKey?) { forgotten.append(key) }
}

/// The cache and the lock sit above the seam: they work the same whichever source answers.
@Suite("the token-source seam")
struct TokenSourceTests {
    let clock = FakeTime()
    let cache = MemoryTokenStore()
    let locker = FakeLocker()
    let source = ScriptedSource()
    let profile = Profile(name: "app", tenant: "contoso.onmicrosoft.com", clientID: "app-1", scopes: ["api://x/.default"])
    let account = Account(homeAccountID: "oid.tid", username: "", tenantID: "tid")

    func engine() -> SignInEngine { SignInEngine(source: source, accessTokens: cache, locker: locker, clock: clock) }
    func token(_ text: String, lifetime: Int64 = 3600) -> AccessToken {
        AccessToken(token: text, expiresOn: clock.now + lifetime, scopes: profile.scopes, account: account)
    }

    @Test("the source is asked once, under the lock; the next caller gets the cached token")
    func cachedAbove() throws {
        source.answers = [(token("t1"), false)]
        #expect(try engine().token(profile, options: AcquireOptions()).token == "t1")
        #expect(try engine().token(profile, options: AcquireOptions()).token == "t1")
        #expect(source.demands.count == 1)
        #expect(source.demands.first?.scopes == profile.scopes)
        #expect(locker.acquires == 1)
        #expect(locker.locks.allSatisfy { $0.released })
    }

    @Test("a token with under five minutes left is not served from the cache", arguments: [Int64(299), 300])
    func minimumLifetime(secondsLeft: Int64) throws {
        source.answers = [(token("short", lifetime: secondsLeft), false), (token("next"), false)]
        _ = try engine().token(profile, options: AcquireOptions())
        let second = try engine().token(profile, options: AcquireOptions())
        #expect(second.token == (secondsLeft >= 300 ? "short" : "next"))
    }

    @Test("force skips the cache; a token for another account drops the old account's cached tokens")
    func accountChange() throws {
        let other = AccessToken(token: "other-scope", expiresOn: clock.now + 3600, scopes: ["s2"], account: account)
        cache.save(other, key: SignInKey(profile: profile).accessKey(scopes: ["s2"]), now: clock.now)
        source.answers = [(token("t1"), false), (token("t2"), true)]
        _ = try engine().token(profile, options: AcquireOptions())
        var force = AcquireOptions()
        force.force = true
        #expect(try engine().token(profile, options: force).token == "t2")
        #expect(cache.accessTokens.values.map(\.token) == ["t2"])
    }

    @Test("a source's failure reaches the caller as it is, and nothing is cached")
    func failurePassesThrough() {
        #expect(throws: HelperError.signInFailed("no scripted answer")) { try engine().token(profile, options: AcquireOptions()) }
        #expect(cache.accessTokens.isEmpty)
        #expect(locker.locks.allSatisfy { $0.released })
    }

    @Test("refresh renews through the source and caches; logout clears the cache and tells the source")
    func refreshAndLogout() throws {
        source.answers = [(token("renewed"), false)]
        #expect(try engine().refresh(profile).token == "renewed")
        #expect(source.renewed == 1)
        #expect(engine().cached(profile, scopes: profile.scopes)?.token == "renewed")
        let status = try engine().status(profile)
        #expect(status.store == "scripted" && status.accessTokenCache == cache.backendName)
        try engine().logout(profile)
        #expect(cache.accessTokens.isEmpty)
        #expect(source.forgotten == [SignInKey(profile: profile)])
    }
}
