@testable import HelperCore
import Testing
@testable import EntraAuth

/// The config is read on every call, so its hot parts run on UTF-8 bytes (issue 10):
/// these hold them to the readings they replaced.
@Suite("config reading on bytes")
struct ConfigReadingTests {
    /// The byte reading of an ASCII pattern, and the Unicode reading of the same text.
    static func readings(_ text: String) -> (bytes: HostPattern?, unicode: HostPattern?) {
        var copy = text
        let bytes: HostPattern?
        switch copy.withUTF8(HostPattern.parseASCII) {
        case let .parsed(pattern): bytes = pattern
        case .invalid: bytes = nil
        case .notASCII: Issue.record("\(text.debugDescription) is ASCII"); bytes = nil
        }
        return (bytes, try? HostPattern(unicode: text))
    }

    @Test("an ASCII pattern reads the same on bytes as in Unicode", arguments: [
        "dev.azure.com", "DEV.Azure.COM.", "*.visualstudio.com", "*.Example.COM..", "127.0.0.1:5000", "[::1]:8443",
        "[::1]", "[::1].", "[::1]:", "[::1]:x", "[]", "[", "]", "host:0", "host:00443", "host:65535", "host:65536",
        "host:000000000000000000000000443", "host:+443", "host::443", "a:b:443", "*.", "*", "*.com", "*.a.b:8443",
        ".", "..", "a.", "a..", "-a.com", "a-.com", "a.-b.com", String(repeating: "a", count: 63) + ".com",
        String(repeating: "a", count: 64) + ".com", "dev.azure.com/Org", "dev.azure.com/org/", "dev.azure.com//a//B/",
        "dev.azure.com/", "dev.azure.com/.", "dev.azure.com/a/..", "dev.azure.com/...", "dev.azure.com/a%2e",
        "/org", ":443/org", "a_b.com", "a b.com", "a\tb", "a\r\nb", "a\u{7F}b", "a@b", "a?b", "a#b", "a\\b", "",
    ])
    func sameReading(text: String) {
        let readings = Self.readings(text)
        #expect(readings.bytes == readings.unicode)
    }

    @Test("20,000 generated ASCII patterns read the same on bytes as in Unicode")
    func generated() {
        let pieces = ["a", "Z", "9", "0", "-", ".", "*.", ":", ":443", ":8", "[", "]", "::1", "/", "%", "@", " ",
                      "x.example", "COM", "..", "/.", "/..", "\u{1}", "\u{7F}", "_"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var differ: [String] = []
        for _ in 0..<20_000 {
            var text = ""
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            for _ in 0..<Int(state >> 60) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                text += pieces[Int(state >> 33) % pieces.count]
            }
            let readings = Self.readings(text)
            if readings.bytes != readings.unicode { differ.append(text) }
        }
        #expect(differ.isEmpty, "read differently: \(differ.prefix(5))")
    }

    @Test("a pattern outside ASCII is read in Unicode", arguments: [
        ("dev.azure.com/Ärger", true), ("\u{212A}.example.com", true), ("dév.example.com", false),
        ("dev.azure.com/a\u{85}b", false), ("dev.azure.com/a\u{A0}b", false),
    ])
    func unicode(text: String, valid: Bool) throws {
        var copy = text
        guard case .notASCII = copy.withUTF8(HostPattern.parseASCII) else { Issue.record("read as ASCII"); return }
        #expect((try? HostPattern(parsing: text)) == (try? HostPattern(unicode: text)))
        #expect(((try? HostPattern(parsing: text)) != nil) == valid)
    }

    static func largeConfig(breaking broken: Int? = nil) -> (text: String, line: Int?) {
        var text = "{\n  \"default_profile\": \"team-0000\",\n  \"profiles\": {\n"
        var line = 4
        var brokenLine: Int?
        for i in 0..<1000 {
            let host = i == broken ? "https://git.team\(i).example" : "git.team\(i).example"
            if i == broken { brokenLine = line + 4 }  // the "hosts" line
            text += """
                    "team-\(String(i + 10000).dropFirst())": {
                      "tenant": "team\(i).onmicrosoft.com",
                      "client_id": "c-\(i)",
                      "scopes": ["api://team-\(i)/.default"],
                      "hosts": ["*.team\(i).example.net", "kube.team\(i).example:6443",
                                "\(host)", "dev.example.org/team-\(i)"]
                    }\(i == 999 ? "" : ",")

                """
            line += 7
        }
        return (text + "  }\n}\n", brokenLine)
    }

    @Test("1,000 profiles read, and one broken among them is named with its line")
    func largeConfig() throws {
        let config = try Config.parse(Array(Self.largeConfig().text.utf8), path: "/c.json")
        #expect(config.profiles.count == 1000)
        #expect(config.profiles["team-0736"]?.hosts.map(\.description)
            == ["*.team736.example.net", "kube.team736.example:6443", "git.team736.example", "dev.example.org/team-736"])
        let broken = Self.largeConfig(breaking: 736)
        #expect(throws: HelperError.configInvalid(path: "/c.json", line: broken.line,
                                                  reason: HelperError.invalidHostPattern("https://git.team736.example").message)) {
            try Config.parse(Array(broken.text.utf8), path: "/c.json")
        }
    }

    @Test("a string reads the same with and without escapes, and its faults keep their column", arguments: [
        (#"["dev.azure.com"]"#, #"["dev.azure\u002ecom"]"#),
        (#"["é/\"x"]"#, #"["\u00e9/\"x"]"#),
    ])
    func strings(plain: String, escaped: String) throws {
        #expect(try JSON.parse(Array(plain.utf8)) == JSON.parse(Array(escaped.utf8)))
    }

    @Test("a string that is not UTF-8 is refused at its end, escaped or not", arguments: [
        ([0x22, 0x61, 0xFF, 0x62, 0x22], 5), ([0x22, 0x61, 0xFF, 0x5C, 0x6E, 0x22], 4),
    ])
    func invalidUTF8(bytes: [UInt8], column: Int) {
        #expect(throws: JSONError(line: 1, column: column, reason: "a string is not valid UTF-8")) { try JSON.parse(bytes) }
    }
}
