import HelperCore
/// Reads and writes git's credential-helper wire format: `key=value` lines split on LF
/// only, ended by a blank line or end of input.
public enum GitCodec {
    /// Longest accepted line, in bytes (the key, '=' and the value).
    public static let maxLineBytes = 65535

    public static func decode(_ input: [UInt8]) throws(HelperError) -> GitCredential {
        var credential = GitCredential()
        var lineNumber = 0
        var start = input.startIndex
        while start < input.endIndex {
            let end = input[start...].firstIndex(of: 0x0A) ?? input.endIndex
            lineNumber += 1
            let line = input[start..<end]
            start = end < input.endIndex ? end + 1 : end
            if line.isEmpty { break }
            guard line.count <= maxLineBytes else {
                throw .lineTooLong(line: lineNumber, limit: maxLineBytes)
            }
            guard let eq = line.firstIndex(of: UInt8(ascii: "=")) else {
                throw .malformedLine(line: lineNumber)
            }
            let key = try text(line[line.startIndex..<eq], key: "key")
            let rawValue = line[(eq + 1)...]
            guard knownKeys.contains(key) else { continue }  // Unknown keys: ignored, as git asks.
            let value = passThroughKeys.contains(key)
                ? try lenientText(rawValue, key: key) : try text(rawValue, key: key)
            try apply(key: key, value: value, line: lineNumber, to: &credential)
        }
        return credential
    }

    /// The wire form of every attribute that is set. Refuses values that would break
    /// the line format rather than writing them.
    public static func encode(_ c: GitCredential) throws(HelperError) -> [UInt8] {
        // An empty element is left out: `key[]=` would clear the list at the reader.
        var pairs: [(String, String)] = c.capability.filter { !$0.isEmpty }.map { ("capability[]", $0) }
        let scalars: [(String, String?)] = [
            ("protocol", c.protocol), ("host", c.host), ("path", c.path),
            ("username", c.username), ("password", c.password),
            ("password_expiry_utc", c.passwordExpiryUTC),
            ("oauth_refresh_token", c.oauthRefreshToken),
            ("authtype", c.authtype), ("credential", c.credential),
        ]
        for (key, value) in scalars { if let value { pairs.append((key, value)) } }
        if c.ephemeral { pairs.append(("ephemeral", "1")) }
        pairs += c.wwwauth.filter { !$0.isEmpty }.map { ("wwwauth[]", $0) }
        pairs += c.state.filter { !$0.isEmpty }.map { ("state[]", $0) }
        if c.continue { pairs.append(("continue", "1")) }
        if c.quit { pairs.append(("quit", "1")) }

        var out: [UInt8] = []
        for (key, value) in pairs {
            if let bad = value.utf8.first(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) {
                throw .forbiddenCharacter(key: key, character: describe(bad))
            }
            out += key.utf8
            out.append(UInt8(ascii: "="))
            out += value.utf8
            out.append(0x0A)
        }
        return out
    }

    // MARK: - Attributes

    static let knownKeys: Set<String> = [
        "protocol", "host", "path", "username", "password", "password_expiry_utc", "oauth_refresh_token",
        "authtype", "credential", "url", "ephemeral", "continue", "quit", "wwwauth[]", "capability[]", "state[]",
    ]
    /// Values that are neither stored nor matched: a server's WWW-Authenticate header
    /// may be Latin-1, and must not stop a lookup.
    static let passThroughKeys: Set<String> = ["wwwauth[]", "state[]"]

    private static func apply(
        key: String, value: String, line: Int, to c: inout GitCredential
    ) throws(HelperError) {
        switch key {
        case "protocol": c.protocol = value
        case "host": c.host = value
        case "path": c.path = value
        case "username": c.username = value
        case "password": c.password = value
        case "password_expiry_utc": c.passwordExpiryUTC = value
        case "oauth_refresh_token": c.oauthRefreshToken = value
        case "authtype": c.authtype = value
        case "credential": c.credential = value
        case "url": try applyURL(value, to: &c)
        case "ephemeral": c.ephemeral = try bool(value, key: key, line: line)
        case "continue": c.continue = try bool(value, key: key, line: line)
        case "quit": c.quit = try bool(value, key: key, line: line)
        case "wwwauth[]": append(value, to: &c.wwwauth)
        case "capability[]": append(value, to: &c.capability)
        case "state[]": append(value, to: &c.state)
        default: break
        }
    }

    /// `key[]=value` adds a value; an empty `key[]=` clears the list.
    private static func append(_ value: String, to list: inout [String]) {
        if value.isEmpty { list.removeAll() } else { list.append(value) }
    }

    /// git's boolean spellings (git_parse_maybe_bool).
    private static func bool(_ value: String, key: String, line: Int) throws(HelperError) -> Bool {
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: throw .invalidBoolean(key: key, line: line)
        }
    }

    /// `url=` stands for its parts, exactly as git's credential_from_url reads it: the
    /// credential is cleared first; the user part ends at the first '@'; the host ends at
    /// the first '/', '?' or '#' (so `https://a@evil?@victim/` is evil's, as for git and
    /// the HTTP clients it uses); leading and trailing slashes leave the path. Decoded parts are checked
    /// again for CR, LF and NUL, which is how CVE-2020-5260 smuggled a second host in.
    private static func applyURL(_ url: String, to c: inout GitCredential) throws(HelperError) {
        let bytes = Array(url.utf8)
        guard let schemeEnd = (0..<max(bytes.count - 2, 0)).first(where: {
            bytes[$0] == UInt8(ascii: ":") && bytes[$0 + 1] == UInt8(ascii: "/") && bytes[$0 + 2] == UInt8(ascii: "/")
        }) else {
            // Not echoed: a URL can carry a password.
            throw .usage("the url= value has no scheme; send url=https://host/path")
        }
        let cp = schemeEnd + 3
        let rest = bytes[cp...]
        let at = rest.firstIndex(of: UInt8(ascii: "@"))
        let colon = rest.firstIndex(of: UInt8(ascii: ":"))
        let slash = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? bytes.count
        c.protocol = nil; c.host = nil; c.path = nil; c.username = nil; c.password = nil
        var hostStart = cp
        if let at, slash > at {
            if let colon, colon < at {
                c.username = try decoded(bytes[cp..<colon], key: "username")
                c.password = try decoded(bytes[(colon + 1)..<at], key: "password")
            } else {
                c.username = try decoded(bytes[cp..<at], key: "username")
            }
            hostStart = at + 1
        }
        if schemeEnd > 0 { c.protocol = try decoded(bytes[0..<schemeEnd], key: "protocol") }
        let host = try decoded(bytes[hostStart..<slash], key: "host")
        c.host = host.isEmpty ? nil : host
        var pathStart = slash
        while pathStart < bytes.count, bytes[pathStart] == UInt8(ascii: "/") { pathStart += 1 }
        var path = try decoded(bytes[pathStart...], key: "path")
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        c.path = path.isEmpty ? nil : path
    }

    private static func decoded(_ part: ArraySlice<UInt8>, key: String) throws(HelperError) -> String {
        let value = percentDecoded(part)
        if let bad = value.utf8.first(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) {
            throw .forbiddenCharacter(key: key, character: describe(bad))
        }
        return value
    }

    /// %XX escapes decoded; a malformed escape is kept as written, as git's url_decode
    /// does. (FoundationEssentials on Linux has no removingPercentEncoding, and full
    /// Foundation costs milliseconds at every start.)
    public static func percentDecoded(_ part: ArraySlice<UInt8>) -> String {
        String(decoding: percentDecodedBytes(part), as: UTF8.self)
    }

    /// `percentDecoded`, as bytes.
    public static func percentDecodedBytes(_ part: ArraySlice<UInt8>) -> [UInt8] {
        let bytes = Array(part)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    // MARK: - Bytes

    private static func text(_ bytes: ArraySlice<UInt8>, key: String) throws(HelperError) -> String {
        if let bad = bytes.first(where: { $0 == 0x0D || $0 == 0 }) {
            throw .forbiddenCharacter(key: printable(key), character: describe(bad))
        }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw .invalidUTF8(key: printable(key))
        }
        return string
    }

    /// Like `text`, but invalid UTF-8 becomes U+FFFD instead of an error.
    private static func lenientText(_ bytes: ArraySlice<UInt8>, key: String) throws(HelperError) -> String {
        if let bad = bytes.first(where: { $0 == 0x0D || $0 == 0 }) {
            throw .forbiddenCharacter(key: key, character: describe(bad))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func describe(_ byte: UInt8) -> String {
        switch byte {
        case 0: return "a NUL byte"
        case 0x0D: return "a carriage return"
        default: return "a line feed"
        }
    }

    /// A key as it may appear in an error line: printable ASCII, at most 40 characters.
    private static func printable(_ key: String) -> String {
        String(String.UnicodeScalarView(key.unicodeScalars.prefix(40).map {
            (0x20..<0x7F).contains($0.value) ? $0 : "?"
        }))
    }
}
