import Foundation
import HelperCore
import Testing
@testable import EntraAuth

@Suite("token models")
struct TokenModelTests {
    static let account = Account(homeAccountID: "oid.tid", username: "ada@contoso.com", tenantID: "tid")

    @Test("AccessToken serialization round trip")
    func accessTokenRoundTrip() throws {
        let token = AccessToken(token: "eyJ0eXAi.payload.sig", expiresOn: 1_800_003_600,
                                scopes: ["https://graph.microsoft.com/.default", "openid"], account: Self.account)
        let text = token.serialized()
        #expect(text.hasPrefix("v1\n1800003600\noid.tid\nada@contoso.com\ntid\n"))
        #expect(text.hasSuffix("\neyJ0eXAi.payload.sig"))
        #expect(AccessToken(serialized: text) == token)
        let empty = AccessToken(token: "t", expiresOn: 5, scopes: [], account: Account(homeAccountID: "", username: "", tenantID: ""))
        #expect(AccessToken(serialized: empty.serialized()) == empty)
    }

    @Test("AccessToken rejects garbage", arguments: [
        "", "garbage", "v1", "v2\n1\na\nb\nc\ns\ntoken", "v1\nsoon\na\nb\nc\ns\ntoken", "v1\n1\na\nb\nc\ns\n",
        "v1\n1\na\nb\nc\ns", "v1\n1\na\nb\nc\ns\ntoken\nextra",
    ])
    func garbage(text: String) {
        #expect(AccessToken(serialized: text) == nil)
    }

    @Test("TokenResponse: expires_in as a number or a string", arguments: [3599 as Int64, 1])
    func expiresIn(seconds: Int64) throws {
        for value in [seconds as Any, String(seconds) as Any] {
            let body = tokenBody(access: "at", expiresIn: value, refresh: "rt", scope: "a b", clientInfo: nil)
            let response = try TokenResponse(json: Array(body.utf8), now: 1000, requestedScopes: ["x"], previous: nil)
            #expect(response.accessToken.expiresOn == 1000 + seconds)
            #expect(response.accessToken.token == "at")
            #expect(response.accessToken.scopes == ["a", "b"])
            #expect(response.refreshToken == "rt")
            #expect(response.accessToken.account == Account(homeAccountID: "oid-1.tid-1", username: "ada@contoso.com", tenantID: "tid-1"))
        }
    }

    @Test("TokenResponse refuses answers without a usable access token or lifetime", arguments: [
        (#"{"expires_in":3600}"#, "no access_token"),
        (#"{"access_token":"","expires_in":3600}"#, "no access_token"),
        (#"{"access_token":"at"}"#, "no expires_in"),
        (#"{"access_token":"at","expires_in":0}"#, "expires_in is not a positive number"),
        (#"{"access_token":"at","expires_in":"soon"}"#, "no expires_in"),
    ])
    func refused(body: String, detail: String) {
        #expect(throws: HelperError.badTokenResponse(detail)) {
            try TokenResponse(json: Array(body.utf8), now: 0, requestedScopes: [], previous: nil)
        }
    }

    @Test("TokenResponse refuses non-JSON")
    func notJSON() {
        let error = #expect(throws: HelperError.self) {
            try TokenResponse(json: Array("<html>".utf8), now: 0, requestedScopes: [], previous: nil)
        }
        guard case let .badTokenResponse(detail)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(detail.hasPrefix("not JSON"))
    }

    @Test("client_info sets the home account id; the id token the name and tenant")
    func clientInfo() throws {
        let body = tokenBody(access: "at", username: "bob@fabrikam.com", oid: "o", tid: "t", clientInfo: ("u", "ut"))
        let response = try TokenResponse(json: Array(body.utf8), now: 0, requestedScopes: ["s1", "s2"], previous: nil)
        #expect(response.accessToken.account == Account(homeAccountID: "u.ut", username: "bob@fabrikam.com", tenantID: "t"))
        #expect(response.accessToken.scopes == ["s1", "s2"])
        #expect(response.refreshToken == nil)
    }

    @Test("without an id token the previous account is kept")
    func previousAccount() throws {
        let body = #"{"access_token":"at","expires_in":60,"refresh_token":""}"#
        let response = try TokenResponse(json: Array(body.utf8), now: 10, requestedScopes: ["s"], previous: Self.account)
        #expect(response.accessToken.account == Self.account)
        #expect(response.refreshToken == nil)
        #expect(response.accessToken.expiresOn == 70)
    }

    @Test("claims(ofJWT:) reads the payload and refuses non-JWTs")
    func jwtClaims() {
        let jwt = unsignedJWT(["preferred_username": "ada@contoso.com", "tid": "t"])
        #expect(TokenResponse.claims(ofJWT: jwt)?["preferred_username"]?.stringValue == "ada@contoso.com")
        #expect(TokenResponse.claims(ofJWT: "a.b") == nil)
        #expect(TokenResponse.claims(ofJWT: "a.!!!.c") == nil)
    }

    @Test("DeviceCode: fields, defaults, and a message without control characters")
    func deviceCode() throws {
        let body = jsonText(["device_code": "dc", "user_code": "ABCD-EFGH", "verification_uri": "https://microsoft.com/devicelogin",
                             "expires_in": "600", "interval": 0,
                             "message": "Open\u{1B}]0;owned\u{07} the page\r\n and enter ABCD-EFGH\u{7F}\u{85}."])
        let code = try DeviceCode(json: Array(body.utf8))
        #expect(code.deviceCode == "dc" && code.userCode == "ABCD-EFGH")
        #expect(code.expiresIn == 600)
        #expect(code.interval == 1)
        #expect(code.safeMessage == "Open]0;owned the page and enter ABCD-EFGH.")
        #expect(code.message.contains("\u{1B}"))

        let minimal = try DeviceCode(json: Array(#"{"device_code":"d","user_code":"U","verification_url":"https://v"}"#.utf8))
        #expect(minimal.interval == 5 && minimal.expiresIn == 900)
        #expect(minimal.safeMessage == "To sign in, use a web browser to open the page https://v and enter the code U to authenticate.")
        #expect(throws: HelperError.self) { try DeviceCode(json: Array(#"{"device_code":"d"}"#.utf8)) }
    }
}
