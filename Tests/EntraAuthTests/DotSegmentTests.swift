import EntraAuth
import HelperCore
import Testing

/// `path=contoso/../fabrikam/_git/r` must not get contoso's token (git's curl asks for
/// /fabrikam): a `.` or `..` segment, in any encoding, is refused on a routed host.
@Suite("dot segments in routed paths")
struct DotSegmentTests {
    static let router = HostRouter(profiles: [
        HostRouterTests.profile("ado-contoso", ["dev.azure.com/contoso"]),
        HostRouterTests.profile("ado", ["*.visualstudio.com"]),
    ])

    @Test("refused with one line, whatever the encoding", arguments: [
        "contoso/../fabrikam/_git/r", "contoso/%2e%2e/fabrikam/_git/r", "contoso/%2E%2e/fabrikam", "contoso/.%2E/fabrikam",
        "contoso/%2e./fabrikam", "contoso/%252e%252e/fabrikam", "contoso/..%2ffabrikam/_git/r", "contoso/..%2Ffabrikam",
        "contoso/..;/fabrikam", "contoso/..\\fabrikam", "contoso/%5c..%5cfabrikam", "contoso/./_git/r", "contoso/%2e/_git/r",
        "contoso/_git/r/..", "./contoso/_git/r", "contoso/x/../../fabrikam",
    ])
    func refused(_ path: String) {
        let request = HostRouter.Request(scheme: "https", host: "dev.azure.com", port: nil, path: path)
        #expect(Self.router.route(request) == nil)
        let error = #expect(throws: HelperError.self) { try Self.router.routeOrRefuse(request) }
        #expect(error?.message.contains("'.' or '..' segment") == true, "\(String(describing: error))")
        #expect(error.map { !$0.message.contains("\n") } == true)
    }

    @Test("dots inside a name are not segments", arguments: [
        "contoso/...x/_git/r", "contoso/.hidden/_git/r", "contoso/a..b/_git/r", "contoso/%2e%2ex/_git/r", "contoso/_git/r.git",
    ])
    func allowed(_ path: String) throws {
        let request = HostRouter.Request(scheme: "https", host: "dev.azure.com", port: nil, path: path)
        #expect(try Self.router.routeOrRefuse(request)?.name == "ado-contoso")
    }

    @Test("a wildcard host with a dot segment is refused too")
    func wildcardHost() {
        let request = HostRouter.Request(scheme: "https", host: "fabrikam.visualstudio.com", port: nil, path: "a/%2E%2E/b")
        #expect(throws: HelperError.self) { try Self.router.routeOrRefuse(request) }
    }

    @Test("a host no profile names keeps its stored logins: no refusal, no route")
    func unroutedHost() throws {
        let request = HostRouter.Request(scheme: "https", host: "github.com", port: nil, path: "a/../b")
        #expect(try Self.router.routeOrRefuse(request) == nil)
    }
}
