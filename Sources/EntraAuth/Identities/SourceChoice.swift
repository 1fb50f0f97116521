import HelperCore

/// Which token source serves a profile: one pure function of the profile's flow and the
/// environment. ENTRA_CREDENTIAL_HELPER_FLOW overrides the profile's flow (like kubelogin's
/// AAD_LOGIN_METHOD). With `auto`: workload identity when AZURE_FEDERATED_TOKEN_FILE is set,
/// client credentials when a secret (AZURE_CLIENT_SECRET; Lokka's CLIENT_SECRET only for
/// the profile made from the environment) or a certificate (AZURE_CLIENT_CERTIFICATE_PATH)
/// is given, else a person's sign-in. Managed identity only when asked for: a laptop is
/// never probed for IMDS.
public enum SourceChoice: Equatable, Sendable {
    case userSignIn
    case clientSecret(String)
    case clientCertificate(path: String)
    case federatedTokenFile(path: String)
    case gitHubActions(requestURL: String, requestToken: String)
    case azurePipelines(requestURI: String, accessToken: String, serviceConnectionID: String)
    case managedIdentity

    public static let flowVariable = "ENTRA_CREDENTIAL_HELPER_FLOW"

    /// The flow that applies: the environment's override, else the profile's.
    public static func flow(_ profile: Profile, environment: (String) -> String?) throws(HelperError) -> Profile.Flow {
        guard let text = environment(flowVariable), !text.isEmpty else { return profile.flow }
        guard let flow = Profile.Flow(name: text) else {
            throw .usage("\(flowVariable) takes \(Profile.Flow.names.joined(separator: ", ")), not '\(Sanitize.line(text, limit: 40))'")
        }
        return flow
    }

    public static func choose(_ profile: Profile, environment: (String) -> String?,
                              storedSecret: () throws(HelperError) -> String? = { nil }) throws(HelperError) -> SourceChoice {
        func value(_ name: String) -> String? { environment(name).flatMap { $0.isEmpty ? nil : $0 } }
        let flow = try flow(profile, environment: environment)
        // The stored secret (the Secret Service) is looked for only on a client-credentials
        // profile (`--client-secret-stdin` makes one): `auto` never opens D-Bus for it.
        func secret(stored: Bool = false) throws(HelperError) -> String? {
            if let secret = value("AZURE_CLIENT_SECRET") { return secret }
            if profile.name == ProfileResolver.environmentProfile, let secret = value("CLIENT_SECRET") { return secret }
            return stored ? try storedSecret() : nil
        }
        switch flow {
        case .browser, .deviceCode, .paste:
            return .userSignIn
        case .auto:
            // The environment's credential names an app only with that app's id: AZURE_CLIENT_ID,
            // or a profile's own client id. A person's preset (a Microsoft public client, which
            // has no secret) is never run as an app because some other tool exported a secret.
            if environmentNamesApp(profile, value) {
                if let path = value("AZURE_FEDERATED_TOKEN_FILE") { return .federatedTokenFile(path: path) }
                if let secret = try secret() { return .clientSecret(secret) }
            }
            if let path = profile.certificatePath ?? (environmentNamesApp(profile, value) ? value("AZURE_CLIENT_CERTIFICATE_PATH") : nil) {
                return .clientCertificate(path: value("AZURE_CLIENT_CERTIFICATE_PATH") ?? path)
            }
            return .userSignIn
        case .clientCredentials:
            if let secret = try secret() { return .clientSecret(secret) }
            if let path = value("AZURE_CLIENT_CERTIFICATE_PATH") ?? profile.certificatePath { return .clientCertificate(path: path) }
            // No Secret Service (no D-Bus session, as in CI): no stored secret, so the
            // missing secret is the line; the unreachable service is only its detail.
            var unreachable = false
            do {
                if let secret = try secret(stored: true) { return .clientSecret(secret) }
            } catch {
                switch error {
                case .noSessionBus, .noSecretService, .missingLibrary: unreachable = true
                default: throw error
                }
            }
            throw .missingAppSetting(flow: flow.rawValue, setting: "a client secret or certificate",
                                     fix: "set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, or store a secret with `entra-credential-helper profile add NAME … --client-secret-stdin`"
                                        + (unreachable ? " (no Secret Service was reachable to look for a stored one)" : ""))
        case .workloadIdentity:
            if let path = value("AZURE_FEDERATED_TOKEN_FILE") { return .federatedTokenFile(path: path) }
            if let url = value("ACTIONS_ID_TOKEN_REQUEST_URL") {
                guard let token = value("ACTIONS_ID_TOKEN_REQUEST_TOKEN") else {
                    throw .missingAppSetting(flow: flow.rawValue, setting: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                                             fix: "give the job `permissions: id-token: write`")
                }
                return .gitHubActions(requestURL: url, requestToken: token)
            }
            if let uri = value("SYSTEM_OIDCREQUESTURI") {
                guard let token = value("SYSTEM_ACCESSTOKEN") else {
                    throw .missingAppSetting(flow: flow.rawValue, setting: "SYSTEM_ACCESSTOKEN",
                                             fix: "pass `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` to the step")
                }
                guard let connection = profile.serviceConnectionID ?? value("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID") else {
                    throw .missingAppSetting(flow: flow.rawValue, setting: "the service connection id",
                                             fix: "run it in an AzureCLI@2 task (it sets AZURESUBSCRIPTION_SERVICE_CONNECTION_ID), or give the profile --service-connection-id")
                }
                return .azurePipelines(requestURI: uri, accessToken: token, serviceConnectionID: connection)
            }
            throw .missingAppSetting(flow: flow.rawValue, setting: "a federated token",
                                     fix: "set AZURE_FEDERATED_TOKEN_FILE, or run in GitHub Actions (id-token: write) or an Azure Pipelines AzureCLI@2 task")
        case .managedIdentity:
            return .managedIdentity
        }
    }

    /// Who answers, for the access-token cache key (TokenSource.cacheIdentity): "" for a
    /// person's sign-in, else the source and what tells its identities apart (the
    /// certificate's path, the federated token's origin, the managed identity,
    /// AZURE_CLIENT_ID), never a secret or a token. The same choice as `choose`, from the
    /// same few environment variables, without the Secret Service: a stored secret counts
    /// as a secret. A choice that cannot be made matches nothing cached (acquiring says why).
    public static func cacheIdentity(_ profile: Profile, environment: (String) -> String?) -> String {
        guard let choice = try? choose(profile, environment: environment, storedSecret: { "" }) else { return "unusable" }
        let client = environment("AZURE_CLIENT_ID").flatMap { $0.isEmpty ? nil : "|client=" + $0 } ?? ""
        func job(_ names: [String]) -> String { "|job=" + names.map { environment($0) ?? "" }.joined(separator: ",") }
        switch choice {
        case .userSignIn: return ""
        case .clientSecret: return "client-credentials|secret" + client
        case let .clientCertificate(path): return "client-credentials|certificate=" + path + client
        case let .federatedTokenFile(path): return "workload-identity|file=" + path + client
        // A CI job proves its own OIDC subject (repository, branch, environment): a token is
        // never served to another job on the same (self-hosted) runner.
        case .gitHubActions:
            return "workload-identity|github-actions" + job(["GITHUB_REPOSITORY", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB"]) + client
        case let .azurePipelines(_, _, connection):
            return "workload-identity|azure-pipelines=" + connection + job(["SYSTEM_COLLECTIONID", "BUILD_BUILDID", "SYSTEM_JOBID"]) + client
        case .managedIdentity: return "managed-identity|" + managedIdentity(profile, environment: environment).configValue
        }
    }

    /// Whether the environment's app credential may serve `profile` under `auto`: the
    /// environment names the app (AZURE_CLIENT_ID), or the profile's client id is not one of
    /// the presets' Microsoft public clients.
    static func environmentNamesApp(_ profile: Profile, _ value: (String) -> String?) -> Bool {
        value("AZURE_CLIENT_ID") != nil || profile.name == ProfileResolver.environmentProfile
            || !Preset.allCases.contains { $0.clientID == profile.clientID }
    }

    /// Whether an app answers for the profile (no person): an app flow, or `auto` choosing an
    /// app source. The same choice as `choose`, without the Secret Service. A flow override
    /// that cannot be read counts as no app (acquiring says why).
    public static func servesApp(_ profile: Profile, environment: (String) -> String?) -> Bool {
        switch (try? flow(profile, environment: environment)) ?? .browser {
        case .browser, .deviceCode, .paste: return false
        case .clientCredentials, .workloadIdentity, .managedIdentity: return true
        case .auto: return (try? choose(profile, environment: environment)).map { $0 != .userSignIn } ?? true
        }
    }

    /// The managed identity to use: a user-assigned one by AZURE_CLIENT_ID (as the Azure
    /// SDKs read it), else the profile's, else the system-assigned one.
    public static func managedIdentity(_ profile: Profile, environment: (String) -> String?) -> ManagedIdentityID {
        if let id = environment("AZURE_CLIENT_ID"), !id.isEmpty { return .clientID(id) }
        return profile.managedIdentity ?? .systemAssigned
    }
}

/// Builds the source a choice names (all but the person's sign-in).
public struct AppSources {
    let client: EntraClient
    /// For the OIDC requests of GitHub Actions and Azure Pipelines (retrying is fine).
    let http: any HTTPTransport
    /// For the managed identity endpoint: no retries of its own, a short connect bound,
    /// and plain http to link-local addresses allowed.
    let managedIdentityHTTP: any HTTPTransport
    let clock: any TimeSource
    let environment: (String) -> String?
    /// The certificate's assertion provider for a path; by default `CertificateAssertion`
    /// (libcrypto), a fake in tests.
    let certificateAssertions: ((String) throws(HelperError) -> any ClientAssertionProvider)?
    /// The certificate password stored for a profile (`--certificate-password-stdin`); nil
    /// when none is stored or the Secret Service cannot be reached.
    let storedPassword: ((Profile) -> String?)?

    public init(client: EntraClient, http: any HTTPTransport, managedIdentityHTTP: any HTTPTransport, clock: any TimeSource,
                environment: @escaping (String) -> String?,
                certificateAssertions: ((String) throws(HelperError) -> any ClientAssertionProvider)? = nil,
                storedPassword: ((Profile) -> String?)? = nil) {
        self.client = client
        self.http = http
        self.managedIdentityHTTP = managedIdentityHTTP
        self.clock = clock
        self.environment = environment
        self.certificateAssertions = certificateAssertions
        self.storedPassword = storedPassword
    }

    public func source(_ choice: SourceChoice, profile: Profile) throws(HelperError) -> any TokenSource {
        func federated(_ provider: any ClientAssertionProvider) -> ClientCredentials {
            ClientCredentials(client: client, credential: .assertion(provider), clock: clock, flow: .workloadIdentity)
        }
        switch choice {
        case .userSignIn:
            throw .signInFailed("internal: the person's sign-in is not an app source")
        case let .clientSecret(secret):
            return ClientCredentials(client: client, credential: .secret(secret), clock: clock)
        case let .clientCertificate(path):
            let provider = try certificateAssertions?(path)
                ?? CertificateAssertion.from(path: path, profile: profile, environment: environment, clock: clock,
                                             storedPassword: storedPassword.map { stored in { stored(profile) } })
            return ClientCredentials(client: client, credential: .assertion(provider), clock: clock)
        case let .federatedTokenFile(path):
            return federated(FederatedTokenFile(path: path, clock: clock))
        case let .gitHubActions(url, token):
            return federated(GitHubActionsOIDC(requestURL: url, requestToken: token, http: http))
        case let .azurePipelines(uri, token, connection):
            return federated(AzurePipelinesOIDC(requestURI: uri, accessToken: token, serviceConnectionID: connection, http: http))
        case .managedIdentity:
            return ManagedIdentity(http: managedIdentityHTTP, endpoint: .from(environment: environment),
                                   identity: SourceChoice.managedIdentity(profile, environment: environment), clock: clock)
        }
    }
}

/// The engine's one source: per profile, at acquisition time (after a cache miss, so the
/// cached path reads no file and parses no environment), the person's sign-in or the app
/// source SourceChoice names.
public final class ChoosingSource: TokenSource {
    public let user: any TokenSource
    let apps: AppSources
    let environment: (String) -> String?

    /// The client secret stored for a profile (`--client-secret-stdin`), if any.
    let storedSecret: (Profile) throws(HelperError) -> String?

    public init(user: any TokenSource, apps: AppSources, environment: @escaping (String) -> String?,
                storedSecret: @escaping (Profile) throws(HelperError) -> String? = { _ in nil }) {
        self.user = user
        self.apps = apps
        self.environment = environment
        self.storedSecret = storedSecret
    }

    func source(_ profile: Profile) throws(HelperError) -> any TokenSource {
        let choice = try SourceChoice.choose(profile, environment: environment, storedSecret: { () throws(HelperError) in try storedSecret(profile) })
        return choice == .userSignIn ? user : try apps.source(choice, profile: profile)
    }

    public func acquire(_ profile: Profile, key: SignInKey, demand: TokenDemand) throws(HelperError) -> SourcedToken {
        let source = try source(profile)
        guard source === user else { return try source.acquire(profile, key: key, demand: demand) }
        // ENTRA_CREDENTIAL_HELPER_FLOW=browser or device-code picks the person's prompt too.
        var demand = demand
        let flow = try SourceChoice.flow(profile, environment: environment)
        if flow != profile.flow { demand.options.interactive.flow = flow }
        return try user.acquire(profile, key: key, demand: demand)
    }

    public func cacheIdentity(_ profile: Profile) -> String {
        SourceChoice.cacheIdentity(profile, environment: environment)
    }

    public func renew(_ profile: Profile, key: SignInKey) throws(HelperError) -> AccessToken {
        try source(profile).renew(profile, key: key)
    }

    public func state(_ profile: Profile, key: SignInKey) throws(HelperError) -> SourceState {
        try source(profile).state(profile, key: key)
    }

    /// The app sources keep nothing; the person's sign-in forgets its refresh tokens.
    public func forget(_ key: SignInKey?) throws(HelperError) {
        try user.forget(key)
    }
}
