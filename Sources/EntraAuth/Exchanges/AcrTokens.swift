import HelperCore
import HelperProtocol

/// docker's credential protocol for an Azure Container Registry a profile routes: the
/// Entra access token is exchanged at the registry for an ACR refresh token, which is
/// what docker gets (`Username` 00000000-0000-0000-0000-000000000000, as `az acr login`).
///
/// - `get`: the cached ACR token while it has 5 minutes left; else an Entra token (silent
///   first, as for git), then `POST https://REGISTRY/oauth2/exchange` (trusting
///   SSL_CERT_FILE too) with `grant_type=access_token`, `service`, `tenant`, `access_token`;
///   for a loopback registry only, `http://` when the server there does not speak TLS (as
///   docker does with an insecure registry); never after a TLS server answered (a loopback
///   port may be a tunnel to the real registry). A 401 for a cached Entra token is retried once with a fresh one.
/// - `erase`: the cached ACR token goes; the sign-in stays.
/// - `store`: nothing (the token is ours).
public struct AcrTokens {
    public static let username = "00000000-0000-0000-0000-000000000000"
    /// An ACR refresh token is used while it has this long left (docker holds on to it for
    /// one pull or push).
    static let minimumLifetime: Int64 = 300
    /// When the token carries no readable `exp` (ACR's last 3 h): cache it this long.
    static let assumedLifetime: Int64 = 3600

    /// Entra tokens (SignInEngine).
    let tokens: any AccessTokenProvider
    /// Where the ACR tokens are cached (with the access tokens, so `logout` drops them).
    let cache: any AccessTokenCache
    let http: any HTTPTransport
    let clock: any TimeSource
    let options: () -> AcquireOptions

    public init(tokens: any AccessTokenProvider, cache: any AccessTokenCache, http: any HTTPTransport, clock: any TimeSource,
                options: @escaping () -> AcquireOptions) {
        self.tokens = tokens
        self.cache = cache
        self.http = http
        self.clock = clock
        self.options = options
    }

    /// Whether a docker request for a host a profile routes is an ACR exchange: the
    /// profile says so (`--kind acr`), or the host is one of ACR's clouds.
    public static func isRegistry(host: String, profile: Profile) -> Bool {
        if profile.kind == .acr { return true }
        let name = HostPattern.normalise(host)
        return [".azurecr.io", ".azurecr.us", ".azurecr.cn"].contains { name.hasSuffix($0) }
    }

    public func get(serverURL: String, registry: HostRouter.Request, profile: Profile) throws(HelperError) -> DockerCredentials {
        let service = Self.service(registry)
        let key = Self.cacheKey(tokens.signInKey(profile), service: service)
        let now = clock.now
        if let cached = try? cache.load(key), Bounded.difference(cached.expiresOn, now) >= Self.minimumLifetime {
            return DockerCredentials(serverURL: serverURL, username: Self.username, secret: cached.token)
        }
        var acquire = options()
        var entra = try tokens.token(profile, options: acquire)
        var answer = try exchange(service: service, registry: registry, token: entra, profile: profile)
        if case .refused(401, _) = answer {
            // The registry may know better than our cache (revoked, or a role just granted).
            _ = tokens.invalidate(profile, scopes: acquire.scopes ?? profile.scopes, token: entra.token)
            acquire.force = true
            entra = try tokens.token(profile, options: acquire)
            answer = try exchange(service: service, registry: registry, token: entra, profile: profile)
        }
        switch answer {
        case let .refreshToken(token):
            let expiry = Self.expiry(of: token) ?? now + Self.assumedLifetime
            let cached = AccessToken(token: token, expiresOn: expiry, scopes: ["acr:" + service], account: entra.account)
            try? cache.save(cached, key: key, now: now)  // a cache: failing to write is no error
            return DockerCredentials(serverURL: serverURL, username: Self.username, secret: token)
        case let .refused(status, detail):
            throw .registryExchangeFailed(registry: service, status: status, detail: detail, profile: profile.name)
        }
    }

    public func erase(registry: HostRouter.Request, profile: Profile) {
        try? cache.remove(prefix: Self.cacheKey(tokens.signInKey(profile), service: Self.service(registry)))
    }

    /// Registries to show in `list`: the exact hosts of the profiles that are registries.
    public static func listed(profiles: [Profile]) -> [String] {
        var hosts: [String] = []
        for profile in profiles {
            for pattern in profile.hosts where pattern.path.isEmpty {
                guard case let .exact(name) = pattern.kind, isRegistry(host: name, profile: profile) else { continue }
                hosts.append(pattern.port.map { "\(name):\($0)" } ?? name)
            }
        }
        return hosts
    }

    enum Exchanged {
        case refreshToken(String)
        case refused(Int, String)
    }

    func exchange(service: String, registry: HostRouter.Request, token: AccessToken, profile: Profile) throws(HelperError) -> Exchanged {
        var form = [("grant_type", "access_token"), ("service", service)]
        // The token's own tenant, which the registry compares `tenant` with; the account's
        // when it cannot be read (a managed identity's account names the profile's tenant,
        // which that identity does not use).
        let claimed = TokenResponse.claims(ofJWT: token.token)?["tid"]?.stringValue ?? ""
        let tenant = claimed.isEmpty ? token.account.tenantID : claimed
        if !tenant.isEmpty { form.append(("tenant", tenant)) }
        form.append(("access_token", token.token))
        let response = try post(form, service: service, loopback: registry.isLoopback)
        let document = try? JSON.parse(response.body)
        if response.status == 200 {
            guard let token = document?["refresh_token"]?.stringValue, !token.isEmpty else {
                return .refused(200, "no refresh_token in the answer")
            }
            return .refreshToken(token)
        }
        return .refused(response.status, Self.errorSummary(document))
    }

    /// https first. A loopback registry gets one try over http, at once, but only when the
    /// server answered the TLS handshake with something that is not TLS: never after a TLS
    /// server answered (an untrusted certificate, a handshake alert: the token would cross
    /// in clear what may be a tunnel to the real registry), nor when the peer hangs up without
    /// a word (a tunnel whose far end failed does that too), nor when nothing listens (http
    /// would be refused too), nor after an HTTP answer. When both fail, the https fault is
    /// the one told (it names what to fix).
    private func post(_ form: [(String, String)], service: String, loopback: Bool) throws(HelperError) -> HTTPResponse {
        func request(_ scheme: String) -> HTTPRequest {
            HTTPRequest(method: "POST", url: "\(scheme)://\(service)/oauth2/exchange",
                        headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded"),
                                  (name: "Accept", value: "application/json")],
                        body: Array(FormEncoding.encode(form).utf8))
        }
        do {
            // .notTLS, the only fault followed by the http try, is never retried: it comes at once.
            return try http.send(request("https"))
        } catch {
            guard loopback, case .notTLS = error else { throw EntraClient.error(error, host: service) }
            do {
                return try http.send(request("http"))
            } catch _ {
                throw EntraClient.error(error, host: service)
            }
        }
    }

    /// The first of the registry's `{"errors":[{"code","message"}]}`, short and printable
    /// (it is shown to the user; never the request).
    static func errorSummary(_ document: JSONValue?) -> String {
        guard case let .array(errors)? = document?["errors"], let first = errors.first else { return "" }
        let text = [first["code"]?.stringValue, first["message"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
        return Sanitize.line(text, limit: 160)
    }

    /// The registry's service name: its host (lower case, no trailing dot) and port.
    static func service(_ registry: HostRouter.Request) -> String {
        let host = HostPattern.normalise(registry.host)
        return registry.port.map { "\(host):\($0)" } ?? host
    }

    /// Under the sign-in's digest, so that `logout` drops it with the access tokens, and
    /// its identity (an app's ACR token is never a person's, nor another app's).
    static func cacheKey(_ key: SignInKey, service: String) -> String {
        key.cachePrefix + "acr:" + String(Digest.sha256Hex(service).prefix(20))
    }

    static func expiry(of token: String) -> Int64? {
        TokenResponse.claims(ofJWT: token)?["exp"]?.integer(in: Bounded.epochSeconds)
    }
}
