import HelperCore

/// A client assertion signed with a certificate, as Microsoft's "certificate credentials"
/// page documents it for the client-credentials (and on-behalf-of) grant: a JWS with
///
/// - header `alg` (PS256, or RS256 on request), `typ: JWT`, `x5t#S256` (base64url SHA-256
///   of the certificate's DER) and, when the chain is sent for subject-name/issuer
///   authentication, `x5c` (each certificate's DER in standard base64, leaf first);
/// - claims `aud` (the token endpoint), `iss` and `sub` (the client id), `jti` (a fresh
///   GUID), `nbf` and `iat` (now) and `exp` (now + `lifetime`, 10 minutes by default);
///
/// base64url without padding, joined by dots. It is sent as `client_assertion` with
/// `client_assertion_type` = `ClientAssertion.assertionType`. The assertion is a secret
/// for its lifetime: it never reaches stderr, argv or a file.
public struct ClientAssertion: Sendable, Equatable {
    public static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    public var clientID: String
    /// The token endpoint the assertion is sent to (`…/{tenant}/oauth2/v2.0/token`).
    public var tokenEndpoint: String
    public var algorithm: SignatureAlgorithm
    /// Adds `x5c` (AZURE_CLIENT_SEND_CERTIFICATE_CHAIN, --send-certificate-chain).
    public var sendChain: Bool
    /// Seconds from `nbf` to `exp` (Microsoft: keep it to 5-10 minutes).
    public var lifetime: Int64

    public init(clientID: String, tokenEndpoint: String, algorithm: SignatureAlgorithm = .ps256,
                sendChain: Bool = false, lifetime: Int64 = 600) {
        self.clientID = clientID
        self.tokenEndpoint = tokenEndpoint
        self.algorithm = algorithm
        self.sendChain = sendChain
        self.lifetime = lifetime
    }

    /// The signed JWT, at `now` (seconds since the epoch), with `jti` (a fresh GUID unless
    /// a test gives one).
    public func make(signer: any AssertionSigner, now: Int64, jti: String = ClientAssertion.newJTI()) throws(HelperError) -> String {
        var header: [String: JSONValue] = [
            "alg": .string(algorithm.rawValue),
            "typ": .string("JWT"),
            "x5t#S256": .string(Base64URL.encode(signer.thumbprintSHA256)),
        ]
        if sendChain { header["x5c"] = .array(signer.chain.map { .string($0) }) }
        let claims: [String: JSONValue] = [
            "aud": .string(tokenEndpoint),
            "iss": .string(clientID),
            "sub": .string(clientID),
            "jti": .string(jti),
            "nbf": .number(String(now)),
            "iat": .number(String(now)),
            "exp": .number(String(now + lifetime)),
        ]
        let signingInput = Base64URL.encode(JSON.encode(.object(header))) + "." + Base64URL.encode(JSON.encode(.object(claims)))
        let signature = try signer.sign(Array(signingInput.utf8), algorithm: algorithm)
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// A random (version 4) GUID in lower case, 8-4-4-4-12, from getrandom(2).
    public static func newJTI() -> String {
        var bytes: [UInt8] = []
        for _ in 0..<4 { withUnsafeBytes(of: Random.number()) { bytes += $0 } }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { out.append(UInt8(ascii: "-")) }
            out += [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
