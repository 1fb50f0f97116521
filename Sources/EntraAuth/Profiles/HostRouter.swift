import HelperCore
import HelperProtocol

/// Which profile, if any, serves a request from git, docker or kubectl: one rule set for
/// all three front ends. https only, except to a loopback host (docker treats 127.0.0.0/8
/// the same way); the host must match one of a profile's patterns; the most specific
/// pattern wins (ties: the profile whose name sorts first). A host no profile names gets
/// no token, ever.
public struct HostRouter: Sendable {
    public let profiles: [Profile]

    public init(profiles: [Profile]) { self.profiles = profiles }

    /// A request as the front ends see it. `scheme` nil: the protocol did not say (docker
    /// sends bare host names), which counts as https.
    public struct Request: Equatable, Sendable {
        public var scheme: String?
        public var host: String
        public var port: Int?
        public var path: String?

        public init(scheme: String?, host: String, port: Int?, path: String? = nil) {
            self.scheme = scheme
            self.host = host
            self.port = port
            self.path = path
        }

        /// git's attributes: protocol, host (with ":port"), path.
        public init?(git credential: GitCredential) {
            guard let host = credential.host, !host.isEmpty else { return nil }
            let split = GitCredential.splitHostPort(host)
            if split.name != host, split.port == nil { return nil }
            self.init(scheme: credential.protocol, host: split.name, port: split.port, path: credential.path)
        }

        /// A URL or bare "host[:port][/path]" as docker and kubectl give them. nil when it
        /// carries userinfo, a scheme other than http/https, or no host.
        public init?(url text: String) {
            var rest = Substring(text)
            var scheme: String?
            if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://"),
               rest[..<colon].allSatisfy({ $0.isLetter || $0 == "+" || $0 == "-" || $0 == "." }) {
                scheme = rest[..<colon].lowercased()
                rest = rest[rest.index(colon, offsetBy: 3)...]
            }
            let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
            let authority = String(rest[..<end])
            let path = rest[end...].prefix { $0 != "?" && $0 != "#" }
            guard !authority.isEmpty, !authority.contains("@"), !authority.contains("\\") else { return nil }
            let split = GitCredential.splitHostPort(authority)
            if split.name != authority, split.port == nil { return nil }
            self.init(scheme: scheme, host: split.name, port: split.port,
                      path: path.isEmpty ? nil : String(path.dropFirst()))
        }

        public var isLoopback: Bool { Authority.isLoopback(url: "http://\(host)") }

        /// Whether a path has a `.` or `..` segment as a server may read it: after
        /// percent-decoding (repeatedly, for double encoding), with `\` as a separator
        /// too, and `..;param` counting as `..`.
        public static func hasDotSegment(_ path: String) -> Bool {
            var bytes = Array(path.utf8)
            for _ in 0..<4 {
                if bytes.split(whereSeparator: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") })
                    .contains(where: { segment in
                        let name = segment.prefix { $0 != UInt8(ascii: ";") }
                        return !name.isEmpty && name.count <= 2 && name.allSatisfy { $0 == UInt8(ascii: ".") }
                    }) { return true }
                let decoded = GitCodec.percentDecodedBytes(bytes[...])
                if decoded == bytes { return false }
                bytes = decoded
            }
            return true  // Still encoded after four rounds: nobody writes a path like that.
        }
    }

    /// `route`, for the front ends: a request to a host some profile names whose path
    /// holds a `.` or `..` segment is refused with one line (the server would resolve
    /// it to another path than the one matched, such as another organisation).
    public func routeOrRefuse(_ request: Request) throws(HelperError) -> Profile? {
        if let path = request.path, Request.hasDotSegment(path),
           profiles.contains(where: { $0.hosts.contains { $0.matches(host: request.host, port: request.port) } }) {
            throw .dotSegmentInPath(host: request.host, path: path)
        }
        return route(request)
    }

    /// The profile whose pattern matches best; nil for a request whose path holds a
    /// dot segment (`routeOrRefuse` says why).
    public func route(_ request: Request) -> Profile? {
        if let path = request.path, Request.hasDotSegment(path) { return nil }
        switch request.scheme?.lowercased() {
        case nil, "https": break
        case "http" where request.isLoopback: break
        default: return nil
        }
        let name = HostPattern.normalise(request.host)
        guard HostPattern.isHostName(name) else { return nil }
        var best: (profile: Profile, rank: (Int, Int, Int))?
        for profile in profiles {
            for pattern in profile.hosts where pattern.matches(normalised: name, port: request.port, path: request.path) {
                // The most specific; a tie goes to the name that sorts first (then to the
                // earlier profile), without sorting them all.
                if let current = best, pattern.specificity < current.rank
                    || (pattern.specificity == current.rank && !(profile.name < current.profile.name)) { continue }
                best = (profile, pattern.specificity)
            }
        }
        return best?.profile
    }
}
