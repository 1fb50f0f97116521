import EntraAuth
import Foundation
import HelperCore
import HelperProtocol
import Testing

@Suite("git tokens for routed hosts")
struct GitTokensTests {
    @Test("git ≥ 2.46 (capability[]=authtype) gets a bearer credential; older git a password")
    func answerShapes() throws {
        let h = EngineHarness()
        h.cacheAccessToken("at-cached", secondsLeft: 3600)
        let tokens = GitTokens(engine: h.engine(), options: { AcquireOptions() })
        var modern = GitCredential(protocol: "https", host: "dev.azure.com")
        modern.capability = ["authtype"]
        let bearer = try tokens.get(modern, profile: h.profile)
        #expect(bearer.capability == ["authtype"] && bearer.authtype == "Bearer" && bearer.credential == "at-cached")
        #expect(bearer.ephemeral && bearer.password == nil && bearer.username == nil)
        #expect(bearer.passwordExpiryUTC == String(h.clock.now + 3600))
        let wire = String(decoding: try GitCodec.encode(bearer), as: UTF8.self)
        for line in ["capability[]=authtype", "authtype=Bearer", "credential=at-cached", "ephemeral=1",
                     "password_expiry_utc=\(h.clock.now + 3600)"] {
            #expect(wire.split(separator: "\n").contains(Substring(line)), "\(line) missing from \(wire)")
        }

        let basic = try tokens.get(GitCredential(protocol: "https", host: "dev.azure.com"), profile: h.profile)
        #expect(basic.username == "ada@contoso.com" && basic.password == "at-cached" && basic.authtype == nil)
        var named = h.profile
        named.username = "build-agent"
        #expect(try tokens.get(GitCredential(protocol: "https", host: "dev.azure.com"), profile: named).username == "build-agent")
        #expect(h.http.requests.isEmpty)
    }

    @Test("erase drops only the token git rejected; the next get refreshes")
    func erase() throws {
        let h = EngineHarness()
        h.cacheAccessToken("at-cached", secondsLeft: 3600)
        h.storeRefreshToken("rt-old")
        let tokens = GitTokens(engine: h.engine(), options: { AcquireOptions() })
        tokens.erase(GitCredential(protocol: "https", host: "dev.azure.com", password: "someone-else"), profile: h.profile)
        #expect(try tokens.get(GitCredential(protocol: "https", host: "dev.azure.com"), profile: h.profile).password == "at-cached")
        tokens.erase(GitCredential(protocol: "https", host: "dev.azure.com", password: "at-cached"), profile: h.profile)
        h.http.enqueue(200, tokenBody(access: "at-new", refresh: "rt-new"))
        #expect(try tokens.get(GitCredential(protocol: "https", host: "dev.azure.com"), profile: h.profile).password == "at-new")
        #expect(h.http.form(0)["grant_type"] == "refresh_token")
    }

    @Test("insufficient_claims challenges", arguments: [
        (#"Bearer error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ==""#, #"{"access_token":{}}"#),
        (#"Bearer realm="", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ""#, #"{"access_token":{}}"#),
        (#"bearer claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ", error=insufficient_claims"#, #"{"access_token":{}}"#),
        (#"Bearer error="invalid_token", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ""#, nil),
        (#"Basic realm="x""#, nil),
        (#"Bearer error="insufficient_claims", claims="not base64!""#, nil),
    ] as [(String, String?)])
    func claims(_ challenge: String, _ expected: String?) {
        #expect(GitTokens.claimsChallenge([challenge]) == expected)
    }
}
