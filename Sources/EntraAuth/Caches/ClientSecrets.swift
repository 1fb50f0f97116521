import HelperCore
import SecretStore

/// An app's client secret (`profile add … --client-secret-stdin`) or its certificate's
/// password (`--certificate-password-stdin`), stored in the Secret Service under a schema of
/// its own, keyed by authority, tenant and client id (never the secret: it is the item's
/// secret payload), labelled so a person can tell what it is. Never in the config file,
/// argv or an error line.
public struct ClientSecrets {
    public enum Kind: Sendable, CaseIterable {
        case clientSecret, certificatePassword

        public var schema: String {
            switch self {
            case .clientSecret: return "io.github.entra-credential-helper.ClientSecret"
            case .certificatePassword: return "io.github.entra-credential-helper.CertificatePassword"
            }
        }

        var label: String {
            switch self {
            case .clientSecret: return "Entra client secret"
            case .certificatePassword: return "Entra client certificate password"
            }
        }
    }

    public static let schema = Kind.clientSecret.schema
    let store: any SecretStore
    let kind: Kind

    public init(store: any SecretStore, kind: Kind = .clientSecret) {
        self.store = store
        self.kind = kind
    }

    func attributes(_ key: SignInKey) -> [String: String] {
        ["xdg:schema": kind.schema, "authority": key.authorityHost, "tenant": key.tenant, "client_id": key.clientID]
    }

    public func load(_ key: SignInKey) throws(HelperError) -> String? {
        let items = try store.searchUnlocking(attributes(key))
        return items.max { $0.modified < $1.modified }?.secret.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func save(_ secret: String, key: SignInKey, profile: String) throws(HelperError) {
        try store.store(label: "\(kind.label) for \(Sanitize.line(profile, limit: 64)) (app \(Sanitize.line(key.clientID, limit: 64)))",
                        attributes: attributes(key), secret: secret)
    }

    public func remove(_ key: SignInKey) throws(HelperError) {
        for item in try store.search(attributes(key)) { try store.delete(item) }
    }
}
