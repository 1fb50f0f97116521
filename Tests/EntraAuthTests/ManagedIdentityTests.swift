import HelperCore
import Testing
@testable import EntraAuth

@Suite("managed identity: IMDS and App Service requests, back-off on the fake clock, one line when unreachable")
struct ManagedIdentityTests {
    let http = FakeTransport()
    let clock = FakeTime()
    let profile = Profile(name: "vm", tenant: "t1", clientID: "unused", scopes: ["https://management.azure.com/.default"])
    static let base = "http://127.0.0.1:40342"

    func source(_ endpoint: ManagedIdentityEndpoint = .imds(base: base), identity: ManagedIdentityID = .systemAssigned) -> ManagedIdentity {
        ManagedIdentity(http: http, endpoint: endpoint, identity: identity, clock: clock)
    }
    func acquire(_ source: ManagedIdentity) throws -> AccessToken {
        try source.acquire(profile, key: SignInKey(profile: profile), demand: TokenDemand(scopes: profile.scopes, options: AcquireOptions())).token
    }

    @Test("IMDS: GET …/oauth2/token with api-version, the resource from the scope, Metadata: true", arguments: [
        (ManagedIdentityID.systemAssigned, ""),
        (.clientID("c-1"), "&client_id=c-1"),
        (.objectID("o-1"), "&object_id=o-1"),
        (.resourceID("/subscriptions/s/rg/x"), "&msi_res_id=%2Fsubscriptions%2Fs%2Frg%2Fx"),
    ])
    func imds(identity: ManagedIdentityID, extra: String) throws {
        http.enqueue(200, #"{"access_token":"mi-token","expires_in":"3599","expires_on":"1","resource":"https://management.azure.com","token_type":"Bearer"}"#)
        let token = try acquire(source(identity: identity))
        #expect(token.token == "mi-token" && token.expiresOn == clock.now + 3599)
        let request = http.requests[0]
        #expect(request.method == "GET")
        #expect(request.url == Self.base + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com" + extra)
        #expect(request.headers.map { "\($0.name): \($0.value)" } == ["Metadata: true"])
        #expect(try source(identity: identity).state(profile, key: SignInKey(profile: profile)).identity == identity.kind)
    }

    @Test("App Service: IDENTITY_ENDPOINT with api-version 2019-08-01 and X-IDENTITY-HEADER; expires_on read")
    func appService() throws {
        http.enqueue(200, #"{"access_token":"as-token","expires_on":"\#(clock.now + 1800)","resource":"r","token_type":"Bearer"}"#)
        let endpoint = ManagedIdentityEndpoint.from(environment: ["IDENTITY_ENDPOINT": "http://127.0.0.1:41000/msi/token",
                                                                  "IDENTITY_HEADER": "h-1"].lookup)
        let token = try acquire(source(endpoint, identity: .objectID("p-1")))
        #expect(token.token == "as-token" && token.expiresOn == clock.now + 1800)
        #expect(http.requests[0].url == "http://127.0.0.1:41000/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fmanagement.azure.com&principal_id=p-1")
        #expect(http.requests[0].headers.map { "\($0.name): \($0.value)" } == ["X-IDENTITY-HEADER: h-1"])
    }

    @Test("the IMDS address: AZURE_POD_IDENTITY_AUTHORITY_HOST, else 169.254.169.254 (named, never contacted)")
    func address() {
        #expect(ManagedIdentityEndpoint.from(environment: ["AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:9/"].lookup) == .imds(base: "http://127.0.0.1:9"))
        #expect(ManagedIdentityEndpoint.from(environment: { _ in nil }) == .imds(base: "http://169.254.169.254"))
    }

    @Test("429 and 5xx are retried with exponential back-off (Retry-After when sent); the fake clock sleeps")
    func retries() throws {
        http.enqueue(429, "")
        http.enqueue(503, "")
        http.enqueue(.success(HTTPResponse(status: 500, retryAfter: 7)))
        http.enqueue(200, #"{"access_token":"late","expires_in":3600}"#)
        #expect(try acquire(source()).token == "late")
        #expect(clock.slept == [1000, 2000, 7000])
        #expect(http.requests.count == 4)
    }

    @Test("retries stop after five attempts, with one line")
    func giveUp() {
        for _ in 0..<5 { http.enqueue(500, #"{"error":"server_error","error_description":"busy"}"#) }
        #expect(throws: HelperError.managedIdentityRefused(endpoint: Self.base, status: 500, detail: "busy")) { try acquire(source()) }
        #expect(clock.slept == [1000, 2000, 4000, 8000])
    }

    @Test("400 for an unknown identity: not retried, one line naming the fix")
    func unknownIdentity() {
        http.enqueue(400, #"{"error":"invalid_request","error_description":"Identity not found"}"#)
        #expect { try acquire(source(identity: .clientID("nope"))) } throws: { error in
            guard let helper = error as? HelperError, case .managedIdentityRefused(_, 400, "Identity not found") = helper else { return false }
            return helper.message.contains("assigned to the resource")
        }
        #expect(clock.slept.isEmpty)
    }

    @Test("unreachable: one line at once, no retry")
    func unreachable() {
        http.enqueue(.failure(.timedOut("Connection timed out after 1000 milliseconds")))
        #expect { try acquire(source()) } throws: { error in
            guard let helper = error as? HelperError, case .managedIdentityUnreachable = helper else { return false }
            return helper.message.contains("no managed identity endpoint answered at http://127.0.0.1:40342")
        }
        #expect(http.requests.count == 1 && clock.slept.isEmpty)
    }

    @Test("the real transport: a closed loopback port fails within the bound as one line")
    func closedPort() {
        var transport = CurlTransport(connectTimeoutMilliseconds: 1000, totalTimeoutMilliseconds: 2000)
        transport.allowsLinkLocalHTTP = true
        let source = ManagedIdentity(http: transport, endpoint: .imds(base: "http://127.0.0.1:\(closedLoopbackPort())"),
                                     identity: .systemAssigned, clock: clock)
        #expect { try acquire(source) } throws: { error in
            guard case .managedIdentityUnreachable? = error as? HelperError else { return false }
            return true
        }
    }

    @Test("plain http to link-local addresses only when the transport allows it; never elsewhere (no I/O)", arguments: [
        ("http://169.254.169.254/metadata/identity/oauth2/token", true, true),
        ("http://169.254.129.3:8081/msi/token", true, true),
        ("http://169.254.169.254/", false, false),
        ("http://169.254.169.254.example.com/", true, false),
        ("http://user@169.254.169.254/", true, false),
        ("http://10.0.0.1/", true, false),
        ("http://169.254.1/", true, false),
        ("http://169.254.0256.1/", true, false),
        ("http://example.com/", true, false),
    ])
    func linkLocalPolicy(url: String, allowed: Bool, passes: Bool) {
        // The pure rule only: these addresses are never contacted by a test.
        let verdict = try? CurlTransport.schemePolicy(url, allowsLinkLocalHTTP: allowed)
        #expect((verdict == true) == passes)
    }
}

extension Dictionary where Key == String, Value == String {
    /// As an environment lookup.
    var lookup: (String) -> String? { { self[$0] } }
}
