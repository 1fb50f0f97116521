import HelperCore

/// The seam between "which credential" and everything else: something that gives an
/// access token for these scopes. The user sign-in (UserSignIn: the refresh-token grant,
/// then the browser, then the device code) is one; client credentials, workload identity
/// and managed identity (Identities/) are the others, chosen per profile by ChoosingSource.
/// The access-token cache, the cross-process lock and the front ends sit above it
/// (SignInEngine) and do not care which one answered.
public protocol TokenSource: AnyObject {
    /// A fresh token for `demand.scopes`, never from the access-token cache (the layer
    /// above reads and fills it). Called with the profile's sign-in lock held.
    func acquire(_ profile: Profile, key: SignInKey, demand: TokenDemand) throws(HelperError) -> SourcedToken
    /// A fresh token for the profile's scopes without a person (`refresh`).
    func renew(_ profile: Profile, key: SignInKey) throws(HelperError) -> AccessToken
    /// What `status` shows of what the source keeps. Never a token.
    func state(_ profile: Profile, key: SignInKey) throws(HelperError) -> SourceState
    /// Forgets what the source keeps for a sign-in (every sign-in, with nil): `logout`.
    func forget(_ key: SignInKey?) throws(HelperError)
    /// Who answers for the profile as it runs now ("" for a person's sign-in): part of the
    /// access-token cache key (SignInKey.identity), so that a token is served only to the
    /// identity it was issued to. Read on every cached answer: no file, no D-Bus, only
    /// the few environment variables that pick the source.
    func cacheIdentity(_ profile: Profile) -> String
}

extension TokenSource {
    /// A source with one identity per sign-in (the person's).
    public func cacheIdentity(_ profile: Profile) -> String { "" }
}

/// One acquisition as the layer above asks for it.
public struct TokenDemand {
    public var scopes: [String]
    public var options: AcquireOptions
    /// When this caller had to wait for the lock (another caller held it): the wall-clock
    /// time it started waiting. A prompt abandoned since then is not shown again to it.
    public var waitedSince: Int64?
    /// Drops the access tokens cached for the sign-in: a source calls it when a new
    /// token belongs to another account than before, before it persists anything, so
    /// that a failed write cannot leave the old account's tokens to be served.
    public var dropCachedTokens: () -> Void

    public init(scopes: [String], options: AcquireOptions, waitedSince: Int64? = nil,
                dropCachedTokens: @escaping () -> Void = {}) {
        self.scopes = scopes
        self.options = options
        self.waitedSince = waitedSince
        self.dropCachedTokens = dropCachedTokens
    }
}

/// A source's answer.
public struct SourcedToken {
    public var token: AccessToken

    public init(token: AccessToken) {
        self.token = token
    }
}

/// What a source keeps, for `status`.
public struct SourceState: Sendable {
    public var account: Account?
    /// Whether a long-lived credential (a refresh token) is stored.
    public var hasStoredCredential: Bool
    /// Where it is stored (the refresh-token store's name).
    public var store: String
    /// Who the source signs in as when it is not a person: `app CLIENT_ID`, or the managed
    /// identity's kind. nil for a person's sign-in (the account says who).
    public var identity: String?
    /// The flow that answers (client-credentials, workload-identity, managed-identity);
    /// nil for a person's sign-in.
    public var flow: String?

    public init(account: Account?, hasStoredCredential: Bool, store: String, identity: String? = nil, flow: String? = nil) {
        self.account = account
        self.hasStoredCredential = hasStoredCredential
        self.store = store
        self.identity = identity
        self.flow = flow
    }
}
