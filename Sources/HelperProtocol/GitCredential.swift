import HelperCore
/// One credential as git's credential-helper protocol describes it (git-credential(1),
/// every attribute git speaks up to 2.50). Unset attributes are nil or empty.
public struct GitCredential: Equatable, Sendable {
    public var `protocol`: String?
    /// Host as git sends it, with ":port" when the URL had one.
    public var host: String?
    public var path: String?
    public var username: String?
    public var password: String?
    /// Unix seconds, as the decimal text git sends.
    public var passwordExpiryUTC: String?
    public var oauthRefreshToken: String?
    public var wwwauth: [String] = []
    public var capability: [String] = []
    public var authtype: String?
    public var credential: String?
    public var ephemeral: Bool = false
    public var state: [String] = []
    public var `continue`: Bool = false
    public var quit: Bool = false

    public init(
        protocol: String? = nil, host: String? = nil, path: String? = nil,
        username: String? = nil, password: String? = nil,
        passwordExpiryUTC: String? = nil, oauthRefreshToken: String? = nil
    ) {
        self.protocol = `protocol`
        self.host = host
        self.path = path
        self.username = username
        self.password = password
        self.passwordExpiryUTC = passwordExpiryUTC
        self.oauthRefreshToken = oauthRefreshToken
    }

    /// The host without its port: "example.com" for "example.com:8443", "::1" for "[::1]:80".
    public var hostName: String? {
        guard let host else { return nil }
        return Self.splitHostPort(host).name
    }

    /// The port written in `host`, if any.
    public var port: Int? {
        guard let host else { return nil }
        return Self.splitHostPort(host).port
    }

    /// The expiry as unix seconds, when the text is a valid number (git ignores others).
    public var expiry: Int64? { passwordExpiryUTC.flatMap { Int64($0) } }

    /// Splits "name:port" at the last colon outside IPv6 brackets; the port is 1-65535 in digits.
    public static func splitHostPort(_ host: String) -> (name: String, port: Int?) {
        let searchStart: String.Index
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            searchStart = close
        } else {
            searchStart = host.startIndex
        }
        guard let colon = host[searchStart...].lastIndex(of: ":") else { return (host, nil) }
        let portText = host[host.index(after: colon)...]
        // Digits only: Int() would also read "+443", which git, its HTTP client and Go refuse.
        guard portText.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let port = Int(portText),
              port > 0, port <= 65535 else { return (host, nil) }
        return (String(host[..<colon]), port)
    }
}
