import FuzzSupport
import HelperCore
import HelperProtocol

/// docker's credential-helper format: a stored login that decodes is written back as
/// docker's JSON and decodes to the same login; a server URL read from stdin is trimmed,
/// non-empty, free of NUL and LF, and reads back to itself; a list reads back as the map.
func fuzzDocker(_ bytes: [UInt8]) {
    if let credentials = try? DockerCodec.decodeStore(bytes) {
        invariant(!credentials.serverURL.isEmpty && !credentials.username.isEmpty, "an empty server or username was accepted")
        checkAnswer(credentials)
    }
    if let server = try? DockerCodec.decodeServerURL(bytes) {
        invariant(!server.isEmpty && !server.utf8.contains(0) && !server.utf8.contains(0x0A), "bad server URL \(shown(server))")
        let scalars = server.unicodeScalars
        invariant(!scalars.first!.properties.isWhitespace && !scalars.last!.properties.isWhitespace, "untrimmed \(shown(server))")
        invariant((try? DockerCodec.decodeServerURL(Array(server.utf8))) == server, "server URL not stable: \(shown(server))")
    }
    let t = texts(bytes, count: 3)
    if !t[0].isEmpty, !t[1].isEmpty, !t.contains(where: { $0.utf8.contains(0) }) {
        checkAnswer(DockerCredentials(serverURL: t[0], username: t[1], secret: t[2]))
    }
    let list = Dictionary(t.map { ($0, $0 + "-user") }, uniquingKeysWith: { first, _ in first })
    let encoded = DockerCodec.encodeList(list)
    invariant(encoded.last == 0x0A, "a list answer does not end with a newline")
    invariant((try? JSON.parse(encoded)) == .object(list.mapValues { .string($0) }), "a list did not read back: \(shown(encoded))")
}

/// `get`'s answer is one line of JSON that `store` reads back as the same login.
func checkAnswer(_ credentials: DockerCredentials) {
    let answer = DockerCodec.encode(credentials)
    invariant(answer.last == 0x0A && answer.dropLast().allSatisfy { $0 >= 0x20 }, "not one line: \(shown(answer))")
    let document = try? JSON.parse(answer)
    invariant(document?["ServerURL"]?.stringValue == credentials.serverURL && document?["Username"]?.stringValue == credentials.username
              && document?["Secret"]?.stringValue == credentials.secret, "the answer does not hold the login: \(shown(answer))")
    invariant((try? DockerCodec.decodeStore(answer)) == credentials, "the answer did not read back as the login: \(shown(answer))")
}
