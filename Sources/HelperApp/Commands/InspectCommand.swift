import EntraAuth
import HelperCore
import HelperProtocol

/// `inspect --profile N`: what the cached access token says, never the token. It reads
/// the access-token cache only, as the seed CLI's inspect does (no network, no sign-in,
/// no refresh): without a cached token (or with under five minutes left, which get-token
/// would not serve either) it is one line naming `get-token`.
extension TokenCommands {
    func inspect(_ words: [String]) throws(HelperError) -> Int32 {
        let args = try Arguments(words, command: "inspect", options: ["profile", "scope", "output", "store"], flags: [])
        let output = try args.choice("output", ["text", "json"], command: "inspect") ?? "text"
        let (profile, engine) = try setUp(args, command: "inspect")
        guard let token = engine.cached(profile, scopes: profile.scopes) else { throw .noCachedToken(profile: profile.name) }
        let fields = Self.inspection(token, profile: profile)
        if output == "json" {
            streams.writeOutput(JSON.encode(.object(Dictionary(uniqueKeysWithValues: fields))) + [0x0A])
        } else {
            // An app's token has roles and no scopes, a person's the reverse: the empty one
            // is left out (JSON keeps both keys).
            for (name, value) in fields where !(name == "scopes" || name == "roles") || value != .array([]) {
                out("\(name): \(Self.text(value))")
            }
        }
        return 0
    }

    /// Who, which flow, for what (audience, delegated scopes or app roles), until when and
    /// in which tenant: from the token's claims when it is a JWT, else what the cache
    /// keeps. Every value is sanitised; the token and its signature are never among them.
    static func inspection(_ token: AccessToken, profile: Profile) -> [(String, JSONValue)] {
        let claims = TokenResponse.claims(ofJWT: token.token)
        func claim(_ name: String) -> String? {
            guard let value = claims?[name]?.stringValue, !value.isEmpty else { return nil }
            return Sanitize.line(value, limit: 200)
        }
        let who = claim("preferred_username") ?? claim("upn") ?? claim("unique_name")
            ?? (token.account.username.isEmpty ? nil : Sanitize.line(token.account.username, limit: 200))
        let app = claim("appid") ?? claim("azp")
        let scopes = claim("scp").map { $0.split(separator: " ").map { JSONValue.string(String($0)) } } ?? []
        var roles: [JSONValue] = []
        if case let .array(items)? = claims?["roles"] {
            roles = items.compactMap { $0.stringValue.map { .string(Sanitize.line($0, limit: 200)) } }
        }
        let tenant = claim("tid") ?? (token.account.tenantID.isEmpty ? profile.tenant : token.account.tenantID)
        return [
            ("profile", .string(profile.name)),
            ("flow", .string(profile.flow.rawValue)),
            ("account", who.map(JSONValue.string) ?? .null),
            ("app", app.map(JSONValue.string) ?? .null),
            ("tenant", .string(Sanitize.line(tenant, limit: 200))),
            ("audience", claim("aud").map(JSONValue.string) ?? .null),
            ("scopes", .array(scopes)),
            ("roles", .array(roles)),
            ("expires_on", .string(Timestamp.rfc3339(token.expiresOn))),
        ]
    }
}
