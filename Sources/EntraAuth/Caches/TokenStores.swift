import HelperCore

/// What keys a sign-in: one refresh token serves every scope of the same authority,
/// tenant and client.
public struct SignInKey: Hashable, Sendable {
    public var authorityHost: String
    public var tenant: String
    public var clientID: String
    /// Who answers when it is not the person's sign-in ("" for the person): the app source
    /// and what tells its identities apart (TokenSource.cacheIdentity). An app token and a
    /// person's, or two apps' tokens, never share a cache entry. Refresh tokens, the stored
    /// client secret and the lock do not use it.
    public var identity: String

    /// The person's sign-in of the profile (or any identity of it, for its digest).
    public init(profile: Profile) { self.init(profile: profile, identity: "") }

    public init(profile: Profile, identity: String) {
        authorityHost = profile.authorityHost.lowercased()
        tenant = profile.tenant.lowercased()
        clientID = profile.clientID.lowercased()
        self.identity = identity
    }

    /// A short name that does not reveal the tenant or client (kernel key and lock names).
    public var digest: String { String(Digest.sha256Hex("\(authorityHost)|\(tenant)|\(clientID)").prefix(20)) }

    /// Where the cached entries of this sign-in and identity start: under `digest` (a
    /// profile's logout drops every identity's), then the identity's own digest (none for
    /// the person's sign-in, whose keys are as they always were).
    public var cachePrefix: String {
        identity.isEmpty ? digest + ":" : digest + ":" + String(Digest.sha256Hex(identity).prefix(16)) + "."
    }

    /// The access-token cache key for a scope set (order and case do not matter).
    public func accessKey(scopes: [String]) -> String {
        let sorted = Set(scopes.map { $0.lowercased() }).sorted()
        return cachePrefix + String(Digest.sha256Hex(sorted.joined(separator: " ")).prefix(20))
    }
}

/// A refresh token and the account it belongs to.
public struct StoredRefreshToken: Equatable, Sendable {
    public var token: String
    public var account: Account

    public init(token: String, account: Account) {
        self.token = token
        self.account = account
    }
}

/// Where refresh tokens persist (the Secret Service by default).
public protocol RefreshTokenStore: AnyObject {
    var backendName: String { get }
    /// The newest refresh token for the key, preferring `username` when given.
    func load(_ key: SignInKey, username: String?) throws(HelperError) -> StoredRefreshToken?
    /// Replaces the token of the same key and account in one step.
    func save(_ token: StoredRefreshToken, key: SignInKey, profile: String) throws(HelperError)
    /// Removes every refresh token of the key (every one, with nil).
    func remove(_ key: SignInKey?) throws(HelperError)
}

/// Where access tokens are cached: the hot path of every git, docker and kubectl call.
public protocol AccessTokenCache: AnyObject {
    var backendName: String { get }
    func load(_ key: String) throws(HelperError) -> AccessToken?
    func save(_ token: AccessToken, key: String, now: Int64) throws(HelperError)
    /// Removes the cached tokens whose key starts with `prefix` ("" for all).
    func remove(prefix: String) throws(HelperError)
}

/// The memory store (`--store memory`: nothing persists) and the tests' fake.
public final class MemoryTokenStore: RefreshTokenStore, AccessTokenCache {
    public var refreshTokens: [SignInKey: StoredRefreshToken] = [:]
    public var accessTokens: [String: AccessToken] = [:]
    public let backendName = "memory (nothing persists)"

    public init() {}

    public func load(_ key: SignInKey, username: String?) -> StoredRefreshToken? { refreshTokens[key] }
    public func save(_ token: StoredRefreshToken, key: SignInKey, profile: String) { refreshTokens[key] = token }
    public func remove(_ key: SignInKey?) {
        if let key { refreshTokens[key] = nil } else { refreshTokens = [:] }
    }

    public func load(_ key: String) -> AccessToken? { accessTokens[key] }
    public func save(_ token: AccessToken, key: String, now: Int64) { accessTokens[key] = token }
    public func remove(prefix: String) {
        for key in accessTokens.keys where key.hasPrefix(prefix) { accessTokens[key] = nil }
    }
}
