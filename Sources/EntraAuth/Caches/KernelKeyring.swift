import CKernel
import HelperCore

#if canImport(Glibc)
import Glibc
#endif

/// Access tokens as "user" keys in the kernel's per-user keyring: one system call to
/// find and one to read, no D-Bus round trip, never on disk or in swap, readable only
/// by the same user, and dropped by the kernel itself when the token expires (the key's
/// timeout is the token's lifetime). Key names are digests, so they reveal no tenant,
/// client or scope.
///
/// The default Docker seccomp profile blocks these calls; then `available` is false and
/// the caller falls back to the Secret Service.
public final class KernelKeyring: AccessTokenCache {
    public static let prefix = "entra-credential-helper:at:"
    public let backendName = "kernel keyring (user keyring)"
    let calls: any KernelKeyCalls

    public init(calls: any KernelKeyCalls = SystemKernelKeyCalls()) { self.calls = calls }

    /// Whether the key calls work here (a search answers ENOKEY rather than EPERM/ENOSYS).
    public static func probe() -> Bool {
        if ech_search_user_key(prefix + "probe") >= 0 { return true }
        return errno == ENOKEY || errno == EKEYEXPIRED || errno == EKEYREVOKED
    }

    public func load(_ key: String) -> AccessToken? {
        guard let serial = calls.search(Self.prefix + key), var payload = calls.read(serial) else { return nil }
        defer { wipe(&payload) }
        return AccessToken(serialized: String(decoding: payload, as: UTF8.self))
    }

    public func save(_ token: AccessToken, key: String, now: Int64) throws(HelperError) {
        let lifetime = Bounded.difference(token.expiresOn, now)
        guard lifetime > 0 else { return }
        var payload = Array(token.serialized().utf8)
        defer { wipe(&payload) }
        let serial: Int32
        switch add(Self.prefix + key, payload) {
        case let .success(added): serial = added
        case let .failure(error): throw .keyringFailure("kernel keyring: \(Files.errorText(error.code))")
        }
        calls.setTimeout(serial, seconds: UInt32(Bounded.clamp(lifetime, 1...Int64(UInt32.max))))
    }

    /// add_key, and on EDQUOT (the per-user quota: 20000 bytes and 200 keys by default)
    /// room made from our own keys, the soonest to expire first, one at a time until the
    /// add fits. Each victim's payload is shrunk before it is invalidated: the kernel
    /// returns an invalidated key's quota only when its garbage collector runs, later,
    /// while an update returns the bytes at once.
    func add(_ description: String, _ payload: [UInt8]) -> Result<Int32, KernelKeyError> {
        var result = calls.add(description, payload)
        guard case .failure(KernelKeyError(EDQUOT)) = result else { return result }
        for victim in evictionOrder(sparing: description) {
            _ = calls.update(victim, [0])
            calls.invalidate(victim)
            result = calls.add(description, payload)
            guard case .failure(KernelKeyError(EDQUOT)) = result else { return result }
        }
        return result
    }

    /// Our keys, the soonest to expire first (an unreadable one before all), and the key
    /// being written last (add_key replaces it in place).
    func evictionOrder(sparing description: String) -> [Int32] {
        let keys = calls.userKeys()
        var candidates: [(serial: Int32, expiresOn: Int64)] = []
        for (serial, name) in keys where name.hasPrefix(Self.prefix) && name != description {
            var payload = calls.read(serial) ?? []
            defer { wipe(&payload) }
            let expiresOn = AccessToken(serialized: String(decoding: payload, as: UTF8.self))?.expiresOn ?? Int64.min
            candidates.append((serial, expiresOn))
        }
        candidates.sort { ($0.expiresOn, $0.serial) < ($1.expiresOn, $1.serial) }
        let spared = keys.filter { $0.description == description }.map(\.serial)
        return candidates.map(\.serial) + spared
    }

    public func remove(prefix: String) throws(HelperError) {
        for (serial, description) in calls.userKeys() where description.hasPrefix(Self.prefix + prefix) {
            calls.invalidate(serial)
        }
    }

    /// Our keys in the user keyring: (serial, description).
    static func ourKeys() -> [(Int32, String)] {
        SystemKernelKeyCalls().userKeys().filter { $0.description.hasPrefix(prefix) }.map { ($0.serial, $0.description) }
    }

    private func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { if let base = $0.baseAddress { _ = memset(base, 0, $0.count) } }
    }
}
