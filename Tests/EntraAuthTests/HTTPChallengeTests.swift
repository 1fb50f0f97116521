import Testing
@testable import EntraAuth

/// The real transport returns the first WWW-Authenticate value (Azure Arc's challenge names
/// its key file), bounded: a longer one is refused whole, never cut to another path.
@Suite("HTTP: the WWW-Authenticate challenge, bounded")
struct HTTPChallengeTests {
    let server = HTTPTestServer.shared

    @Test("the first WWW-Authenticate value, trimmed, with its status and body")
    func challenge() throws {
        let response = try CurlTransport().send(HTTPRequest(method: "GET", url: server.url("/challenge")))
        #expect(response.status == 401)
        #expect(response.wwwAuthenticate == "Basic realm=/var/opt/azcmagent/tokens/k.key")
        #expect(!response.challengeRefused)
    }

    @Test("none sent: nil, not refused")
    func absent() throws {
        let response = try CurlTransport().send(HTTPRequest(method: "GET", url: server.url("/echo")))
        #expect(response.wwwAuthenticate == nil && !response.challengeRefused)
    }

    @Test("at the bound it is given; one byte over, it is refused whole", arguments: [
        (HTTPResponse.maxChallengeBytes, false), (HTTPResponse.maxChallengeBytes + 1, true), (8000, true),
    ])
    func bound(size: Int, refused: Bool) throws {
        let response = try CurlTransport().send(HTTPRequest(method: "GET", url: server.url("/challenge/\(size)")))
        #expect(response.status == 401)
        #expect(response.challengeRefused == refused)
        #expect(response.wwwAuthenticate?.utf8.count == (refused ? nil : size))
    }
}
