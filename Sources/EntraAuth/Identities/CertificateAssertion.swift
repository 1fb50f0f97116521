import HelperCore

/// Client credentials with a certificate: the key and certificate file (PEM or PKCS#12,
/// AZURE_CLIENT_CERTIFICATE_PATH or the profile's `certificate`) read on each acquisition
/// (a cache miss only), and a fresh signed assertion (`ClientAssertion`: PS256, `x5t#S256`,
/// `x5c` with AZURE_CLIENT_SEND_CERTIFICATE_CHAIN) for the token endpoint it is sent to.
public struct CertificateAssertion: ClientAssertionProvider {
    public let path: String
    let password: String?
    let clientID: String
    let sendChain: Bool
    let clock: any TimeSource

    public init(path: String, password: String?, clientID: String, sendChain: Bool, clock: any TimeSource) {
        self.path = path
        self.password = password
        self.clientID = clientID
        self.sendChain = sendChain
        self.clock = clock
    }

    /// From the environment, as the Azure SDKs read it (the password in
    /// AZURE_CLIENT_CERTIFICATE_PASSWORD; the chain sent when
    /// AZURE_CLIENT_SEND_CERTIFICATE_CHAIN is 1 or true).
    public static func from(path: String, profile: Profile, environment: (String) -> String?, clock: any TimeSource) -> CertificateAssertion {
        let password = environment("AZURE_CLIENT_CERTIFICATE_PASSWORD").flatMap { $0.isEmpty ? nil : $0 }
        let chain = environment("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN").map { ["1", "true"].contains($0.lowercased()) } ?? false
        return CertificateAssertion(path: path, password: password, clientID: profile.clientID, sendChain: chain, clock: clock)
    }

    public func assertion(audience: String) throws(HelperError) -> String {
        let signer = try CertificateCredential.load(path: path, password: password.map { Array($0.utf8) })
        return try ClientAssertion(clientID: clientID, tokenEndpoint: audience, sendChain: sendChain).make(signer: signer, now: clock.now)
    }
}
