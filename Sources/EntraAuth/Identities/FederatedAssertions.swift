import HelperCore

/// The federated token a workload is given, used as the app's client assertion (workload
/// identity federation). Each is asked afresh on every acquisition: the tokens rotate.

/// AKS workload identity: the projected service-account token in AZURE_FEDERATED_TOKEN_FILE,
/// read (at most 64 KiB) on every acquisition, refused when missing, empty or expired.
public struct FederatedTokenFile: ClientAssertionProvider {
    public let path: String
    let clock: any TimeSource
    public static let limit = 64 * 1024

    public init(path: String, clock: any TimeSource) {
        self.path = path
        self.clock = clock
    }

    public func assertion(audience: String) throws(HelperError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path, limit: Self.limit, regularFile: true)  // a FIFO there is refused, not waited on
        } catch {
            switch error {
            case .missing: throw .federatedTokenFile(path: path, problem: .missing)
            case let .failed(reason): throw .federatedTokenFile(path: path, problem: .unreadable(reason))
            }
        }
        let token = String(decoding: bytes, as: UTF8.self).trimmingASCIIWhitespace()
        guard !token.isEmpty else { throw .federatedTokenFile(path: path, problem: .empty) }
        guard let claims = TokenResponse.claims(ofJWT: token) else { throw .federatedTokenFile(path: path, problem: .notJWT) }
        // A hostile or broken `exp` is clamped; a token without one is left to Entra to judge.
        if let exp = claims["exp"]?.integer(in: Bounded.epochSeconds), exp <= clock.now {
            throw .federatedTokenFile(path: path, problem: .expired(exp))
        }
        return token
    }
}

/// GitHub Actions: `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange`
/// with `Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answered `{"value": JWT}`
/// (GitHub's "Configuring OpenID Connect in cloud providers"; set when the job has
/// `permissions: id-token: write`).
public struct GitHubActionsOIDC: ClientAssertionProvider {
    public static let provider = "GitHub Actions"
    public static let audience = "api://AzureADTokenExchange"
    let requestURL: String
    let requestToken: String
    let http: any HTTPTransport

    public init(requestURL: String, requestToken: String, http: any HTTPTransport) {
        self.requestURL = requestURL
        self.requestToken = requestToken
        self.http = http
    }

    public var url: String {
        requestURL + (requestURL.contains("?") ? "&" : "?") + FormEncoding.encode([("audience", Self.audience)])
    }

    public func assertion(audience: String) throws(HelperError) -> String {
        let request = HTTPRequest(method: "GET", url: url, headers: [(name: "Authorization", value: "bearer \(requestToken)"),
                                                                   (name: "Accept", value: "application/json")])
        return try OIDCRequest.token(request, member: "value", provider: Self.provider, http: http)
    }
}

/// Azure Pipelines: `POST $SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=ID`
/// with `Authorization: Bearer $SYSTEM_ACCESSTOKEN`, answered `{"oidcToken": JWT}`. The
/// service connection id is the profile's, else AZURESUBSCRIPTION_SERVICE_CONNECTION_ID
/// (what the AzureCLI@2 and AzurePowerShell@5 tasks set, and the Azure SDKs read).
public struct AzurePipelinesOIDC: ClientAssertionProvider {
    public static let provider = "Azure Pipelines"
    let requestURI: String
    let accessToken: String
    let serviceConnectionID: String
    let http: any HTTPTransport

    public init(requestURI: String, accessToken: String, serviceConnectionID: String, http: any HTTPTransport) {
        self.requestURI = requestURI
        self.accessToken = accessToken
        self.serviceConnectionID = serviceConnectionID
        self.http = http
    }

    public var url: String {
        requestURI + (requestURI.contains("?") ? "&" : "?")
            + FormEncoding.encode([("api-version", "7.1"), ("serviceConnectionId", serviceConnectionID)])
    }

    public func assertion(audience: String) throws(HelperError) -> String {
        let request = HTTPRequest(method: "POST", url: url, headers: [(name: "Authorization", value: "Bearer \(accessToken)"),
                                                                    (name: "Content-Type", value: "application/json")])
        return try OIDCRequest.token(request, member: "oidcToken", provider: Self.provider, http: http)
    }
}

/// The request both CI systems share: one JSON member holds the token.
enum OIDCRequest {
    static func token(_ request: HTTPRequest, member: String, provider: String, http: any HTTPTransport) throws(HelperError) -> String {
        let response: HTTPResponse
        do {
            response = try http.send(request)
        } catch {
            throw EntraClient.error(error, host: EntraClient.host(of: request.url))
        }
        if response.status == 401 || response.status == 403 { throw .oidcRequestRefused(provider: provider, status: response.status) }
        guard response.status == 200 else { throw .oidcRequestFailed(provider: provider, detail: "HTTP \(response.status)") }
        guard let document = try? JSON.parse(response.body), let token = document[member]?.stringValue, !token.isEmpty else {
            throw .oidcRequestFailed(provider: provider, detail: "the answer has no \"\(member)\"")
        }
        return token
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
