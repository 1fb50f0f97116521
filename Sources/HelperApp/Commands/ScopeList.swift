/// `--scope` values as the seed CLI takes them: each may hold several scopes separated by
/// white space, and a scope without a resource (`User.Read`) is Microsoft Graph's, as
/// Microsoft's identity platform reads it (https://graph.microsoft.com/User.Read).
/// OpenID Connect's own scopes stay as they are.
enum ScopeList {
    static let graph = "https://graph.microsoft.com/"
    static let openIDConnect: Set<String> = ["openid", "profile", "offline_access", "email"]

    static func parse(_ values: [String]) -> [String] {
        var scopes: [String] = []
        for value in values {
            for word in value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
                let scope = qualified(String(word))
                if !scopes.contains(scope) { scopes.append(scope) }
            }
        }
        return scopes
    }

    /// A scope with its resource: Graph's when it names none (no `/` and no `:`).
    static func qualified(_ scope: String) -> String {
        if openIDConnect.contains(scope) || scope.contains("/") || scope.contains(":") { return scope }
        return graph + scope
    }
}
