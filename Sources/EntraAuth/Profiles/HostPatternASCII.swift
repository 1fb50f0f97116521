/// HostPattern read on its UTF-8 bytes, for the patterns that are ASCII throughout (all a
/// host can be): a config's thousands of patterns are read on every call, and Character
/// processing cost about 10 µs a pattern. The rules are init(unicode:)'s, byte for byte;
/// ConfigReadingTests holds the two readings to the same answers.
extension HostPattern {
    enum ASCIIReading {
        case parsed(HostPattern)
        case invalid
        /// A byte outside ASCII: init(unicode:) decides.
        case notASCII
    }

    /// Where an ASCII pattern's parts are, found without building anything: the host name
    /// is `text[..<nameEnd]` (trailing dots dropped unless an IPv6 literal; still in the
    /// written case), `*.` first when `wildcard`; the path starts at `slash`.
    struct Scan {
        var nameEnd: Int
        var wildcard: Bool
        var port: Int?
        var slash: Int
    }

    enum ASCIIScan {
        case scanned(Scan)
        case invalid
        case notASCII
    }

    static func scanASCII<Bytes: RandomAccessCollection<UInt8>>(_ text: Bytes) -> ASCIIScan where Bytes.Index == Int {
        guard text.allSatisfy({ $0 < 0x80 }) else { return .notASCII }
        // No white space, no control character, none of @ ? # \.
        guard !text.isEmpty, !text.contains(where: { byte in
            byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "@") || byte == UInt8(ascii: "?")
                || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "\\")
        }) else { return .invalid }
        let slash = text.firstIndex(of: UInt8(ascii: "/")) ?? text.endIndex
        if slash != text.endIndex {
            // Segments between slashes, empty ones skipped: at least one, none "." or "..", no '%'.
            var segments = 0, length = 0, dots = 0
            for byte in text[slash...] {
                if byte == UInt8(ascii: "%") { return .invalid }
                if byte != UInt8(ascii: "/") {
                    length += 1
                    if byte == UInt8(ascii: ".") { dots += 1 }
                    continue
                }
                if length > 0 { segments += 1; if length <= 2 && dots == length { return .invalid } }
                length = 0; dots = 0
            }
            if length > 0 { segments += 1; if length <= 2 && dots == length { return .invalid } }
            if segments == 0 { return .invalid }
        }
        let host = text[..<slash]
        guard !host.isEmpty, host.last != UInt8(ascii: ":") else { return .invalid }
        // GitCredential.splitHostPort: the port after the last ':' (after an IPv6 literal's
        // ']'), digits only, 1-65535; anything else stays in the name.
        var nameEnd = host.endIndex
        var port: Int?
        let searchStart = host.first == UInt8(ascii: "[") ? host.firstIndex(of: UInt8(ascii: "]")) ?? host.startIndex : host.startIndex
        if let colon = host[searchStart...].lastIndex(of: UInt8(ascii: ":")) {
            var value = 0
            for byte in host[(colon + 1)...] {
                guard (0x30...0x39).contains(byte) else { value = 0; break }
                value = value * 10 + Int(byte - 0x30)
                if value > 65535 { value = 0; break }
            }
            if value > 0 { port = value; nameEnd = colon }
        }
        // normalise: trailing dots dropped unless an IPv6 literal (lower case: when built).
        if host.first != UInt8(ascii: "[") {
            while nameEnd - host.startIndex > 1, text[nameEnd - 1] == UInt8(ascii: ".") { nameEnd -= 1 }
        }
        let name = text[host.startIndex..<nameEnd]
        if name.starts(with: [UInt8(ascii: "*"), UInt8(ascii: ".")]) {
            let suffix = name.dropFirst(2)
            guard isHostName(suffix), suffix.contains(UInt8(ascii: ".")) else { return .invalid }
            return .scanned(Scan(nameEnd: nameEnd, wildcard: true, port: port, slash: slash))
        }
        guard isHostName(name) else { return .invalid }
        return .scanned(Scan(nameEnd: nameEnd, wildcard: false, port: port, slash: slash))
    }

    static func parseASCII(_ text: UnsafeBufferPointer<UInt8>) -> ASCIIReading {
        switch scanASCII(text) {
        case .notASCII: return .notASCII
        case .invalid: return .invalid
        case let .scanned(scan):
            let path = text[scan.slash...].split(separator: UInt8(ascii: "/"))
                .map { String(decoding: $0.map(lowercased), as: UTF8.self) }
            let name = String(decoding: text[(scan.wildcard ? 2 : 0)..<scan.nameEnd].map(lowercased), as: UTF8.self)
            return .parsed(HostPattern(kind: scan.wildcard ? .subdomains(name) : .exact(name), port: scan.port, path: path))
        }
    }

    /// isHostName on ASCII bytes.
    static func isHostName<Bytes: Collection<UInt8>>(_ name: Bytes) -> Bool where Bytes.SubSequence: Collection<UInt8> {
        if name.first == UInt8(ascii: "[") {
            let text = String(decoding: name, as: UTF8.self)
            return text.hasSuffix("]") && isIPv6(text.dropFirst().dropLast())
        }
        // Labels between dots (empty ones included): 1-63 letters, digits or '-', no '-' at either end.
        var length = 0
        var last: UInt8 = 0
        for byte in name {
            if byte == UInt8(ascii: ".") {
                guard length > 0, last != UInt8(ascii: "-") else { return false }
                length = 0
            } else {
                guard isLetterOrDigit(byte) || byte == UInt8(ascii: "-"), length > 0 || byte != UInt8(ascii: "-") else { return false }
                length += 1
                guard length <= 63 else { return false }
            }
            last = byte
        }
        return length > 0 && last != UInt8(ascii: "-")
    }

    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    static func lowercased(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte + 0x20 : byte }
}
