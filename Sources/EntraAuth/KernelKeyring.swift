import CKernel
import HelperProtocol

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

    public init() {}

    /// Whether the key calls work here (a search answers ENOKEY rather than EPERM/ENOSYS).
    public static func probe() -> Bool {
        if ech_search_user_key(prefix + "probe") >= 0 { return true }
        return errno == ENOKEY || errno == EKEYEXPIRED || errno == EKEYREVOKED
    }

    public func load(_ key: String) -> AccessToken? {
        let serial = ech_search_user_key(Self.prefix + key)
        guard serial >= 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 16384)
        defer { wipe(&buffer) }
        let length = buffer.withUnsafeMutableBytes { ech_read_key(serial, $0.baseAddress, $0.count) }
        guard length > 0, length <= buffer.count else { return nil }
        return AccessToken(serialized: String(decoding: buffer[0..<length], as: UTF8.self))
    }

    public func save(_ token: AccessToken, key: String, now: Int64) throws(HelperError) {
        let lifetime = Bounded.difference(token.expiresOn, now)
        guard lifetime > 0 else { return }
        var payload = Array(token.serialized().utf8)
        defer { wipe(&payload) }
        var serial = ech_add_user_key(Self.prefix + key, payload, payload.count)
        if serial < 0, errno == EDQUOT {
            // The per-user quota (20000 bytes by default): make room from our own keys.
            try? remove(prefix: "")
            serial = ech_add_user_key(Self.prefix + key, payload, payload.count)
        }
        guard serial >= 0 else { throw .keyringFailure("kernel keyring: \(Files.errorText())") }
        _ = ech_set_key_timeout(serial, UInt32(Bounded.clamp(lifetime, 1...Int64(UInt32.max))))
    }

    public func remove(prefix: String) throws(HelperError) {
        for (serial, description) in Self.ourKeys() where description.hasPrefix(Self.prefix + prefix) {
            _ = ech_invalidate_key(serial)
        }
    }

    /// Our keys in the user keyring: (serial, description).
    static func ourKeys() -> [(Int32, String)] {
        var serials = [Int32](repeating: 0, count: 1024)
        let length = serials.withUnsafeMutableBytes { ech_read_key(ech_user_keyring(), $0.baseAddress, $0.count) }
        guard length > 0 else { return [] }
        var found: [(Int32, String)] = []
        for serial in serials.prefix(min(Int(length), serials.count * 4) / 4) {
            var text = [CChar](repeating: 0, count: 512)
            guard ech_describe_key(serial, &text, text.count) > 0 else { continue }
            let described = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            // "type;uid;gid;perm;description"; the description may itself hold ';'.
            let parts = described.split(separator: ";", maxSplits: 4, omittingEmptySubsequences: false)
            guard parts.count == 5, parts[0] == "user", parts[4].hasPrefix(prefix) else { continue }
            found.append((serial, String(parts[4])))
        }
        return found
    }

    private func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { if let base = $0.baseAddress { _ = memset(base, 0, $0.count) } }
    }
}
