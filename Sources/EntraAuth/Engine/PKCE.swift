import HelperCore
import CLibSecret

#if canImport(Glibc)
import Glibc
#endif

/// Proof Key for Code Exchange (RFC 7636), S256 only, with GLib's SHA-256 and Base64.
public struct PKCE: Equatable, Sendable {
    public let verifier: String
    public var challenge: String { Self.challenge(for: verifier) }
    public let method = "S256"

    /// A fresh verifier: 32 bytes from the kernel's CSPRNG, base64url (43 characters).
    public init() throws(HelperError) {
        verifier = try Random.token(bytes: 32)
    }

    public init(verifier: String) { self.verifier = verifier }

    /// BASE64URL(SHA256(ASCII(verifier))), unpadded.
    public static func challenge(for verifier: String) -> String {
        let checksum = g_checksum_new(G_CHECKSUM_SHA256)
        defer { g_checksum_free(checksum) }
        let bytes = Array(verifier.utf8)
        g_checksum_update(checksum, bytes, gssize(bytes.count))
        var digest = [UInt8](repeating: 0, count: 32)
        var length = gsize(digest.count)
        g_checksum_get_digest(checksum, &digest, &length)
        return Base64URL.encode(Array(digest.prefix(Int(length))))
    }
}

/// Unpadded base64url (RFC 4648 §5), on top of GLib's Base64.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        guard let encoded = g_base64_encode(bytes, gsize(bytes.count)) else { return "" }
        defer { g_free(encoded) }
        return String(String(cString: encoded).compactMap { (c: Character) -> Character? in
            switch c {
            case "+": return "-"
            case "/": return "_"
            case "=": return nil
            default: return c
            }
        })
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var standard = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        guard standard.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "/") }) else { return nil }
        while standard.utf8.count % 4 != 0 { standard += "=" }
        var length: gsize = 0
        guard let decoded = g_base64_decode(standard, &length) else { return nil }
        defer { g_free(decoded) }
        return Array(UnsafeBufferPointer(start: decoded, count: Int(length)))
    }
}

/// Random tokens for PKCE verifiers, `state` and `nonce`, from getrandom(2).
public enum Random {
    /// A uniformly random 32-bit number (0 if the kernel refuses, which then only
    /// makes a port choice predictable, never a secret).
    public static func number() -> UInt32 {
        var value: UInt32 = 0
        _ = withUnsafeMutableBytes(of: &value) { getrandom($0.baseAddress!, 4, 0) }
        return value
    }

    public static func token(bytes count: Int) throws(HelperError) -> String {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { getrandom($0.baseAddress! + filled, count - filled, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .randomUnavailable
            }
            filled += n
        }
        return Base64URL.encode(buffer)
    }
}

/// Hex SHA-256 with GLib, for cache key names that must not reveal what they key.
public enum Digest {
    public static func sha256Hex(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard let hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, bytes, gsize(bytes.count)) else { return "" }
        defer { g_free(hex) }
        return String(cString: hex)
    }
}
