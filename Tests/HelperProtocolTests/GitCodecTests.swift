import Testing
@testable import HelperCore
import HelperProtocol

@Suite("git credential codec")
struct GitCodecTests {
    static func decode(_ text: String) throws(HelperError) -> GitCredential {
        try GitCodec.decode(Array(text.utf8))
    }

    @Test("attributes are read", arguments: [
        ("protocol=https\nhost=example.com\n", GitCredential(protocol: "https", host: "example.com")),
        ("protocol=https\nhost=example.com:8443\npath=org/repo.git\n",
         GitCredential(protocol: "https", host: "example.com:8443", path: "org/repo.git")),
        ("username=bob\npassword=a=b=c\n", GitCredential(username: "bob", password: "a=b=c")),
        ("password_expiry_utc=1700000000\noauth_refresh_token=rt\n",
         GitCredential(passwordExpiryUTC: "1700000000", oauthRefreshToken: "rt")),
        ("host=first\nhost=second\n", GitCredential(host: "second")),
        ("protocol=https\n\nhost=after-blank-line\n", GitCredential(protocol: "https")),
        ("protocol=https", GitCredential(protocol: "https")),
        ("", GitCredential()),
    ])
    func reads(input: String, expected: GitCredential) throws {
        #expect(try Self.decode(input) == expected)
    }

    @Test("unknown keys are ignored")
    func unknownKeys() throws {
        let c = try Self.decode("protocol=https\nfuture_key=1\nfuture[]=x\nhost=h\n")
        #expect(c == GitCredential(protocol: "https", host: "h"))
    }

    @Test("key[] collects values and an empty key[]= resets")
    func arrays() throws {
        let c = try Self.decode("wwwauth[]=Basic realm=x\nwwwauth[]=Bearer\ncapability[]=authtype\ncapability[]=\ncapability[]=state\nstate[]=a\n")
        #expect(c.wwwauth == ["Basic realm=x", "Bearer"])
        #expect(c.capability == ["state"])
        #expect(c.state == ["a"])
    }

    @Test("git ≥ 2.46 attributes", arguments: [
        ("authtype=Bearer\ncredential=tok\nephemeral=1\ncontinue=true\nquit=yes\n", true),
        ("ephemeral=0\ncontinue=false\nquit=off\n", false),
    ])
    func newerAttributes(input: String, flags: Bool) throws {
        let c = try Self.decode(input)
        #expect(c.ephemeral == flags && c.continue == flags && c.quit == flags)
    }

    @Test("bad input is refused with the reason", arguments: [
        ("host=a\rb\n", HelperError.forbiddenCharacter(key: "host", character: "a carriage return")),
        ("protocol=https\nhost=exa\u{0}mple.com\n", .forbiddenCharacter(key: "host", character: "a NUL byte")),
        ("protocol=https\nhost=example.com\r\n", .forbiddenCharacter(key: "host", character: "a carriage return")),
        ("url=https://example.com%0a.evil.com/\n", .forbiddenCharacter(key: "host", character: "a line feed")),
        ("url=https://ex%0dample.com/\n", .forbiddenCharacter(key: "host", character: "a carriage return")),
        ("protocol=https\nnot a pair\n", .malformedLine(line: 2)),
        ("quit=maybe\n", .invalidBoolean(key: "quit", line: 1)),
        ("url=user:secret@example.com\n", .usage("the url= value has no scheme; send url=https://host/path")),
    ])
    func refuses(input: String, error: HelperError) {
        #expect(throws: error) { try Self.decode(input) }
    }

    @Test("a line over 65535 bytes is refused (70 KB)")
    func longLine() {
        let input = "protocol=https\nhost=" + String(repeating: "a", count: 70_000) + "\n"
        #expect(throws: HelperError.lineTooLong(line: 2, limit: 65535)) { try Self.decode(input) }
    }

    @Test("a line of exactly 65535 bytes is accepted")
    func longestLine() throws {
        let value = String(repeating: "p", count: 65535 - "password=".count)
        #expect(try Self.decode("password=\(value)\n").password == value)
    }

    @Test("invalid UTF-8 is refused in what is stored or matched")
    func invalidUTF8() {
        #expect(throws: HelperError.invalidUTF8(key: "password")) {
            try GitCodec.decode(Array("password=".utf8) + [0xFF, 0xFE, 0x0A])
        }
    }

    @Test("a Latin-1 WWW-Authenticate header or an unknown key does not stop a lookup")
    func lenientPassThrough() throws {
        let bytes = Array("protocol=https\nhost=h\nwwwauth[]=Basic realm=\"caf".utf8) + [0xE9, 0x22, 0x0A]
            + Array("future=".utf8) + [0xFF, 0x0A]
        let c = try GitCodec.decode(bytes)
        #expect(c.host == "h")
        #expect(c.wwwauth == ["Basic realm=\"caf\u{FFFD}\""])
    }

    @Test("url= stands for its parts", arguments: [
        ("url=https://bob:pw@example.com:8443/org/repo.git/\n",
         GitCredential(protocol: "https", host: "example.com:8443", path: "org/repo.git", username: "bob", password: "pw")),
        ("url=https://dev.azure.com@evil.com/\n", GitCredential(protocol: "https", host: "evil.com", username: "dev.azure.com")),
        ("url=https://example.com\n", GitCredential(protocol: "https", host: "example.com")),
        ("url=https://us%40er@example.com/a%20b\n",
         GitCredential(protocol: "https", host: "example.com", path: "a b", username: "us@er")),
        // The host ends at '/', '?' or '#', and the user part at the first '@', as in git
        // and curl: this URL belongs to attacker.example, whatever follows.
        ("url=https://alice:@attacker.example?@victim.example/\n",
         GitCredential(protocol: "https", host: "attacker.example", path: "?@victim.example", username: "alice", password: "")),
        ("url=https://attacker.example#@victim.example/\n",
         GitCredential(protocol: "https", host: "attacker.example", path: "#@victim.example")),
        ("url=https://a@b@victim.example/\n", GitCredential(protocol: "https", host: "b@victim.example", username: "a")),
        ("url=https://example.com///org//\n", GitCredential(protocol: "https", host: "example.com", path: "org")),
        // url= clears what came before it, as git's credential_from_url does.
        ("username=old\npassword=old\npath=old\nurl=https://example.com\n", GitCredential(protocol: "https", host: "example.com")),
    ])
    func url(input: String, expected: GitCredential) throws {
        #expect(try Self.decode(input) == expected)
    }

    @Test("round trip", arguments: [
        GitCredential(protocol: "https", host: "example.com:8443", path: "p", username: "u", password: "p=w",
                      passwordExpiryUTC: "1700000000", oauthRefreshToken: "r"),
        GitCredential(username: "", password: ""),
        GitCredential(protocol: "cert", path: "/home/u/cert.p12"),
    ])
    func roundTrip(credential: GitCredential) throws {
        #expect(try GitCodec.decode(GitCodec.encode(credential)) == credential)
    }

    @Test("round trip of the git ≥ 2.46 fields")
    func roundTripNewer() throws {
        var c = GitCredential(protocol: "https", host: "h")
        c.capability = ["authtype", "state"]
        c.authtype = "Bearer"
        c.credential = "tok"
        c.ephemeral = true
        c.wwwauth = ["Bearer realm=\"x\""]
        c.state = ["helper:a=1"]
        c.continue = true
        c.quit = true
        let bytes = try GitCodec.encode(c)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("capability[]=authtype\ncapability[]=state\n"))
        #expect(try GitCodec.decode(bytes) == c)
    }

    @Test("encoding refuses a value that would inject a line")
    func encodeRefuses() {
        #expect(throws: HelperError.forbiddenCharacter(key: "password", character: "a line feed")) {
            try GitCodec.encode(GitCredential(username: "u", password: "a\nhost=evil"))
        }
    }

    /// `key[]=` with nothing after it clears the list at the reader, so an empty element
    /// cannot be written as one (found by scripts/fuzz.sh git-codec).
    @Test("an empty list element is not written: it would clear the list")
    func emptyListElement() throws {
        var c = GitCredential(protocol: "https", host: "h")
        c.wwwauth = ["Basic realm=x", "", "Bearer"]
        c.state = ["", "a"]
        let decoded = try GitCodec.decode(try GitCodec.encode(c))
        #expect(decoded.wwwauth == ["Basic realm=x", "Bearer"])
        #expect(decoded.state == ["a"])
    }

    @Test("host and port", arguments: [
        ("example.com", "example.com", Int?.none),
        ("example.com:8443", "example.com", 8443),
        ("[::1]:8080", "[::1]", 8080),
        ("[::1]", "[::1]", nil),
        ("example.com:notaport", "example.com:notaport", nil),
        ("example.com:0", "example.com:0", nil),
        // Digits only, as git, curl and Go read a port (found by scripts/fuzz.sh host-routing).
        ("example.com:+443", "example.com:+443", nil),
        ("example.com:-1", "example.com:-1", nil),
        ("[::1]:+80", "[::1]:+80", nil),
        ("example.com:0443", "example.com", 443),
    ])
    func hostPort(host: String, name: String, port: Int?) {
        let split = GitCredential.splitHostPort(host)
        #expect(split.name == name && split.port == port)
    }
}
