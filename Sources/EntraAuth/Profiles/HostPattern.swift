import HelperCore
import HelperProtocol
/// A profile's `--host` pattern: an exact `host` or `host:port`, or `*.suffix` that
/// matches only at a label boundary, optionally followed by `/path` (git's
/// credential.useHttpPath: `dev.azure.com/contoso` for one Azure DevOps organisation).
/// Case-insensitive; a trailing dot is ignored. It never matches on anything but the
/// parsed host and port (and path) of a request, so userinfo, path and lookalike tricks
/// (`dev.azure.com.evil.com`, `evil.com/dev.azure.com`, `dev.azure.com@evil.com`) cannot
/// reach it.
public struct HostPattern: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case exact(String)
        /// `*.suffix`: any host ending in ".suffix" (the suffix itself excluded).
        case subdomains(String)
    }

    public let kind: Kind
    /// The port the pattern names; nil means the default HTTPS port (none written, or 443).
    public let port: Int?
    /// Path segments the request's path must start with (lower-cased); empty: any path.
    public let path: [String]

    init(kind: Kind, port: Int?, path: [String]) {
        self.kind = kind
        self.port = port
        self.path = path
    }

    public init(parsing text: String) throws(HelperError) {
        var bytes = text
        switch bytes.withUTF8(Self.parseASCII) {
        case let .parsed(pattern): self = pattern
        case .invalid: throw .invalidHostPattern(text)
        case .notASCII: try self.init(unicode: text)
        }
    }

    /// The reading of a pattern with letters outside ASCII (which only a path may hold):
    /// Unicode white space, C1 controls and lower-casing.
    init(unicode text: String) throws(HelperError) {
        let invalid = HelperError.invalidHostPattern(text)
        // No white space and no control character (C0, DEL, C1) anywhere, the path included.
        guard !text.isEmpty, text.allSatisfy({ !$0.isWhitespace }),
              text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) }),
              !text.contains("@"), !text.contains("?"), !text.contains("#"), !text.contains("\\") else { throw invalid }
        let slash = text.firstIndex(of: "/") ?? text.endIndex
        let hostPart = String(text[..<slash])
        path = Self.segments(String(text[slash...]))
        if slash != text.endIndex, path.isEmpty || path.contains(where: { $0 == "." || $0 == ".." || $0.contains("%") }) {
            throw invalid
        }
        guard !hostPart.isEmpty else { throw invalid }
        let split = GitCredential.splitHostPort(hostPart)
        if split.name != hostPart, split.port == nil { throw invalid }  // "host:" or "host:x"
        if hostPart.hasSuffix(":") { throw invalid }
        let name = Self.normalise(split.name)
        port = split.port
        if name.hasPrefix("*.") {
            let suffix = String(name.dropFirst(2))
            guard Self.isHostName(suffix), suffix.contains(".") else { throw invalid }
            kind = .subdomains(suffix)
        } else {
            guard Self.isHostName(name) else { throw invalid }
            kind = .exact(name)
        }
    }

    /// Whether a request for `host` (without port) on `port` (nil: the default) and
    /// `path` (nil: git did not send one) matches. A pattern with a path needs one.
    public func matches(host: String, port requestPort: Int?, path requestPath: String? = nil) -> Bool {
        matches(normalised: Self.normalise(host), port: requestPort, path: requestPath)
    }

    /// `matches` for a host already normalised (the router does it once, not per pattern).
    func matches(normalised name: String, port requestPort: Int?, path requestPath: String?) -> Bool {
        if !path.isEmpty {
            guard let requestPath else { return false }
            let segments = Self.segments(requestPath)
            guard segments.count >= path.count, Array(segments.prefix(path.count)) == path else { return false }
        }
        return matches(normalised: name, port: requestPort)
    }

    /// Whether the host and port match, whatever the path.
    public func matches(host: String, port requestPort: Int?) -> Bool {
        matches(normalised: Self.normalise(host), port: requestPort)
    }

    func matches(normalised name: String, port requestPort: Int?) -> Bool {
        let effective = requestPort == 443 ? nil : requestPort
        guard effective == (port == 443 ? nil : port) else { return false }
        switch kind {
        case let .exact(expected): return name == expected
        case let .subdomains(suffix): return name.hasSuffix("." + suffix) && name.count > suffix.count + 1
        }
    }

    public var isWildcard: Bool {
        if case .subdomains = kind { return true }
        return false
    }

    /// How specific the pattern is, for choosing between profiles that both match: a
    /// path beats none, an exact host beats a wildcard, a longer suffix beats a shorter.
    public var specificity: (Int, Int, Int) {
        switch kind {
        case let .exact(name): return (path.count, 1, name.count)
        case let .subdomains(suffix): return (path.count, 0, suffix.count)
        }
    }

    public var description: String {
        var host: String
        switch kind {
        case let .exact(name): host = name
        case let .subdomains(suffix): host = "*." + suffix
        }
        if let port { host += ":\(port)" }
        return path.isEmpty ? host : host + "/" + path.joined(separator: "/")
    }

    /// "/a//B/" → ["a", "b"]: lower-cased, without empty segments.
    static func segments(_ path: String) -> [String] {
        path.lowercased().split(separator: "/").map(String.init)
    }

    /// Lower case, trailing dots dropped; an IPv6 literal is left as written, so that
    /// "[::1]." stays invalid instead of becoming "[::1]".
    public static func normalise(_ host: String) -> String {
        var name = host.lowercased()
        guard !name.hasPrefix("[") else { return name }
        while name.hasSuffix("."), name.count > 1 { name.removeLast() }
        return name
    }

    /// Letters, digits, '-', '.', or an IPv6 literal in brackets; no empty labels. (So
    /// nothing outside ASCII.)
    public static func isHostName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in bytes.allSatisfy { $0 < 0x80 } && isHostName(bytes[...]) }
    }

    /// An IPv6 address as RFC 4291 writes it: up to eight groups of 1-4 hex digits, at
    /// most one `::`, optionally ending in a dotted IPv4 address (no zone id).
    static func isIPv6(_ text: Substring) -> Bool {
        guard (2...45).contains(text.count), text.allSatisfy(\.isASCII) else { return false }
        let chars = Array(text)
        guard let gap = chars.indices.dropLast().first(where: { chars[$0] == ":" && chars[$0 + 1] == ":" }) else {
            return groups(chars[...], ipv4Tail: true) == 8
        }
        guard let before = groups(chars[..<gap], ipv4Tail: false), let after = groups(chars[(gap + 2)...], ipv4Tail: true) else {
            return false
        }
        return before + after <= 7
    }

    /// How many 16-bit groups `text` (colon-separated, no `::`) holds; nil when malformed.
    private static func groups(_ text: ArraySlice<Character>, ipv4Tail: Bool) -> Int? {
        if text.isEmpty { return 0 }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var count = 0
        for (index, part) in parts.enumerated() {
            if ipv4Tail, index == parts.count - 1, part.contains(".") {
                let octets = part.split(separator: ".", omittingEmptySubsequences: false)
                guard octets.count == 4, octets.allSatisfy({ octet in
                    (1...3).contains(octet.count) && octet.allSatisfy(\.isNumber) && (octet.count == 1 || octet.first != "0")
                        && Int(String(octet)).map { $0 <= 255 } == true
                }) else { return nil }
                count += 2
            } else {
                guard (1...4).contains(part.count), part.allSatisfy(\.isHexDigit) else { return nil }
                count += 1
            }
        }
        return count
    }
}
