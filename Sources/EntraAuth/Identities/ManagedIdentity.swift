import HelperCore

/// Which managed identity: the resource's system-assigned one, or a user-assigned one.
public enum ManagedIdentityID: Equatable, Sendable {
    case systemAssigned
    case clientID(String)
    case objectID(String)
    case resourceID(String)

    /// The config's spelling: `system`, `client_id:ID`, `object_id:ID` or `resource_id:ID`.
    public init?(config text: String) {
        if text == "system" { self = .systemAssigned; return }
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let id = String(text[text.index(after: colon)...])
        guard !id.isEmpty else { return nil }
        switch text[..<colon] {
        case "client_id": self = .clientID(id)
        case "object_id": self = .objectID(id)
        case "resource_id": self = .resourceID(id)
        default: return nil
        }
    }

    public var configValue: String {
        switch self {
        case .systemAssigned: return "system"
        case let .clientID(id): return "client_id:\(id)"
        case let .objectID(id): return "object_id:\(id)"
        case let .resourceID(id): return "resource_id:\(id)"
        }
    }

    /// How `status` names it (ids are not secrets).
    public var kind: String {
        switch self {
        case .systemAssigned: return "managed identity (system-assigned)"
        case let .clientID(id): return "managed identity (user-assigned, client id \(id))"
        case let .objectID(id): return "managed identity (user-assigned, object id \(id))"
        case let .resourceID(id): return "managed identity (user-assigned, resource id \(id))"
        }
    }
}

/// Where the managed identity endpoint is.
public enum ManagedIdentityEndpoint: Equatable, Sendable {
    /// A VM's or VMSS's IMDS (`http://169.254.169.254`, or AZURE_POD_IDENTITY_AUTHORITY_HOST,
    /// the override the Azure SDKs read).
    case imds(base: String)
    /// App Service, Functions and Container Apps: IDENTITY_ENDPOINT with IDENTITY_HEADER.
    case appService(endpoint: String, header: String)
    /// An Azure Arc-enabled server's agent (himds): IDENTITY_ENDPOINT with IMDS_ENDPOINT and
    /// no IDENTITY_HEADER; its token needs the challenge-file handshake (ArcChallenge).
    case arc(endpoint: String)

    public static let imdsAddress = "http://169.254.169.254"

    /// From the environment, as the Azure SDKs read it: IDENTITY_ENDPOINT with
    /// IDENTITY_HEADER is App Service; IDENTITY_ENDPOINT with IMDS_ENDPOINT (what the Arc
    /// agent sets) is Azure Arc; otherwise IMDS.
    public static func from(environment: (String) -> String?) -> ManagedIdentityEndpoint {
        func value(_ name: String) -> String? { environment(name).flatMap { $0.isEmpty ? nil : $0 } }
        if let endpoint = value("IDENTITY_ENDPOINT") {
            if let header = value("IDENTITY_HEADER") { return .appService(endpoint: endpoint, header: header) }
            if value("IMDS_ENDPOINT") != nil { return .arc(endpoint: endpoint) }
        }
        var base = environment("AZURE_POD_IDENTITY_AUTHORITY_HOST").flatMap { $0.isEmpty ? nil : $0 } ?? imdsAddress
        while base.hasSuffix("/") { base.removeLast() }
        return .imds(base: base)
    }
}

/// The managed identity's token. IMDS: `GET /metadata/identity/oauth2/token?api-version=
/// 2018-02-01&resource=R[&client_id|object_id|msi_res_id=…]` with `Metadata: true`,
/// retried on 404, 410, 429 and 5xx with exponential back-off, as Microsoft documents
/// ("How to use managed identities for Azure resources on an Azure VM to acquire an
/// access token": error handling). App Service: `GET IDENTITY_ENDPOINT?api-version=
/// 2019-08-01&resource=R[&client_id|principal_id|mi_res_id=…]` with `X-IDENTITY-HEADER`.
/// Azure Arc: `GET IDENTITY_ENDPOINT?api-version=2020-06-01&resource=R` with `Metadata: true`
/// answers 401 naming a key file; the retry carries its content (ArcChallenge). The
/// `resource` is the scope without `/.default`. The transport must not retry itself
/// and must bound the connection (about 1 s): an unreachable endpoint is one line.
public final class ManagedIdentity: TokenSource {
    let http: any HTTPTransport
    let endpoint: ManagedIdentityEndpoint
    let identity: ManagedIdentityID
    let clock: any TimeSource
    /// Attempts in all, and the first wait (doubled each time, or the server's Retry-After).
    let maxAttempts: Int
    let firstWaitMilliseconds: Int
    /// Where an Arc challenge's key file must be: the agent's directory, fixed in the
    /// binary (no environment variable moves it); tests give their own.
    let arcTokenDirectory: String

    public init(http: any HTTPTransport, endpoint: ManagedIdentityEndpoint, identity: ManagedIdentityID,
                clock: any TimeSource, maxAttempts: Int = 5, firstWaitMilliseconds: Int = 1000,
                arcTokenDirectory: String = ArcChallenge.linuxTokenDirectory) {
        self.http = http
        self.endpoint = endpoint
        self.identity = identity
        self.clock = clock
        self.maxAttempts = max(maxAttempts, 1)
        self.firstWaitMilliseconds = firstWaitMilliseconds
        self.arcTokenDirectory = arcTokenDirectory
    }

    /// `X/.default` → `X`.
    public static func resource(_ scopes: [String]) throws(HelperError) -> String {
        String(try ClientCredentials.defaultScope(scopes, flow: .managedIdentity).dropLast("/.default".count))
    }

    public func request(resource: String) -> HTTPRequest {
        switch endpoint {
        case let .imds(base):
            var query = [("api-version", "2018-02-01"), ("resource", resource)]
            switch identity {
            case .systemAssigned: break
            case let .clientID(id): query.append(("client_id", id))
            case let .objectID(id): query.append(("object_id", id))
            case let .resourceID(id): query.append(("msi_res_id", id))
            }
            return HTTPRequest(method: "GET", url: base + "/metadata/identity/oauth2/token?" + FormEncoding.encode(query),
                               headers: [(name: "Metadata", value: "true")])
        case let .appService(url, header):
            var query = [("api-version", "2019-08-01"), ("resource", resource)]
            switch identity {
            case .systemAssigned: break
            case let .clientID(id): query.append(("client_id", id))
            case let .objectID(id): query.append(("principal_id", id))
            case let .resourceID(id): query.append(("mi_res_id", id))
            }
            return HTTPRequest(method: "GET", url: url + (url.contains("?") ? "&" : "?") + FormEncoding.encode(query),
                               headers: [(name: "X-IDENTITY-HEADER", value: header)])
        case let .arc(url):  // the system-assigned identity only (token() refuses others)
            let query = [("api-version", ArcChallenge.apiVersion), ("resource", resource)]
            return HTTPRequest(method: "GET", url: url + (url.contains("?") ? "&" : "?") + FormEncoding.encode(query),
                               headers: [(name: "Metadata", value: "true")])
        }
    }

    var endpointName: String {
        switch endpoint {
        case let .imds(base): return base
        case let .appService(url, _), let .arc(url): return EntraClient.host(of: url)
        }
    }

    static func isRetryable(_ status: Int) -> Bool { status == 404 || status == 410 || status == 429 || (500...599).contains(status) }

    public func acquire(_ profile: Profile, key: SignInKey, demand: TokenDemand) throws(HelperError) -> SourcedToken {
        SourcedToken(token: try token(profile, scopes: demand.scopes))
    }

    public func renew(_ profile: Profile, key: SignInKey) throws(HelperError) -> AccessToken {
        try token(profile, scopes: profile.scopes)
    }

    public func state(_ profile: Profile, key: SignInKey) throws(HelperError) -> SourceState {
        SourceState(account: account(profile), hasStoredCredential: false, store: "none (no refresh token)",
                    identity: identity.kind, flow: Profile.Flow.managedIdentity.rawValue)
    }

    public func forget(_ key: SignInKey?) throws(HelperError) {}

    func account(_ profile: Profile) -> Account {
        Account(homeAccountID: "mi.\(identity.kind)", username: identity.kind, tenantID: profile.tenant)
    }

    func token(_ profile: Profile, scopes: [String]) throws(HelperError) -> AccessToken {
        let resource = try Self.resource(scopes)
        var request = request(resource: resource)
        var arc: ArcChallenge?
        if case let .arc(url) = endpoint {
            guard identity == .systemAssigned else { throw .arcChallenge(problem: .userAssigned) }
            guard url.hasPrefix("http://"), Authority.isLoopback(url: url) else { throw .arcChallenge(problem: .notLocal(endpoint: url)) }
            arc = ArcChallenge(directory: arcTokenDirectory)
        }
        var wait = firstWaitMilliseconds
        var attempt = 1
        while true {
            let response: HTTPResponse
            do {
                response = try http.send(request)
            } catch {
                throw .managedIdentityUnreachable(endpoint: endpointName, detail: Self.faultText(error))
            }
            if let challenge = arc {
                // Arc: first the 401 naming the key file, then the same request with its content.
                if response.status == 401 {
                    request.headers = [(name: "Metadata", value: "true"),
                                       (name: "Authorization", value: "Basic " + (try challenge.key(answering: response)))]
                    arc = nil
                    continue
                }
                if response.status == 200 { throw .arcChallenge(problem: .noChallenge(status: 200)) }
            }
            if response.status == 200 {
                return try Self.parse(response.body, now: clock.now, scopes: scopes, account: account(profile))
            }
            if response.status == 401, case .arc = endpoint { throw .arcChallenge(problem: .keyRefused) }
            guard Self.isRetryable(response.status), attempt < maxAttempts else {
                throw .managedIdentityRefused(endpoint: endpointName, status: response.status, detail: Self.detail(response.body))
            }
            let retryAfter = response.retryAfter.map { Int(Bounded.clamp(Int64($0), 0...60)) * 1000 }
            clock.sleep(milliseconds: retryAfter ?? wait)
            wait = min(wait * 2, 30_000)
            attempt += 1
        }
    }

    static func faultText(_ fault: HTTPFault) -> String {
        switch fault {
        case let .unavailable(text), let .refused(text), let .noConnection(text), let .notTLS(text), let .network(text): return text
        case let .timedOut(text): return "timed out: \(text)"
        }
    }

    /// `error_description` (or `error`, or `message`) of an error body, cleaned.
    static func detail(_ body: [UInt8]) -> String {
        guard let document = try? JSON.parse(body) else { return "" }
        let text = document["error_description"]?.stringValue ?? document["error"]?.stringValue ?? document["message"]?.stringValue ?? ""
        return Sanitize.line(text, limit: 300)
    }

    /// `{"access_token", "expires_in" | "expires_on", …}`; the numbers may be strings.
    static func parse(_ body: [UInt8], now: Int64, scopes: [String], account: Account) throws(HelperError) -> AccessToken {
        let document: JSONValue
        do { document = try JSON.parse(body) } catch { throw .badTokenResponse("not JSON: \(error.description)") }
        guard let token = document["access_token"]?.stringValue, !token.isEmpty else { throw .badTokenResponse("no access_token") }
        let expiresOn: Int64
        if let expiresIn = document["expires_in"]?.integer(in: 0...TokenResponse.longestLifetime), expiresIn > 0 {
            expiresOn = Bounded.sum(now, expiresIn)
        } else if let on = document["expires_on"]?.integer(in: Bounded.epochSeconds), on > now {
            expiresOn = min(on, Bounded.sum(now, TokenResponse.longestLifetime))
        } else {
            throw .badTokenResponse("no expires_in or expires_on in the future")
        }
        return AccessToken(token: token, expiresOn: expiresOn, scopes: scopes, account: account)
    }
}
