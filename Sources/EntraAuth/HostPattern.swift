import HelperProtocol
/// A profile's `--host` pattern: an exact `host` or `host:port`, or `*.suffix` that
/// matches only at a label boundary. Case-insensitive; a trailing dot is ignored. It
/// never matches on anything but the parsed host and port of a request, so userinfo,
/// path and lookalike tricks (`dev.azure.com.evil.com`, `evil.com/dev.azure.com`,
/// `dev.azure.com@evil.com`) cannot reach it.
public struct HostPattern: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case exact(String)
        /// `*.suffix`: any host ending in ".suffix" (the suffix itself excluded).
        case subdomains(String)
    }

    public let kind: Kind
    /// The port the pattern names; nil means the default HTTPS port (none written, or 443).
    public let port: Int?

    public init(parsing text: String) throws(HelperError) {
        let invalid = HelperError.invalidHostPattern(text)
        guard !text.isEmpty, text.allSatisfy({ !$0.isWhitespace }),
              !text.contains("/"), !text.contains("@"), !text.contains("?"), !text.contains("#") else { throw invalid }
        let split = GitCredential.splitHostPort(text)
        if split.name != text, split.port == nil { throw invalid }  // "host:" or "host:x"
        if text.hasSuffix(":") { throw invalid }
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

    /// Whether a request for `host` (without port) on `port` (nil: the default) matches.
    public func matches(host: String, port requestPort: Int?) -> Bool {
        let effective = requestPort == 443 ? nil : requestPort
        guard effective == (port == 443 ? nil : port) else { return false }
        let name = Self.normalise(host)
        switch kind {
        case let .exact(expected): return name == expected
        case let .subdomains(suffix): return name.hasSuffix("." + suffix) && name.count > suffix.count + 1
        }
    }

    public var description: String {
        let host: String
        switch kind {
        case let .exact(name): host = name
        case let .subdomains(suffix): host = "*." + suffix
        }
        return port.map { "\(host):\($0)" } ?? host
    }

    static func normalise(_ host: String) -> String {
        var name = host.lowercased()
        while name.hasSuffix("."), name.count > 1 { name.removeLast() }
        return name
    }

    /// Letters, digits, '-', '.', and bracketed IPv6; no empty labels.
    static func isHostName(_ name: String) -> Bool {
        if name.hasPrefix("[") { return name.hasSuffix("]") && name.count > 2 }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" }
        }
    }
}
