import Foundation
import HelperCore
import Testing
@testable import EntraAuth

/// The access-token cache is keyed by who answers: a person's token is never served to the
/// same profile run as an app (ENTRA_CREDENTIAL_HELPER_FLOW), nor an app's to the person,
/// and two app identities (another certificate, another AZURE_CLIENT_ID, another managed
/// identity) never share an entry. The real engine, ChoosingSource and AppSources; only the
/// HTTP answers and the person's sign-in are fakes.
@Suite("the cache key names who answers")
struct AppCacheKeyTests {
    let http = FakeTransport()
    let clock = FakeTime()
    let cache = MemoryTokenStore()
    let user = ScriptedSource()
    let profile = Profile(name: "work", tenant: "contoso", clientID: "app-1", scopes: ["api://x/.default"])
    final class Box: @unchecked Sendable { var environment: [String: String] = [:] }
    let box = Box()

    func engine() -> SignInEngine {
        let box = self.box
        let environment: (String) -> String? = { box.environment[$0] }
        let apps = AppSources(client: EntraClient(http: http), http: http, managedIdentityHTTP: http, clock: clock,
                              environment: environment,
                              certificateAssertions: { path in FakeAssertions([fakeJWT(#"{"path":"\#(path)"}"#)]) })
        let source = ChoosingSource(user: user, apps: apps, environment: environment)
        return SignInEngine(source: source, accessTokens: cache, locker: FakeLocker(), clock: clock)
    }

    func personAnswers(_ token: String) {
        user.answers.append((AccessToken(token: token, expiresOn: clock.now + 3600, scopes: profile.scopes,
                                         account: Account(homeAccountID: "u.t", username: "ada@contoso.example", tenantID: "t")), false))
    }

    func appAnswers(_ token: String) {
        http.enqueue(200, #"{"token_type":"Bearer","expires_in":3599,"access_token":"\#(token)"}"#)
    }

    func token(_ environment: [String: String]) throws -> String {
        box.environment = environment
        return try engine().token(profile, options: AcquireOptions()).token
    }

    @Test("a person's cached token is not served to the profile run as an app, and an app's not to the person")
    func personAndApp() throws {
        personAnswers("person-token")
        #expect(try token([:]) == "person-token")
        appAnswers("app-token")
        let app = ["ENTRA_CREDENTIAL_HELPER_FLOW": "client-credentials", "AZURE_CLIENT_SECRET": "s"]
        #expect(try token(app) == "app-token")
        #expect(http.requests.count == 1)
        // Both stay cached, each for its own identity.
        #expect(try token([:]) == "person-token")
        #expect(try token(app) == "app-token")
        #expect(try token(["ENTRA_CREDENTIAL_HELPER_FLOW": "device-code"]) == "person-token")
        #expect(http.requests.count == 1 && user.demands.count == 1)
        // Workload identity for the same profile is another source: not the secret's token either.
        let federated = ["ENTRA_CREDENTIAL_HELPER_FLOW": "workload-identity", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://gh.example/x",
                         "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "rt"]
        http.enqueue(200, #"{"value":"\#(fakeJWT(#"{"aud":"api://AzureADTokenExchange"}"#))"}"#)
        appAnswers("federated-app-token")
        #expect(try token(federated) == "federated-app-token")
        // A logout of the profile drops every identity's token.
        try engine().logout(profile)
        #expect(cache.accessTokens.isEmpty)
    }

    @Test("two CI jobs on one runner never share an app token: each proves its own OIDC subject", arguments: [
        ["ENTRA_CREDENTIAL_HELPER_FLOW": "workload-identity", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://gh.example/x",
         "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "rt", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "1", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_JOB": "a"],
        ["ENTRA_CREDENTIAL_HELPER_FLOW": "workload-identity", "SYSTEM_OIDCREQUESTURI": "https://ado.example/x", "SYSTEM_ACCESSTOKEN": "st",
         "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "sc", "SYSTEM_COLLECTIONID": "c", "BUILD_BUILDID": "1", "SYSTEM_JOBID": "a"],
    ])
    func ciJobs(job: [String: String]) throws {
        let other = job.merging(["GITHUB_RUN_ID": "2", "BUILD_BUILDID": "2"].filter { job[$0.key] != nil }) { $1 }
        for (environment, answer) in [(job, "job-1-token"), (other, "job-2-token")] {
            let member = environment["SYSTEM_OIDCREQUESTURI"] == nil ? "value" : "oidcToken"
            http.enqueue(200, #"{"\#(member)":"\#(fakeJWT(#"{"aud":"api://AzureADTokenExchange"}"#))"}"#)
            appAnswers(answer)
            #expect(try token(environment) == answer)
        }
        #expect(try token(job) == "job-1-token")  // the same job again: from the cache
        #expect(http.requests.count == 4 && http.remaining == 0)
    }

    @Test("two certificates, two AZURE_CLIENT_IDs or two managed identities never share an entry")
    func appIdentities() throws {
        var certificate = ["ENTRA_CREDENTIAL_HELPER_FLOW": "client-credentials", "AZURE_CLIENT_CERTIFICATE_PATH": "/a.pem"]
        appAnswers("token-a")
        #expect(try token(certificate) == "token-a")
        certificate["AZURE_CLIENT_CERTIFICATE_PATH"] = "/b.pem"
        appAnswers("token-b")
        #expect(try token(certificate) == "token-b")
        certificate["AZURE_CLIENT_CERTIFICATE_PATH"] = "/a.pem"
        #expect(try token(certificate) == "token-a")

        // Workload identity from the environment (AKS): AZURE_CLIENT_ID names the app.
        let file = NSTemporaryDirectory() + "ech-federated-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try fakeJWT(#"{"exp":\#(clock.now + 3600)}"#).write(toFile: file, atomically: true, encoding: .utf8)
        var federated = ["AZURE_FEDERATED_TOKEN_FILE": file, "AZURE_CLIENT_ID": "wi-1"]
        appAnswers("token-wi-1")
        #expect(try token(federated) == "token-wi-1")
        federated["AZURE_CLIENT_ID"] = "wi-2"
        appAnswers("token-wi-2")
        #expect(try token(federated) == "token-wi-2")

        var managed = ["ENTRA_CREDENTIAL_HELPER_FLOW": "managed-identity", "AZURE_CLIENT_ID": "mi-1",
                       "IDENTITY_ENDPOINT": "http://127.0.0.1:1/msi/token", "IDENTITY_HEADER": "h"]
        for name in ["mi-1", "mi-2"] {
            managed["AZURE_CLIENT_ID"] = name
            http.enqueue(200, #"{"access_token":"token-\#(name)","expires_on":"\#(clock.now + 3600)","resource":"api://x","token_type":"Bearer"}"#)
            #expect(try token(managed) == "token-\(name)")
        }
        #expect(http.requests.count == 6 && http.remaining == 0)
        #expect(user.demands.isEmpty)
    }

    @Test("the person's keys are as they were (existing caches stay valid); an app's sit under the profile's digest")
    func keys() {
        let person = SignInKey(profile: profile)
        #expect(person.accessKey(scopes: ["b", "a"]) == person.digest + ":" + String(Digest.sha256Hex("a b").prefix(20)))
        let app = SignInKey(profile: profile, identity: "client-credentials|secret")
        #expect(app.digest == person.digest && app.accessKey(scopes: ["a"]).hasPrefix(person.digest + ":"))
        #expect(app.accessKey(scopes: ["a"]) != person.accessKey(scopes: ["a"]))
        #expect(SourceChoice.cacheIdentity(profile, environment: ["AZURE_CLIENT_SECRET": "the-secret"].lookup) == "client-credentials|secret")
        #expect(SourceChoice.cacheIdentity(profile, environment: { _ in nil }) == "")
    }
}

extension AppCacheKeyTests {
    @Test("an ACR token exchanged for the person is not served to the profile run as an app")
    func acrTokens() throws {
        let registry = try #require(HostRouter.Request(url: "contoso.azurecr.io"))
        var acrProfile = profile
        acrProfile.kind = .acr
        func acr(_ environment: [String: String]) throws -> String {
            box.environment = environment
            let tokens = AcrTokens(tokens: engine(), cache: cache, http: http, clock: clock, options: { AcquireOptions() })
            return try tokens.get(serverURL: "contoso.azurecr.io", registry: registry, profile: acrProfile).secret
        }
        personAnswers("person-token")
        let personACR = fakeJWT(#"{"exp":\#(clock.now + 3 * 3600),"jti":"person"}"#)
        http.enqueue(200, #"{"refresh_token":"\#(personACR)"}"#)
        #expect(try acr([:]) == personACR)
        appAnswers("app-token")
        let appACR = fakeJWT(#"{"exp":\#(clock.now + 3 * 3600),"jti":"app"}"#)
        http.enqueue(200, #"{"refresh_token":"\#(appACR)"}"#)
        #expect(try acr(["ENTRA_CREDENTIAL_HELPER_FLOW": "client-credentials", "AZURE_CLIENT_SECRET": "s"]) == appACR)
        #expect(http.requests.count == 3 && http.form(2)["access_token"] == "app-token")
        #expect(try acr([:]) == personACR)
    }
}
