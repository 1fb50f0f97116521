import HelperCore

#if canImport(Glibc)
import Glibc
#endif

/// Azure Arc's challenge-file handshake, as Microsoft documents it ("Authenticate against
/// Azure resources with Azure Arc-enabled servers") and the Azure SDKs check it: the
/// agent's first answer is 401 with `WWW-Authenticate: Basic realm=PATH`, PATH a `.key`
/// file directly inside its token directory (Linux: /var/opt/azcmagent/tokens, readable by
/// root and the himds group), at most 4096 bytes; its content is the retry's
/// `Authorization: Basic` value. Anything else is refused with one line, and the key is
/// never echoed, logged or written anywhere.
public struct ArcChallenge: Sendable {
    public static let linuxTokenDirectory = "/var/opt/azcmagent/tokens"
    public static let apiVersion = "2020-06-01"
    public static let maxKeyBytes = 4096

    /// The only directory a key file may be in (no trailing slash).
    let directory: String

    init(directory: String) {
        var trimmed = directory
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.directory = trimmed
    }

    /// The key for the retry, from a 401 answer.
    func key(answering response: HTTPResponse) throws(HelperError) -> String {
        if response.challengeRefused { throw .arcChallenge(problem: .headerRefused(limit: HTTPResponse.maxChallengeBytes)) }
        guard let header = response.wwwAuthenticate, !header.isEmpty else { throw .arcChallenge(problem: .missingHeader) }
        let path = try Self.realm(header)
        try check(path)
        return try read(path)
    }

    /// PATH of `Basic realm=PATH` (the scheme in any case, the value optionally quoted).
    static func realm(_ header: String) throws(HelperError) -> String {
        let bytes = Array(header.utf8)
        let scheme = Array("basic ".utf8), name = Array("realm=".utf8)
        func lower(_ b: UInt8) -> UInt8 { (65...90).contains(b) ? b + 32 : b }
        guard bytes.count > scheme.count, bytes.prefix(scheme.count).map(lower) == scheme else {
            throw .arcChallenge(problem: .notBasicRealm)
        }
        var rest = bytes.dropFirst(scheme.count).drop { $0 == 32 || $0 == 9 }
        guard rest.count > name.count, rest.prefix(name.count).map(lower) == name else { throw .arcChallenge(problem: .notBasicRealm) }
        rest = rest.dropFirst(name.count)
        if rest.count >= 2, rest.first == 34, rest.last == 34 { rest = rest.dropFirst().dropLast() }
        guard !rest.isEmpty else { throw .arcChallenge(problem: .notBasicRealm) }
        return String(decoding: rest, as: UTF8.self)
    }

    /// Directly inside `directory` (no other directory, no `..`), named `*.key`.
    func check(_ path: String) throws(HelperError) {
        guard path.hasPrefix("/"), Files.parent(of: path) == directory else {
            throw .arcChallenge(problem: .outsideDirectory(path: path, directory: directory))
        }
        let name = path.utf8.split(separator: UInt8(ascii: "/")).last.map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard name.hasSuffix(".key"), name.utf8.count > ".key".utf8.count else { throw .arcChallenge(problem: .notKeyFile(path: path)) }
    }

    /// The file's content, trimmed of surrounding blanks and line ends: not a link (O_NOFOLLOW),
    /// a regular file (checked on the open descriptor; a FIFO is not waited on), at most
    /// maxKeyBytes. The buffer is zeroed after use.
    func read(_ path: String) throws(HelperError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw .arcChallenge(problem: .missing(path: path))
            case ELOOP: throw .arcChallenge(problem: .notRegularFile(path: path))
            default: throw .arcChallenge(problem: .unreadable(path: path, reason: Files.errorText()))
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw .arcChallenge(problem: .notRegularFile(path: path)) }
        guard info.st_size <= Self.maxKeyBytes else { throw .arcChallenge(problem: .tooLarge(path: path, limit: Self.maxKeyBytes)) }
        var buffer = [UInt8](repeating: 0, count: Self.maxKeyBytes + 1)
        defer { buffer.withUnsafeMutableBytes { _ = memset($0.baseAddress!, 0, $0.count) } }
        var count = 0
        while count < buffer.count {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 { if errno == EINTR { continue }; throw .arcChallenge(problem: .unreadable(path: path, reason: Files.errorText())) }
            if n == 0 { break }
            count += n
        }
        guard count <= Self.maxKeyBytes else { throw .arcChallenge(problem: .tooLarge(path: path, limit: Self.maxKeyBytes)) }
        let blank: Set<UInt8> = [9, 10, 13, 32]
        let key = buffer[..<count].drop { blank.contains($0) }.reversed().drop { blank.contains($0) }.reversed()
        guard !key.isEmpty, !key.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { throw .arcChallenge(problem: .badKey(path: path)) }
        return String(decoding: key, as: UTF8.self)
    }
}
