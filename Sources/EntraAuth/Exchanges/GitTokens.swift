import HelperCore
import HelperProtocol

/// git's credential protocol for a host a profile routes: the answer is an Entra access
/// token, never a stored password, and nothing is written back.
///
/// - `get`: with `capability[]=authtype` (git ≥ 2.46) a bearer credential (`authtype=Bearer`,
///   `credential`, `ephemeral=1`); otherwise `username` + `password`. Both with
///   `password_expiry_utc`. An `insufficient_claims` challenge in `wwwauth[]` goes to the
///   sign-in (and skips the cache: the cached token is what the server just refused).
/// - `store`: nothing (the token is ours, cached already).
/// - `erase`: the rejected token leaves the cache; the refresh token stays, so the next
///   `get` refreshes.
public struct GitTokens {
    let engine: any AccessTokenProvider
    let options: () -> AcquireOptions

    /// `engine`: where Entra tokens come from (SignInEngine). `options`: the front end's
    /// acquisition options (automatic, interactivity).
    public init(engine: any AccessTokenProvider, options: @escaping () -> AcquireOptions) {
        self.engine = engine
        self.options = options
    }

    public func get(_ request: GitCredential, profile: Profile) throws(HelperError) -> GitCredential {
        var acquire = options()
        if let claims = Self.claimsChallenge(request.wwwauth) {
            acquire.interactive.claims = claims
            acquire.force = true
        }
        let token = try engine.token(profile, options: acquire)
        var answer = GitCredential()
        answer.passwordExpiryUTC = String(token.expiresOn)
        if request.capability.contains("authtype") {
            answer.capability = ["authtype"]
            answer.authtype = "Bearer"
            answer.credential = token.token
            answer.ephemeral = true
        } else {
            answer.username = profile.username ?? (token.account.username.isEmpty ? "entra" : token.account.username)
            answer.password = token.token
        }
        return answer
    }

    public func erase(_ request: GitCredential, profile: Profile) {
        guard let rejected = request.credential ?? request.password else { return }
        engine.invalidate(profile, scopes: options().scopes ?? profile.scopes, token: rejected)
    }

    /// The claims of a `Bearer ... error="insufficient_claims", claims="<base64 JSON>"`
    /// challenge (Entra's conditional access step-up), decoded; nil when there is none.
    public static func claimsChallenge(_ challenges: [String]) -> String? {
        for challenge in challenges where challenge.lowercased().hasPrefix("bearer") {
            let parameters = Self.parameters(challenge.dropFirst("bearer".count))
            guard parameters["error"] == "insufficient_claims", let encoded = parameters["claims"] else { continue }
            var text = Substring(encoded)
            while text.hasSuffix("=") { text = text.dropLast() }
            if let bytes = Base64URL.decode(String(text)), let json = String(validating: bytes, as: UTF8.self),
               json.hasPrefix("{") {
                return json
            }
            if encoded.hasPrefix("{") { return encoded }  // sent without base64
        }
        return nil
    }

    /// `name="value", name=token` pairs of an auth-param list (RFC 9110 §11.2).
    static func parameters(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var rest = text[...]
        while true {
            rest = rest.drop { $0 == " " || $0 == "," || $0 == "\t" }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingSpaces().lowercased()
            rest = rest[rest.index(after: equals)...].drop { $0 == " " }
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if escaped { value.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { break } else { value.append(c) }
                }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<end]).trimmingSpaces()
                rest = rest[end...]
            }
            result[name] = value
        }
        return result
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
