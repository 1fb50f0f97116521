import HelperCore
import SecretStore

/// Refresh tokens in the Secret Service, under our own schema, with a label a person
/// can read in Seahorse: "Entra refresh token for PROFILE (user@tenant)". The token is
/// the secret; the attributes (authority, tenant, client id, account) only find it.
public final class SecretServiceTokens: RefreshTokenStore, AccessTokenCache {
    public static let refreshSchema = "io.github.entra-credential-helper.RefreshToken"
    public static let accessSchema = "io.github.entra-credential-helper.AccessToken"
    public let backendName = "Secret Service"

    let store: SecretStore

    public init(store: SecretStore) { self.store = store }

    static func attributes(_ key: SignInKey) -> [String: String] {
        ["xdg:schema": refreshSchema, "authority": key.authorityHost, "tenant": key.tenant, "client_id": key.clientID]
    }

    public func load(_ key: SignInKey, username: String?) throws(HelperError) -> StoredRefreshToken? {
        let items = try store.searchUnlocking(Self.attributes(key)).filter { !$0.locked && $0.secret != nil }
        let preferred = username.map { name in items.filter { $0.attributes["username"]?.lowercased() == name.lowercased() } } ?? []
        guard let item = (preferred.isEmpty ? items : preferred).max(by: { $0.modified < $1.modified }),
              let secret = item.secret, !secret.isEmpty else { return nil }
        let account = Account(homeAccountID: item.attributes["home_account_id"] ?? "",
                              username: item.attributes["username"] ?? "",
                              tenantID: item.attributes["tid"] ?? "")
        return StoredRefreshToken(token: secret, account: account)
    }

    /// One item per key and account, replaced in place (the Secret Service's
    /// ReplaceExisting), so the rotated token is never missing for a moment.
    public func save(_ token: StoredRefreshToken, key: SignInKey, profile: String) throws(HelperError) {
        var attributes = Self.attributes(key)
        attributes["home_account_id"] = token.account.homeAccountID
        attributes["username"] = token.account.username
        attributes["tid"] = token.account.tenantID
        let who = token.account.username.isEmpty ? key.tenant : token.account.username
        try store.store(label: "Entra refresh token for \(profile) (\(who))", attributes: attributes, secret: token.token)
    }

    public func remove(_ key: SignInKey?) throws(HelperError) {
        let query = key.map(Self.attributes) ?? ["xdg:schema": Self.refreshSchema]
        for item in try store.searchUnlocking(query) { try store.delete(item) }
    }

    // Access tokens: the fallback where the kernel keyring is blocked.

    public func load(_ key: String) throws(HelperError) -> AccessToken? {
        let items = try store.searchUnlocking(["xdg:schema": Self.accessSchema, "key": key])
        return items.compactMap { $0.secret.flatMap(AccessToken.init(serialized:)) }.max { $0.expiresOn < $1.expiresOn }
    }

    public func save(_ token: AccessToken, key: String, now: Int64) throws(HelperError) {
        try store.store(label: "Entra access token (cache) for \(token.account.username)",
                        attributes: ["xdg:schema": Self.accessSchema, "key": key, "digest": String(key.prefix(20))],
                        secret: token.serialized())
    }

    public func remove(prefix: String) throws(HelperError) {
        var query = ["xdg:schema": Self.accessSchema]
        if !prefix.isEmpty { query["digest"] = String(prefix.prefix(20)) }
        for item in try store.searchUnlocking(query) where item.attributes["key"]?.hasPrefix(prefix) ?? false {
            try store.delete(item)
        }
    }
}
