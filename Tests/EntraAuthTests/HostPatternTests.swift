import HelperCore
import Testing
@testable import EntraAuth

@Suite("host patterns")
struct HostPatternTests {
    @Test("patterns are parsed", arguments: [
        ("dev.azure.com", "dev.azure.com"),
        ("DEV.Azure.COM.", "dev.azure.com"),
        ("*.visualstudio.com", "*.visualstudio.com"),
        ("127.0.0.1:5000", "127.0.0.1:5000"),
        ("[::1]:8443", "[::1]:8443"),
        ("registry.example:443", "registry.example:443"),
    ])
    func parses(text: String, canonical: String) throws {
        #expect(try HostPattern(parsing: text).description == canonical)
    }

    @Test("bad patterns are refused", arguments: [
        "", "https://dev.azure.com", "user@dev.azure.com", "*", "*.com", "a.*.com",
        "*dev.azure.com", "dev.azure.com:", "dev.azure.com:notaport", "dev azure.com", "-bad.com", "a..b",
        "dev.azure.com?x", "dev.azure.com#x", "host:70000",
        // Control characters anywhere, the path included (found by the host-routing fuzz target).
        "dev.azure.com/org\u{1B}[8m", "dev.azure.com/a\u{0}b", "dev.azure.com/\u{7F}", "dev.azure.com/x\u{9B}31m",
        // Nothing after an IPv6 literal's bracket but a port (found by the host-routing fuzz target).
        "[::1].", "[::1]..:8443", "[2::1]./x",
    ])
    func refuses(text: String) {
        #expect(throws: HelperError.invalidHostPattern(text)) { try HostPattern(parsing: text) }
    }

    @Test("matching: exact, label boundary, case, trailing dot, port", arguments: [
        ("dev.azure.com", "dev.azure.com", Int?.none, true),
        ("dev.azure.com", "DEV.AZURE.COM.", nil, true),
        ("dev.azure.com", "dev.azure.com", 443, true),
        ("dev.azure.com", "dev.azure.com", 8443, false),
        ("dev.azure.com", "dev.azure.com.evil.com", nil, false),
        ("dev.azure.com", "evildev.azure.com", nil, false),
        ("dev.azure.com", "x.dev.azure.com", nil, false),
        ("*.visualstudio.com", "org.visualstudio.com", nil, true),
        ("*.visualstudio.com", "a.b.visualstudio.com", nil, true),
        ("*.visualstudio.com", "visualstudio.com", nil, false),
        ("*.visualstudio.com", "evilvisualstudio.com", nil, false),
        ("*.visualstudio.com", "org.visualstudio.com.evil.com", nil, false),
        ("*.azurecr.io", "myreg.azurecr.io", 443, true),
        ("127.0.0.1:5000", "127.0.0.1", 5000, true),
        ("127.0.0.1:5000", "127.0.0.1", nil, false),
        ("127.0.0.1:5000", "127.0.0.1", 5001, false),
        ("[::1]:8443", "[::1]", 8443, true),
        ("[::1]:8443", "[::1].", 8443, false),
        ("[::1]:8443", "[::1]..", 8443, false),
    ])
    func matches(pattern: String, host: String, port: Int?, expected: Bool) throws {
        #expect(try HostPattern(parsing: pattern).matches(host: host, port: port) == expected)
    }
}
