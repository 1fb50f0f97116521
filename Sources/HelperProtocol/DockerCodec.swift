import Foundation

/// One docker login, as docker-credential-helpers' `credentials.Credentials`.
public struct DockerCredentials: Equatable, Sendable {
    public var serverURL: String
    public var username: String
    public var secret: String

    public init(serverURL: String, username: String, secret: String) {
        self.serverURL = serverURL
        self.username = username
        self.secret = secret
    }
}

/// Byte-compatible with docker-credential-helpers: the same input handling, the same
/// JSON bytes (Go's encoding/json with its HTML escaping), the same fixed messages.
public enum DockerCodec {
    /// `get` and `erase` read a server URL: lines joined, CRs dropped, spaces trimmed.
    public static func decodeServerURL(_ input: [UInt8]) throws(HelperError) -> String {
        let joined = input.split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { $0.last == 0x0D ? $0.dropLast() : $0 }
            .joined()
        let server = String(decoding: Array(joined), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !server.isEmpty else { throw .missingServerURL }
        return server
    }

    /// `store` reads a JSON object. Field names match case-insensitively, exact case
    /// first, and unknown fields are ignored, as Go's decoder does.
    public static func decodeStore(_ input: [UInt8]) throws(HelperError) -> DockerCredentials {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(input))
        } catch {
            throw .invalidJSON("not valid JSON")
        }
        guard let fields = object as? [String: Any] else {
            throw .invalidJSON("not a JSON object")
        }
        func field(_ name: String) throws(HelperError) -> String {
            let value = fields[name]
                ?? fields.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
            switch value {
            case nil, is NSNull: return ""
            case let string as String: return string
            default: throw .invalidJSON("\(name) is not a string")
            }
        }
        let credentials = DockerCredentials(
            serverURL: try field("ServerURL"), username: try field("Username"),
            secret: try field("Secret"))
        guard !credentials.serverURL.isEmpty else { throw .missingServerURL }
        guard !credentials.username.isEmpty else { throw .missingUsername }
        return credentials
    }

    /// `get`'s answer: `{"ServerURL":…,"Username":…,"Secret":…}` and a newline.
    public static func encode(_ c: DockerCredentials) -> [UInt8] {
        var out = Array("{\"ServerURL\":".utf8)
        appendString(c.serverURL, to: &out)
        out += ",\"Username\":".utf8
        appendString(c.username, to: &out)
        out += ",\"Secret\":".utf8
        appendString(c.secret, to: &out)
        out += "}\n".utf8
        return out
    }

    /// `list`'s answer: server → username, keys in byte order, `{}` when empty.
    public static func encodeList(_ entries: [String: String]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in entries.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendString(entries[key]!, to: &out)
        }
        out += "}\n".utf8
        return out
    }

    /// A JSON string as Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029
    /// escaped as \u00XX / \u20XX, control characters as \n, \r, \t or \u00XX.
    static func appendString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        func unicodeEscape(_ value: UInt32) {
            out += "\\u".utf8
            for shift in stride(from: 12, through: 0, by: -4) {
                out.append(hex[Int((value >> UInt32(shift)) & 0xF)])
            }
        }
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\"".utf8
            case 0x5C: out += "\\\\".utf8
            case 0x0A: out += "\\n".utf8
            case 0x0D: out += "\\r".utf8
            case 0x09: out += "\\t".utf8
            case 0x00..<0x20, 0x3C, 0x3E, 0x26, 0x2028, 0x2029: unicodeEscape(scalar.value)
            default: out += String(scalar).utf8
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
