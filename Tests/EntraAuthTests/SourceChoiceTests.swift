import HelperCore
import SecretStore
import Testing
@testable import EntraAuth

@Suite("which source serves a profile")
struct SourceChoiceTests {
    static let named = Profile(name: "work", tenant: "t", clientID: "c", scopes: ["api://x/.default"])
    static let fromEnvironment = Profile(name: ProfileResolver.environmentProfile, tenant: "t", clientID: "c", scopes: ["api://x/.default"])

    static let configured: Profile = {
        var profile = named
        profile.certificatePath = "/etc/ci/app.pem"
        profile.serviceConnectionID = "sc-profile"
        return profile
    }()

    /// A person's preset: a Microsoft public client id, which no app secret belongs to.
    static let preset: Profile = (try? Preset.azureDevOps.profile(name: "ado")) ?? named

    struct Row: Sendable, CustomTestStringConvertible {
        let flow: Profile.Flow
        let environment: [String: String]
        let profile: Profile
        let expected: SourceChoice?
        init(_ flow: Profile.Flow, _ environment: [String: String], _ expected: SourceChoice?, profile: Profile = SourceChoiceTests.named) {
            self.flow = flow
            self.environment = environment
            self.expected = expected
            self.profile = profile
        }
        var testDescription: String { "\(flow.rawValue) \(environment.keys.sorted())" }
    }

    static let rows: [Row] = [
        Row(.auto, [:], .userSignIn),
        Row(.paste, ["AZURE_CLIENT_SECRET": "s", "AZURE_CLIENT_ID": "app"], .userSignIn),
        Row(.auto, ["AZURE_FEDERATED_TOKEN_FILE": "/var/run/t", "AZURE_CLIENT_SECRET": "s"], .federatedTokenFile(path: "/var/run/t")),
        Row(.auto, ["AZURE_CLIENT_SECRET": "s", "AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem"], .clientSecret("s")),
        Row(.auto, ["AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem"], .clientCertificate(path: "/c.pem")),
        Row(.auto, ["CLIENT_SECRET": "lokka"], .userSignIn),
        Row(.auto, ["CLIENT_SECRET": "lokka"], .clientSecret("lokka"), profile: fromEnvironment),
        Row(.auto, ["IDENTITY_ENDPOINT": "http://x", "IDENTITY_HEADER": "h", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://gh"], .userSignIn),
        Row(.browser, ["AZURE_CLIENT_SECRET": "s"], .userSignIn),
        Row(.deviceCode, ["AZURE_FEDERATED_TOKEN_FILE": "/t"], .userSignIn),
        Row(.auto, ["ENTRA_CREDENTIAL_HELPER_FLOW": "browser", "AZURE_CLIENT_SECRET": "s"], .userSignIn),
        Row(.browser, ["ENTRA_CREDENTIAL_HELPER_FLOW": "client-credentials", "AZURE_CLIENT_SECRET": "s"], .clientSecret("s")),
        Row(.browser, ["ENTRA_CREDENTIAL_HELPER_FLOW": "managed-identity"], .managedIdentity),
        Row(.clientCredentials, [:], nil),
        Row(.clientCredentials, ["AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem"], .clientCertificate(path: "/c.pem")),
        Row(.workloadIdentity, ["ACTIONS_ID_TOKEN_REQUEST_URL": "https://gh/x?a=1", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "rt"],
            .gitHubActions(requestURL: "https://gh/x?a=1", requestToken: "rt")),
        Row(.workloadIdentity, ["ACTIONS_ID_TOKEN_REQUEST_URL": "https://gh/x?a=1"], nil),
        Row(.workloadIdentity, ["SYSTEM_OIDCREQUESTURI": "https://ado/x", "SYSTEM_ACCESSTOKEN": "st", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "sc"],
            .azurePipelines(requestURI: "https://ado/x", accessToken: "st", serviceConnectionID: "sc")),
        Row(.workloadIdentity, ["SYSTEM_OIDCREQUESTURI": "https://ado/x", "SYSTEM_ACCESSTOKEN": "st"], nil),
        Row(.workloadIdentity, [:], nil),
        Row(.managedIdentity, ["AZURE_CLIENT_SECRET": "s"], .managedIdentity),
        Row(.auto, [:], .clientCertificate(path: "/etc/ci/app.pem"), profile: configured),
        Row(.auto, ["AZURE_CLIENT_CERTIFICATE_PATH": "/env.pem"], .clientCertificate(path: "/env.pem"), profile: configured),
        Row(.workloadIdentity, ["SYSTEM_OIDCREQUESTURI": "https://ado/x", "SYSTEM_ACCESSTOKEN": "st", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "sc"],
            .azurePipelines(requestURI: "https://ado/x", accessToken: "st", serviceConnectionID: "sc-profile"), profile: configured),
        // auto on a person's preset: another tool's exported secret, certificate or token
        // file does not make it an app unless AZURE_CLIENT_ID names the app.
        Row(.auto, ["AZURE_CLIENT_SECRET": "s"], .userSignIn, profile: preset),
        Row(.auto, ["AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem"], .userSignIn, profile: preset),
        Row(.auto, ["AZURE_FEDERATED_TOKEN_FILE": "/t"], .userSignIn, profile: preset),
        Row(.auto, ["AZURE_FEDERATED_TOKEN_FILE": "/t", "AZURE_CLIENT_ID": "app"], .federatedTokenFile(path: "/t"), profile: preset),
        Row(.auto, ["AZURE_CLIENT_SECRET": "s", "AZURE_CLIENT_ID": "app"], .clientSecret("s"), profile: preset),
        Row(.clientCredentials, ["AZURE_CLIENT_SECRET": "s"], .clientSecret("s"), profile: preset),
        Row(.auto, ["ENTRA_CREDENTIAL_HELPER_FLOW": "bogus"], nil),
        Row(.auto, ["ENTRA_CREDENTIAL_HELPER_FLOW": "", "AZURE_CLIENT_SECRET": ""], .userSignIn),
    ]

    @Test("the flow and the environment pick the source", arguments: rows)
    func choice(row: Row) {
        var profile = row.profile
        profile.flow = row.flow
        let chosen = try? SourceChoice.choose(profile, environment: row.environment.lookup)
        #expect(chosen == row.expected)
        if row.expected == nil {
            #expect(throws: HelperError.self) { try SourceChoice.choose(profile, environment: row.environment.lookup) }
        }
    }

    @Test("a refusal names the fix and no secret")
    func missingLines() {
        var profile = Self.named
        profile.flow = .workloadIdentity
        #expect { try SourceChoice.choose(profile, environment: ["ACTIONS_ID_TOKEN_REQUEST_URL": "https://gh"].lookup) } throws: { error in
            (error as? HelperError)?.message.contains("id-token: write") ?? false
        }
    }

    @Test("the managed identity: AZURE_CLIENT_ID's user-assigned one, else the profile's, else system-assigned")
    func identity() {
        var profile = Self.named
        #expect(SourceChoice.managedIdentity(profile, environment: { _ in nil }) == .systemAssigned)
        profile.managedIdentity = .resourceID("/r")
        #expect(SourceChoice.managedIdentity(profile, environment: { _ in nil }) == .resourceID("/r"))
        #expect(SourceChoice.managedIdentity(profile, environment: ["AZURE_CLIENT_ID": "c9"].lookup) == .clientID("c9"))
    }

    @Test("ChoosingSource: the person's sign-in for auto, the app source for a secret; status names the flow")
    func choosing() throws {
        let http = FakeTransport()
        let clock = FakeTime()
        let user = ScriptedSource()
        var environment = ["AZURE_CLIENT_SECRET": "s"]
        let apps = AppSources(client: EntraClient(http: http), http: http, managedIdentityHTTP: http, clock: clock, environment: { environment[$0] })
        let source = ChoosingSource(user: user, apps: apps, environment: { environment[$0] })
        let key = SignInKey(profile: Self.named)
        #expect(try source.state(Self.named, key: key).flow == "client-credentials")
        environment = [:]
        #expect(try source.state(Self.named, key: key).store == "scripted")
        // A certificate makes the certificate's client-credentials source (its file is read
        // on acquisition only), and the person's sign-in is not asked.
        environment = ["AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem"]
        let state = try source.state(Self.named, key: key)
        #expect(state.flow == "client-credentials" && state.identity == "app c" && state.store != "scripted")
    }
}

extension SourceChoiceTests {
    @Test("ENTRA_CREDENTIAL_HELPER_FLOW=device-code reaches the person's sign-in as its prompt flow")
    func overrideReachesPrompt() throws {
        let http = FakeTransport()
        let user = ScriptedSource()
        let clock = FakeTime()
        user.answers = [(AccessToken(token: "t", expiresOn: clock.now + 3600, scopes: Self.named.scopes,
                                     account: Account(homeAccountID: "", username: "", tenantID: "")), false)]
        let environment = ["ENTRA_CREDENTIAL_HELPER_FLOW": "device-code"]
        let apps = AppSources(client: EntraClient(http: http), http: http, managedIdentityHTTP: http, clock: clock, environment: environment.lookup)
        let source = ChoosingSource(user: user, apps: apps, environment: environment.lookup)
        _ = try source.acquire(Self.named, key: SignInKey(profile: Self.named), demand: TokenDemand(scopes: Self.named.scopes, options: AcquireOptions()))
        #expect(user.demands.map(\.options.interactive.flow) == [.deviceCode])
        #expect(http.requests.isEmpty)
    }
}

@Suite("the stored client secret")
struct ClientSecretsTests {
    @Test("stored under its own schema, keyed by authority, tenant and client id; the secret only in the payload")
    func storage() throws {
        let store = MemoryStore()
        let secrets = ClientSecrets(store: store)
        let key = SignInKey(profile: SourceChoiceTests.named)
        try secrets.save("the-secret", key: key, profile: "work")
        #expect(try secrets.load(key) == "the-secret")
        let items = try store.search(["xdg:schema": ClientSecrets.schema])
        #expect(items.count == 1)
        #expect(items.allSatisfy { !$0.attributes.values.contains { $0.contains("the-secret") } && !$0.label.contains("the-secret") })
        #expect(items.first?.attributes == ["xdg:schema": ClientSecrets.schema, "authority": key.authorityHost, "tenant": "t", "client_id": "c"])
        try secrets.remove(key)
        #expect(try secrets.load(key) == nil)
    }

    @Test("looked for only on a client-credentials profile, after the environment; auto never asks the Secret Service")
    func onlyWhenAsked() throws {
        var asked = 0
        let stored: () throws(HelperError) -> String? = { asked += 1; return "stored" }
        var profile = SourceChoiceTests.named
        #expect(try SourceChoice.choose(profile, environment: { _ in nil }, storedSecret: stored) == .userSignIn)
        #expect(asked == 0)
        profile.flow = .clientCredentials
        #expect(try SourceChoice.choose(profile, environment: ["AZURE_CLIENT_SECRET": "env"].lookup, storedSecret: stored) == .clientSecret("env"))
        #expect(asked == 0)
        #expect(try SourceChoice.choose(profile, environment: { _ in nil }, storedSecret: stored) == .clientSecret("stored"))
        #expect(asked == 1)
    }
}
