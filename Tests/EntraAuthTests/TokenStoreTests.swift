import Foundation
import HelperCore
import Testing
@testable import EntraAuth

#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/entra-ut-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: try #require(made))
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

func permissions(_ path: String) -> mode_t? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return info.st_mode & 0o7777
}

@Suite("file token store")
struct FileTokenStoreTests {
    static let account = Account(homeAccountID: "uid.utid", username: "ada@contoso.com", tenantID: "utid")
    static let key = SignInKey(profile: Profile(name: "w", tenant: "Contoso.com", clientID: "Client-1", scopes: ["s"]))
    static let otherKey = SignInKey(profile: Profile(name: "o", tenant: "fabrikam.com", clientID: "client-2", scopes: ["s"]))

    @Test("refresh and access tokens round trip through the file")
    func roundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/state/entra-credential-helper/tokens.json"
        let store = FileTokenStore(path: path)
        #expect(try store.load(Self.key, username: nil) == nil)
        #expect(try store.load("missing") == nil)

        let refresh = StoredRefreshToken(token: "rt-1", account: Self.account)
        try store.save(refresh, key: Self.key, profile: "w")
        try store.save(StoredRefreshToken(token: "rt-2", account: Self.account), key: Self.otherKey, profile: "o")
        let access = AccessToken(token: "at-1", expiresOn: 2_000, scopes: ["a", "b"], account: Self.account)
        try store.save(access, key: Self.key.accessKey(scopes: ["a", "b"]), now: 1_000)

        let reopened = FileTokenStore(path: path)
        #expect(try reopened.load(Self.key, username: nil) == refresh)
        #expect(try reopened.load(Self.otherKey, username: "someone")?.token == "rt-2")
        #expect(try reopened.load(Self.key.accessKey(scopes: ["b", "a"])) == access)

        try reopened.save(StoredRefreshToken(token: "rt-1b", account: Self.account), key: Self.key, profile: "w")
        #expect(try store.load(Self.key, username: nil)?.token == "rt-1b")

        try reopened.remove(prefix: Self.key.digest)
        #expect(try store.load(Self.key.accessKey(scopes: ["a", "b"])) == nil)
        try reopened.remove(Self.key)
        #expect(try store.load(Self.key, username: nil) == nil)
        #expect(try store.load(Self.otherKey, username: nil)?.token == "rt-2")
        try reopened.remove(nil)
        #expect(try store.load(Self.otherKey, username: nil) == nil)
    }

    @Test("the file is 0600 in a 0700 directory, and no temporary file is left")
    func modes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let parent = dir.path + "/made"
        let path = parent + "/tokens.json"
        try FileTokenStore(path: path).save(StoredRefreshToken(token: "rt", account: Self.account), key: Self.key, profile: "w")
        #expect(permissions(path) == 0o600)
        #expect(permissions(parent) == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent) == ["tokens.json"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"rt\""))
    }

    @Test("a dead writer's temporary is removed once it is over a minute old; a fresh one (another PID namespace's writer) is kept")
    func abandonedTemporaries() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/tokens.json"
        // A pid above any pid_max: no such process here.
        let fresh = "tokens.json.tmp.2147483000.AAAAAA", old = "tokens.json.tmp.2147483000.BBBBBB"
        for name in [fresh, old] { try "{}".write(toFile: dir.path + "/" + name, atomically: false, encoding: .utf8) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -120)], ofItemAtPath: dir.path + "/" + old)
        try FileTokenStore(path: path).save(StoredRefreshToken(token: "rt", account: Self.account), key: Self.key, profile: "w")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["tokens.json", fresh], "\(left)")
    }

    @Test("expired access tokens are pruned on save")
    func prune() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/tokens.json"
        let store = FileTokenStore(path: path)
        let short = AccessToken(token: "at-short", expiresOn: 1_010, scopes: ["a"], account: Self.account)
        let long = AccessToken(token: "at-long", expiresOn: 5_000, scopes: ["b"], account: Self.account)
        try store.save(short, key: "k-short", now: 1_000)
        try store.save(long, key: "k-long", now: 1_000)
        #expect(try store.load("k-short") == short)
        let fresh = AccessToken(token: "at-fresh", expiresOn: 6_000, scopes: ["c"], account: Self.account)
        try store.save(fresh, key: "k-fresh", now: 1_010)
        #expect(try store.load("k-short") == nil)
        #expect(try store.load("k-long") == long)
        #expect(try store.load("k-fresh") == fresh)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("at-short") && !text.contains("k-short"))
    }

    @Test("a file that is not a token file is an error, not an empty store")
    func corrupt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/tokens.json"
        try "not json".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: HelperError.fileStoreFailure(path: path, reason: "not a token file; move it aside")) {
            try FileTokenStore(path: path).load(Self.key, username: nil)
        }
    }
}

@Suite("kernel keyring", .enabled(if: KernelKeyring.probe()))
struct KernelKeyringTests {
    static let account = Account(homeAccountID: "uid.utid", username: "ada@contoso.com", tenantID: "utid")

    @Test("save, load and remove(prefix:) round trip")
    func roundTrip() throws {
        let keyring = KernelKeyring()
        let prefix = "unit-test-\(UUID().uuidString):"
        let now = Int64(Date().timeIntervalSince1970)
        let token = AccessToken(token: "at-\(UUID().uuidString)", expiresOn: now + 60, scopes: ["s/.default"], account: Self.account)
        try keyring.save(token, key: prefix + "a", now: now)
        try keyring.save(token, key: prefix + "b", now: now)
        defer { try? keyring.remove(prefix: prefix) }
        #expect(keyring.load(prefix + "a") == token)
        #expect(keyring.load(prefix + "b") == token)
        #expect(keyring.load(prefix + "c") == nil)
        #expect(KernelKeyring.ourKeys().contains { $0.1 == KernelKeyring.prefix + prefix + "a" })

        try keyring.remove(prefix: prefix + "a")
        #expect(keyring.load(prefix + "a") == nil)
        #expect(keyring.load(prefix + "b") == token)
        try keyring.remove(prefix: prefix)
        #expect(keyring.load(prefix + "b") == nil)
    }

    @Test("a token with no lifetime left is not saved", arguments: [0 as Int64, -30])
    func expired(lifetime: Int64) throws {
        let keyring = KernelKeyring()
        let key = "unit-test-\(UUID().uuidString)"
        let now = Int64(Date().timeIntervalSince1970)
        try keyring.save(AccessToken(token: "at", expiresOn: now + lifetime, scopes: [], account: Self.account), key: key, now: now)
        #expect(keyring.load(key) == nil)
    }
}
