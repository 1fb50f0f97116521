import HelperCore
import SecretStore

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

/// Silent first, then interactive: the cached access token (≥ 5 minutes left, no
/// network), then the refresh-token grant (the rotated token persisted before the
/// answer), then the browser or the device code. The per-key lock is held from the
/// second cache read to the last write, so parallel callers make one refresh and see
/// one prompt.
public final class SignInEngine {
    public static let minimumLifetime: Int64 = 300

    let client: EntraClient
    let refreshTokens: any RefreshTokenStore
    let accessTokens: any AccessTokenCache
    let locker: any SignInLocker
    let clock: any TimeSource
    let interactive: InteractiveSignIn
    let cooldownSeconds: Int

    public init(client: EntraClient, refreshTokens: any RefreshTokenStore, accessTokens: any AccessTokenCache,
                locker: any SignInLocker, clock: any TimeSource, interactive: InteractiveSignIn, cooldownSeconds: Int) {
        self.client = client
        self.refreshTokens = refreshTokens
        self.accessTokens = accessTokens
        self.locker = locker
        self.clock = clock
        self.interactive = interactive
        self.cooldownSeconds = cooldownSeconds
    }

    /// The cached token if it has at least five minutes left.
    public func cached(_ profile: Profile, scopes: [String]) -> AccessToken? {
        let key = SignInKey(profile: profile).accessKey(scopes: scopes)
        guard let token = try? accessTokens.load(key), Bounded.difference(token.expiresOn, clock.now) >= Self.minimumLifetime else { return nil }
        return token
    }

    public func token(_ profile: Profile, options: AcquireOptions) throws(HelperError) -> AccessToken {
        let scopes = options.scopes ?? profile.scopes
        let useCache = !options.force && !options.alwaysPrompt
        if useCache, let token = cached(profile, scopes: scopes) { return token }

        let key = SignInKey(profile: profile)
        let waitStarted = clock.now, waitStartedMonotonic = clock.monotonicMilliseconds
        let lock = try locker.acquire(key, seconds: options.interactive.timeoutSeconds + 30)
        let waited = clock.monotonicMilliseconds - waitStartedMonotonic >= 20
        defer { lock.release() }
        // Another caller may have done the work while this one waited.
        if useCache, let token = cached(profile, scopes: scopes) { return token }

        var claims = options.interactive.claims
        var reason = "no sign-in is stored for profile \(profile.name)"
        let stored = try refreshTokens.load(key, username: profile.loginHint)
        if !options.alwaysPrompt, let stored {
            switch try redeem(stored, profile: profile, key: key, scopes: scopes, claims: claims) {
            case let .token(token):
                return token
            case let .needsUser(error):
                claims = error.claims ?? claims
                reason = "the stored sign-in for profile \(profile.name) needs renewal (\(error.summary))"
            }
        }

        guard options.interactivity() == .allowed else { throw .interactionRequired(profile: profile.name, reason: reason) }
        if !options.alwaysPrompt, let abandoned = locker.lastAbandoned(key) {
            // A marker from the future counts as abandoned just now.
            let cooldown = Int64(cooldownSeconds)
            let left = Int(Bounded.clamp(Bounded.difference(Bounded.sum(abandoned, cooldown), clock.now), Int64.min...cooldown))
            // A prompt abandoned while this caller waited is not shown again to it, and
            // automatic callers pause for the cool-down.
            if (waited && abandoned >= waitStarted) || (options.automatic && left > 0) {
                throw .promptCoolingDown(profile: profile.name, seconds: max(left, 1))
            }
        }
        var interactiveOptions = options.interactive
        interactiveOptions.claims = claims
        let response: TokenResponse
        do {
            response = try interactive.signIn(profile, scopes: scopes, options: interactiveOptions, previous: stored?.account)
        } catch {
            if case .signInTimedOut = error { locker.recordAbandoned(key, at: clock.now) }
            if case .signInDenied = error { locker.recordAbandoned(key, at: clock.now) }
            throw error
        }
        locker.clearAbandoned(key)
        if stored?.account.homeAccountID != response.accessToken.account.homeAccountID {
            try? accessTokens.remove(prefix: key.digest)  // another account's tokens
        }
        return try keep(response, profile: profile, key: key, scopes: scopes, previous: stored)
    }

    enum Redeemed {
        case token(AccessToken)
        case needsUser(TokenError)
    }

    /// The refresh-token grant. A network or server fault throws and keeps the token.
    func redeem(_ stored: StoredRefreshToken, profile: Profile, key: SignInKey, scopes: [String],
                claims: String?) throws(HelperError) -> Redeemed {
        let form = TokenRequest.refresh(clientID: profile.clientID, refreshToken: stored.token, scopes: scopes, claims: claims)
        switch try client.post(try profile.authority().tokenEndpoint, form: form) {
        case let .success(body):
            let response = try TokenResponse(json: body, now: clock.now, requestedScopes: scopes, previous: stored.account)
            return .token(try keep(response, profile: profile, key: key, scopes: scopes, previous: stored))
        case let .failure(error):
            switch error.next {
            case .interact, .deviceCodeEnded: return .needsUser(error)
            case .keepPolling, .transient:
                throw .network(host: EntraClient.host(of: profile.authorityHost), detail: error.summary)
            case .misconfigured:
                throw .signInFailed("\(error.summary) (check the profile's tenant, client id and scopes)")
            }
        }
    }

    /// Persists the (rotated) refresh token first, then caches the access token.
    func keep(_ response: TokenResponse, profile: Profile, key: SignInKey, scopes: [String],
              previous: StoredRefreshToken?) throws(HelperError) -> AccessToken {
        if let refresh = response.refreshToken, refresh != previous?.token {
            try refreshTokens.save(StoredRefreshToken(token: refresh, account: response.accessToken.account),
                                   key: key, profile: profile.name)
        }
        // The cache is an optimisation: failing to fill it costs a refresh later, no more.
        try? accessTokens.save(response.accessToken, key: key.accessKey(scopes: scopes), now: clock.now)
        return response.accessToken
    }

    /// A server rejected `token`: drop it from the cache (when it is the cached one), so
    /// the next request refreshes. The refresh token stays. True when something was dropped.
    @discardableResult
    public func invalidate(_ profile: Profile, scopes: [String], token: String) -> Bool {
        let key = SignInKey(profile: profile).accessKey(scopes: scopes)
        guard let cachedToken = try? accessTokens.load(key), cachedToken.token == token else { return false }
        return (try? accessTokens.remove(prefix: key)) != nil
    }

    /// `refresh`: the refresh-token grant now, whatever the cache holds.
    public func refresh(_ profile: Profile) throws(HelperError) -> AccessToken {
        let key = SignInKey(profile: profile)
        let lock = try locker.acquire(key, seconds: 60)
        defer { lock.release() }
        guard let stored = try refreshTokens.load(key, username: profile.loginHint) else {
            throw .interactionRequired(profile: profile.name, reason: "no sign-in is stored for profile \(profile.name)")
        }
        switch try redeem(stored, profile: profile, key: key, scopes: profile.scopes, claims: nil) {
        case let .token(token): return token
        case let .needsUser(error):
            throw .interactionRequired(profile: profile.name, reason: "the stored sign-in needs renewal (\(error.summary))")
        }
    }

    /// What `status` shows. Never a token.
    public struct Status: Sendable {
        public var account: Account?
        public var accessTokenExpiresOn: Int64?
        public var hasRefreshToken: Bool
    }

    public func status(_ profile: Profile) throws(HelperError) -> Status {
        let key = SignInKey(profile: profile)
        let stored = try refreshTokens.load(key, username: profile.loginHint)
        let cachedToken = try? accessTokens.load(key.accessKey(scopes: profile.scopes))
        let live = cachedToken.flatMap { $0.expiresOn > clock.now ? $0 : nil }
        return Status(account: stored?.account ?? live?.account, accessTokenExpiresOn: live?.expiresOn,
                      hasRefreshToken: stored != nil)
    }

    /// `logout`: every cache of the profile (nil: of every profile).
    public func logout(_ profile: Profile?) throws(HelperError) {
        let key = profile.map(SignInKey.init(profile:))
        try accessTokens.remove(prefix: key?.digest ?? "")
        try refreshTokens.remove(key)
        if let key { locker.clearAbandoned(key) }
    }
}
