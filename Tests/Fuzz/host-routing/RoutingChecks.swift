import EntraAuth
import FuzzSupport
import HelperCore
import HelperProtocol

/// Host routing against the strict reference (Reference.swift). The input is a pattern
/// line, a URL line (docker, kubectl), then git attributes. Whatever the router serves,
/// the reference must allow; a router whose profile names no host serves nothing.
func fuzzRouting(_ bytes: [UInt8]) {
    let parts = fields(bytes, count: 3)
    let patternText = String(decoding: parts[0], as: UTF8.self)
    let url = String(decoding: parts[1], as: UTF8.self)
    let git = try? GitCodec.decode(parts[2])

    let empty = HostRouter(profiles: [Profile(name: "none", tenant: "t", clientID: "c", scopes: [])])
    invariant(HostRouter.Request(url: url).flatMap(empty.route) == nil, "a profile without hosts served \(shown(url))")

    guard let pattern = try? HostPattern(parsing: patternText) else { return }
    let reference = Reference.pattern(Array(patternText.utf8))
    let router = HostRouter(profiles: [Profile(name: "p", tenant: "t", clientID: "c", scopes: [], hosts: [pattern])])

    if let request = HostRouter.Request(url: url), router.route(request) != nil {
        let allowed = reference.flatMap { pattern in Reference.request(url: Array(url.utf8)).map { Reference.allows(pattern, $0) } }
        invariant(allowed == true, "pattern \(shown(patternText)) served the URL \(shown(url)), which the reference refuses")
    }
    if let git, let request = HostRouter.Request(git: git), router.route(request) != nil {
        let allowed = reference.flatMap { pattern in
            Reference.request(protocol: git.protocol, host: git.host ?? "", path: git.path).map { Reference.allows(pattern, $0) }
        }
        invariant(allowed == true, "pattern \(shown(patternText)) served git's protocol=\(shown(git.protocol ?? "-")) "
                  + "host=\(shown(git.host ?? "-")) path=\(shown(git.path ?? "-")), which the reference refuses")
    }
}
