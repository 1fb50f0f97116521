import Foundation
import HelperCore
import Testing
@testable import EntraAuth

/// Azure Arc's challenge-file handshake against a fake transport, with the token directory
/// a private temporary one (the binary's is fixed at /var/opt/azcmagent/tokens).
@Suite("managed identity: Azure Arc's challenge-file handshake")
final class ManagedIdentityArcTests {
    let http = FakeTransport()
    let clock = FakeTime()
    let profile = Profile(name: "arc", tenant: "t1", clientID: "unused", scopes: ["https://management.azure.com/.default"])
    let directory: String
    static let endpoint = "http://127.0.0.1:40342/metadata/identity/oauth2/token"
    static let key = "arc-key-" + UUID().uuidString

    init() throws {
        directory = NSTemporaryDirectory() + "arc-tokens-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    }
    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func source(identity: ManagedIdentityID = .systemAssigned) -> ManagedIdentity {
        ManagedIdentity(http: http, endpoint: .arc(endpoint: Self.endpoint), identity: identity, clock: clock,
                        arcTokenDirectory: directory)
    }
    func acquire(_ source: ManagedIdentity) throws -> AccessToken {
        try source.acquire(profile, key: SignInKey(profile: profile), demand: TokenDemand(scopes: profile.scopes, options: AcquireOptions())).token
    }
    @discardableResult
    func keyFile(_ name: String = "k.key", _ content: String = key) throws -> String {
        let path = directory + "/" + name
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
    func challenge(_ realm: String) {
        http.enqueue(.success(HTTPResponse(status: 401, body: Array(#"{"error":"unauthorized_client"}"#.utf8), wwwAuthenticate: "Basic realm=" + realm)))
    }
    /// The Arc problem `acquire` throws; the key never appears in its line.
    func problem(_ source: ManagedIdentity) -> ArcChallengeProblem? {
        do { _ = try acquire(source) } catch let error as HelperError {
            #expect(!error.message.contains(Self.key))
            if case let .arcChallenge(problem) = error { return problem }
            Issue.record("not an Arc problem: \(error.message)")
        } catch { Issue.record("\(error)") }
        return nil
    }

    @Test("the environment: IDENTITY_ENDPOINT with IMDS_ENDPOINT and no IDENTITY_HEADER is Arc")
    func selected() {
        let arc: [String: String] = ["IDENTITY_ENDPOINT": Self.endpoint, "IMDS_ENDPOINT": "http://127.0.0.1:40342"]
        #expect(ManagedIdentityEndpoint.from(environment: arc.lookup) == .arc(endpoint: Self.endpoint))
        #expect(ManagedIdentityEndpoint.from(environment: arc.merging(["IDENTITY_HEADER": "h"]) { $1 }.lookup)
            == .appService(endpoint: Self.endpoint, header: "h"))
        #expect(ManagedIdentityEndpoint.from(environment: ["IDENTITY_ENDPOINT": Self.endpoint].lookup) == .imds(base: ManagedIdentityEndpoint.imdsAddress))
    }

    @Test("401 naming a .key file in the directory, then the same GET with Authorization: Basic <its content>")
    func success() throws {
        let path = try keyFile("a1b2.key", Self.key + "\n")
        challenge(path)
        http.enqueue(200, #"{"access_token":"arc-token","expires_in":"3599","resource":"https://management.azure.com","token_type":"Bearer"}"#)
        let token = try acquire(source())
        #expect(token.token == "arc-token" && token.expiresOn == clock.now + 3599)
        #expect(http.requests.count == 2)
        let url = Self.endpoint + "?api-version=2020-06-01&resource=https%3A%2F%2Fmanagement.azure.com"
        #expect(http.requests.map(\.url) == [url, url])
        #expect(http.requests[0].headers.map { "\($0.name): \($0.value)" } == ["Metadata: true"])
        #expect(http.requests[1].headers.map { "\($0.name): \($0.value)" } == ["Metadata: true", "Authorization: Basic \(Self.key)"])
        #expect(clock.slept.isEmpty)
    }

    @Test("a path outside the directory is refused, and never read", arguments: [
        "/etc/shadow.key", "{dir}/sub/k.key", "{dir}/../k.key", "{dir}", "relative/k.key", "{dir}/./k.key",
    ])
    func outside(realm: String) throws {
        let path = realm.replacingOccurrences(of: "{dir}", with: directory)
        challenge(path)
        guard case let .outsideDirectory(named, expected)? = problem(source()) else { Issue.record("not refused"); return }
        #expect(named == path && expected == directory)
        #expect(http.requests.count == 1)
    }

    @Test("a file that is not .key is refused", arguments: ["k.txt", "k.key.bak", ".key", "key"])
    func notKey(name: String) throws {
        let path = try keyFile(name)
        challenge(path)
        #expect(problem(source()) == .notKeyFile(path: path))
        #expect(http.requests.count == 1)
    }

    @Test("over 4096 bytes is refused; exactly 4096 is read")
    func tooBig() throws {
        let big = try keyFile("big.key", String(repeating: "k", count: 4097))
        challenge(big)
        #expect(problem(source()) == .tooLarge(path: big, limit: 4096))
        let fits = try keyFile("fits.key", String(repeating: "k", count: 4096))
        challenge(fits)
        http.enqueue(200, #"{"access_token":"arc-token","expires_in":3600}"#)
        #expect(try acquire(source()).token == "arc-token")
        #expect(http.requests.last?.headers.last?.value == "Basic " + String(repeating: "k", count: 4096))
    }

    @Test("a missing file, a directory, a symbolic link, an empty key: one line each, no second request")
    func unusableFiles() throws {
        challenge(directory + "/gone.key")
        #expect(problem(source()) == .missing(path: directory + "/gone.key"))
        try FileManager.default.createDirectory(atPath: directory + "/dir.key", withIntermediateDirectories: false)
        challenge(directory + "/dir.key")
        #expect(problem(source()) == .notRegularFile(path: directory + "/dir.key"))
        let target = try keyFile("target.key")
        try FileManager.default.createSymbolicLink(atPath: directory + "/link.key", withDestinationPath: target)
        challenge(directory + "/link.key")
        #expect(problem(source()) == .notRegularFile(path: directory + "/link.key"))
        let empty = try keyFile("empty.key", " \n")
        challenge(empty)
        #expect(problem(source()) == .badKey(path: empty))
        #expect(http.requests.count == 4)
    }

    @Test("no challenge: a 401 without WWW-Authenticate, one too long, not Basic realm=, a 200 first")
    func badChallenges() {
        http.enqueue(401, "{}")
        #expect(problem(source()) == .missingHeader)
        http.enqueue(.success(HTTPResponse(status: 401, challengeRefused: true)))
        #expect(problem(source()) == .headerRefused(limit: HTTPResponse.maxChallengeBytes))
        http.enqueue(.success(HTTPResponse(status: 401, wwwAuthenticate: "Bearer realm=\(directory)/k.key")))
        #expect(problem(source()) == .notBasicRealm)
        http.enqueue(200, #"{"access_token":"x","expires_in":3600}"#)
        #expect(problem(source()) == .noChallenge(status: 200))
    }

    @Test("a second 401, to the key: one line, no third request")
    func secondChallenge() throws {
        let path = try keyFile()
        challenge(path)
        challenge(path)
        #expect(problem(source()) == .keyRefused)
        #expect(http.requests.count == 2)
    }

    @Test("a user-assigned identity is refused before any request: Arc has the system-assigned one only")
    func userAssigned() {
        #expect(problem(source(identity: .clientID("c-1"))) == .userAssigned)
        #expect(http.requests.isEmpty)
    }

    @Test("an endpoint not on this machine is refused before any request: the key never leaves it", arguments: [
        "https://arc.example.com/metadata/identity/oauth2/token", "http://10.0.0.4:40342/metadata/identity/oauth2/token",
        "http://169.254.169.254/metadata/identity/oauth2/token", "http://user@127.0.0.1:40342/x", "gopher://127.0.0.1:40342/x",
    ])
    func notLocal(endpoint: String) throws {
        challenge(try keyFile())
        http.enqueue(200, #"{"access_token":"arc-token","expires_in":"3599","token_type":"Bearer"}"#)
        let remote = ManagedIdentity(http: http, endpoint: .arc(endpoint: endpoint), identity: .systemAssigned, clock: clock,
                                     arcTokenDirectory: directory)
        #expect(problem(remote) == .notLocal(endpoint: endpoint))
        #expect(http.requests.isEmpty)
    }

    @Test("the realm's value: quoted or not, the scheme in any case", arguments: [
        ("Basic realm=/d/k.key", "/d/k.key"), (#"basic realm="/d/k.key""#, "/d/k.key"), ("BASIC  Realm=/d/k.key", "/d/k.key"),
    ])
    func realm(header: String, path: String) throws {
        #expect(try ArcChallenge.realm(header) == path)
    }
}
