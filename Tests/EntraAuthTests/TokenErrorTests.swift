import HelperCore
import Testing
@testable import EntraAuth

@Suite("Entra error answers")
struct TokenErrorTests {
    static func body(_ error: String, _ code: Int, claims: String? = nil) -> [UInt8] {
        var text = #"{"error":"\#(error)","error_description":"AADSTS\#(code): Something happened.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2026-11-21 12:00:00Z","error_codes":[\#(code)],"timestamp":"2026-11-21 12:00:00Z","trace_id":"1","correlation_id":"2""#
        if let claims { text += #","suberror":"basic_action","claims":"\#(claims)""# }
        return Array((text + "}").utf8)
    }

    @Test("error mapping per AADSTS code", arguments: [
        ("invalid_grant", 50076, TokenError.Next.interact),   // MFA required
        ("invalid_grant", 50079, .interact),                  // MFA registration
        ("invalid_grant", 70043, .interact),                  // refresh token expired (sign-in frequency)
        ("invalid_grant", 700082, .interact),                 // refresh token expired (inactivity)
        ("invalid_grant", 50173, .interact),                  // grant revoked (password change)
        ("invalid_grant", 65001, .interact),                  // consent needed
        ("interaction_required", 50076, .interact),
        ("invalid_grant", 54005, .interact),                  // code already redeemed: any other invalid_grant
        ("authorization_pending", 70016, .keepPolling(slowDown: false)),
        ("slow_down", 70016, .keepPolling(slowDown: true)),
        ("authorization_declined", 70000, .deviceCodeEnded),
        ("expired_token", 70019, .deviceCodeEnded),
        ("bad_verification_code", 70000, .deviceCodeEnded),
        ("invalid_client", 700016, .misconfigured),           // app not found in tenant
        ("invalid_request", 90002, .misconfigured),           // tenant not found
        ("invalid_client", 7000218, .misconfigured),          // not a public client
        ("invalid_scope", 70011, .misconfigured),
        ("invalid_request", 50011, .misconfigured),           // redirect URI mismatch
        ("temporarily_unavailable", 90033, .transient),
        ("server_error", 500011, .transient),
    ])
    func mapping(error: String, code: Int, next: TokenError.Next) throws {
        let parsed = try #require(TokenError(json: Self.body(error, code)))
        #expect(parsed.codes == [code])
        #expect(parsed.next == next)
        #expect(parsed.summary == "AADSTS\(code): Something happened.")
    }

    @Test("the claims challenge and correlation id are kept")
    func claims() throws {
        let parsed = try #require(TokenError(json: Self.body("interaction_required", 50076, claims: #"{\"access_token\":{\"capolids\":{\"essential\":true}}}"#)))
        #expect(parsed.claims == #"{"access_token":{"capolids":{"essential":true}}}"#)
        #expect(parsed.suberror == "basic_action" && parsed.correlationID == "2")
    }

    @Test("not an error body", arguments: ["", "<html>", #"{"access_token":"x"}"#, "[1]"])
    func notError(text: String) {
        #expect(TokenError(json: Array(text.utf8)) == nil)
    }

    @Test("the summary drops control characters a server might send")
    func sanitised() {
        let error = TokenError(error: "x", description: "AADSTS1: a\u{1b}[31mred\u{7}")
        #expect(error.summary == "AADSTS1: a[31mred")
    }
}
