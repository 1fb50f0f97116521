import HelperCore
import Testing
@testable import EntraAuth

@Suite("PKCE and requests")
struct PKCEAndRequestTests {
    @Test("RFC 7636 appendix B vector")
    func rfc7636() {
        #expect(PKCE.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test("fresh verifiers are 43 base64url characters and differ")
    func freshVerifiers() throws {
        let a = try PKCE(), b = try PKCE()
        #expect(a.verifier.count == 43 && b.verifier.count == 43 && a.verifier != b.verifier)
        #expect(a.verifier.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(Base64URL.decode(a.verifier)?.count == 32)
    }

    @Test("base64url", arguments: [([UInt8](), ""), ([0xFB, 0xFF], "-_8"), (Array("hello".utf8), "aGVsbG8")])
    func base64url(bytes: [UInt8], text: String) {
        #expect(Base64URL.encode(bytes) == text)
        #expect(Base64URL.decode(text) == bytes)
    }

    @Test("the authorize URL carries every parameter, escaped")
    func authorizeURL() throws {
        var request = AuthorizeRequest(
            authority: try Authority(host: "https://login.microsoftonline.com/", tenant: "contoso.onmicrosoft.com"),
            clientID: "872cd9fa-d31f-45e0-9eab-6e460a02d1f1",
            scopes: ["499b84ac-1321-427f-aa17-267ca6975798/.default"], redirectURI: "http://localhost:51234",
            state: "st&ate=x", nonce: "n", pkce: PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
        request.prompt = "select_account"
        request.loginHint = "ada@contoso.com"
        request.claims = #"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#
        let url = request.url
        #expect(url.hasPrefix("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?client_id=872cd9fa-d31f-45e0-9eab-6e460a02d1f1&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A51234&response_mode=query&scope=499b84ac-1321-427f-aa17-267ca6975798%2F.default%20openid%20profile%20offline_access&state=st%26ate%3Dx&nonce=n&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"))
        let query = FormEncoding.decode(String(url.split(separator: "?", maxSplits: 1)[1]))
        #expect(query.first { $0.0 == "state" }?.1 == "st&ate=x")
        #expect(query.first { $0.0 == "login_hint" }?.1 == "ada@contoso.com")
        #expect(query.first { $0.0 == "claims" }?.1 == request.claims)
        #expect(query.first { $0.0 == "prompt" }?.1 == "select_account")
    }

    @Test("extra scopes to consent ride in the authorize scope, never in a parameter of their own; the code is redeemed for the requested scopes only")
    func extraScopesToConsent() throws {
        var request = AuthorizeRequest(
            authority: try Authority(host: Authority.publicCloud, tenant: "organizations"), clientID: "c",
            scopes: ["api://a/.default"], redirectURI: "http://localhost:51234", state: "s", nonce: "n",
            pkce: PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
        request.extraScopesToConsent = ["api://b/.default", "api://a/.default", "offline_access", "https://c/x.read"]
        let query = FormEncoding.decode(String(request.url.split(separator: "?", maxSplits: 1)[1]))
        #expect(query.map(\.0) == ["client_id", "response_type", "redirect_uri", "response_mode", "scope", "state", "nonce",
                                   "code_challenge", "code_challenge_method"])
        #expect(query.first { $0.0 == "scope" }?.1
            == "api://a/.default api://b/.default offline_access https://c/x.read openid profile")
        let redeem = FormEncoding.decode(TokenRequest.authorizationCode(
            clientID: "c", code: "k", redirectURI: "http://localhost:51234", verifier: "v", scopes: request.scopes, claims: nil))
        #expect(redeem.first { $0.0 == "scope" }?.1 == "api://a/.default openid profile offline_access")
    }

    @Test("authority hosts: https anywhere, http only to loopback", arguments: [
        ("https://login.microsoftonline.us", true), ("https://login.chinacloudapi.cn", true),
        ("http://127.0.0.1:8400", true), ("http://localhost:8400", true), ("http://[::1]:8400", true),
        ("http://login.microsoftonline.com", false), ("http://127.0.0.1.evil.com", false),
        ("http://evil.com@127.0.0.1", false), ("http://10.0.0.1", false), ("ftp://x", false),
    ])
    func authority(host: String, allowed: Bool) {
        #expect(((try? Authority(host: host, tenant: "common")) != nil) == allowed)
    }

    @Test("token request bodies")
    func tokenBodies() {
        #expect(TokenRequest.refresh(clientID: "c", refreshToken: "r+t/=", scopes: ["s/.default"], claims: nil)
            == "client_id=c&grant_type=refresh_token&refresh_token=r%2Bt%2F%3D&scope=s%2F.default%20openid%20profile%20offline_access")
        #expect(TokenRequest.deviceCodePoll(clientID: "c", deviceCode: "d")
            == "client_id=c&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=d")
        #expect(TokenRequest.authorizationCode(clientID: "c", code: "k", redirectURI: "http://localhost:1", verifier: "v",
                                               scopes: [], claims: "{}").hasSuffix("&claims=%7B%7D"))
    }

    @Test("presets", arguments: Preset.allCases)
    func presets(preset: Preset) throws {
        let profile = try preset.profile(name: "p", tenant: "contoso.com")
        #expect(profile.scopes == preset.scopes && profile.clientID == preset.clientID)
        #expect(profile.hosts.map(\.description) == preset.hostPatterns)
        #expect(try preset.profile(name: "p", clientID: "mine").clientID == "mine")
    }

    @Test("port ranges", arguments: [("8400", 8400...8400), ("49152-65535", 49152...65535)])
    func ports(text: String, range: ClosedRange<Int>) throws {
        #expect(try Profile.parsePorts(text) == range)
    }

    @Test("bad port ranges", arguments: ["0", "9-8", "1-70000", "a-b", "1-2-3", ""])
    func badPorts(text: String) {
        #expect(throws: HelperError.invalidPortRange(text)) { try Profile.parsePorts(text) }
    }
}
