import EntraAuth
import HelperCore
import Testing

/// Item 8 of issue 9: brackets hold an IPv6 literal only, and a wildcard directly over a
/// public suffix is refused (the Public Suffix List's own algorithm, both sections).
@Suite("host pattern checks: IPv6 brackets and public suffixes")
struct PublicSuffixListTests {
    @Test("brackets hold an IPv6 literal only", arguments: [
        "[evil.example.com]", "[ｅｖｉｌ]:5000", "[]", "[::1%eth0]", "[1::2::3]", "[12345::]", "[::ffff:256.1.1.1]",
        "[1:2:3:4:5:6:7:8:9]", "[1:2:3:4:5:6:7]", "[:1]", "[1:]", "[:::1]", "[::ffff:1.2.3]", "[g::1]", "[::1", "[１::1]",
        "[::ffff:01.2.3.4]",
    ])
    func badBrackets(_ text: String) {
        #expect(throws: HelperError.self) { try HostPattern(parsing: text) }
    }

    @Test("IPv6 literals are accepted", arguments: [
        "[::1]", "[::1]:5000", "[2001:db8::1]", "[::ffff:127.0.0.1]", "[1:2:3:4:5:6:7:8]", "[fe80::]", "[::]", "[1:2:3:4:5:6:7::]",
        "[2001:DB8:0:0:0:0:0:1]:8443",
    ])
    func goodBrackets(_ text: String) throws {
        _ = try HostPattern(parsing: text)
    }

    @Test("a bracketed request host that is no IPv6 literal never routes")
    func bracketRequest() {
        let router = HostRouter(profiles: [HostRouterTests.profile("local", ["[::1]:5000"])])
        #expect(router.route(HostRouter.Request(scheme: "http", host: "[::1]", port: 5000))?.name == "local")
        #expect(router.route(HostRouter.Request(scheme: "https", host: "[evil.example.com]", port: 5000)) == nil)
    }

    /// An excerpt in the list's own format: both sections, a wildcard and an exception
    /// rule, a Unicode rule, comments and trailing text.
    static let excerpt = PublicSuffixList(parsing: Array("""
        // ===BEGIN ICANN DOMAINS===
        com
        uk
        co.uk
        // ck : https://www.iana.org/domains/root/db/ck.html
        *.ck
        !www.ck
        cn
        公司.cn
        jp
        *.kawasaki.jp
        !city.kawasaki.jp
        // ===END ICANN DOMAINS===
        // ===BEGIN PRIVATE DOMAINS===
        github.io
        azurewebsites.net  trailing words are ignored
        blob.core.windows.net\r
        // ===END PRIVATE DOMAINS===

        """.utf8))

    @Test("the list's algorithm", arguments: [
        ("com", true), ("example.com", false), ("co.uk", true), ("contoso.co.uk", false), ("foo.ck", true), ("ck", true),
        ("www.ck", false), ("a.www.ck", false), ("a.foo.ck", false), ("github.io", true), ("GitHub.IO.", true),
        ("contoso.github.io", false), ("azurewebsites.net", true), ("blob.core.windows.net", true), ("core.windows.net", false),
        ("xn--55qx5d.cn", true), ("xn--55qx5d.com", false), ("xn--zz.cn", false), ("xn--.cn", false), ("net", true),
        ("anything.kawasaki.jp", true), ("city.kawasaki.jp", false), ("x.city.kawasaki.jp", false),
    ])
    func algorithm(_ domain: String, _ isSuffix: Bool) {
        #expect(Self.excerpt.isPublicSuffix(domain) == isSuffix)
    }

    @Test("wildcards directly over a public suffix are found; deeper ones and exact hosts are not")
    func wildcards() throws {
        let patterns = try ["*.azurewebsites.net", "*.github.io", "*.blob.core.windows.net", "*.foo.ck", "*.www.ck", "*.contoso.github.io",
                            "*.contoso.com", "github.io", "*.xn--55qx5d.cn"].map { (text) throws(HelperError) in try HostPattern(parsing: text) }
        #expect(Self.excerpt.wildcardsOverPublicSuffixes(patterns).map(\.description)
                == ["*.azurewebsites.net", "*.github.io", "*.blob.core.windows.net", "*.foo.ck", "*.xn--55qx5d.cn"])
    }

    @Test("Debian's list: shared domains are public suffixes, the presets' domains are not")
    func debianList() throws {
        let list = try PublicSuffixList.load(path: PublicSuffixList.defaultPath)
        // The last ones come from the built-in supplement: Debian 12's list (20230209) lacks them.
        for domain in ["azurewebsites.net", "github.io", "co.uk", "azurestaticapps.net", "cloudapp.net", "blob.core.windows.net",
                       "servicebus.windows.net", "azure-api.net", "azurefd.net", "azureedge.net", "trafficmanager.net"] {
            let suffix = list.isPublicSuffix(domain)
            #expect(suffix, "\(domain)")
        }
        for domain in ["azurecr.io", "azmk8s.io", "visualstudio.com", "azure.com", "www.ck", "core.windows.net", "windows.net"] {
            let suffix = list.isPublicSuffix(domain)
            #expect(!suffix, "\(domain)")
        }
        for preset in Preset.allCases {
            try PublicSuffixList.check(try preset.profile(name: "p").hosts, path: PublicSuffixList.defaultPath)
        }
    }

    @Test("check: one line naming --allow-public-suffix; a missing list is said, not skipped")
    func check() throws {
        let wildcard = [try HostPattern(parsing: "*.azurewebsites.net")]
        let refused = #expect(throws: HelperError.self) { try PublicSuffixList.check(wildcard, path: PublicSuffixList.defaultPath) }
        #expect(refused == .wildcardOverPublicSuffix("*.azurewebsites.net"))
        let blob = #expect(throws: HelperError.self) {
            try PublicSuffixList.check([try HostPattern(parsing: "*.blob.core.windows.net")], path: PublicSuffixList.defaultPath)
        }
        #expect(blob == .wildcardOverPublicSuffix("*.blob.core.windows.net"))
        #expect(refused?.message.contains("--allow-public-suffix") == true)
        let missing = #expect(throws: HelperError.self) { try PublicSuffixList.check(wildcard, path: "/nonexistent/psl.dat") }
        #expect(missing?.message.contains("sudo apt-get install publicsuffix") == true)
        // Only a wildcard needs the list: exact hosts never read it.
        try PublicSuffixList.check([try HostPattern(parsing: "dev.azure.com")], path: "/nonexistent/psl.dat")
        try PublicSuffixList.check([try HostPattern(parsing: "*.contoso.azurewebsites.net")], path: PublicSuffixList.defaultPath)
    }
}
