import Foundation
import Testing
@testable import EntraAuth

// CurlTransport against a local server (127.0.0.1 only, see HTTPTestServer.swift), and
// RetryingTransport with a fake transport and a fake clock.

private func json(_ response: HTTPResponse) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
}

@Suite("HTTPClient: libcurl transport")
struct HTTPClientTests {
    let server = HTTPTestServer.shared
    let transport = CurlTransport(connectTimeoutMilliseconds: 2_000, totalTimeoutMilliseconds: 5_000)

    @Test("libcurl loads with dlopen")
    func available() {
        #expect(CurlTransport.isAvailable)
    }

    @Test("GET sends the headers and our User-Agent; JSON comes back with its content type")
    func get() throws {
        let response = try transport.send(.init(method: "GET", url: server.url("/echo?x=1"),
                                                headers: [("X-Test", "yes"), ("Authorization", "Bearer abc")]))
        #expect(response.status == 200)
        #expect(response.contentType == "application/json")
        #expect(response.retryAfter == nil)
        let echo = try json(response)
        #expect(echo["method"] as? String == "GET")
        #expect(echo["path"] as? String == "/echo?x=1")
        let headers = try #require(echo["headers"] as? [String: String])
        #expect(headers["x-test"] == "yes")
        #expect(headers["authorization"] == "Bearer abc")
        #expect(headers["user-agent"] == "entra-credential-helper/0.1")
    }

    @Test("POST round-trips the body, with no Expect: 100-continue")
    func post() throws {
        let form = "grant_type=refresh_token&refresh_token=" + String(repeating: "r", count: 5_000)
        let response = try transport.send(.init(
            method: "POST", url: server.url("/echo"),
            headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8)))
        let echo = try json(response)
        #expect(echo["method"] as? String == "POST")
        #expect(echo["body"] as? String == form)
        let headers = try #require(echo["headers"] as? [String: String])
        #expect(headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(headers["content-length"] == String(form.utf8.count))
        #expect(headers["expect"] == nil)
    }

    @Test("an empty POST is sent with Content-Length 0")
    func emptyPost() throws {
        let echo = try json(transport.send(.init(method: "POST", url: server.url("/echo"))))
        #expect(echo["body"] as? String == "")
        #expect((echo["headers"] as? [String: String])?["content-length"] == "0")
    }

    @Test("an error status keeps its JSON body")
    func errorBody() throws {
        let response = try transport.send(.init(method: "POST", url: server.url("/error400"), body: Array("x=1".utf8)))
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"error":"invalid_grant"}"#)
        #expect(response.contentType == "application/json")
    }

    @Test("Retry-After: delta-seconds and HTTP-date")
    func retryAfter() throws {
        let busy = try transport.send(.init(method: "GET", url: server.url("/busy")))
        #expect(busy.status == 503)
        #expect(busy.retryAfter == 7)
        #expect(busy.body == Array("busy".utf8))
        let dated = try transport.send(.init(method: "GET", url: server.url("/busydate")))
        #expect(dated.status == 429)
        #expect((110...121).contains(dated.retryAfter ?? -1))
    }

    @Test("plain http:// is refused, without I/O, unless the host is loopback", arguments: [
        "http://example.com/token", "http://127.0.0.1.example.com/", "http://user@127.0.0.1/",
        "http://10.0.0.1/", "ftp://127.0.0.1/", "file:///etc/passwd", "127.0.0.1/echo",
        "http://127.0.0.1\u{0}.example.com/", "https://127.0.0.1 /x",
    ])
    func refused(url: String) {
        let start = ContinuousClock.now
        #expect {
            try transport.send(.init(method: "GET", url: url))
        } throws: { error in
            guard case .refused? = error as? HTTPFault else { return false }
            return true
        }
        #expect(ContinuousClock.now - start < .milliseconds(250))
    }

    @Test("methods other than GET and POST, and header injection, are refused")
    func refusedRequests() {
        #expect(throws: HTTPFault.refused("unsupported HTTP method PUT")) {
            try transport.send(.init(method: "PUT", url: server.url("/echo")))
        }
        #expect(throws: HTTPFault.refused("invalid header X-A")) {
            try transport.send(.init(method: "GET", url: server.url("/echo"), headers: [("X-A", "1\r\nX-B: 2")]))
        }
        #expect(throws: HTTPFault.refused("invalid header X-A")) {
            try transport.send(.init(method: "GET", url: server.url("/echo"), headers: [("X-A", "1\nX-B: 2")]))
        }
    }

    @Test("connection refused: no connection (nothing was sent)")
    func connectionRefused() {
        let url = "http://127.0.0.1:\(closedLoopbackPort())/"
        #expect {
            try transport.send(.init(method: "GET", url: url))
        } throws: { error in
            guard case .noConnection(let text)? = error as? HTTPFault else { return false }
            return !text.isEmpty
        }
    }

    @Test("https to a server that speaks plain HTTP: .notTLS, and nothing of the request reached it")
    func httpsToPlainHTTP() throws {
        // A path no other test asks for: the suite's tests share the server and run in parallel.
        let url = server.url("/not-tls-probe").replacingOccurrences(of: "http://", with: "https://")
        #expect {
            try transport.send(.init(method: "GET", url: url))
        } throws: { error in
            guard case let .notTLS(text)? = error as? HTTPFault else { return false }
            return text.contains("wrong version number")
        }
        #expect(try server.hits()["/not-tls-probe"] == nil)
    }

    @Test("a TLS server's refusals are no .notTLS: an untrusted certificate, a name mismatch")
    func tlsServerFaults() throws {
        let (certificate, key) = try makeLoopbackCertificate()
        let tls = try HTTPTestServer(certificate: certificate, key: key)
        let trusting = CurlTransport(totalTimeoutMilliseconds: 5_000, extraCAFile: certificate)
        for (client, url) in [(transport, tls.url("/echo")),  // self-signed, untrusted
                              (trusting, "https://localhost:\(tls.port)/echo")] {  // trusted, but for 127.0.0.1 only
            #expect {
                try client.send(.init(method: "GET", url: url))
            } throws: { error in
                guard case let .noConnection(text)? = error as? HTTPFault else { return false }
                return !text.isEmpty
            }
        }
    }

    @Test("a server slower than the total timeout gives .timedOut, in time")
    func timeout() {
        let quick = CurlTransport(connectTimeoutMilliseconds: 1_000, totalTimeoutMilliseconds: 500)
        let start = ContinuousClock.now
        #expect {
            try quick.send(.init(method: "GET", url: server.url("/slow")))
        } throws: { error in
            guard case .timedOut? = error as? HTTPFault else { return false }
            return true
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test("bodies over 1 MiB are refused, with or without Content-Length", arguments: ["/big", "/bigstream"])
    func tooBig(path: String) {
        #expect(throws: HTTPFault.network(path == "/big" ? "response body larger than 1 MiB (Content-Length)"
                                                         : "response body larger than 1 MiB")) {
            try transport.send(.init(method: "GET", url: server.url(path)))
        }
    }

    @Test("redirects: not followed by default; followed only to https, never to http")
    func redirects() throws {
        let plain = try transport.send(.init(method: "GET", url: server.url("/redirect")))
        #expect(plain.status == 302)
        #expect {
            try transport.send(.init(method: "GET", url: server.url("/redirect"), followRedirects: true))
        } throws: { error in
            guard case .refused? = error as? HTTPFault else { return false }
            return true
        }
        #expect(try server.hits()["/target"] == nil)
    }

    @Test("https with an extra CA file (SSL_CERT_FILE): trusted only when the file is given")
    func extraCA() throws {
        let (certificate, key) = try makeLoopbackCertificate()
        let tls = try HTTPTestServer(certificate: certificate, key: key)
        #expect {  // an untrusted certificate: the handshake fails, nothing was sent
            try transport.send(.init(method: "GET", url: tls.url("/echo")))
        } throws: { error in
            guard case .noConnection? = error as? HTTPFault else { return false }
            return true
        }
        let trusting = CurlTransport(totalTimeoutMilliseconds: 5_000, extraCAFile: certificate)
        #expect(try trusting.send(.init(method: "GET", url: tls.url("/echo"))).status == 200)
        let missing = CurlTransport(extraCAFile: certificate + ".missing")
        #expect(throws: HTTPFault.self) { try missing.send(.init(method: "GET", url: tls.url("/echo"))) }
    }

    @Test("SSL_CERT_FILE comes from the environment passed in, not the process's")
    func caFileFromInjectedEnvironment() throws {
        let (certificate, key) = try makeLoopbackCertificate()
        let tls = try HTTPTestServer(certificate: certificate, key: key)
        #expect(getenv("SSL_CERT_FILE").map { String(cString: $0) } != certificate)
        let injected = CurlTransport(environment: { $0 == "SSL_CERT_FILE" ? certificate : nil })
        #expect(injected.extraCAFile == certificate)
        #expect(try injected.send(.init(method: "GET", url: tls.url("/echo"))).status == 200)
        #expect(CurlTransport(environment: { _ in "" }).extraCAFile == nil)
        #expect(CurlTransport(environment: { _ in nil }).extraCAFile == nil)
    }
}

// MARK: - Retries

/// Answers from a script, one entry per call; counts the calls.
private final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var script: [Result<HTTPResponse, HTTPFault>]
    private(set) var calls = 0

    init(_ script: [Result<HTTPResponse, HTTPFault>]) { self.script = script }

    func send(_ request: HTTPRequest) throws(HTTPFault) -> HTTPResponse {
        let next: Result<HTTPResponse, HTTPFault> = lock.withLock {
            calls += 1
            return script.count > 1 ? script.removeFirst() : script[0]
        }
        return try next.get()
    }
}

@Suite("HTTPClient: retries")
struct HTTPClientRetryTests {
    let request = HTTPRequest(method: "POST", url: "https://login.example/token")

    @Test("503 with Retry-After, then 200: two attempts, slept Retry-After")
    func serviceUnavailableThenOK() throws {
        let base = ScriptedTransport([.success(.init(status: 503, retryAfter: 2)), .success(.init(status: 200))])
        let clock = FakeTime()
        #expect(try RetryingTransport(base, clock: clock).send(request).status == 200)
        #expect(base.calls == 2)
        #expect(clock.slept == [2_000])
    }

    @Test("500 three times: gives up with the last 500, after backoffs of 0.5 s and 1 s")
    func givesUp() throws {
        let base = ScriptedTransport([.success(.init(status: 500, body: [1])), .success(.init(status: 500, body: [2])),
                                      .success(.init(status: 500, body: [3]))])
        let clock = FakeTime()
        let response = try RetryingTransport(base, clock: clock).send(request)
        #expect(response == HTTPResponse(status: 500, body: [3]))
        #expect(base.calls == 3)
        #expect(clock.slept == [500, 1_000])
    }

    @Test("refused and unavailable are not retried; timeouts are not either")
    func notRetried() {
        for fault in [HTTPFault.refused("no"), .notTLS("wrong version number"), .unavailable("no curl"), .timedOut("slow")] {
            let base = ScriptedTransport([.failure(fault)])
            let clock = FakeTime()
            #expect(throws: fault) { try RetryingTransport(base, clock: clock).send(request) }
            #expect(base.calls == 1)
            #expect(clock.slept.isEmpty)
        }
    }

    @Test("network and no-connection faults are retried, and the last one is thrown",
          arguments: [HTTPFault.network("reset"), .noConnection("refused")])
    func networkRetried(fault: HTTPFault) {
        let base = ScriptedTransport([.failure(fault)])
        let clock = FakeTime()
        #expect(throws: fault) { try RetryingTransport(base, clock: clock).send(request) }
        #expect(base.calls == 3)
    }

    @Test("429 is honoured, with Retry-After capped at the maximum")
    func tooManyRequests() throws {
        let base = ScriptedTransport([.success(.init(status: 429, retryAfter: 120)), .success(.init(status: 204))])
        let clock = FakeTime()
        #expect(try RetryingTransport(base, clock: clock).send(request).status == 204)
        #expect(clock.slept == [10_000])
    }

    @Test("never sleeps past the overall deadline")
    func deadline() throws {
        let base = ScriptedTransport([.success(.init(status: 502))])
        let clock = FakeTime()
        let retrying = RetryingTransport(base, maxAttempts: 5, deadlineMilliseconds: 1_000, clock: clock)
        #expect(try retrying.send(request).status == 502)
        #expect(base.calls == 2)
        #expect(clock.slept == [500])
    }

    @Test("4xx other than 429 is returned at once")
    func clientError() throws {
        let base = ScriptedTransport([.success(.init(status: 400))])
        #expect(try RetryingTransport(base, clock: FakeTime()).send(request).status == 400)
        #expect(base.calls == 1)
    }
}
