/// HostPattern read on its UTF-8 bytes, for the patterns that are ASCII throughout (all a
/// host can be): a config's thousands of patterns are read on every call, and Character
/// processing cost about 10 µs a pattern. The rules are init(unicode:)'s, byte for byte;
/// HostPatternTests holds the two readings to the same answers.
extension HostPattern {
    enum ASCIIReading {
        case parsed(HostPattern)
        case invalid
        /// A byte outside ASCII: init(unicode:) decides.
        case notASCII
    }

    static func parseASCII(_ text: UnsafeBufferPointer<UInt8>) -> ASCIIReading {
        guard text.allSatisfy({ $0 < 0x80 }) else { return .notASCII }
        // No white space, no control character, none of @ ? # \.
        guard !text.isEmpty, !text.contains(where: { byte in
            byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "@") || byte == UInt8(ascii: "?")
                || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "\\")
        }) else { return .invalid }
        let slash = text.firstIndex(of: UInt8(ascii: "/")) ?? text.endIndex
        var path: [String] = []
        if slash != text.endIndex {
            for segment in text[slash...].split(separator: UInt8(ascii: "/")) {
                if segment.count <= 2 && segment.allSatisfy({ $0 == UInt8(ascii: ".") }) || segment.contains(UInt8(ascii: "%")) {
                    return .invalid
                }
                path.append(String(decoding: segment.map(lowercased), as: UTF8.self))
            }
            if path.isEmpty { return .invalid }
        }
        let host = text[..<slash]
        guard !host.isEmpty, host.last != UInt8(ascii: ":") else { return .invalid }
        // GitCredential.splitHostPort: the port after the last ':' (after an IPv6 literal's
        // ']'), digits only, 1-65535; anything else stays in the name.
        var nameEnd = host.endIndex
        var port: Int?
        let searchStart = host.first == UInt8(ascii: "[") ? host.firstIndex(of: UInt8(ascii: "]")) ?? 0 : 0
        if let colon = host[searchStart...].lastIndex(of: UInt8(ascii: ":")) {
            var value = 0
            for byte in host[(colon + 1)...] {
                guard (0x30...0x39).contains(byte) else { value = 0; break }
                value = value * 10 + Int(byte - 0x30)
                if value > 65535 { value = 0; break }
            }
            if value > 0 { port = value; nameEnd = colon }
        }
        // normalise: lower case, trailing dots dropped unless an IPv6 literal.
        var name = host[..<nameEnd].map(lowercased)
        if name.first != UInt8(ascii: "[") {
            while name.count > 1, name.last == UInt8(ascii: ".") { name.removeLast() }
        }
        if name.starts(with: [UInt8(ascii: "*"), UInt8(ascii: ".")]) {
            let suffix = name[2...]
            guard isHostName(suffix), suffix.contains(UInt8(ascii: ".")) else { return .invalid }
            return .parsed(HostPattern(kind: .subdomains(String(decoding: suffix, as: UTF8.self)), port: port, path: path))
        }
        guard isHostName(name[...]) else { return .invalid }
        return .parsed(HostPattern(kind: .exact(String(decoding: name, as: UTF8.self)), port: port, path: path))
    }

    /// isHostName on ASCII bytes.
    static func isHostName<Bytes: Collection<UInt8>>(_ name: Bytes) -> Bool where Bytes.SubSequence: Collection<UInt8> {
        if name.first == UInt8(ascii: "[") {
            let text = String(decoding: name, as: UTF8.self)
            return text.hasSuffix("]") && isIPv6(text.dropFirst().dropLast())
        }
        return name.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
        }
    }

    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    static func lowercased(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte + 0x20 : byte }
}
