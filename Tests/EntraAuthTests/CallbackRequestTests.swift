import Testing
@testable import EntraAuth

@Suite("redirect request parser")
struct CallbackRequestTests {
    static func parse(_ text: String) -> CallbackRequest? { CallbackRequest.parse(Array(text.utf8)) }

    @Test("the request line gives method, path and decoded query fields, in order", arguments: [
        ("GET /?code=a%20b&state=s+t HTTP/1.1\r\nHost: localhost\r\n\r\n",
         CallbackRequest(method: "GET", path: "/", fields: [QueryField(name: "code", value: "a b"), QueryField(name: "state", value: "s t")])),
        ("POST /callback HTTP/1.1\r\n\r\n", CallbackRequest(method: "POST", path: "/callback", fields: [])),
        ("GET / HTTP/1.1\r\n\r\n", CallbackRequest(method: "GET", path: "/", fields: [])),
        ("GET /?a&b=&=c&&code=1&code=2 HTTP/1.1\r\n\r\n", CallbackRequest(method: "GET", path: "/", fields: [
            QueryField(name: "a", value: ""), QueryField(name: "b", value: ""), QueryField(name: "", value: "c"),
            QueryField(name: "code", value: "1"), QueryField(name: "code", value: "2")])),
        ("GET /favicon.ico?x=%zz HTTP/1.0", CallbackRequest(method: "GET", path: "/favicon.ico", fields: [QueryField(name: "x", value: "%zz")])),
    ])
    func parses(text: String, expected: CallbackRequest) {
        #expect(Self.parse(text) == expected)
    }

    @Test("a first line that is not METHOD TARGET VERSION is no request", arguments: [
        "", "\r\n\r\n", "GET /\r\n\r\n", "GET /?code=1 HTTP/1.1 extra\r\n\r\n", "GET\r\n/ HTTP/1.1\r\n",
    ])
    func refuses(text: String) {
        #expect(Self.parse(text) == nil)
    }
}

@Suite("pasted redirect address (paste flow)")
struct PastedAddressTests {
    static let state = "S-123_abc"

    @Test("the address the browser was sent to reads as the listener reads its request", arguments: [
        ("http://localhost:51234/?code=1.emu-code.a_b-c&state=S-123_abc&session_state=x", CallbackVerdict.callback(.code("1.emu-code.a_b-c"))),
        ("http://localhost:51234?code=c%2Fd&state=S-123_abc", .callback(.code("c/d"))),
        ("  localhost:51234/?code=c&state=S-123_abc \r", .callback(.code("c"))),
        ("HTTP://LOCALHOST:51234/?state=S-123_abc&code=c", .callback(.code("c"))),
        ("http://127.0.0.1:51234/?code=c&state=S-123_abc", .callback(.code("c"))),
        ("http://localhost:51234/?error=access_denied&error_description=AADSTS65004%3A+User+declined&state=S-123_abc",
         .callback(.error("access_denied", description: "AADSTS65004: User declined"))),
        ("http://localhost:51234/?code=c&state=other", .wrongState),
        ("http://localhost:51234/?code=c", .wrongState),
        ("http://localhost:51234/?error=access_denied&state=old", .wrongState),
        ("http://localhost:51234/favicon.ico?code=c&state=S-123_abc", .notRedirect),
        ("http://localhost:51234/?state=S-123_abc", .notRedirect),
    ])
    func reads(text: String, expected: CallbackVerdict) throws {
        let request = try #require(CallbackRequest.parse(pasted: text))
        #expect(request.verdict(state: Self.state) == expected)
    }

    @Test("anything but a localhost address is no address", arguments: [
        "", "code=c&state=S-123_abc", "?code=c&state=S-123_abc", "https://evil.example:51234/?code=c&state=S-123_abc",
        "http://localhost/?code=c&state=S-123_abc", "http://localhost:port/?code=c&state=S-123_abc",
        "http://localhost:51234/?code=c&state=S-123_abc#frag", "http://localhost:51234/?code=c &state=S-123_abc",
        "http://user@localhost:51234/?code=c&state=S-123_abc", "http://localhost:51234", "yes",
    ])
    func refuses(text: String) {
        #expect(CallbackRequest.parse(pasted: text) == nil)
    }
}
