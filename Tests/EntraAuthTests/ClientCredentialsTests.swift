import Foundation
import HelperCore
import Testing
@testable import EntraAuth

/// A certificate signer stand-in: records the audiences it was asked for.
final class FakeAssertions: ClientAssertionProvider {
    var answers: [String]
    private(set) var audiences: [String] = []
    init(_ answers: [String]) { self.answers = answers }
    func assertion(audience: String) throws(HelperError) -> String {
        audiences.append(audience)
        guard !answers.isEmpty else { throw .signInFailed("no assertion") }
        return answers.removeFirst()
    }
}

/// An unsigned JWT with these claims (the sources never verify: Entra does).
func fakeJWT(_ claims: String) -> String {
    func part(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    return part(#"{"alg":"RS256","typ":"JWT"}"#) + "." + part(claims) + ".c2ln"
}

@Suite("client credentials: the grant's exact form, no refresh token kept, one line per refusal")
struct ClientCredentialsTests {
    let http = FakeTransport()
    let clock = FakeTime()
    let cache = MemoryTokenStore()
    let locker = FakeLocker()
    let profile = Profile(name: "ci", tenant: "contoso.onmicrosoft.com", clientID: "app-1", scopes: ["api://x/.default"])
    static let secret = "s3cr3t~value&with=specials"
    static let tokenEndpoint = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    static let answer = #"{"token_type":"Bearer","expires_in":3599,"access_token":"app-token","refresh_token":"never-kept"}"#

    func source(_ credential: ClientCredential, flow: Profile.Flow = .clientCredentials) -> ClientCredentials {
        ClientCredentials(client: EntraClient(http: http), credential: credential, clock: clock, flow: flow)
    }
    func engine(_ source: any TokenSource) -> SignInEngine {
        SignInEngine(source: source, accessTokens: cache, locker: locker, clock: clock)
    }

    @Test("a secret: client_id, scope, grant_type and client_secret, nothing else; cached above; no refresh token kept")
    func secretForm() throws {
        http.enqueue(200, Self.answer)
        let engine = engine(source(.secret(Self.secret)))
        let token = try engine.token(profile, options: AcquireOptions())
        #expect(token.token == "app-token" && token.expiresOn == clock.now + 3599)
        #expect(try engine.token(profile, options: AcquireOptions()).token == "app-token")
        #expect(http.requests.count == 1)
        #expect(http.requests[0].url == Self.tokenEndpoint && http.requests[0].method == "POST")
        #expect(http.form(0) == ["client_id": "app-1", "scope": "api://x/.default", "grant_type": "client_credentials",
                                 "client_secret": Self.secret])
        #expect(cache.refreshTokens.isEmpty)
        #expect(cache.accessTokens.values.map(\.token) == ["app-token"])
        let status = try engine.status(profile)
        #expect(status.flow == "client-credentials" && status.identity == "app app-1" && !status.hasRefreshToken)
    }

    @Test("an assertion: client_assertion_type jwt-bearer and client_assertion, asked for the token endpoint")
    func assertionForm() throws {
        http.enqueue(200, Self.answer)
        let assertions = FakeAssertions(["signed.jwt.here"])
        _ = try engine(source(.assertion(assertions))).token(profile, options: AcquireOptions())
        #expect(http.form(0) == ["client_id": "app-1", "scope": "api://x/.default", "grant_type": "client_credentials",
                                 "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                                 "client_assertion": "signed.jwt.here"])
        #expect(assertions.audiences == [Self.tokenEndpoint])
    }

    @Test("the scope must be one X/.default", arguments: [["User.Read"], ["api://x/.default", "api://y/.default"], ["/.default"], []])
    func scopeChecked(scopes: [String]) {
        var profile = profile
        profile.scopes = scopes
        #expect { try engine(source(.secret(Self.secret))).token(profile, options: AcquireOptions()) } throws: { error in
            guard case let .usage(text) = error as? HelperError else { return false }
            return text.contains("one scope ending in /.default")
        }
        #expect(http.requests.isEmpty)
    }

    @Test("Entra's refusals: one line naming the fix, never the secret", arguments: [
        (700016, "invalid_client", "check the client id (AZURE_CLIENT_ID)"),
        (7000215, "invalid_client", "check the client secret"),
        (700027, "invalid_client", "register the certificate on the app"),
        (70021, "invalid_request", "add a federated identity credential"),
        (700024, "invalid_client", "check this machine's clock"),
    ])
    func refusals(code: Int, error: String, fix: String) {
        http.enqueue(401, #"{"error":"\#(error)","error_description":"AADSTS\#(code): refused.\r\nTrace ID: x","error_codes":[\#(code)]}"#)
        #expect { try engine(source(.secret(Self.secret))).token(profile, options: AcquireOptions()) } throws: { thrown in
            guard let helper = thrown as? HelperError, case let .appSignInRejected(_, got, _) = helper else { return false }
            let message = helper.message
            return got == code && message.contains("AADSTS\(code): refused.") && message.contains(fix)
                && !message.contains(Self.secret) && !message.contains("\n")
        }
        #expect(cache.accessTokens.isEmpty)
    }

    @Test("a server fault is a network line and keeps nothing")
    func transient() {
        http.enqueue(503, #"{"error":"temporarily_unavailable","error_description":"AADSTS90033: busy"}"#)
        #expect { try engine(source(.secret(Self.secret))).token(profile, options: AcquireOptions()) } throws: { error in
            guard case .network? = error as? HelperError else { return false }
            return true
        }
    }
}
