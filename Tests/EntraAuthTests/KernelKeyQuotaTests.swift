import Foundation
import HelperCore
import Testing
@testable import EntraAuth

#if canImport(Glibc)
import Glibc
#endif

/// The kernel's user keyring as the quota sees it: a key costs its description and its
/// payload; an update changes the cost at once, but an invalidated key keeps counting
/// (the kernel returns its quota only when the garbage collector runs, later).
final class FakeKernelKeys: KernelKeyCalls {
    struct Key { var description: String; var payload: [UInt8]; var live: Bool }
    var keys: [Int32: Key] = [:]
    var next: Int32 = 100
    let quota: Int
    var adds = 0

    init(quota: Int) { self.quota = quota }

    var used: Int { keys.values.reduce(0) { $0 + $1.description.utf8.count + 1 + $1.payload.count } }
    var live: [String: [UInt8]] {
        Dictionary(uniqueKeysWithValues: keys.values.filter(\.live).map { ($0.description, $0.payload) })
    }

    func add(_ description: String, _ payload: [UInt8]) -> Result<Int32, KernelKeyError> {
        adds += 1
        if let (serial, key) = keys.first(where: { $0.value.live && $0.value.description == description }) {
            guard used - key.payload.count + payload.count <= quota else { return .failure(KernelKeyError(EDQUOT)) }
            keys[serial]!.payload = payload
            return .success(serial)
        }
        guard used + description.utf8.count + 1 + payload.count <= quota else { return .failure(KernelKeyError(EDQUOT)) }
        next += 1
        keys[next] = Key(description: description, payload: payload, live: true)
        return .success(next)
    }

    func search(_ description: String) -> Int32? { keys.first { $0.value.live && $0.value.description == description }?.key }
    func read(_ serial: Int32) -> [UInt8]? { keys[serial].flatMap { $0.live ? $0.payload : nil } }
    func userKeys() -> [(serial: Int32, description: String)] {
        keys.filter(\.value.live).map { ($0.key, $0.value.description) }.sorted { $0.serial < $1.serial }
    }
    func update(_ serial: Int32, _ payload: [UInt8]) -> Bool {
        guard keys[serial]?.live == true else { return false }
        keys[serial]!.payload = payload
        return true
    }
    func setTimeout(_ serial: Int32, seconds: UInt32) {}
    func invalidate(_ serial: Int32) { keys[serial]?.live = false }
}

@Suite("kernel keyring quota")
struct KernelKeyQuotaTests {
    static let account = Account(homeAccountID: "uid.utid", username: "ada@contoso.com", tenantID: "utid")
    static let now: Int64 = 1_800_000_000

    static func token(_ name: String, expiresIn: Int64) -> AccessToken {
        AccessToken(token: name + String(repeating: "x", count: 900), expiresOn: now + expiresIn, scopes: ["s"], account: account)
    }

    /// Five of our tokens and one key that is not ours, in a quota with room for about six.
    static func filled() throws -> (FakeKernelKeys, KernelKeyring) {
        let fake = FakeKernelKeys(quota: 6 * 1100)
        _ = fake.add("someone-else:key", Array(repeating: 0x41, count: 900))
        let keyring = KernelKeyring(calls: fake)
        for (name, expiresIn) in [("e500", 500 as Int64), ("e100", 100), ("e300", 300), ("e200", 200), ("e400", 400)] {
            try keyring.save(token(name, expiresIn: expiresIn), key: name, now: now)
        }
        return (fake, keyring)
    }

    @Test("EDQUOT evicts our keys one at a time, the soonest to expire first, until the new one fits")
    func evictsOldestFirst() throws {
        let (fake, keyring) = try Self.filled()
        let big = AccessToken(token: String(repeating: "y", count: 1900), expiresOn: Self.now + 3600, scopes: ["s"], account: Self.account)
        try keyring.save(big, key: "new", now: Self.now)

        #expect(keyring.load("new") == big)
        #expect(keyring.load("e100") == nil)
        #expect(keyring.load("e200") == nil)
        for name in ["e300", "e400", "e500"] { #expect(keyring.load(name) == Self.token(name, expiresIn: Int64(name.dropFirst())!)) }
        #expect(fake.live["someone-else:key"] != nil)
        #expect(fake.used <= fake.quota)
    }

    @Test("a token that cannot fit even with all of ours gone fails with one line; others' keys are never touched")
    func tooBig() throws {
        let (fake, keyring) = try Self.filled()
        let huge = AccessToken(token: String(repeating: "z", count: 7000), expiresOn: Self.now + 3600, scopes: ["s"], account: Self.account)
        #expect(throws: HelperError.keyringFailure("kernel keyring: \(Files.errorText(EDQUOT))")) {
            try keyring.save(huge, key: "huge", now: Self.now)
        }
        #expect(fake.live["someone-else:key"] != nil)
        #expect(fake.adds <= 1 + 5 + 1 + 5)  // the five saves, then one try per eviction: bounded
    }

    @Test("replacing a key in place under a full quota keeps the other keys")
    func replaceInPlace() throws {
        let (fake, keyring) = try Self.filled()
        let renewed = Self.token("e300-renewed", expiresIn: 900)
        try keyring.save(renewed, key: "e300", now: Self.now)
        #expect(keyring.load("e300") == renewed)
        #expect(fake.live.count >= 5)
    }
}

@Suite("the real user keyring's list")
struct KernelKeyListTests {
    @Test("a keyring with more than 1024 keys is listed whole: the last key added is found")
    func longList() throws {
        let calls = SystemKernelKeyCalls()
        let tag = "ech-list-test-\(UUID().uuidString.prefix(8))-"
        var added: [Int32] = []
        defer { for serial in added { calls.invalidate(serial) } }
        for index in 0..<1100 {
            guard case let .success(serial) = calls.add(tag + String(index), [0x61]) else { Issue.record("add failed at \(index)"); return }
            calls.setTimeout(serial, seconds: 120)
            added.append(serial)
        }
        let listed = Set(calls.userKeys().map(\.serial))
        let missing = added.filter { !listed.contains($0) }.count
        #expect(missing == 0, "of our 1100 keys, \(missing) were not listed")
    }
}
