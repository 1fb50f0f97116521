import Foundation
import Testing
@testable import HelperCore
import HelperProtocol

@Suite("docker credential codec")
struct DockerCodecTests {
    @Test("server URL: lines joined, CRs dropped, spaces trimmed", arguments: [
        ("reg.example:5000\n", "reg.example:5000"),
        ("  https://index.docker.io/v1/  \r\n\n", "https://index.docker.io/v1/"),
        ("reg\n.example\n", "reg.example"),
    ])
    func serverURL(input: String, expected: String) throws {
        #expect(try DockerCodec.decodeServerURL(Array(input.utf8)) == expected)
    }

    @Test("an empty server URL is refused with the peer's words", arguments: ["", "\n", "  \r\n"])
    func emptyServerURL(input: String) {
        #expect(throws: HelperError.missingServerURL) { try DockerCodec.decodeServerURL(Array(input.utf8)) }
        #expect(HelperError.missingServerURL.message == "no credentials server URL")
    }

    @Test("a NUL byte is refused: it would cut the server name short in the keyring")
    func nul() {
        #expect(throws: HelperError.forbiddenCharacter(key: "ServerURL", character: "a NUL byte")) {
            try DockerCodec.decodeServerURL(Array("reg.example\u{0}.evil\n".utf8))
        }
        for field in ["ServerURL", "Username", "Secret"] {
            let json = #"{"ServerURL":"r","Username":"u","Secret":"s"}"#.replacingOccurrences(
                of: #""\#(field)":"\#(field == "ServerURL" ? "r" : field == "Username" ? "u" : "s")""#,
                with: #""\#(field)":"x\u0000y""#)
            #expect(throws: HelperError.forbiddenCharacter(key: field, character: "a NUL byte")) {
                try DockerCodec.decodeStore(Array(json.utf8))
            }
        }
    }

    @Test("store input", arguments: [
        (#"{"ServerURL":"r:5000","Username":"<token>","Secret":"s"}"#, DockerCredentials(serverURL: "r:5000", username: "<token>", secret: "s")),
        (#"{"serverurl":"r","username":"u","secret":"s","Extra":1}"#, DockerCredentials(serverURL: "r", username: "u", secret: "s")),
        (#" {"ServerURL":"r","Username":"u","Secret":null} "#, DockerCredentials(serverURL: "r", username: "u", secret: "")),
        (#"{"ServerURL":"r","Username":"\u00e9\ud83d\ude00","Secret":"a\/b"}"#, DockerCredentials(serverURL: "r", username: "é😀", secret: "a/b")),
    ])
    func store(input: String, expected: DockerCredentials) throws {
        #expect(try DockerCodec.decodeStore(Array(input.utf8)) == expected)
    }

    @Test("bad store input", arguments: [
        (#"{"Username":"u","Secret":"s"}"#, HelperError.missingServerURL),
        (#"{"ServerURL":"r","Secret":"s"}"#, .missingUsername),
        (#"{"ServerURL":"r","Username":7}"#, .invalidJSON("Username is not a string")),
        (#"["r"]"#, .invalidJSON("not a JSON object")),
        ("{\"ServerURL\":", .invalidJSON("line 1, column 14: unexpected end of input")),
    ])
    func badStore(input: String, error: HelperError) {
        #expect(throws: error) { try DockerCodec.decodeStore(Array(input.utf8)) }
    }

    @Test("get's answer is byte-identical to Go's encoding/json")
    func encode() {
        let bytes = DockerCodec.encode(DockerCredentials(serverURL: "https://r/v1/?a=1&b=<2>", username: "<token>", secret: "q\"\\\n\t\u{1}\u{2028}/é"))
        let expected = #"{"ServerURL":"https://r/v1/?a=1\u0026b=\u003c2\u003e","Username":"\u003ctoken\u003e","Secret":"q\"\\\n\t\u0001\u2028/é"}"# + "\n"
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test("list", arguments: [
        ([String: String](), "{}\n"),
        (["b:5000": "u2", "a": "<token>"], #"{"a":"\u003ctoken\u003e","b:5000":"u2"}"# + "\n"),
    ])
    func list(entries: [String: String], expected: String) {
        #expect(String(decoding: DockerCodec.encodeList(entries), as: UTF8.self) == expected)
    }
}
