import HelperCore
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
        let text = String(decoding: Array(joined), as: UTF8.self).unicodeScalars
        // Go's strings.TrimSpace: Unicode white space off both ends.
        let server = String(String.UnicodeScalarView(
            text.drop { $0.properties.isWhitespace }.reversed().drop { $0.properties.isWhitespace }.reversed()))
        guard !server.isEmpty else { throw .missingServerURL }
        try refuseNUL(server, key: "ServerURL")
        return server
    }

    /// A NUL would cut the value short at the C boundary: one server's login could then
    /// answer for another ("reg.example\0.evil").
    static func refuseNUL(_ value: String, key: String) throws(HelperError) {
        if value.utf8.contains(0) { throw .forbiddenCharacter(key: key, character: "a NUL byte") }
    }

    /// `store` reads a JSON object. Field names match case-insensitively, exact case
    /// first, and unknown fields are ignored, as Go's decoder does.
    public static func decodeStore(_ input: [UInt8]) throws(HelperError) -> DockerCredentials {
        let document: JSONValue
        do {
            document = try JSON.parse(input)
        } catch {
            throw .invalidJSON(error.description)
        }
        guard case let .object(fields) = document else { throw .invalidJSON("not a JSON object") }
        func field(_ name: String) throws(HelperError) -> String {
            let value = fields[name]
                ?? fields.first { $0.key.lowercased() == name.lowercased() }?.value
            switch value {
            case nil, .null?: return ""
            case let .string(text)?: return text
            default: throw .invalidJSON("\(name) is not a string")
            }
        }
        let credentials = DockerCredentials(
            serverURL: try field("ServerURL"), username: try field("Username"),
            secret: try field("Secret"))
        guard !credentials.serverURL.isEmpty else { throw .missingServerURL }
        guard !credentials.username.isEmpty else { throw .missingUsername }
        try refuseNUL(credentials.serverURL, key: "ServerURL")
        try refuseNUL(credentials.username, key: "Username")
        try refuseNUL(credentials.secret, key: "Secret")
        return credentials
    }

    /// `get`'s answer: `{"ServerURL":…,"Username":…,"Secret":…}` and a newline, fields
    /// in docker's order (not sorted), as Go writes a struct.
    public static func encode(_ c: DockerCredentials) -> [UInt8] {
        var out = Array("{\"ServerURL\":".utf8)
        JSON.writeString(c.serverURL, to: &out)
        out += ",\"Username\":".utf8
        JSON.writeString(c.username, to: &out)
        out += ",\"Secret\":".utf8
        JSON.writeString(c.secret, to: &out)
        out += "}\n".utf8
        return out
    }

    /// `list`'s answer: server → username, keys in byte order, `{}` when empty.
    public static func encodeList(_ entries: [String: String]) -> [UInt8] {
        JSON.encode(.object(entries.mapValues { .string($0) })) + [0x0A]
    }
}
