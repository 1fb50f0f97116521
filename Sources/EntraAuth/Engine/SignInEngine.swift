import HelperCore

/// One request for a token.
public struct AcquireOptions {
    /// nil: the profile's scopes.
    public var scopes: [String]?
    /// Skip the access-token cache (the refresh grant still comes before any prompt).
    public var force = false
    /// Sign in interactively even when a refresh token exists (`login`).
    public var alwaysPrompt = false
    /// Asked only when a prompt is needed (see InteractivityPolicy).
    public var interactivity: () -> Interactivity = { .allowed }
    /// A protocol front end asking on its own: the prompt-storm cool-down applies.
    public var automatic = false
    public var interactive = InteractiveOptions()

    public init() {}
}

/// Something that hands out access tokens for a profile, and hears when a server
/// rejected one: what the git and ACR exchanges need of the engine, and no more.
public protocol AccessTokenProvider {
    func token(_ profile: Profile, options: AcquireOptions) throws(HelperError) -> AccessToken
    /// A server rejected `token`: drop it from the cache. True when something was dropped.
    @discardableResult
    func invalidate(_ profile: Profile, scopes: [String], token: String) -> Bool
    /// The key the profile's tokens are cached under as it runs now (its identity included).
    func signInKey(_ profile: Profile) -> SignInKey
}

extension AccessTokenProvider {
    public func signInKey(_ profile: Profile) -> SignInKey { SignInKey(profile: profile) }
}

/// The layer above the token sources: the cached access token (≥ 5 minutes left, no
/// network) first, then the source (TokenSource: for a person, the refresh-token grant,
/// then the browser or the device code). The per-key lock is held from the second cache
/// read to the last write, so parallel callers make one request and see one prompt.
public final class SignInEngine: AccessTokenProvider {
    public static let minimumLifetime: Int64 = 300

    public let source: any TokenSource
    let accessTokens: any AccessTokenCache
    let locker: any SignInLocker
    let clock: any TimeSource

    public init(source: any TokenSource, accessTokens: any AccessTokenCache, locker: any SignInLocker, clock: any TimeSource) {
        self.source = source
        self.accessTokens = accessTokens
        self.locker = locker
        self.clock = clock
    }

    /// The engine over a person's sign-in (UserSignIn).
    public convenience init(client: EntraClient, refreshTokens: any RefreshTokenStore, accessTokens: any AccessTokenCache,
                            locker: any SignInLocker, clock: any TimeSource, interactive: InteractiveSignIn, cooldownSeconds: Int) {
        let user = UserSignIn(client: client, refreshTokens: refreshTokens, locker: locker, clock: clock,
                              interactive: interactive, cooldownSeconds: cooldownSeconds)
        self.init(source: user, accessTokens: accessTokens, locker: locker, clock: clock)
    }

    /// The key the profile's tokens are cached under: the sign-in, and who answers it as it
    /// runs now (the source's `cacheIdentity`: a person, or which app identity).
    public func signInKey(_ profile: Profile) -> SignInKey {
        SignInKey(profile: profile, identity: source.cacheIdentity(profile))
    }

    /// The cached token if it has at least five minutes left.
    public func cached(_ profile: Profile, scopes: [String]) -> AccessToken? {
        let key = signInKey(profile).accessKey(scopes: scopes)
        guard let token = try? accessTokens.load(key), Bounded.difference(token.expiresOn, clock.now) >= Self.minimumLifetime else { return nil }
        return token
    }

    public func token(_ profile: Profile, options: AcquireOptions) throws(HelperError) -> AccessToken {
        let scopes = options.scopes ?? profile.scopes
        let useCache = !options.force && !options.alwaysPrompt
        if useCache, let token = cached(profile, scopes: scopes) { return token }

        let key = signInKey(profile)
        let waitStarted = clock.now, waitStartedMonotonic = clock.monotonicMilliseconds
        let lock = try locker.acquire(key, seconds: options.interactive.timeoutSeconds + 30)
        let waited = clock.monotonicMilliseconds - waitStartedMonotonic >= 20
        defer { lock.release() }
        // Another caller may have done the work while this one waited.
        if useCache, let token = cached(profile, scopes: scopes) { return token }

        let demand = TokenDemand(scopes: scopes, options: options, waitedSince: waited ? waitStarted : nil,
                                 dropCachedTokens: { [accessTokens] in try? accessTokens.remove(prefix: key.digest) })
        let answer = try source.acquire(profile, key: key, demand: demand)
        keep(answer.token, key: key, scopes: scopes)
        return answer.token
    }

    /// The cache is an optimisation: failing to fill it costs a refresh later, no more.
    func keep(_ token: AccessToken, key: SignInKey, scopes: [String]) {
        try? accessTokens.save(token, key: key.accessKey(scopes: scopes), now: clock.now)
    }

    /// A server rejected `token`: drop it from the cache (when it is the cached one), so
    /// the next request refreshes. The refresh token stays. True when something was dropped.
    @discardableResult
    public func invalidate(_ profile: Profile, scopes: [String], token: String) -> Bool {
        let key = signInKey(profile).accessKey(scopes: scopes)
        guard let cachedToken = try? accessTokens.load(key), cachedToken.token == token else { return false }
        return (try? accessTokens.remove(prefix: key)) != nil
    }

    /// `refresh`: a new token from the source now, whatever the cache holds.
    public func refresh(_ profile: Profile) throws(HelperError) -> AccessToken {
        let key = signInKey(profile)
        let lock = try locker.acquire(key, seconds: 60)
        defer { lock.release() }
        let token = try source.renew(profile, key: key)
        keep(token, key: key, scopes: profile.scopes)
        return token
    }

    /// What `status` shows. Never a token.
    public struct Status: Sendable {
        public var account: Account?
        public var accessTokenExpiresOn: Int64?
        public var hasRefreshToken: Bool
        /// Where the source keeps its credential, and where access tokens are cached.
        public var store: String
        public var accessTokenCache: String
        /// Who answers when it is not a person (`app CLIENT_ID`, a managed identity's kind),
        /// and the flow; nil for a person's sign-in.
        public var identity: String? = nil
        public var flow: String? = nil
    }

    public func status(_ profile: Profile) throws(HelperError) -> Status {
        let key = signInKey(profile)
        let kept = try source.state(profile, key: key)
        let cachedToken = try? accessTokens.load(key.accessKey(scopes: profile.scopes))
        let live = cachedToken.flatMap { $0.expiresOn > clock.now ? $0 : nil }
        return Status(account: kept.account ?? live?.account, accessTokenExpiresOn: live?.expiresOn,
                      hasRefreshToken: kept.hasStoredCredential, store: kept.store, accessTokenCache: accessTokens.backendName,
                      identity: kept.identity, flow: kept.flow)
    }

    /// `logout`: every cache of the profile (nil: of every profile).
    public func logout(_ profile: Profile?) throws(HelperError) {
        let key = profile.map(SignInKey.init(profile:))
        try accessTokens.remove(prefix: key?.digest ?? "")
        try source.forget(key)
    }
}

