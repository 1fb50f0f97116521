import HelperCore

/// `--store file`: refresh and access tokens in one JSON file, mode 0600 in a 0700
/// directory, written atomically. Opt-in only, and announced with a warning on every
/// use, because anyone who can read the file can use the tokens.
public final class FileTokenStore: RefreshTokenStore, AccessTokenCache {
    public let path: String
    public var backendName: String { "file \(path) (plain text, opt-in)" }

    public init(path: String) { self.path = path }

    public static func defaultPath(environment: (String) -> String?) -> String {
        (environment("XDG_STATE_HOME") ?? Files.home() + "/.local/state") + "/entra-credential-helper/tokens.json"
    }

    public static let warning = "warning: --store file keeps tokens in plain text; anyone who can read the file can use them"

    func read() throws(HelperError) -> [String: JSONValue] {
        Files.removeAbandonedTemporaries(of: path)  // a killed writer's copy of the tokens
        let bytes: [UInt8]
        do { bytes = try Files.read(path) } catch {
            if case let .failed(reason) = error { throw .fileStoreFailure(path: path, reason: reason) }
            return [:]
        }
        guard case let .object(top)? = try? JSON.parse(bytes) else {
            throw .fileStoreFailure(path: path, reason: "not a token file; move it aside")
        }
        return top
    }

    func write(_ top: [String: JSONValue]) throws(HelperError) {
        do { try Files.writeAtomically(path, JSON.encodePretty(.object(top))) } catch {
            if case let .failed(reason) = error { throw .fileStoreFailure(path: path, reason: reason) }
        }
    }

    func section(_ top: [String: JSONValue], _ name: String) -> [String: JSONValue] {
        if case let .object(entries)? = top[name] { return entries }
        return [:]
    }

    static func name(_ key: SignInKey) -> String { "\(key.authorityHost)|\(key.tenant)|\(key.clientID)" }

    public func load(_ key: SignInKey, username: String?) throws(HelperError) -> StoredRefreshToken? {
        guard let entry = section(try read(), "refresh_tokens")[Self.name(key)],
              let token = entry["token"]?.stringValue else { return nil }
        return StoredRefreshToken(token: token, account: Account(
            homeAccountID: entry["home_account_id"]?.stringValue ?? "", username: entry["username"]?.stringValue ?? "",
            tenantID: entry["tid"]?.stringValue ?? ""))
    }

    public func save(_ token: StoredRefreshToken, key: SignInKey, profile: String) throws(HelperError) {
        var top = try read()
        var entries = section(top, "refresh_tokens")
        entries[Self.name(key)] = .object([
            "token": .string(token.token), "home_account_id": .string(token.account.homeAccountID),
            "username": .string(token.account.username), "tid": .string(token.account.tenantID), "profile": .string(profile),
        ])
        top["refresh_tokens"] = .object(entries)
        try write(top)
    }

    public func remove(_ key: SignInKey?) throws(HelperError) {
        var top = try read()
        var entries = section(top, "refresh_tokens")
        if let key { entries[Self.name(key)] = nil } else { entries = [:] }
        top["refresh_tokens"] = .object(entries)
        try write(top)
    }

    public func load(_ key: String) throws(HelperError) -> AccessToken? {
        section(try read(), "access_tokens")[key]?.stringValue.flatMap(AccessToken.init(serialized:))
    }

    public func save(_ token: AccessToken, key: String, now: Int64) throws(HelperError) {
        var top = try read()
        var entries = section(top, "access_tokens").filter { entry in
            entry.value.stringValue.flatMap(AccessToken.init(serialized:)).map { $0.expiresOn > now } ?? false
        }
        entries[key] = .string(token.serialized())
        top["access_tokens"] = .object(entries)
        try write(top)
    }

    public func remove(prefix: String) throws(HelperError) {
        var top = try read()
        top["access_tokens"] = .object(section(top, "access_tokens").filter { !$0.key.hasPrefix(prefix) })
        try write(top)
    }
}
