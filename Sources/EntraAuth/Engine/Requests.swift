import HelperCore
import HelperProtocol
/// Where a profile signs in: the authority host (public cloud, US Gov, China, or a
/// loopback emulator) and the tenant.
public struct Authority: Equatable, Sendable {
    public static let publicCloud = "https://login.microsoftonline.com"
    public static let knownHosts = [publicCloud, "https://login.microsoftonline.us", "https://login.chinacloudapi.cn"]

    public let host: String
    public let tenant: String

    /// `https://` anywhere; `http://` only for a loopback host (the local emulator).
    public init(host: String, tenant: String) throws(HelperError) {
        var trimmed = host
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        let lower = trimmed.lowercased()
        guard lower.hasPrefix("https://") || (lower.hasPrefix("http://") && Self.isLoopback(url: lower)) else {
            throw .insecureAuthority(host)
        }
        // ASCII letters, digits, '-' and '.', checked on the UTF-8 bytes (the config reads
        // one tenant per profile on every call).
        guard !tenant.isEmpty, tenant.utf8.allSatisfy({ HostPattern.isLetterOrDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) else {
            throw .invalidTenant(tenant)
        }
        self.host = trimmed
        self.tenant = tenant
    }

    public var authorizeEndpoint: String { "\(host)/\(tenant)/oauth2/v2.0/authorize" }
    public var tokenEndpoint: String { "\(host)/\(tenant)/oauth2/v2.0/token" }
    public var deviceCodeEndpoint: String { "\(host)/\(tenant)/oauth2/v2.0/devicecode" }

    /// http://127.x.y.z[:port], http://localhost[:port] or http://[::1][:port].
    public static func isLoopback(url: String) -> Bool {
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        guard !authority.contains("@") else { return false }
        let host = GitCredential.splitHostPort(String(authority)).name
        if host == "localhost" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

/// The authorization-code request of the browser flow (PKCE S256, state, nonce).
public struct AuthorizeRequest: Sendable {
    public var authority: Authority
    public var clientID: String
    public var scopes: [String]
    public var redirectURI: String
    public var state: String
    public var nonce: String
    public var pkce: PKCE
    public var prompt: String?
    public var loginHint: String?
    public var domainHint: String?
    /// A claims challenge (JSON text) from an `insufficient_claims` or MFA answer.
    public var claims: String?
    /// Scopes of other resources the user consents to now (MSAL's WithExtraScopesToConsent):
    /// they go in `scope` beside the requested ones; the code is redeemed for `scopes` only,
    /// and the refresh token later serves the extra resources without a prompt.
    public var extraScopesToConsent: [String] = []

    public init(authority: Authority, clientID: String, scopes: [String], redirectURI: String,
                state: String, nonce: String, pkce: PKCE) {
        self.authority = authority
        self.clientID = clientID
        self.scopes = scopes
        self.redirectURI = redirectURI
        self.state = state
        self.nonce = nonce
        self.pkce = pkce
    }

    /// The resource scopes plus openid, profile and offline_access (for a refresh token).
    public static func requestScopes(_ scopes: [String]) -> String {
        var all = scopes
        for standard in ["openid", "profile", "offline_access"] where !all.contains(standard) { all.append(standard) }
        return all.joined(separator: " ")
    }

    public var url: String {
        var consented = scopes
        for scope in extraScopesToConsent where !consented.contains(scope) { consented.append(scope) }
        var query: [(String, String)] = [
            ("client_id", clientID), ("response_type", "code"), ("redirect_uri", redirectURI),
            ("response_mode", "query"), ("scope", Self.requestScopes(consented)), ("state", state),
            ("nonce", nonce), ("code_challenge", pkce.challenge), ("code_challenge_method", pkce.method),
        ]
        if let prompt { query.append(("prompt", prompt)) }
        if let loginHint { query.append(("login_hint", loginHint)) }
        if let domainHint { query.append(("domain_hint", domainHint)) }
        if let claims { query.append(("claims", claims)) }
        return authority.authorizeEndpoint + "?" + FormEncoding.encode(query)
    }
}

/// Token endpoint request bodies (application/x-www-form-urlencoded).
public enum TokenRequest {
    public static func authorizationCode(clientID: String, code: String, redirectURI: String,
                                         verifier: String, scopes: [String], claims: String?) -> String {
        var form = [("client_id", clientID), ("grant_type", "authorization_code"), ("code", code),
                    ("redirect_uri", redirectURI), ("code_verifier", verifier),
                    ("scope", AuthorizeRequest.requestScopes(scopes))]
        if let claims { form.append(("claims", claims)) }
        return FormEncoding.encode(form)
    }

    public static func refresh(clientID: String, refreshToken: String, scopes: [String], claims: String?) -> String {
        var form = [("client_id", clientID), ("grant_type", "refresh_token"), ("refresh_token", refreshToken),
                    ("scope", AuthorizeRequest.requestScopes(scopes))]
        if let claims { form.append(("claims", claims)) }
        return FormEncoding.encode(form)
    }

    public static func deviceCode(clientID: String, scopes: [String]) -> String {
        FormEncoding.encode([("client_id", clientID), ("scope", AuthorizeRequest.requestScopes(scopes))])
    }

    public static func deviceCodePoll(clientID: String, deviceCode: String) -> String {
        FormEncoding.encode([("client_id", clientID), ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                             ("device_code", deviceCode)])
    }
}
