import HelperCore
import SecretStore

/// An app's client secret stored with `profile add … --client-secret-stdin`: in the Secret
/// Service under its own schema, keyed by authority, tenant and client id (never the
/// secret: it is the item's secret payload), labelled so a person can tell what it is.
/// Never in the config file, argv or an error line.
public struct ClientSecrets {
    public static let schema = "io.github.entra-credential-helper.ClientSecret"
    let store: any SecretStore

    public init(store: any SecretStore) { self.store = store }

    static func attributes(_ key: SignInKey) -> [String: String] {
        ["xdg:schema": schema, "authority": key.authorityHost, "tenant": key.tenant, "client_id": key.clientID]
    }

    public func load(_ key: SignInKey) throws(HelperError) -> String? {
        let items = try store.searchUnlocking(Self.attributes(key))
        return items.max { $0.modified < $1.modified }?.secret.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func save(_ secret: String, key: SignInKey, profile: String) throws(HelperError) {
        try store.store(label: "Entra client secret for \(Sanitize.line(profile, limit: 64)) (app \(Sanitize.line(key.clientID, limit: 64)))",
                        attributes: Self.attributes(key), secret: secret)
    }

    public func remove(_ key: SignInKey) throws(HelperError) {
        for item in try store.search(Self.attributes(key)) { try store.delete(item) }
    }
}
