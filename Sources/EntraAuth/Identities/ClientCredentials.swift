import HelperCore

/// Where a confidential client's signed proof comes from: a certificate's JWT (the
/// libcrypto signer), or a federated token (AKS's file, GitHub Actions, Azure Pipelines).
/// Asked on every acquisition, because federated tokens rotate.
public protocol ClientAssertionProvider {
    /// A JWT for `audience` (the token endpoint). Federated tokens carry their own audience.
    func assertion(audience: String) throws(HelperError) -> String
}

/// How the app proves who it is.
public enum ClientCredential {
    /// A client secret (AZURE_CLIENT_SECRET, or the stored one). Never shown.
    case secret(String)
    /// A signed client assertion.
    case assertion(any ClientAssertionProvider)
}

/// An app's own token: the client-credentials grant (Microsoft identity platform, "OAuth
/// 2.0 client credentials flow"): `client_id`, `scope` (one resource's `/.default`),
/// `grant_type=client_credentials`, and either `client_secret` or `client_assertion_type`
/// (jwt-bearer) with `client_assertion`. No refresh token is sent back, and none is kept.
public final class ClientCredentials: TokenSource {
    let client: EntraClient
    let credential: ClientCredential
    let clock: any TimeSource
    /// The flow `status` names: client-credentials or workload-identity.
    let flow: Profile.Flow

    public static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    public init(client: EntraClient, credential: ClientCredential, clock: any TimeSource, flow: Profile.Flow = .clientCredentials) {
        self.client = client
        self.credential = credential
        self.clock = clock
        self.flow = flow
    }

    /// The one `X/.default` scope the grant takes.
    public static func defaultScope(_ scopes: [String], flow: Profile.Flow) throws(HelperError) -> String {
        guard scopes.count == 1, let scope = scopes.first, scope.hasSuffix("/.default"), scope.count > "/.default".count else {
            let given = Sanitize.line(scopes.joined(separator: " "), limit: 120)
            throw .usage("the \(flow.rawValue) flow takes one scope ending in /.default (such as https://graph.microsoft.com/.default), not '\(given)'")
        }
        return scope
    }

    /// The form of the grant (the secret or assertion included: never logged).
    static func form(clientID: String, scope: String, credential: ClientCredential, audience: String) throws(HelperError) -> String {
        var form = [("client_id", clientID), ("scope", scope), ("grant_type", "client_credentials")]
        switch credential {
        case let .secret(secret):
            form.append(("client_secret", secret))
        case let .assertion(provider):
            form.append(("client_assertion_type", assertionType))
            form.append(("client_assertion", try provider.assertion(audience: audience)))
        }
        return FormEncoding.encode(form)
    }

    /// The app as `status` and the cache name it (no person: the app id and tenant).
    static func account(_ profile: Profile) -> Account {
        Account(homeAccountID: "app.\(profile.clientID)", username: "app \(profile.clientID)", tenantID: profile.tenant)
    }

    public func acquire(_ profile: Profile, key: SignInKey, demand: TokenDemand) throws(HelperError) -> SourcedToken {
        SourcedToken(token: try request(profile, scopes: demand.scopes))
    }

    public func renew(_ profile: Profile, key: SignInKey) throws(HelperError) -> AccessToken {
        try request(profile, scopes: profile.scopes)
    }

    public func state(_ profile: Profile, key: SignInKey) throws(HelperError) -> SourceState {
        SourceState(account: Self.account(profile), hasStoredCredential: false, store: "none (no refresh token)",
                    identity: "app \(profile.clientID)", flow: flow.rawValue)
    }

    /// Nothing is kept (the stored client secret belongs to the profile, not the sign-in).
    public func forget(_ key: SignInKey?) throws(HelperError) {}

    func request(_ profile: Profile, scopes: [String]) throws(HelperError) -> AccessToken {
        let scope = try Self.defaultScope(scopes, flow: flow)
        let endpoint = try profile.authority().tokenEndpoint
        let form = try Self.form(clientID: profile.clientID, scope: scope, credential: credential, audience: endpoint)
        switch try client.post(endpoint, form: form) {
        case let .success(body):
            // Any refresh token in the answer is dropped: these flows keep none.
            return try TokenResponse(json: body, now: clock.now, requestedScopes: [scope], previous: Self.account(profile)).accessToken
        case let .failure(error):
            if error.next == .transient {
                throw .network(host: EntraClient.host(of: profile.authorityHost), detail: error.summary)
            }
            let known = error.codes.first { Self.rejectionCodes.contains($0) } ?? error.codes.first
            throw .appSignInRejected(clientID: profile.clientID, code: known, detail: error.summary)
        }
    }

    /// The AADSTS codes whose fix is worded (HelperError.appRejectionFix).
    static let rejectionCodes: Set<Int> = [700016, 7000215, 700027, 70021, 700024]
}
