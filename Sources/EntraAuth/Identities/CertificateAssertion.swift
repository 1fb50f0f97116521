import HelperCore

/// Client credentials with a certificate: the key and certificate file (PEM or PKCS#12,
/// AZURE_CLIENT_CERTIFICATE_PATH or the profile's `certificate`) read on each acquisition
/// (a cache miss only), and a fresh signed assertion (`ClientAssertion`: PS256, `x5t#S256`,
/// and `x5c`, the chain leaf first, with AZURE_CLIENT_SEND_CERTIFICATE_CHAIN or the
/// profile's `send_certificate_chain`) for the token endpoint it is sent to.
public struct CertificateAssertion: ClientAssertionProvider {
    public let path: String
    let password: String?
    let clientID: String
    let sendChain: Bool
    let clock: any TimeSource
    /// The password stored with the profile (`--certificate-password-stdin`), asked only
    /// when the file needs one and none was given: no D-Bus for a file without one. nil
    /// when none is stored or the Secret Service cannot be reached.
    let storedPassword: (() -> String?)?

    public init(path: String, password: String?, clientID: String, sendChain: Bool, clock: any TimeSource,
                storedPassword: (() -> String?)? = nil) {
        self.path = path
        self.password = password
        self.clientID = clientID
        self.sendChain = sendChain
        self.clock = clock
        self.storedPassword = storedPassword
    }

    /// From the environment, as the Azure SDKs read it (the password in
    /// AZURE_CLIENT_CERTIFICATE_PASSWORD; the chain sent when
    /// AZURE_CLIENT_SEND_CERTIFICATE_CHAIN is 1 or true, not when it is 0 or false, else
    /// as the profile says).
    public static func from(path: String, profile: Profile, environment: (String) -> String?, clock: any TimeSource,
                            storedPassword: (() -> String?)? = nil) -> CertificateAssertion {
        let password = environment("AZURE_CLIENT_CERTIFICATE_PASSWORD").flatMap { $0.isEmpty ? nil : $0 }
        return CertificateAssertion(path: path, password: password, clientID: profile.clientID,
                                    sendChain: sendsChain(profile, environment: environment), clock: clock, storedPassword: storedPassword)
    }

    /// AZURE_CLIENT_SEND_CERTIFICATE_CHAIN (true/1 or false/0), else the profile's setting.
    public static func sendsChain(_ profile: Profile, environment: (String) -> String?) -> Bool {
        switch environment("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN")?.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: return profile.sendCertificateChain
        }
    }

    /// The certificate, opened with the password given, else (when it needs one) the stored
    /// one. A Secret Service that cannot be reached leaves the password's own line.
    public func credential() throws(HelperError) -> CertificateCredential {
        do {
            return try CertificateCredential.load(path: path, password: password.map { Array($0.utf8) })
        } catch {
            guard case .certificatePassword = error, password == nil, let storedPassword,
                  let stored = storedPassword() else { throw error }
            return try CertificateCredential.load(path: path, password: Array(stored.utf8))
        }
    }

    public func assertion(audience: String) throws(HelperError) -> String {
        try ClientAssertion(clientID: clientID, tokenEndpoint: audience, sendChain: sendChain).make(signer: credential(), now: clock.now)
    }
}
