@testable import HelperCore
import HelperProtocol
import Testing
@testable import EntraAuth

/// ConfigIndex checks a plain config on its bytes and builds only the profiles routing can
/// choose (issue 10). Config.parse must still say exactly what the full reading says: the
/// same config, or the same error with the same line.
@Suite("config checked on its bytes")
struct ConfigIndexTests {
    static let plain = """
        {
          "default_profile": "work",
          "prompt_cooldown_seconds": 300,
          "store": "memory",
          "profiles": {
            "work": { "tenant": "contoso.onmicrosoft.com", "client_id": "c1", "scopes": ["api://w/.default"],
                      "hosts": ["dev.azure.com/Contoso", "*.Example.COM.", "git.example:8443"], "flow": "device-code",
                      "login_hint": "ada@contoso.example", "domain_hint": "contoso.example", "ports": "50000-50010",
                      "username": "ada", "kind": "generic", "certificate": "/etc/ci/app.pem",
                      "managed_identity": "client_id:mi-1", "service_connection_id": "sc-1", "send_certificate_chain": true },
            "emu": { "tenant": "organizations", "client_id": "c2", "authority_host": "http://127.0.0.1:5000/",
                     "hosts": ["127.0.0.1:5001", "[::1]:5002"] },
            "ado": { "preset": "azure-devops", "hosts": ["dev.azure.com"] },
            "acr": { "preset": "acr", "tenant": "contoso.onmicrosoft.com" }
          }
        }
        """

    /// Config.parse (ConfigIndex when it can) against the full reading.
    static func agree(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let fast = Result { () throws(HelperError) in try Config.parse(bytes, path: "/c.json") }
        let full = Result { () throws(HelperError) in try Config.parseFully(bytes, path: "/c.json") }
        switch (fast, full) {
        case let (.success(a), .success(b)):
            // Config == compares `profiles`, which a checked config builds with the full
            // reading: the profiles the index builds itself are compared one by one.
            return a == b && a.encoded() == b.encoded() && a.profileCount == b.profiles.count
                && b.profiles.allSatisfy { name, profile in a.profile(named: name) == profile }
        case let (.failure(a), .failure(b)): return a == b
        default: return false
        }
    }

    @Test("a plain config is checked on its bytes and reads as the full reading does")
    func plainConfig() throws {
        #expect(ConfigIndex(Array(Self.plain.utf8)) != nil)
        #expect(Self.agree(Self.plain))
    }

    @Test("every change of one value or key reads as the full reading does", arguments: [
        ("\"work\"", ["\"nope\"", "\"wo rk\"", "\"-w\"", "5", "\"\""]),
        ("300", ["86400", "86401", "0", "00", "-1", "3e2", "300.0", "\"300\"", "null"]),
        ("\"memory\"", ["\"file\"", "\"disk\"", "\"memory\\u0000\""]),
        ("\"contoso.onmicrosoft.com\"", ["\"\"", "\"bad tenant\"", "\"t\\u0065nant\"", "\"tënant\"", "5"]),
        ("\"c1\"", ["\"\"", "[\"c1\"]", "null"]),
        ("[\"api://w/.default\"]", ["[]", "[\"\"]", "\"api\"", "[5]", "[\"a\",]"]),
        ("\"*.Example.COM.\"", ["\"*.com\"", "\"https://x.example\"", "\"x.example:0\"", "\"é.example\"", "\"\\u002a.example.com\""]),
        ("\"device-code\"", ["\"browser\"", "\"paste\"", "\"magic\"", "\"\"", "\"interactive\"", "\"client-credentials\"", "\"workload-identity\"", "\"managed-identity\""]),
        ("\"50000-50010\"", ["\"1\"", "\"0\"", "\"50010-50000\"", "\"x\""]),
        ("\"generic\"", ["\"acr\"", "\"other\""]),
        ("\"client_id:mi-1\"", ["\"system\"", "\"object_id:o\"", "\"resource_id:/r\"", "\"client_id:\"", "\"magic:x\"", "\"\"", "5"]),
        ("\"/etc/ci/app.pem\"", ["\"\"", "5", "\"x\""]),
        ("\"send_certificate_chain\": true", ["\"send_certificate_chain\": false", "\"send_certificate_chain\": \"true\"",
                                              "\"send_certificate_chain\": 1", "\"send_certificate_chain\": null",
                                              "\"send_certificate_chain\": tru", "\"send_certificate_chain\": truex",
                                              "\"send_certificate_chain\":false ", "\"send_certificate_chain\": [true]"]),
        ("\"managed_identity\"", ["\"managed_identities\""]),
        ("\"http://127.0.0.1:5000/\"", ["\"http://evil.example\"", "\"https://login.microsoftonline.us\"", "\"ftp://x\""]),
        ("\"azure-devops\"", ["\"aks\"", "\"nope\""]),
        ("\"login_hint\"", ["\"login_hints\"", "\"tenant\"", "\"scopes\""]),
        ("\"store\"", ["\"stores\"", "\"profiles\"", "\"default_profile\""]),
        ("\"emu\"", ["\"acr\"", "\"e\\u006du\"", "\"ado\""]),
    ])
    func changes(original: String, replacements: [String]) {
        for replacement in replacements {
            let text = Self.plain.replacingFirst(original, with: replacement)
            #expect(text != Self.plain)
            #expect(Self.agree(text), "\(original) → \(replacement)")
        }
    }

    @Test("cutting the file anywhere reads as the full reading does")
    func truncations() {
        let bytes = Array(Self.plain.utf8)
        let differ = (0..<bytes.count).filter { !Self.agree(String(decoding: bytes[..<$0], as: UTF8.self)) }
        #expect(differ.isEmpty, "cut at \(differ.prefix(5))")
    }

    @Test("routing builds only the profiles that can match, and chooses as the router over all of them", arguments: [
        "https://dev.azure.com/contoso/repo", "https://dev.azure.com/other", "https://git.example:8443", "https://git.example",
        "https://a.b.example.com", "https://example.com", "http://127.0.0.1:5001", "https://[::1]:5002", "https://DEV.AZURE.COM./x",
        "https://dev.azure.com/contoso/../x", "https://evil.example", "https://myregistry.azurecr.io", "https://org.visualstudio.com","https://\u{212A}.example.com", "https://x.example.com:443",
    ])
    func routing(url: String) throws {
        let config = try Config.parse(Array(Self.plain.utf8), path: "/c.json")
        let full = try Config.parseFully(Array(Self.plain.utf8), path: "/c.json")
        let request = try #require(HostRouter.Request(url: url))
        let fast = Result { () throws(HelperError) in try config.routeOrRefuse(request) }
        let router = Result { () throws(HelperError) in try HostRouter(profiles: Array(full.profiles.values)).routeOrRefuse(request) }
        switch (fast, router) {
        case let (.success(a), .success(b)): #expect(a == b)
        case let (.failure(a), .failure(b)): #expect(a == b)
        default: Issue.record("\(fast) vs \(router)")
        }
    }

    @Test("a profile asked for by name is built alone, as the full reading builds it")
    func named() throws {
        let config = try Config.parse(Array(Self.plain.utf8), path: "/c.json")
        let full = try Config.parseFully(Array(Self.plain.utf8), path: "/c.json")
        for name in ["work", "emu", "ado", "acr", "nope", "wor", ""] {
            #expect(config.profile(named: name) == full.profiles[name], "\(name)")
        }
        #expect(config.profileCount == 4)
        var edited = config
        edited.profiles["new"] = Profile(name: "new", tenant: "t", clientID: "c", scopes: [])
        #expect(edited.profile(named: "new")?.tenant == "t" && edited.profileCount == 5)
    }

    @Test("a host no pattern can match builds no profile; one a pattern matches builds that one")
    func candidates() throws {
        let index = try #require(ConfigIndex(Array(Self.plain.utf8)))
        #expect(try index.candidates(host: "evil.example", port: nil, path: "/c.json")?.isEmpty == true)
        #expect(try index.candidates(host: "a.example.com", port: 443, path: "/c.json")?.map(\.name) == ["work"])
        #expect(try index.candidates(host: "dev.azure.com", port: nil, path: "/c.json")?.map(\.name).sorted() == ["ado", "work"])
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }

    func range(of target: String) -> Range<String.Index>? {
        var start = startIndex
        while start < endIndex {
            if self[start...].hasPrefix(target) { return start..<(index(start, offsetBy: target.count)) }
            start = index(after: start)
        }
        return nil
    }
}

@Suite("profile names are compared byte for byte")
struct ProfileNameBytesTests {
    @Test("a canonically equivalent spelling (the Kelvin sign for K) names no profile, plain file or not", arguments: [
        #"{"profiles": {"K8s": {"tenant": "t.example", "client_id": "c"}}}"#,
        #"{"profiles": {"K8s": {"tenant": "t.example", "client_id": "\u0063"}}}"#,
    ])
    func kelvin(text: String) throws {
        let config = try Config.parse(Array(text.utf8), path: "/c.json")
        #expect(config.profile(named: "K8s")?.name == "K8s")
        #expect(config.profile(named: "\u{212A}8s") == nil)
    }
}
