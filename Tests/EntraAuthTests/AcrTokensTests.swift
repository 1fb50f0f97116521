import EntraAuth
import Foundation
import HelperCore
import HelperProtocol
import Testing

@Suite("ACR tokens for routed registries")
struct AcrTokensTests {
    static let registry = HostRouter.Request(url: "contoso.azurecr.io")!

    func acrToken(_ h: EngineHarness, secondsLeft: Int64, id: String = "1") -> String {
        unsignedJWT(["exp": h.clock.now + secondsLeft, "jti": id, "grant_type": "refresh_token"])
    }

    @Test("get exchanges the Entra token at https://REGISTRY/oauth2/exchange and caches the ACR token")
    func exchange() throws {
        let h = EngineHarness()
        h.cacheAccessToken("entra-at", secondsLeft: 3600)
        let tokens = h.acrTokens()
        let acr = acrToken(h, secondsLeft: 3 * 3600)
        h.http.enqueue(200, jsonText(["refresh_token": acr]))
        let answer = try tokens.get(serverURL: "contoso.azurecr.io", registry: Self.registry, profile: h.profile)
        #expect(answer == DockerCredentials(serverURL: "contoso.azurecr.io", username: "00000000-0000-0000-0000-000000000000", secret: acr))
        let request = try #require(h.http.requests.first)
        #expect(request.method == "POST" && request.url == "https://contoso.azurecr.io/oauth2/exchange")
        #expect(h.http.form(0) == ["grant_type": "access_token", "service": "contoso.azurecr.io", "tenant": "tid-1",
                                   "access_token": "entra-at"])
        // Cached: the second get makes no request, until 5 minutes before the ACR token's exp.
        #expect(try tokens.get(serverURL: "https://contoso.azurecr.io", registry: Self.registry, profile: h.profile).secret == acr)
        #expect(h.http.requests.count == 1)
        h.clock.now += 3 * 3600 - 299
        let renewed = acrToken(h, secondsLeft: 3 * 3600, id: "2")
        h.http.enqueue(200, jsonText(["refresh_token": renewed]))
        h.cacheAccessToken("entra-at-2", secondsLeft: 3600)
        #expect(try tokens.get(serverURL: "contoso.azurecr.io", registry: Self.registry, profile: h.profile).secret == renewed)
        #expect(h.http.requests.count == 2 && h.http.form(1)["access_token"] == "entra-at-2")
    }

    @Test("the exchange names the Entra token's own tenant (tid), not the account's: a managed identity's account has the profile's")
    func tenantOfTheToken() throws {
        let h = EngineHarness()
        let entra = unsignedJWT(["tid": "tid-of-the-token", "aud": "https://containerregistry.azure.net"])
        h.cacheAccessToken(entra, secondsLeft: 3600)
        h.http.enqueue(200, jsonText(["refresh_token": acrToken(h, secondsLeft: 3 * 3600)]))
        _ = try h.acrTokens().get(serverURL: "contoso.azurecr.io", registry: Self.registry, profile: h.profile)
        #expect(h.http.form(0)["tenant"] == "tid-of-the-token")
    }

    @Test("a loopback registry: https first, with its port in the service name; http only when the server there does not speak TLS", arguments: [
        // What https gave, then what http gave (nil: no http try), and the expected secret or error.
        (Result<HTTPResponse, HTTPFault>.success(HTTPResponse(status: 200, body: Array(#"{"refresh_token":"over-https"}"#.utf8))),
         nil as Result<HTTPResponse, HTTPFault>?, "over-https"),
        (.failure(.notTLS("OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number")),
         .success(HTTPResponse(status: 200, body: Array(#"{"refresh_token":"over-http"}"#.utf8))), "over-http"),
        (.failure(.notTLS("wrong version number")), .failure(.network("Empty reply from server")),
         "could not reach 127.0.0.1:5000 (wrong version number)"),
        // A TLS server answered (a tunnel to the real registry, say): the token never goes in clear.
        (.failure(.noConnection("SSL certificate problem: self-signed certificate")), nil,
         "could not reach 127.0.0.1:5000 (SSL certificate problem: self-signed certificate)"),
        (.failure(.noConnection("SSL: no alternative certificate subject name matches target host name '127.0.0.1'")), nil,
         "no alternative certificate subject name"),
        (.failure(.noConnection("OpenSSL/3.0.19: error:0A000410:SSL routines::sslv3 alert handshake failure")), nil,
         "alert handshake failure"),
        // Nothing listens: http would be refused too.
        (.failure(.noConnection("Failed to connect to 127.0.0.1 port 5000 after 0 ms: Couldn't connect to server")), nil,
         "Couldn't connect to server"),
        (.success(HTTPResponse(status: 404, body: Array("404 page not found".utf8))), nil, "has no ACR token exchange (HTTP 404"),
        (.failure(.network("Recv failure: Connection reset by peer")), nil, "Recv failure: Connection reset by peer"),
        (.failure(.timedOut("Operation timed out")), nil, "timed out"),
    ])
    func loopback(https: Result<HTTPResponse, HTTPFault>, http: Result<HTTPResponse, HTTPFault>?, expected: String) throws {
        let h = EngineHarness()
        h.cacheAccessToken("entra-at", secondsLeft: 3600)
        h.http.enqueue(https)
        if let http { h.http.enqueue(http) }
        let registry = try #require(HostRouter.Request(url: "127.0.0.1:5000"))
        let outcome = Result { () throws(HelperError) in
            try h.acrTokens()
                .get(serverURL: "127.0.0.1:5000", registry: registry, profile: h.profile)
        }
        switch outcome {
        case let .success(answer): #expect(answer.secret == expected)
        case let .failure(error): #expect(error.message.contains(expected), "\(error.message)")
        }
        let urls = h.http.requests.map(\.url)
        #expect(urls == ["https://127.0.0.1:5000/oauth2/exchange"] + (http == nil ? [] : ["http://127.0.0.1:5000/oauth2/exchange"]))
        #expect(h.http.form(0)["service"] == "127.0.0.1:5000" && h.http.remaining == 0)
    }

    @Test("a registry that is not loopback never gets http, whatever https did")
    func noHTTPBeyondLoopback() throws {
        let h = EngineHarness()
        h.cacheAccessToken("entra-at", secondsLeft: 3600)
        h.http.enqueue(.failure(.notTLS("wrong version number")))
        #expect(throws: HelperError.network(host: "contoso.azurecr.io", detail: "wrong version number")) {
            try h.acrTokens()
                .get(serverURL: "contoso.azurecr.io", registry: Self.registry, profile: h.profile)
        }
        #expect(h.http.requests.map(\.url) == ["https://contoso.azurecr.io/oauth2/exchange"])
    }

    @Test("erase drops the cached ACR token; the sign-in stays and the next get exchanges again")
    func erase() throws {
        let h = EngineHarness()
        h.cacheAccessToken("entra-at", secondsLeft: 3600)
        h.storeRefreshToken("rt")
        let tokens = h.acrTokens()
        h.http.enqueue(200, jsonText(["refresh_token": acrToken(h, secondsLeft: 10800)]))
        _ = try tokens.get(serverURL: "contoso.azurecr.io", registry: Self.registry, profile: h.profile)
        tokens.erase(registry: Self.registry, profile: h.profile)
        h.http.enqueue(200, jsonText(["refresh_token": acrToken(h, secondsLeft: 10800, id: "2")]))
        _ = try tokens.get(serverURL: "contoso.azurecr.io", registry: Self.registry, profile: h.profile)
        #expect(h.http.requests.map(\.url) == Array(repeating: "https://contoso.azurecr.io/oauth2/exchange", count: 2))
        #expect(h.refreshStore.load(h.key, username: nil)?.token == "rt")
    }

    @Test("a 401 for a cached Entra token is retried once with a refreshed one")
    func retryAfter401() throws {
        let h = EngineHarness()
        h.cacheAccessToken("entra-stale", secondsLeft: 3600)
        h.storeRefreshToken("rt")
        h.http.enqueue(401, #"{"errors":[{"code":"UNAUTHORIZED","message":"token revoked"}]}"#)
        h.http.enqueue(200, tokenBody(access: "entra-fresh", refresh: "rt-2"))
        h.http.enqueue(200, jsonText(["refresh_token": "acr"]))
        let answer = try h.acrTokens()
            .get(serverURL: "contoso.azurecr.io", registry: Self.registry, profile: h.profile)
        #expect(answer.secret == "acr")
        #expect(h.http.form(1)["grant_type"] == "refresh_token" && h.http.form(2)["access_token"] == "entra-fresh")
    }

    @Test("exchange failures become one line naming the fix", arguments: [
        (401, #"{"errors":[{"code":"UNAUTHORIZED","message":"not allowed"}]}"#, "refused the Entra token of profile work (HTTP 401: UNAUTHORIZED: not allowed)"),
        (404, "404 page not found", "has no ACR token exchange (HTTP 404 at /oauth2/exchange)"),
        (400, #"{"errors":[{"code":"UNSUPPORTED","message":"bad\nservice"}]}"#, "could not exchange the Entra token (HTTP 400: UNSUPPORTED: badservice)"),
        (200, "{}", "(HTTP 200: no refresh_token in the answer)"),
    ])
    func failures(_ status: Int, _ body: String, _ expected: String) throws {
        let h = EngineHarness()
        h.cacheAccessToken("entra-at", secondsLeft: 3600)
        h.storeRefreshToken("rt")
        h.http.enqueue(status, body)
        if status == 401 {  // the retry with a refreshed token is refused too
            h.http.enqueue(200, tokenBody(access: "entra-fresh", refresh: "rt-2"))
            h.http.enqueue(status, body)
        }
        let tokens = h.acrTokens()
        do {
            _ = try tokens.get(serverURL: "contoso.azurecr.io", registry: Self.registry, profile: h.profile)
            Issue.record("no error")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("entra-at") && !error.message.contains("\n"))
        }
        #expect(h.http.remaining == 0)
    }

    @Test("a network fault names the registry and keeps the sign-in")
    func networkFault() throws {
        let h = EngineHarness()
        h.cacheAccessToken("entra-at", secondsLeft: 3600)
        h.storeRefreshToken("rt")
        h.http.enqueue(.failure(.network("Could not resolve host")))
        #expect(throws: HelperError.network(host: "contoso.azurecr.io", detail: "Could not resolve host")) {
            try h.acrTokens()
                .get(serverURL: "contoso.azurecr.io", registry: Self.registry, profile: h.profile)
        }
        #expect(h.refreshStore.load(h.key, username: nil)?.token == "rt")
    }

    @Test("which routed hosts are registries, and which list shows", arguments: [
        ("contoso.azurecr.io", Profile.Kind.generic, true), ("contoso.azurecr.us", .generic, true),
        ("contoso.azurecr.cn.", .generic, true), ("registry.example", .acr, true),
        ("registry.example", .generic, false), ("azurecr.io.evil.example", .generic, false),
    ])
    func registries(_ host: String, _ kind: Profile.Kind, _ expected: Bool) {
        var profile = Profile(name: "p", tenant: "t", clientID: "c", scopes: [])
        profile.kind = kind
        #expect(AcrTokens.isRegistry(host: host, profile: profile) == expected)
    }

    @Test("list shows the exact hosts of registry profiles, not wildcards or git hosts")
    func listed() throws {
        var acr = try Preset.acr.profile(name: "acr")
        acr.hosts += [try HostPattern(parsing: "contoso.azurecr.io"), try HostPattern(parsing: "127.0.0.1:5000")]
        let git = try Preset.azureDevOps.profile(name: "ado")
        #expect(AcrTokens.listed(profiles: [acr, git]).sorted() == ["127.0.0.1:5000", "contoso.azurecr.io"])
    }
}
