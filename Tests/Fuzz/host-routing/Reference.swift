/// An independent, deliberately strict statement of the routing rule, written from the
/// README and the issue rather than from HostPattern and HostRouter: it says yes only
/// when nothing about the pattern or the request is in doubt. The fuzz target checks
/// that the router never says yes where this says no.
enum Reference {
    struct Pattern {
        var host: [UInt8]
        var wildcard: Bool
        var port: Int
        var path: [[UInt8]]
    }

    struct Request {
        var scheme: [UInt8]?
        var host: [UInt8]
        var port: Int
        var path: [UInt8]?
    }

    /// `[*.]host[:port][/seg/…]`.
    static func pattern(_ text: [UInt8]) -> Pattern? {
        let slash = text.firstIndex(of: ascii("/")) ?? text.count
        var hostPort = Array(text[..<slash])
        var wildcard = false
        if hostPort.starts(with: [ascii("*"), ascii(".")]) {
            wildcard = true
            hostPort.removeFirst(2)
        }
        guard let (host, port) = hostAndPort(hostPort) else { return nil }
        if wildcard, host.first == ascii("[") || !host.contains(ascii(".")) { return nil }
        var path: [[UInt8]] = []
        if slash < text.count {
            path = segments(Array(text[(slash + 1)...]))
            guard !path.isEmpty, path.allSatisfy(isPatternSegment) else { return nil }
        }
        return Pattern(host: host, wildcard: wildcard, port: port, path: path)
    }

    /// A URL or bare `host[:port][/path]` as docker and kubectl give it.
    static func request(url text: [UInt8]) -> Request? {
        var rest = text[...]
        var scheme: [UInt8]?
        if let sep = find([ascii(":"), ascii("/"), ascii("/")], in: rest) {
            let name = Array(rest[rest.startIndex..<sep])
            if !name.isEmpty, name.allSatisfy(isLetter) {
                scheme = name
                rest = rest[(sep + 3)...]
            }
        }
        let end = rest.firstIndex { $0 == ascii("/") || $0 == ascii("?") || $0 == ascii("#") } ?? rest.endIndex
        guard let (host, port) = hostAndPort(Array(rest[rest.startIndex..<end])) else { return nil }
        var path: [UInt8]?
        if end < rest.endIndex, rest[end] == ascii("/") {
            let after = rest[(end + 1)...]
            path = Array(after.prefix { $0 != ascii("?") && $0 != ascii("#") })
        }
        return Request(scheme: scheme, host: host, port: port, path: path)
    }

    /// git's attributes: protocol, host (with `:port`), path.
    static func request(protocol scheme: String?, host: String, path: String?) -> Request? {
        guard let (name, port) = hostAndPort(Array(host.utf8)) else { return nil }
        return Request(scheme: scheme.map { Array($0.utf8) }, host: name, port: port, path: path.map { Array($0.utf8) })
    }

    static func allows(_ pattern: Pattern, _ request: Request) -> Bool {
        switch request.scheme.map(lower) {
        case nil, Array("https".utf8)?: break
        case Array("http".utf8)? where isLoopback(request.host): break
        default: return false
        }
        guard request.port == pattern.port else { return false }
        if pattern.wildcard {
            let suffix = [ascii(".")] + pattern.host
            guard request.host.count > suffix.count, request.host.suffix(suffix.count).elementsEqual(suffix) else { return false }
        } else {
            guard request.host == pattern.host else { return false }
        }
        guard !pattern.path.isEmpty else { return true }
        guard let path = request.path else { return false }
        let requested = segments(path)
        // A dot segment, plain or percent-encoded, could leave the named path (item 7).
        guard !requested.contains(where: isDotSegment) else { return false }
        return requested.count >= pattern.path.count && Array(requested.prefix(pattern.path.count)) == pattern.path
    }

    // MARK: - Pieces

    /// A host name (lower-cased, one trailing dot dropped) or an IPv6 literal in brackets,
    /// and the port (443 when none is written).
    static func hostAndPort(_ text: [UInt8]) -> ([UInt8], Int)? {
        var host = text[...]
        var port = 443
        let close = text.first == ascii("[") ? text.firstIndex(of: ascii("]")) : nil
        if let colon = text.lastIndex(of: ascii(":")), close.map({ colon > $0 }) ?? true {
            // Decimal digits; leading zeros are allowed, as curl and Go read a port.
            let written = text[(colon + 1)...]
            let digits = written.drop { $0 == ascii("0") }
            guard !written.isEmpty, written.allSatisfy(isDigit), digits.count <= 5 else { return nil }
            port = digits.reduce(0) { $0 * 10 + Int($1 - ascii("0")) }
            guard (1...65535).contains(port) else { return nil }
            host = text[..<colon]
        }
        if host.first == ascii("[") {
            guard let close, close == host.endIndex - 1 else { return nil }
            let inside = host.dropFirst().dropLast()
            // An IPv6 literal: hex digits, colons (at least two), and dots for an IPv4 tail.
            guard inside.filter({ $0 == ascii(":") }).count >= 2,
                  inside.allSatisfy({ isHex($0) || $0 == ascii(":") || $0 == ascii(".") }) else {
                return nil
            }
            return (lower(Array(host)), port)
        }
        // Trailing dots are dropped: "a trailing dot is ignored" (README). The router drops
        // them all, so "dev.azure.com.." routes as dev.azure.com: the same name, and one that
        // no resolver accepts (an empty label), so no other host can answer for it.
        while host.count > 1, host.last == ascii(".") { host = host.dropLast() }
        let labels = host.split(separator: ascii("."), omittingEmptySubsequences: false)
        guard !host.isEmpty, labels.allSatisfy({ label in
            (1...63).contains(label.count) && label.first != ascii("-") && label.last != ascii("-")
                && label.allSatisfy { isLetter($0) || isDigit($0) || $0 == ascii("-") }
        }) else { return nil }
        return (lower(Array(host)), port)
    }

    /// Path segments, lower-cased (ASCII), empty ones dropped.
    static func segments(_ path: [UInt8]) -> [[UInt8]] {
        path.split(separator: ascii("/")).map { lower(Array($0)) }
    }

    static func isPatternSegment(_ segment: [UInt8]) -> Bool {
        !isDotSegment(segment) && segment.allSatisfy {
            $0 > 0x20 && $0 != 0x7F
                && !"?#@\\%".utf8.contains($0)
        }
    }

    static func isDotSegment(_ segment: [UInt8]) -> Bool {
        var decoded: [UInt8] = []
        var index = 0
        while index < segment.count {
            if segment[index] == ascii("%"), index + 2 < segment.count, segment[index + 1] == ascii("2"),
               segment[index + 2] == ascii("e") || segment[index + 2] == ascii("E") {
                decoded.append(ascii("."))
                index += 3
            } else {
                decoded.append(segment[index])
                index += 1
            }
        }
        return decoded == [ascii(".")] || decoded == [ascii("."), ascii(".")]
    }

    static func isLoopback(_ host: [UInt8]) -> Bool {
        if host == Array("localhost".utf8) || host == Array("[::1]".utf8) { return true }
        let octets = host.split(separator: ascii("."), omittingEmptySubsequences: false)
        return octets.count == 4 && Array(octets[0]) == Array("127".utf8) && octets.allSatisfy {
            (1...3).contains($0.count) && $0.allSatisfy(isDigit) && $0.reduce(0) { $0 * 10 + Int($1 - ascii("0")) } <= 255
        }
    }

    static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (haystack.startIndex...(haystack.endIndex - needle.count)).first { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    static func ascii(_ c: Unicode.Scalar) -> UInt8 { UInt8(ascii: c) }
    static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
    static func isLetter(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
    static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (0x41...0x46).contains(b) || (0x61...0x66).contains(b) }
    static func lower(_ bytes: [UInt8]) -> [UInt8] { bytes.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 } }
}
