import Synchronization
import Foundation
import HelperCore
import Testing
@testable import EntraAuth

@Suite("federated assertions: the token file read afresh, GitHub Actions and Azure Pipelines OIDC")
struct FederatedAssertionTests {
    let http = FakeTransport()
    let clock = FakeTime()
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ech-fed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func write(_ text: String, to name: String = "token") throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("workload identity: a rotated token file is read again on the next acquisition, as the assertion")
    func rotation() throws {
        let first = fakeJWT(#"{"exp":\#(clock.now + 3600),"sub":"system:serviceaccount:ns:sa"}"#)
        let second = fakeJWT(#"{"exp":\#(clock.now + 7200),"sub":"system:serviceaccount:ns:sa"}"#)
        let path = try write(first + "\n")
        let source = ClientCredentials(client: EntraClient(http: http), credential: .assertion(FederatedTokenFile(path: path, clock: clock)),
                                       clock: clock, flow: .workloadIdentity)
        let profile = Profile(name: "aks", tenant: "t1", clientID: "app-1", scopes: ["api://x/.default"])
        let demand = TokenDemand(scopes: profile.scopes, options: AcquireOptions())
        http.enqueue(200, #"{"access_token":"a1","expires_in":3600}"#)
        http.enqueue(200, #"{"access_token":"a2","expires_in":3600}"#)
        #expect(try source.acquire(profile, key: SignInKey(profile: profile), demand: demand).token.token == "a1")
        _ = try write(second)
        #expect(try source.acquire(profile, key: SignInKey(profile: profile), demand: demand).token.token == "a2")
        #expect(http.form(0)["client_assertion"] == first)
        #expect(http.form(1)["client_assertion"] == second)
        #expect(http.form(1)["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        #expect(try source.state(profile, key: SignInKey(profile: profile)).flow == "workload-identity")
    }

    @Test("the token file: missing, empty, not a JWT, expired, too large: one line each")
    func badFiles() throws {
        let cases: [(String?, FederatedTokenProblem?)] = [
            (nil, .missing),
            ("  \n", .empty),
            ("not-a-jwt", .notJWT),
            (fakeJWT(#"{"exp":\#(clock.now - 1)}"#), .expired(clock.now - 1)),
            (fakeJWT(#"{"exp":1e400}"#), nil),  // clamped far future: accepted
        ]
        for (index, (content, problem)) in cases.enumerated() {
            let path = directory + "/case\(index)"
            if let content { _ = try write(content, to: "case\(index)") }
            let file = FederatedTokenFile(path: path, clock: clock)
            if let problem {
                #expect(throws: HelperError.federatedTokenFile(path: path, problem: problem)) { try file.assertion(audience: "x") }
                let message = HelperError.federatedTokenFile(path: path, problem: problem).message
                #expect(message.contains(path) && !message.contains("\n"))
            } else {
                #expect(try file.assertion(audience: "x") == content)
            }
        }
        let big = try write(String(repeating: "a", count: FederatedTokenFile.limit + 1), to: "big")
        #expect { try FederatedTokenFile(path: big, clock: clock).assertion(audience: "x") } throws: { error in
            guard case .federatedTokenFile(_, .unreadable)? = error as? HelperError else { return false }
            return true
        }
    }

    @Test("the token file must be a regular file: a FIFO or a device there is one line, never waited on")
    func notRegular() throws {
        let fifo = directory + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let zero = directory + "/zero"
        #expect(symlink("/dev/zero", zero) == 0)
        for path in [fifo, zero] {
            // On a thread, so that a read that blocks fails the test instead of hanging it.
            let done = DispatchSemaphore(value: 0)
            let outcome = Mutex<HelperError?>(nil)
            nonisolated(unsafe) let file = FederatedTokenFile(path: path, clock: clock)  // used by that thread only
            Thread.detachNewThread {
                do { _ = try file.assertion(audience: "x") } catch let error as HelperError { outcome.withLock { $0 = error } } catch {}
                done.signal()
            }
            #expect(done.wait(timeout: .now() + 10) == .success, "\(path): the read blocked")
            #expect(outcome.withLock { $0 } == .federatedTokenFile(path: path, problem: .unreadable("not a regular file")))
        }
    }

    @Test("GitHub Actions: GET the request URL with &audience=api://AzureADTokenExchange and a bearer header; the value is the assertion")
    func gitHub() throws {
        http.enqueue(200, #"{"count":1,"value":"gh-oidc-jwt"}"#)
        let oidc = GitHubActionsOIDC(requestURL: "https://pipelines.actions.githubusercontent.com/abc/idtoken/1?api-version=2.0",
                                     requestToken: "request-token", http: http)
        #expect(try oidc.assertion(audience: "ignored") == "gh-oidc-jwt")
        let request = http.requests[0]
        #expect(request.method == "GET")
        #expect(request.url == "https://pipelines.actions.githubusercontent.com/abc/idtoken/1?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange")
        #expect(request.headers.contains { $0.name == "Authorization" && $0.value == "bearer request-token" })
    }

    @Test("Azure Pipelines: POST ?api-version=7.1&serviceConnectionId=ID with a Bearer header; oidcToken is the assertion")
    func pipelines() throws {
        http.enqueue(200, #"{"oidcToken":"ado-oidc-jwt"}"#)
        let oidc = AzurePipelinesOIDC(requestURI: "https://dev.azure.com/org/proj/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken",
                                      accessToken: "system-token", serviceConnectionID: "sc-1", http: http)
        #expect(try oidc.assertion(audience: "ignored") == "ado-oidc-jwt")
        let request = http.requests[0]
        #expect(request.method == "POST")
        #expect(request.url.hasSuffix("/oidctoken?api-version=7.1&serviceConnectionId=sc-1"))
        #expect(request.headers.contains { $0.name == "Authorization" && $0.value == "Bearer system-token" })
    }

    @Test("401 from either OIDC endpoint: one line naming the fix, never the request token", arguments: [true, false])
    func unauthorized(gitHub: Bool) {
        http.enqueue(401, "")
        let provider: any ClientAssertionProvider = gitHub
            ? GitHubActionsOIDC(requestURL: "https://gh.example/x?a=1", requestToken: "request-token", http: http)
            : AzurePipelinesOIDC(requestURI: "https://ado.example/x", accessToken: "request-token", serviceConnectionID: "sc", http: http)
        #expect { try provider.assertion(audience: "x") } throws: { error in
            guard let helper = error as? HelperError, case .oidcRequestRefused(_, 401) = helper else { return false }
            let fix = gitHub ? "id-token: write" : "service connection"
            return helper.message.contains(fix) && !helper.message.contains("request-token")
        }
    }

    @Test("an OIDC answer without its token member is one line")
    func noValue() {
        http.enqueue(200, #"{"count":0}"#)
        #expect(throws: HelperError.oidcRequestFailed(provider: "GitHub Actions", detail: "the answer has no \"value\"")) {
            try GitHubActionsOIDC(requestURL: "https://gh.example/x?a=1", requestToken: "t", http: http).assertion(audience: "x")
        }
    }
}
