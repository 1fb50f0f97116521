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
