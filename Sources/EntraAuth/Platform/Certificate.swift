import CCrypto
import HelperCore

#if canImport(Glibc)
import Glibc
#endif

// A client certificate for client assertions: the RSA key, the certificate chain and the
// signatures, through OpenSSL's libcrypto (CCrypto, opened with dlopen on first use).
// Token sources see only `AssertionSigner`, so they are tested with a hand-written fake.

/// The JWS algorithms Entra ID accepts for a certificate's client assertion.
public enum SignatureAlgorithm: String, Sendable, CaseIterable {
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (RFC 7518 §3.5):
    /// what Microsoft's certificate-credentials page asks for.
    case ps256 = "PS256"
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).
    case rs256 = "RS256"
}

/// What a client assertion needs of a certificate: its thumbprint, its chain and its key's
/// signature. Implementations never reveal the key.
public protocol AssertionSigner: Sendable {
    /// SHA-256 of the leaf certificate's DER (32 bytes), for the `x5t#S256` header.
    var thumbprintSHA256: [UInt8] { get }
    /// Each certificate's DER in standard base64, leaf first, for the `x5c` header.
    var chain: [String] { get }
    /// The signature of `bytes` with the private key.
    func sign(_ bytes: [UInt8], algorithm: SignatureAlgorithm) throws(HelperError) -> [UInt8]
}

/// An RSA private key with its certificate (and chain), read from a PEM file (key and
/// certificates in any order) or a PKCS#12 (.pfx/.p12) file. The key stays inside
/// libcrypto; it is freed (and its numbers cleared by OpenSSL) when this is released.
public final class CertificateCredential: AssertionSigner, @unchecked Sendable {
    // @unchecked: the handle is immutable after loading, and OpenSSL allows concurrent
    // signatures with one key (each uses its own EVP_MD_CTX).
    private let handle: OpaquePointer
    /// The file it was read from (named in errors).
    public let path: String
    public let thumbprintSHA256: [UInt8]
    public let chain: [String]

    private init(handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
        var digest = [UInt8](repeating: 0, count: 32)
        ech_crypto_thumbprint_sha256(handle, &digest)
        thumbprintSHA256 = digest
        chain = (0..<ech_crypto_chain_count(handle)).map { String(cString: ech_crypto_chain_base64(handle, $0)) }
    }

    deinit { ech_crypto_free(handle) }

    /// Reads the file at `path` (read and wiped inside CCrypto). `password` is the file's
    /// password (PKCS#12, or an encrypted PEM key) or nil: the NUL-terminated copy made for
    /// libcrypto is wiped here after use (the caller wipes its own).
    public static func load(path: String, password: [UInt8]?) throws(HelperError) -> CertificateCredential {
        try open(path: path, password: password) { password, out, error in
            ech_crypto_load_file(path, password, &out, error)
        }
    }

    /// The same from bytes already in memory (`path` only names them in errors). The caller
    /// wipes `contents`.
    public static func load(contents: [UInt8], path: String, password: [UInt8]?) throws(HelperError) -> CertificateCredential {
        try open(path: path, password: password) { password, out, error in
            contents.withUnsafeBufferPointer { ech_crypto_load($0.baseAddress, $0.count, password, &out, error) }
        }
    }

    private static func open(path: String, password: [UInt8]?,
                             _ load: (UnsafePointer<CChar>?, inout OpaquePointer?, UnsafeMutablePointer<CChar>) -> Int32)
        throws(HelperError) -> CertificateCredential {
        var error = [CChar](repeating: 0, count: 256)
        var handle: OpaquePointer?
        var secret: [CChar] = password.map { $0.map { CChar(bitPattern: $0) } + [0] } ?? []
        let code = error.withUnsafeMutableBufferPointer { errorBuffer in
            secret.withUnsafeBufferPointer { passwordBuffer in
                load(password == nil ? nil : passwordBuffer.baseAddress, &handle, errorBuffer.baseAddress!)
            }
        }
        secret.withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } }
        let detail = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard code == Int32(ECH_CRYPTO_OK), let handle else { throw failure(code, path: path, detail: detail) }
        return CertificateCredential(handle: handle, path: path)
    }

    /// The error for a CCrypto result.
    static func failure(_ code: Int32, path: String, detail: String) -> HelperError {
        switch Int(code) {
        case Int(ECH_CRYPTO_UNAVAILABLE): return .cryptoUnavailable(detail)
        case Int(ECH_CRYPTO_BAD_PASSWORD): return .certificatePassword(path: path, detail: detail)
        case Int(ECH_CRYPTO_NO_KEY): return .certificateNoPrivateKey(path: path)
        case Int(ECH_CRYPTO_NOT_RSA): return .certificateNotRSA(path: path, detail: detail)
        case Int(ECH_CRYPTO_NO_CERTIFICATE): return .certificateMissing(path: path)
        case Int(ECH_CRYPTO_MISMATCH): return .certificateKeyMismatch(path: path)
        default: return .certificateUnreadable(path: path, detail: detail.isEmpty ? "error \(code)" : detail)
        }
    }

    public func sign(_ bytes: [UInt8], algorithm: SignatureAlgorithm) throws(HelperError) -> [UInt8] {
        var error = [CChar](repeating: 0, count: 256)
        var signature: UnsafeMutablePointer<UInt8>?
        var length = 0
        let code = bytes.withUnsafeBufferPointer { data in
            error.withUnsafeMutableBufferPointer { errorBuffer in
                ech_crypto_sign(handle, Int32(algorithm == .ps256 ? ECH_CRYPTO_PS256 : ECH_CRYPTO_RS256),
                                data.baseAddress, data.count, &signature, &length, errorBuffer.baseAddress!)
            }
        }
        let detail = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard code == Int32(ECH_CRYPTO_OK), let signature else {
            throw Self.failure(code == Int32(ECH_CRYPTO_OK) ? Int32(ECH_CRYPTO_FAILED) : code, path: path, detail: detail)
        }
        defer { free(signature) }
        return Array(UnsafeBufferPointer(start: signature, count: length))
    }

    /// True once this process has opened libcrypto for a certificate (never opens it).
    public static var libraryLoaded: Bool { ech_crypto_loaded() != 0 }
}
