import CHTTP
import HelperCore
import HelperProtocol

#if canImport(Glibc)
import Glibc
#endif

// HTTP for the sign-in flows: a small request/response model, a transport protocol (so
// the flows can be tested with fakes), libcurl behind it (CurlTransport, loaded lazily by
// the CHTTP target) and a retry policy on top (RetryingTransport).

/// One request. Only GET and POST are used by the flows.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Follow up to 3 redirects, to https:// only.
    public var followRedirects: Bool

    public init(method: String, url: String, headers: [(name: String, value: String)] = [],
                body: [UInt8] = [], followRedirects: Bool = false) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.followRedirects = followRedirects
    }
}

/// Any HTTP answer, error statuses included (their JSON bodies carry Entra's errors).
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    /// Retry-After in seconds, when the server sent one.
    public var retryAfter: Int?
    public var contentType: String?
    /// The first WWW-Authenticate value (Azure Arc's challenge names its key file), at most
    /// `maxChallengeBytes`; a longer one (or one holding a NUL) is never cut short: it is
    /// nil here, and `challengeRefused` is set.
    public var wwwAuthenticate: String?
    public var challengeRefused: Bool

    public static let maxChallengeBytes = Int(ECH_HTTP_MAX_CHALLENGE)

    public init(status: Int, body: [UInt8] = [], retryAfter: Int? = nil, contentType: String? = nil,
                wwwAuthenticate: String? = nil, challengeRefused: Bool = false) {
        self.status = status
        self.body = body
        self.retryAfter = retryAfter
        self.contentType = contentType
        self.wwwAuthenticate = wwwAuthenticate
        self.challengeRefused = challengeRefused
    }
}

/// Why no HTTP response came back.
public enum HTTPFault: Error, Equatable, Sendable {
    /// libcurl could not be loaded.
    case unavailable(String)
    /// Not attempted, or stopped, by policy: scheme, non-loopback http://, method, header,
    /// a redirect to a protocol other than https.
    case refused(String)
    /// No connection was made, so nothing of the request was sent: refused, or the TLS
    /// handshake with a TLS server failed (an untrusted certificate, a cipher...): curl's text.
    case noConnection(String)
    /// https reached a server that does not speak TLS (it answered the handshake with
    /// something else, such as plain HTTP): nothing of the request was sent. curl's text.
    case notTLS(String)
    /// The transfer failed otherwise (DNS, reset, oversized body...): curl's text.
    case network(String)
    /// Connect or total timeout.
    case timedOut(String)
}

/// Sends one request and returns the response, whatever its status.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) throws(HTTPFault) -> HTTPResponse
}

/// The real transport: libcurl, opened with dlopen on first use.
public struct CurlTransport: HTTPTransport {
    public var connectTimeoutMilliseconds: Int
    public var totalTimeoutMilliseconds: Int
    /// A PEM bundle trusted in addition to the system CAs (SSL_CERT_FILE, see
    /// init(environment:)).
    public var extraCAFile: String?
    /// Plain http:// to a link-local IPv4 address (169.254.0.0/16) too: only the managed
    /// identity transport, for IMDS (169.254.169.254) and App Service's identity endpoint
    /// (169.254.x.y:8081 on Linux). Those answer only on the machine's own link.
    public var allowsLinkLocalHTTP = false

    public init(connectTimeoutMilliseconds: Int = 10_000, totalTimeoutMilliseconds: Int = 30_000,
                extraCAFile: String? = nil) {
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.totalTimeoutMilliseconds = totalTimeoutMilliseconds
        self.extraCAFile = extraCAFile
    }

    /// True when libcurl can be loaded (loads it).
    public static var isAvailable: Bool { ech_http_available() == 1 }

    /// With SSL_CERT_FILE from `environment`, if set and not empty, as the extra CA bundle.
    public init(environment: (String) -> String?) {
        self.init(extraCAFile: environment("SSL_CERT_FILE").flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The managed identity endpoint's transport, the only one allowed plain http to
    /// link-local addresses (IMDS, App Service on Linux): connecting is bounded at
    /// `managedIdentityConnectMilliseconds`, so a machine without an endpoint fails at once
    /// with one line. Used bare: ManagedIdentity does its own documented retries.
    public static func managedIdentity(environment: (String) -> String?) -> CurlTransport {
        var transport = CurlTransport(environment: environment)
        transport.connectTimeoutMilliseconds = managedIdentityConnectMilliseconds
        transport.allowsLinkLocalHTTP = true
        return transport
    }

    public static let managedIdentityConnectMilliseconds = 1000

    public func send(_ request: HTTPRequest) throws(HTTPFault) -> HTTPResponse {
        // Policy first, before any I/O: https anywhere, http only to a loopback host. No
        // spaces or control bytes (a NUL would cut the C string short of what was checked).
        guard !request.url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw .refused("URL with spaces or control characters")
        }
        let loopback = try Self.schemePolicy(request.url, allowsLinkLocalHTTP: allowsLinkLocalHTTP)
        guard request.method == "GET" || request.method == "POST" else {
            throw .refused("unsupported HTTP method \(request.method)")
        }
        var lines: [String] = []
        for (name, value) in request.headers {
            let line = "\(name): \(value)"
            // Bytes, not Characters: "\r\n" is a single Character equal to neither "\r" nor "\n".
            guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: ":")),
                  !line.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                throw .refused("invalid header \(name)")
            }
            lines.append(line)
        }
        return try perform(request, headerLines: lines, loopback: loopback)
    }

    /// The scheme rule, before any I/O: https anywhere; http only to a loopback host, or
    /// to a link-local one when `allowsLinkLocalHTTP`. True when http is allowed (and no
    /// proxy is used): the target is loopback or link-local.
    static func schemePolicy(_ url: String, allowsLinkLocalHTTP: Bool) throws(HTTPFault) -> Bool {
        let lower = url.lowercased()
        if lower.hasPrefix("https://") {
            return Authority.isLoopback(url: "http://" + lower.dropFirst("https://".count))
        }
        guard lower.hasPrefix("http://") else { throw .refused("unsupported URL scheme: \(redacted(url))") }
        guard Authority.isLoopback(url: lower) || (allowsLinkLocalHTTP && isLinkLocal(url: lower)) else {
            throw .refused("http:// is only allowed to a loopback host: \(redacted(url))")
        }
        return true
    }

    /// http://169.254.x.y[:port]/…: a link-local IPv4 literal, no userinfo.
    static func isLinkLocal(url: String) -> Bool {
        let authority = url.dropFirst("http://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { return false }
        let host = GitCredential.splitHostPort(String(authority)).name
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "169" && octets[1] == "254"
            && octets.allSatisfy { $0.utf8.count <= 3 && $0.utf8.allSatisfy { (48...57).contains($0) } && UInt8($0) != nil }
    }

    /// Everything before the query or fragment, for messages.
    static func redacted(_ url: String) -> String {
        String(url.prefix { $0 != "?" && $0 != "#" })
    }

    private func perform(_ request: HTTPRequest, headerLines: [String], loopback: Bool) throws(HTTPFault) -> HTTPResponse {
        // C copies of the strings, zeroed before they are freed (headers may hold tokens).
        var owned: [UnsafeMutablePointer<CChar>] = []
        defer {
            for pointer in owned {
                memset(pointer, 0, strlen(pointer))
                free(pointer)
            }
        }
        func copy(_ text: String) -> UnsafeMutablePointer<CChar> {
            let pointer = strdup(text)!
            owned.append(pointer)
            return pointer
        }
        var headerList: [UnsafePointer<CChar>?] = headerLines.map { UnsafePointer(copy($0)) }
        headerList.append(nil)

        var cRequest = ech_http_request()
        cRequest.method = UnsafePointer(copy(request.method))
        cRequest.url = UnsafePointer(copy(request.url))
        cRequest.connect_timeout_ms = connectTimeoutMilliseconds
        cRequest.total_timeout_ms = totalTimeoutMilliseconds
        cRequest.allow_http = loopback ? 1 : 0
        cRequest.follow_redirects = request.followRedirects ? 1 : 0
        cRequest.extra_ca_file = extraCAFile.map { UnsafePointer(copy($0)) }

        var cResponse = ech_http_response()
        defer { ech_http_response_free(&cResponse) }
        let code = headerList.withUnsafeBufferPointer { headers in
            request.body.withUnsafeBufferPointer { body in
                cRequest.headers = headers.baseAddress
                cRequest.body = body.baseAddress
                cRequest.body_length = body.count
                return ech_http_perform(&cRequest, &cResponse)
            }
        }
        guard code == 0 else {
            let message = withUnsafeBytes(of: &cResponse.error) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            switch code {
            case -1: throw .unavailable(message)
            case 28: throw .timedOut(message)                   // CURLE_OPERATION_TIMEDOUT
            case 1: throw .refused(message)                     // CURLE_UNSUPPORTED_PROTOCOL (e.g. a redirect to http)
            case 35 where Self.isNotTLS(message):               // SSL_CONNECT_ERROR: the answer was no TLS record
                throw .notTLS(message)
            case 7, 35, 58, 59, 60, 77, 83, 90, 91, 98:         // COULDNT_CONNECT, SSL_CONNECT_ERROR and the
                throw .noConnection(message)                    // certificate, cipher and CA-file failures
            default: throw .network(message)
            }
        }
        let body = cResponse.body == nil ? [] : Array(UnsafeBufferPointer(start: cResponse.body, count: cResponse.body_length))
        return HTTPResponse(
            status: cResponse.status,
            body: body,
            retryAfter: cResponse.retry_after_seconds >= 0 ? cResponse.retry_after_seconds : nil,
            contentType: cResponse.content_type.map { String(cString: $0) },
            wwwAuthenticate: cResponse.www_authenticate.map { String(cString: $0) },
            challengeRefused: cResponse.www_authenticate_refused != 0
        )
    }

    /// curl's SSL_CONNECT_ERROR text when the peer's first bytes were no TLS record, as
    /// OpenSSL says it (measured: https to a plain HTTP server, libcurl 7.88 and OpenSSL 3.0,
    /// "OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number"). Anything else
    /// there (a handshake alert, say) may come from a TLS server: not this.
    static func isNotTLS(_ message: String) -> Bool {
        let text = Array(message.utf8)
        return ["wrong version number", "packet length too long"].contains { reason in
            let needle = Array(reason.utf8)
            return text.count >= needle.count
                && (0...(text.count - needle.count)).contains { text[$0..<$0 + needle.count].elementsEqual(needle) }
        }
    }
}

/// Retries 5xx and 429 answers and `.network` and `.noConnection` faults (never `.refused`,
/// `.notTLS`, `.unavailable` or `.timedOut`): at most `maxAttempts` attempts, waiting Retry-After (capped) or a short
/// backoff, and never waiting past `deadlineMilliseconds` from the first attempt; when
/// the budget is spent, the last response or fault is returned as is.
public struct RetryingTransport: HTTPTransport {
    public var base: any HTTPTransport
    public var maxAttempts: Int
    public var maxRetryAfterMilliseconds: Int
    public var deadlineMilliseconds: Int
    /// Wait before the 2nd, 3rd... attempt when no Retry-After came; the last repeats.
    public var backoffMilliseconds: [Int]
    /// Waits between attempts and measures the deadline.
    public var clock: any TimeSource

    public init(_ base: any HTTPTransport, maxAttempts: Int = 3, maxRetryAfterMilliseconds: Int = 10_000,
                deadlineMilliseconds: Int = 60_000, backoffMilliseconds: [Int] = [500, 1_000],
                clock: any TimeSource = SystemTime()) {
        self.base = base
        self.maxAttempts = max(1, maxAttempts)
        self.maxRetryAfterMilliseconds = maxRetryAfterMilliseconds
        self.deadlineMilliseconds = deadlineMilliseconds
        self.backoffMilliseconds = backoffMilliseconds.isEmpty ? [0] : backoffMilliseconds
        self.clock = clock
    }

    static func isRetryable(status: Int) -> Bool { status == 429 || (500...599).contains(status) }

    public func send(_ request: HTTPRequest) throws(HTTPFault) -> HTTPResponse {
        let start = clock.monotonicMilliseconds
        var attempt = 1
        while true {
            let outcome: Result<HTTPResponse, HTTPFault>
            do { outcome = .success(try base.send(request)) } catch { outcome = .failure(error) }
            var retryAfter: Int?
            switch outcome {
            case .success(let response):
                guard Self.isRetryable(status: response.status) else { return response }
                retryAfter = response.retryAfter
            case .failure(let fault):
                switch fault {
                case .network, .noConnection: break
                default: throw fault
                }
            }
            guard attempt < maxAttempts else { return try outcome.get() }
            let wait = retryAfter.map { min(Int(Bounded.clamp(Int64($0), 0...1_000_000)) * 1000, maxRetryAfterMilliseconds) }
                ?? backoffMilliseconds[min(attempt - 1, backoffMilliseconds.count - 1)]
            guard Int(clock.monotonicMilliseconds - start) + wait <= deadlineMilliseconds else { return try outcome.get() }
            clock.sleep(milliseconds: wait)
            attempt += 1
        }
    }
}
