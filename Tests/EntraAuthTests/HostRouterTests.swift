import EntraAuth
import HelperCore
import HelperProtocol
import Testing

@Suite("host routing")
struct HostRouterTests {
    static func profile(_ name: String, _ hosts: [String]) -> Profile {
        Profile(name: name, tenant: "organizations", clientID: "c", scopes: ["s/.default"],
                hosts: hosts.map { try! HostPattern(parsing: $0) })
    }

    static let router = HostRouter(profiles: [
        profile("ado", ["dev.azure.com", "*.visualstudio.com"]),
        profile("ado-contoso", ["dev.azure.com/contoso"]),
        profile("acr", ["*.azurecr.io"]),
        profile("acr-prod", ["prod.azurecr.io"]),
        profile("local", ["127.0.0.1:5000"]),
    ])

    struct GitCase: CustomTestStringConvertible, Sendable {
        var proto: String?
        var host: String
        var path: String?
        var expected: String?
        var testDescription: String { "\(proto ?? "-")://\(host)\(path.map { "/" + $0 } ?? "") → \(expected ?? "none")" }
    }

    static let gitCases: [GitCase] = [
        GitCase(proto: "https", host: "dev.azure.com", expected: "ado"),
        GitCase(proto: "https", host: "DEV.Azure.COM.", expected: "ado"),
        GitCase(proto: "https", host: "dev.azure.com:443", expected: "ado"),
        GitCase(proto: "https", host: "dev.azure.com", path: "contoso/web/_git/web", expected: "ado-contoso"),
        GitCase(proto: "https", host: "dev.azure.com", path: "Contoso", expected: "ado-contoso"),
        GitCase(proto: "https", host: "dev.azure.com", path: "contosofoo/x/_git/y", expected: "ado"),
        GitCase(proto: "https", host: "fabrikam.visualstudio.com", expected: "ado"),
        GitCase(proto: "https", host: "prod.azurecr.io", expected: "acr-prod"),
        GitCase(proto: "https", host: "test.azurecr.io", expected: "acr"),
        GitCase(proto: "http", host: "127.0.0.1:5000", expected: "local"),
        GitCase(proto: "https", host: "127.0.0.1:5000", expected: "local"),
        // Never a token for these.
        GitCase(proto: "http", host: "dev.azure.com", expected: nil),
        GitCase(proto: "ftp", host: "dev.azure.com", expected: nil),
        GitCase(proto: "https", host: "dev.azure.com.evil.com", expected: nil),
        GitCase(proto: "https", host: "evil.com", path: "dev.azure.com", expected: nil),
        GitCase(proto: "https", host: "dev.azure.com@evil.com", expected: nil),
        GitCase(proto: "https", host: "evil.com@dev.azure.com", expected: nil),
        GitCase(proto: "https", host: "dev.azure.com%2eevil.com", expected: nil),
        GitCase(proto: "https", host: "dev.azure.com\\@evil.com", expected: nil),
        GitCase(proto: "https", host: "dev.аzure.com", expected: nil),  // Cyrillic а
        GitCase(proto: "https", host: "visualstudio.com", expected: nil),
        GitCase(proto: "https", host: "evilvisualstudio.com", expected: nil),
        GitCase(proto: "https", host: "dev.azure.com:8443", expected: nil),
        GitCase(proto: "https", host: "dev.azure.com:", expected: nil),
        GitCase(proto: "http", host: "127.0.0.1", expected: nil),
        GitCase(proto: "https", host: "", expected: nil),
    ]

    @Test("equal specificity: the profile whose name sorts first, in whatever order they come", arguments: [
        ["zeta", "alpha", "mid"], ["alpha", "mid", "zeta"], ["mid", "zeta", "alpha"],
    ])
    func tieBreak(order: [String]) {
        let router = HostRouter(profiles: order.map { Self.profile($0, ["*.example.com", "git.example.com"]) })
        #expect(router.route(HostRouter.Request(scheme: "https", host: "git.example.com", port: nil))?.name == "alpha")
        #expect(router.route(HostRouter.Request(scheme: "https", host: "other.example.com", port: nil))?.name == "alpha")
    }

    @Test("git requests", arguments: gitCases)
    func git(_ c: GitCase) {
        var credential = GitCredential(protocol: c.proto, host: c.host)
        credential.path = c.path
        let request = HostRouter.Request(git: credential)
        #expect(request.flatMap { Self.router.route($0)?.name } == c.expected)
    }

    @Test("URLs from docker and kubectl", arguments: [
        ("prod.azurecr.io", "acr-prod"),
        ("https://test.azurecr.io/v2/", "acr"),
        ("https://dev.azure.com/contoso/x", "ado-contoso"),
        ("http://127.0.0.1:5000", "local"),
        ("https://dev.azure.com@evil.com/x", nil),
        ("https://evil.com/dev.azure.com", nil),
        ("https://evil.com?dev.azure.com", nil),
        ("https://evil.com#@dev.azure.com", nil),
        ("test.azurecr.io.evil.com", nil),
        ("file://dev.azure.com", nil),
        ("https://", nil),
    ] as [(String, String?)])
    func urls(_ url: String, _ expected: String?) {
        #expect(HostRouter.Request(url: url).flatMap { Self.router.route($0)?.name } == expected)
    }

    @Test("host patterns with a path", arguments: [
        ("dev.azure.com/contoso", "dev.azure.com/contoso"),
        ("dev.azure.com/Contoso/Web/", "dev.azure.com/contoso/web"),
    ])
    func pathPatterns(_ text: String, _ shown: String) throws {
        #expect(try HostPattern(parsing: text).description == shown)
    }

    @Test("bad path patterns are refused", arguments: ["dev.azure.com/", "/contoso", "dev.azure.com/../x", "dev.azure.com/a%2fb"])
    func badPathPatterns(_ text: String) {
        #expect(throws: HelperError.self) { try HostPattern(parsing: text) }
    }
}
