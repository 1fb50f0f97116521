import HelperCore
import HelperProtocol
import Testing
@testable import SecretStore

/// A wall clock stopped at `now`: the keyring reads the time, never waits.
struct FixedClock: TimeSource {
    var now: Int64
    var monotonicMilliseconds: Int64 { 0 }
    func sleep(milliseconds: Int) { Issue.record("the git keyring slept \(milliseconds) ms") }
}

@Suite("git credentials in a secret store")
struct GitKeyringTests {
    let store = MemoryStore()
    var keyring: GitKeyring { GitKeyring(store: store, clock: FixedClock(now: 1_800_000_000)) }

    static func peerItem(_ id: Int, schema: String? = "org.gnome.keyring.NetworkPassword",
                         _ attributes: [String: String], secret: String, modified: UInt64 = 1) -> StoredItem {
        var attributes = attributes
        if let schema { attributes["xdg:schema"] = schema }
        return StoredItem(id: "/c/login/\(id)", label: "Git", attributes: attributes, secret: secret, modified: modified)
    }

    @Test("store then get, with expiry and refresh token packed in the secret")
    func storeGet() throws {
        try keyring.store(GitCredential(protocol: "https", host: "example.com", username: "bob", password: "pw",
                                        passwordExpiryUTC: "1900000000", oauthRefreshToken: "rt"))
        #expect(store.items.count == 1)
        #expect(store.items[0].secret == "pw\npassword_expiry_utc=1900000000\noauth_refresh_token=rt")
        #expect(store.items[0].attributes == ["user": "bob", "protocol": "https", "server": "example.com",
                                              "xdg:schema": GitKeyring.defaultSchema])
        #expect(store.items[0].label == "Git: https://example.com/")
        let found = try keyring.get(GitCredential(protocol: "https", host: "example.com"))
        #expect(found == GitCredential(username: "bob", password: "pw", passwordExpiryUTC: "1900000000", oauthRefreshToken: "rt"))
    }

    @Test("lookups and erases never run without protocol and host", arguments: [
        GitCredential(host: "example.com"), GitCredential(protocol: "https"),
        GitCredential(protocol: "", host: "example.com"), GitCredential(protocol: "https", host: ""), GitCredential(),
    ])
    func requiresProtocolAndHost(query: GitCredential) {
        store.seed(Self.peerItem(1, ["protocol": "https", "server": "example.com", "user": "u"], secret: "pw"))
        #expect(throws: HelperError.self) { try keyring.get(query) }
        #expect(throws: HelperError.self) { try keyring.erase(query) }
        #expect(store.calls.isEmpty)
        #expect(store.items.count == 1)
    }

    @Test("store is refused unless protocol, host, username and password are present", arguments: [
        (GitCredential(protocol: "https", host: "h", username: "u"), ["password"]),
        (GitCredential(protocol: "https", host: "h", password: "p"), ["username"]),
        (GitCredential(host: "h", username: "u", password: "p"), ["protocol"]),
        (GitCredential(username: "u", password: "p"), ["protocol", "host"]),
    ])
    func storeRefused(credential: GitCredential, missing: [String]) {
        #expect(throws: HelperError.missingAttributes(missing, action: "git store")) { try keyring.store(credential) }
        #expect(store.items.isEmpty)
    }

    @Test("host and port are one field; path narrows; username narrows", arguments: [
        (GitCredential(protocol: "https", host: "example.com"), "default"),
        (GitCredential(protocol: "https", host: "example.com:8443"), "8443"),
        (GitCredential(protocol: "https", host: "example.com", path: "org/repo"), "path"),
        (GitCredential(protocol: "https", host: "example.com", username: "carol"), "carol"),
        (GitCredential(protocol: "https", host: "example.com:9000"), nil),
        (GitCredential(protocol: "http", host: "example.com"), nil),
        (GitCredential(protocol: "https", host: "example.com.evil"), nil),
    ])
    func matching(query: GitCredential, expected: String?) throws {
        store.seed(Self.peerItem(1, ["protocol": "https", "server": "example.com", "user": "u"], secret: "default", modified: 3))
        store.seed(Self.peerItem(2, ["protocol": "https", "server": "example.com", "port": "8443", "user": "u"], secret: "8443"))
        store.seed(Self.peerItem(3, ["protocol": "https", "server": "example.com", "object": "org/repo", "user": "u"], secret: "path"))
        store.seed(Self.peerItem(4, ["protocol": "https", "server": "example.com", "user": "carol"], secret: "carol"))
        #expect(try keyring.get(query)?.password == expected)
    }

    @Test("an item stored for one port never answers for the default port")
    func portOnly() throws {
        store.seed(Self.peerItem(1, ["protocol": "https", "server": "example.com", "port": "8443", "user": "u"], secret: "8443"))
        #expect(try keyring.get(GitCredential(protocol: "https", host: "example.com")) == nil)
        #expect(try keyring.get(GitCredential(protocol: "https", host: "example.com:8443"))?.password == "8443")
        try keyring.erase(GitCredential(protocol: "https", host: "example.com"))
        #expect(store.items.count == 1)
    }

    @Test("items under any schema name are found, other programs' are not")
    func schemas() throws {
        store.seed(Self.peerItem(1, schema: nil, ["protocol": "https", "server": "a.com", "user": "u"], secret: "no-schema"))
        store.seed(Self.peerItem(2, schema: "org.git.Password", ["protocol": "https", "server": "b.com", "user": "u"], secret: "new-git"))
        store.seed(Self.peerItem(3, schema: "io.docker.Credentials", ["protocol": "https", "server": "c.com", "username": "u"], secret: "docker"))
        #expect(try keyring.get(GitCredential(protocol: "https", host: "a.com"))?.password == "no-schema")
        #expect(try keyring.get(GitCredential(protocol: "https", host: "b.com"))?.password == "new-git")
        #expect(try keyring.get(GitCredential(protocol: "https", host: "c.com")) == nil)
    }

    @Test("expired items are not returned, and are not deleted either")
    func expiry() throws {
        store.seed(Self.peerItem(1, ["protocol": "https", "server": "a.com", "user": "old"],
                                 secret: "pw\npassword_expiry_utc=1700000000", modified: 9))
        #expect(try keyring.get(GitCredential(protocol: "https", host: "a.com")) == nil)
        store.seed(Self.peerItem(2, ["protocol": "https", "server": "a.com", "user": "new"],
                                 secret: "pw2\npassword_expiry_utc=1900000000", modified: 1))
        #expect(try keyring.get(GitCredential(protocol: "https", host: "a.com"))?.username == "new")
        #expect(store.items.count == 2)
    }

    @Test("store replaces the item of the same credential, keeping its schema name")
    func replace() throws {
        store.seed(Self.peerItem(1, schema: "org.git.Password", ["protocol": "https", "server": "a.com", "user": "u"], secret: "old"))
        store.seed(Self.peerItem(2, ["protocol": "https", "server": "a.com", "port": "8443", "user": "u"], secret: "other-port"))
        try keyring.store(GitCredential(protocol: "https", host: "a.com", username: "u", password: "new"))
        #expect(store.items.count == 2)
        #expect(store.items.first { $0.id == "/c/login/1" }?.secret == "new")
        #expect(store.items.first { $0.id == "/c/login/2" }?.secret == "other-port")
    }

    @Test("ephemeral and bearer-only credentials are not stored, quietly")
    func ephemeral() throws {
        var c = GitCredential(protocol: "https", host: "a.com", username: "u", password: "p")
        c.ephemeral = true
        try keyring.store(c)
        var bearer = GitCredential(protocol: "https", host: "a.com")
        bearer.authtype = "Bearer"
        bearer.credential = "token"
        try keyring.store(bearer)
        #expect(store.items.isEmpty && store.calls.isEmpty)
    }

    @Test("erase removes only the item holding the rejected password")
    func erasePasswordMatch() throws {
        store.seed(Self.peerItem(1, ["protocol": "https", "server": "a.com", "user": "u"], secret: "current\npassword_expiry_utc=1900000000"))
        try keyring.erase(GitCredential(protocol: "https", host: "a.com", password: "stale"))
        #expect(store.items.count == 1)
        try keyring.erase(GitCredential(protocol: "https", host: "a.com", password: "current"))
        #expect(store.items.isEmpty)
    }

    @Test("erase without a password removes every match, and nothing else")
    func eraseAll() throws {
        store.seed(Self.peerItem(1, ["protocol": "https", "server": "a.com", "user": "u"], secret: "1"))
        store.seed(Self.peerItem(2, ["protocol": "https", "server": "a.com", "user": "v"], secret: "2"))
        store.seed(Self.peerItem(3, ["protocol": "https", "server": "a.com", "port": "444", "user": "u"], secret: "3"))
        store.seed(Self.peerItem(4, ["protocol": "https", "server": "b.com", "user": "u"], secret: "4"))
        try keyring.erase(GitCredential(protocol: "https", host: "a.com"))
        #expect(store.items.map(\.secret) == ["3", "4"])
    }

    @Test("a locked item is unlocked, not reported missing")
    func unlocks() throws {
        store.seed(Self.peerItem(1, ["protocol": "https", "server": "a.com", "user": "u"], secret: "pw"))
        store.lockAll()
        #expect(try keyring.get(GitCredential(protocol: "https", host: "a.com"))?.password == "pw")
        #expect(store.calls == ["search", "unlock", "search"])
    }

    @Test("a collection that stays locked is an error, and nothing is deleted", arguments: [
        HelperError.collectionLocked(collection: "login"), .unlockDismissed(collection: "login"),
    ])
    func staysLocked(error: HelperError) {
        store.seed(Self.peerItem(1, ["protocol": "https", "server": "a.com", "user": "u"], secret: "pw"))
        store.lockAll()
        store.lockBehaviour = .staysLocked(error)
        #expect(throws: error) { try keyring.get(GitCredential(protocol: "https", host: "a.com")) }
        #expect(throws: error) { try keyring.erase(GitCredential(protocol: "https", host: "a.com")) }
        #expect(store.items.count == 1)
    }

    @Test("keyring faults pass through unchanged", arguments: [
        HelperError.noSessionBus(detail: "x"), .noSecretService(detail: "y"), .keyringTimeout(milliseconds: 5000),
    ])
    func faults(error: HelperError) {
        store.fault = error
        #expect(throws: error) { try keyring.get(GitCredential(protocol: "https", host: "a.com")) }
        #expect(throws: error) { try keyring.store(GitCredential(protocol: "https", host: "a.com", username: "u", password: "p")) }
    }
}
