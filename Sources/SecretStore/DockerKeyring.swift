import HelperCore
import HelperProtocol

/// docker logins in the Secret Service, in the item format of
/// docker-credential-secretservice: schema io.docker.Credentials, attributes
/// label="Docker Credentials", server, username, docker_cli="1", item label = server.
public struct DockerKeyring {
    public static let schema = "io.docker.Credentials"
    static let attributeLabel = "Docker Credentials"

    let store: SecretStore

    public init(store: SecretStore) { self.store = store }

    public func get(serverURL: String) throws(HelperError) -> DockerCredentials {
        let found = try store.searchUnlocking(Self.attributes(server: serverURL))
        guard let item = found.filter({ !$0.locked && $0.secret != nil })
            .max(by: { $0.modified < $1.modified }),
            let secret = item.secret
        else { throw .credentialsNotFound }
        return DockerCredentials(
            serverURL: serverURL, username: item.attributes["username"] ?? "", secret: secret)
    }

    /// Stores the login; an older login for the same server under another username is
    /// removed only after the new one is safely written (docker keeps one per server).
    public func store(_ c: DockerCredentials) throws(HelperError) {
        var attributes = Self.attributes(server: c.serverURL)
        attributes["label"] = Self.attributeLabel
        attributes["username"] = c.username
        try store.store(label: c.serverURL, attributes: attributes, secret: c.secret)
        for item in try store.search(Self.attributes(server: c.serverURL))
        where item.attributes["username"] != c.username {
            try store.delete(item)
        }
    }

    /// Erasing a login that is not there succeeds, as with the peer.
    public func erase(serverURL: String) throws(HelperError) {
        for item in try store.searchUnlocking(Self.attributes(server: serverURL)) {
            try store.delete(item)
        }
    }

    /// server → username for docker's own items only. Attributes are readable while
    /// the collection is locked, so listing never prompts.
    public func list() throws(HelperError) -> [String: String] {
        var entries: [String: String] = [:]
        for item in try store.search(["xdg:schema": Self.schema, "docker_cli": "1"]) {
            guard let server = item.attributes["server"] else { continue }
            entries[server] = item.attributes["username"] ?? ""
        }
        return entries
    }

    static func attributes(server: String) -> [String: String] {
        ["xdg:schema": schema, "server": server, "docker_cli": "1"]
    }
}
