import HelperCore
import HelperProtocol

/// The hosts a config file that does not parse might have routed, read leniently: every
/// string in it taken as a host (`*.suffix` as the suffix's subdomains; a scheme, port
/// and path dropped), and the hosts of every preset it names. With a broken config the
/// helper routes nothing: a host this says yes to gets no answer at all (not Entra's,
/// not a stored login), and any other host keeps its stored logins.
public enum ConfigSalvage {
    public static func mightRoute(_ bytes: [UInt8], host: String) -> Bool {
        let name = HostPattern.normalise(host)
        for text in strings(bytes) {
            let candidates = Preset(rawValue: text).map(\.hostPatterns) ?? [text]
            for candidate in candidates where matches(candidate, name) { return true }
        }
        return false
    }

    static func matches(_ candidate: String, _ host: String) -> Bool {
        var text = candidate.lowercased()
        if let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") {
            text = String(text[colon...].dropFirst(3))
        }
        text = String(text.prefix { $0 != "/" })
        let pattern = HostPattern.normalise(GitCredential.splitHostPort(text).name)
        if pattern.hasPrefix("*.") {
            let suffix = pattern.dropFirst(2)
            return !suffix.isEmpty && (host.hasSuffix("." + suffix) || host == suffix)
        }
        return !pattern.isEmpty && pattern == host
    }

    /// Every double-quoted string, escapes decoded where they parse; one left open ends
    /// at the end of its line.
    static func strings(_ bytes: [UInt8]) -> [String] {
        var found: [String] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == 0x22 else { index += 1; continue }
            var end = index + 1
            var escaped = false
            while end < bytes.count, bytes[end] != 0x0A, escaped || bytes[end] != 0x22 {
                escaped = !escaped && bytes[end] == 0x5C
                end += 1
            }
            let raw = Array(bytes[(index + 1)..<end])
            if raw.contains(0x5C), case let .string(decoded)? = try? JSON.parse([0x22] + raw + [0x22]) {
                found.append(decoded)
            } else {
                found.append(String(decoding: raw, as: UTF8.self))
            }
            index = end + 1
        }
        return found
    }
}
