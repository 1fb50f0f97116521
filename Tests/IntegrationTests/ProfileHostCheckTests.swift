import Foundation
import Testing

/// `profile add --host` through the real binary: brackets hold an IPv6 literal only, a
/// wildcard directly over a public suffix (Debian's Public Suffix List) is refused unless
/// --allow-public-suffix, and a missing list is said in one line. Nothing is written
/// when a pattern is refused.
@Suite("profile add: host pattern checks")
struct ProfileHostCheckTests {
    static func add(_ host: String, _ extra: [String] = [], list: String? = nil) throws -> (Outcome, Bool) {
        let dir = try TemporaryDirectory()
        var env = ["ENTRA_CREDENTIAL_HELPER_CONFIG": dir.file("config.json")]
        if let list { env["ENTRA_CREDENTIAL_HELPER_PUBLIC_SUFFIX_LIST"] = list }
        let result = try run([Harness.binary, "profile", "add", "p", "--tenant", "t", "--client-id", "c", "--host", host] + extra,
                             environment: env)
        return (result, FileManager.default.fileExists(atPath: dir.file("config.json")))
    }

    @Test("a wildcard over a public suffix is refused, naming the escape hatch", arguments: [
        "*.azurewebsites.net", "*.github.io", "*.co.uk", "*.GitHub.io:8443", "*.azurestaticapps.net/x",
        // Not in Debian 12's list (20230209); the built-in supplement from a newer one.
        "*.blob.core.windows.net", "*.servicebus.windows.net", "*.azurefd.net",
    ])
    func publicSuffix(_ host: String) throws {
        let (refused, written) = try Self.add(host)
        #expect(refused.status == 1 && !written)
        #expect(refused.stderr.contains("wildcard over the public suffix") && refused.stderr.contains("--allow-public-suffix"), "\(refused.stderr)")
        #expect(refused.stderr.filter { $0 == "\n" }.count == 1)
        let (allowed, saved) = try Self.add(host, ["--allow-public-suffix"])
        #expect(allowed.status == 0 && saved, "\(allowed.stderr)")
    }

    @Test("wildcards under an owner's name are accepted", arguments: [
        "*.contoso.azurewebsites.net", "*.contoso.com", "*.visualstudio.com", "*.azurecr.io", "*.azmk8s.io", "*.core.windows.net",
        "*.mine.blob.core.windows.net",
    ])
    func owned(_ host: String) throws {
        let (result, written) = try Self.add(host)
        #expect(result.status == 0 && written, "\(result.stderr)")
    }

    @Test("without the list a wildcard is refused in one line; an exact host needs no list")
    func missingList() throws {
        let (refused, written) = try Self.add("*.contoso.com", list: "/nonexistent/public_suffix_list.dat")
        #expect(refused.status == 1 && !written)
        #expect(refused.stderr.contains("/nonexistent/public_suffix_list.dat") && refused.stderr.contains("apt-get install publicsuffix"),
                "\(refused.stderr)")
        let (exact, saved) = try Self.add("dev.azure.com", list: "/nonexistent/public_suffix_list.dat")
        #expect(exact.status == 0 && saved, "\(exact.stderr)")
    }

    @Test("brackets hold an IPv6 literal only", arguments: ["[evil.example.com]", "[ｅｖｉｌ]:5000", "[::1%lo]", "[1::2::3]"])
    func brackets(_ host: String) throws {
        let (result, written) = try Self.add(host, ["--allow-public-suffix"])
        #expect(result.status == 1 && !written, "\(result.stderr)")
        #expect(result.stderr.contains("is not a host pattern"), "\(result.stderr)")
        let (ipv6, saved) = try Self.add("[::1]:5000")
        #expect(ipv6.status == 0 && saved, "\(ipv6.stderr)")
    }
}
