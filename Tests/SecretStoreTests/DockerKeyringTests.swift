import HelperCore
import HelperProtocol
import Testing
@testable import SecretStore

@Suite("docker logins in a secret store")
struct DockerKeyringTests {
    let store = MemoryStore()
    var keyring: DockerKeyring { DockerKeyring(store: store) }

    @Test("store writes the peer's item format")
    func format() throws {
        try keyring.store(DockerCredentials(serverURL: "reg:5000", username: "<token>", secret: "s"))
        #expect(store.items.count == 1)
        #expect(store.items[0].label == "reg:5000")
        #expect(store.items[0].attributes == ["xdg:schema": "io.docker.Credentials", "label": "Docker Credentials",
                                              "server": "reg:5000", "username": "<token>", "docker_cli": "1"])
        #expect(store.items[0].secret == "s")
        #expect(try keyring.get(serverURL: "reg:5000") == DockerCredentials(serverURL: "reg:5000", username: "<token>", secret: "s"))
    }

    @Test("not found uses the peer's exact message")
    func notFound() {
        #expect(throws: HelperError.credentialsNotFound) { try keyring.get(serverURL: "nothere") }
        #expect(HelperError.credentialsNotFound.message == "credentials not found in native keychain")
    }

    @Test("a new login replaces the old one for the same server, after it is written")
    func replaceUser() throws {
        try keyring.store(DockerCredentials(serverURL: "r", username: "alice", secret: "1"))
        try keyring.store(DockerCredentials(serverURL: "other", username: "alice", secret: "2"))
        try keyring.store(DockerCredentials(serverURL: "r", username: "bob", secret: "3"))
        #expect(store.calls.suffix(3) == ["store", "search", "delete"])
        #expect(try keyring.get(serverURL: "r").username == "bob")
        #expect(store.items.count == 2)
    }

    @Test("list shows docker's items only")
    func list() throws {
        try keyring.store(DockerCredentials(serverURL: "r1", username: "u1", secret: "1"))
        store.seed(StoredItem(id: "/x/1", label: "git", attributes: ["server": "r2", "protocol": "https", "user": "u"], secret: "g"))
        store.seed(StoredItem(id: "/x/2", label: "impostor", attributes: ["xdg:schema": "other", "server": "r3", "docker_cli": "1"], secret: "i"))
        #expect(try keyring.list() == ["r1": "u1"])
        #expect(try DockerKeyring(store: MemoryStore()).list() == [:])
    }

    @Test("erase removes the server's login; erasing nothing succeeds")
    func erase() throws {
        try keyring.store(DockerCredentials(serverURL: "r", username: "u", secret: "1"))
        try keyring.store(DockerCredentials(serverURL: "keep", username: "u", secret: "2"))
        try keyring.erase(serverURL: "r")
        try keyring.erase(serverURL: "never-stored")
        #expect(store.items.map(\.label) == ["keep"])
    }

    @Test("list works while locked; get unlocks or fails without deleting")
    func locked() throws {
        try keyring.store(DockerCredentials(serverURL: "r", username: "u", secret: "1"))
        store.lockAll()
        #expect(try keyring.list() == ["r": "u"])
        store.lockBehaviour = .staysLocked(.collectionLocked(collection: "login"))
        #expect(throws: HelperError.collectionLocked(collection: "login")) { try keyring.get(serverURL: "r") }
        #expect(store.items.count == 1)
    }
}
