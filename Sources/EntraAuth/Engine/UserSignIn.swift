import HelperCore

/// The first token source: a person's sign-in. Silent first (the refresh-token grant,
/// with the rotated refresh token persisted before the answer), then interactive (the
/// browser or the device code, InteractiveSignIn), with the prompt-storm cool-down:
/// an abandoned prompt pauses automatic callers, and is not shown again to a caller that
/// waited for it.
public final class UserSignIn: TokenSource {
    let client: EntraClient
    let refreshTokens: any RefreshTokenStore
    /// Only for the abandoned-prompt markers; the lock itself is the engine's.
    let locker: any SignInLocker
    let clock: any TimeSource
    let interactive: InteractiveSignIn
    let cooldownSeconds: Int

    public init(client: EntraClient, refreshTokens: any RefreshTokenStore, locker: any SignInLocker,
                clock: any TimeSource, interactive: InteractiveSignIn, cooldownSeconds: Int) {
        self.client = client
        self.refreshTokens = refreshTokens
        self.locker = locker
        self.clock = clock
        self.interactive = interactive
        self.cooldownSeconds = cooldownSeconds
    }

    public func acquire(_ profile: Profile, key: SignInKey, demand: TokenDemand) throws(HelperError) -> SourcedToken {
        let options = demand.options
        var claims = options.interactive.claims
        var reason = "no sign-in is stored for profile \(profile.name)"
        var login = profile.name  // what follows `login --profile` in the line that names the fix
        let stored = try refreshTokens.load(key, username: profile.loginHint)
        if !options.alwaysPrompt, let stored {
            switch try redeem(stored, profile: profile, key: key, scopes: demand.scopes, claims: claims) {
            case let .token(token):
                return SourcedToken(token: token)
            case let .needsUser(error):
                claims = error.claims ?? claims
                reason = "the stored sign-in for profile \(profile.name) needs renewal (\(error.summary))"
                login = Self.consentLogin(profile, scopes: demand.scopes, error: error)
            }
        }

        guard options.interactivity() == .allowed else { throw .interactionRequired(profile: login, reason: reason) }
        if !options.alwaysPrompt, let abandoned = locker.lastAbandoned(key) {
            // A marker from the future counts as abandoned just now.
            let cooldown = Int64(cooldownSeconds)
            let left = Int(Bounded.clamp(Bounded.difference(Bounded.sum(abandoned, cooldown), clock.now), Int64.min...cooldown))
            // A prompt abandoned while this caller waited is not shown again to it, and
            // automatic callers pause for the cool-down.
            if (demand.waitedSince.map { abandoned >= $0 } ?? false) || (options.automatic && left > 0) {
                throw .promptCoolingDown(profile: profile.name, seconds: max(left, 1))
            }
        }
        var interactiveOptions = options.interactive
        interactiveOptions.claims = claims
        let response: TokenResponse
        do {
            response = try interactive.signIn(profile, scopes: demand.scopes, options: interactiveOptions, previous: stored?.account)
        } catch {
            if case .signInTimedOut = error { locker.recordAbandoned(key, at: clock.now) }
            if case .signInDenied = error { locker.recordAbandoned(key, at: clock.now) }
            throw error
        }
        locker.clearAbandoned(key)
        if stored?.account.homeAccountID != response.accessToken.account.homeAccountID {
            demand.dropCachedTokens()  // another account's tokens
        }
        try persist(response, profile: profile, key: key, previous: stored)
        return SourcedToken(token: response.accessToken)
    }

    /// No consent (AADSTS65001) for the scopes asked for: a plain `login` asks for the
    /// configured profile's scopes (a `--scope` may have replaced them here), so the fix
    /// consents to these up front.
    static func consentLogin(_ profile: Profile, scopes: [String], error: TokenError) -> String {
        guard error.codes.contains(65001), !scopes.isEmpty else { return profile.name }
        return ([profile.name] + scopes.map { "--extra-scopes-to-consent \($0)" }).joined(separator: " ")
    }

    /// `refresh`: the refresh-token grant now.
    public func renew(_ profile: Profile, key: SignInKey) throws(HelperError) -> AccessToken {
        guard let stored = try refreshTokens.load(key, username: profile.loginHint) else {
            throw .interactionRequired(profile: profile.name, reason: "no sign-in is stored for profile \(profile.name)")
        }
        switch try redeem(stored, profile: profile, key: key, scopes: profile.scopes, claims: nil) {
        case let .token(token): return token
        case let .needsUser(error):
            throw .interactionRequired(profile: profile.name, reason: "the stored sign-in needs renewal (\(error.summary))")
        }
    }

    public func state(_ profile: Profile, key: SignInKey) throws(HelperError) -> SourceState {
        let stored = try refreshTokens.load(key, username: profile.loginHint)
        return SourceState(account: stored?.account, hasStoredCredential: stored != nil, store: refreshTokens.backendName)
    }

    public func forget(_ key: SignInKey?) throws(HelperError) {
        try refreshTokens.remove(key)
        if let key { locker.clearAbandoned(key) }
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
            try persist(response, profile: profile, key: key, previous: stored)
            return .token(response.accessToken)
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

    /// Persists the (rotated) refresh token, before anyone sees the access token.
    func persist(_ response: TokenResponse, profile: Profile, key: SignInKey, previous: StoredRefreshToken?) throws(HelperError) {
        if let refresh = response.refreshToken, refresh != previous?.token {
            try refreshTokens.save(StoredRefreshToken(token: refresh, account: response.accessToken.account),
                                   key: key, profile: profile.name)
        }
    }
}
