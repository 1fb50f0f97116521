/// The one sanitiser for text that reaches a terminal: every value an error line echoes
/// (hosts, URLs, profile names, flags, paths, config values) and all text from servers.
/// A terminal must not be driven (ESC, CSI, OSC), a line must stay one line, and a URL's
/// `user:password@` must never be shown.
public enum Sanitize {
    /// One line: C0 and C1 control characters (line breaks too), DEL and the
    /// bidirectional controls are dropped; at most `limit` characters, the last one an
    /// ellipsis when the text was cut.
    public static func line(_ text: String, limit: Int = 500) -> String {
        var scalars = String.UnicodeScalarView()
        var count = 0
        for scalar in text.unicodeScalars where !isUnsafe(scalar) {
            guard count < limit else {
                if limit > 0 { scalars.removeLast(); scalars.append("…") }
                break
            }
            scalars.append(scalar)
            count += 1
        }
        return String(scalars)
    }

    /// Text of several lines (a usage message): each line made clean on its own.
    public static func lines(_ text: String, limit: Int = 2000) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line(String($0), limit: limit) }.joined(separator: "\n")
    }

    /// A URL or `host[:port]` as given: without its userinfo (everything up to the last
    /// `@` of the authority), then made one clean line.
    public static func url(_ text: String, limit: Int = 200) -> String {
        line(withoutUserinfo(text), limit: limit)
    }

    /// `scheme://user:password@host/path` → `scheme://host/path`; `user@host` → `host`.
    public static func withoutUserinfo(_ text: String) -> String {
        var start = text.startIndex
        if let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") {
            start = text.index(colon, offsetBy: 3)
        }
        let end = text[start...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
        guard let at = text[start..<end].lastIndex(of: "@") else { return text }
        return String(text[..<start]) + String(text[text.index(after: at)...])
    }

    /// `text` as one word for a POSIX shell, for commands a fix line suggests: in single
    /// quotes, each ' written as '\''. A path with a space stays one argument.
    public static func shellWord(_ text: String) -> String {
        var word = "'"
        for character in text { word += character == "'" ? #"'\''"# : String(character) }
        return word + "'"
    }

    /// C0 and C1 control characters, DEL, line and paragraph separators, and the
    /// bidirectional formatting characters (which reorder what a terminal shows).
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
