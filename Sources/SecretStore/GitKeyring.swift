import HelperCore
import HelperProtocol

/// git credentials in the Secret Service, in the item format of git's contrib
/// git-credential-libsecret, so that either helper reads what the other stored:
/// attributes user, protocol, server, port, object; the secret is the password,
/// followed by `password_expiry_utc=` and `oauth_refresh_token=` lines (git ≥ 2.43).
public struct GitKeyring {
    /// The schema git-credential-libsecret used up to git 2.44. Lookups ignore the
    /// schema name (as newer git does); new items carry this one so that both old and
    /// new git can find them.
    public static let defaultSchema = "org.gnome.keyring.NetworkPassword"
    static let gitKeys = ["user", "protocol", "server", "port", "object"]
    /// Other programs' items that happen to carry a server attribute are never git's.
    static let foreignSchemas: Set<String> = [DockerKeyring.schema]

    let store: SecretStore
    let clock: any TimeSource

    public init(store: SecretStore, clock: any TimeSource) {
        self.store = store
        self.clock = clock
    }

    /// The stored credential for `query`, or nil. Expired items are skipped.
    public func get(_ query: GitCredential) throws(HelperError) -> GitCredential? {
        try require(query, action: "git get")
        let now = clock.now
        let found = try store.searchUnlocking(attributes(of: query)) { matches($0, query) }
        let usable = found.compactMap { item -> (StoredItem, GitCredential)? in
            guard !item.locked, let secret = item.secret else { return nil }
            let credential = Self.unpack(secret, username: item.attributes["user"])
            if let expiry = credential.expiry, expiry <= now { return nil }
            return (item, credential)
        }
        // Prefer the item stored for exactly this path, then the newest.
        let best = usable.max { a, b in
            let aExact = a.0.attributes["object"] == query.path
            let bExact = b.0.attributes["object"] == query.path
            if aExact != bExact { return !aExact }
            return a.0.modified < b.0.modified
        }
        return best?.1
    }

    /// Stores the credential, replacing the item for the same user, protocol, host,
    /// port and path whatever schema name it was stored under.
    public func store(_ c: GitCredential) throws(HelperError) {
        // git's own rule: ephemeral credentials are not kept. A bearer credential from
        // another helper (authtype/credential, no password) is not ours to keep either.
        if c.ephemeral || (c.password == nil && c.credential != nil) { return }
        try require(c, action: "git store", withSecret: true)

        let wanted = attributes(of: c)
        let existing = try store.searchUnlocking(wanted) { item in
            Self.gitKeys.allSatisfy { item.attributes[$0] == wanted[$0] }
        }
        var target = wanted
        if let item = existing.max(by: { $0.modified < $1.modified }) {
            target = item.attributes
        } else {
            target["xdg:schema"] = Self.defaultSchema
        }
        try store.store(label: label(of: c), attributes: target, secret: Self.pack(c))
    }

    /// Erases the matching items; when git names the password it rejected, only the
    /// items holding that password.
    public func erase(_ query: GitCredential) throws(HelperError) {
        try require(query, action: "git erase")
        let found = try store.searchUnlocking(attributes(of: query)) { matches($0, query) }
        for item in found {
            if let password = query.password {
                guard let secret = item.secret,
                      Self.unpack(secret, username: nil).password == password else { continue }
            }
            try store.delete(item)
        }
    }

    // MARK: - Item format

    func attributes(of c: GitCredential) -> [String: String] {
        var a: [String: String] = [:]
        if let user = c.username { a["user"] = user }
        if let proto = c.protocol { a["protocol"] = proto }
        if let server = c.hostName { a["server"] = server }
        if let port = c.port { a["port"] = String(port) }
        if let path = c.path, !path.isEmpty { a["object"] = path }
        return a
    }

    /// git's matching rules on top of the attribute search: host and port are one
    /// field (an item for :8443 never answers for the default port), and items of
    /// other programs' schemas are not git credentials.
    func matches(_ item: StoredItem, _ query: GitCredential) -> Bool {
        if let schema = item.attributes["xdg:schema"], Self.foreignSchemas.contains(schema) { return false }
        let itemPort = item.attributes["port"].flatMap { Int($0) }.flatMap { $0 == 0 ? nil : $0 }
        return itemPort == query.port
    }

    func label(of c: GitCredential) -> String {
        let host = c.hostName ?? ""
        let port = c.port.map { ":\($0)" } ?? ""
        return "Git: \(c.protocol ?? "")://\(host)\(port)/\(c.path ?? "")"
    }

    static func pack(_ c: GitCredential) -> String {
        var secret = c.password ?? ""
        if let expiry = c.passwordExpiryUTC { secret += "\npassword_expiry_utc=\(expiry)" }
        if let token = c.oauthRefreshToken { secret += "\noauth_refresh_token=\(token)" }
        return secret
    }

    static func unpack(_ secret: String, username: String?) -> GitCredential {
        let lines = secret.split(separator: "\n", omittingEmptySubsequences: false)
        var c = GitCredential(username: username, password: lines.first.map(String.init) ?? "")
        for line in lines.dropFirst() {
            if line.hasPrefix("password_expiry_utc=") {
                c.passwordExpiryUTC = String(line.dropFirst("password_expiry_utc=".count))
            } else if line.hasPrefix("oauth_refresh_token=") {
                c.oauthRefreshToken = String(line.dropFirst("oauth_refresh_token=".count))
            }
        }
        return c
    }

    /// Lookups and erases never run without protocol and host (CVE-2020-11008): an
    /// empty pattern would match every item.
    private func require(_ c: GitCredential, action: String, withSecret: Bool = false) throws(HelperError) {
        var missing: [String] = []
        if c.protocol?.isEmpty ?? true { missing.append("protocol") }
        if c.host?.isEmpty ?? true { missing.append("host") }
        if withSecret && c.username == nil { missing.append("username") }
        if withSecret && c.password == nil { missing.append("password") }
        if !missing.isEmpty { throw .missingAttributes(missing, action: action) }
    }
}
