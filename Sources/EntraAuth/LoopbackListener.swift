import HelperProtocol

#if canImport(Glibc)
import Glibc
#endif

/// What the browser brought back to the redirect URI.
public enum Callback: Equatable, Sendable {
    case code(String)
    /// `error=access_denied&error_description=…` and the like.
    case error(String, description: String)
}

/// The redirect listener of the browser flow, bound before the browser starts.
public protocol RedirectListener: AnyObject {
    var port: Int { get }
    /// Answers requests until the callback carrying `state` arrives (returned), `tick`
    /// (run about every 100 ms) returns false (nil returned), or the deadline (monotonic
    /// ms) passes (nil returned).
    func waitForCallback(state: String, deadline: Int64, tick: () -> Bool) -> Callback?
    func close()
}

public protocol ListenerFactory {
    func listen(ports: ClosedRange<Int>) throws(HelperError) -> RedirectListener
}

/// A one-shot HTTP listener on 127.0.0.1. Only `GET /?…` carrying the expected `state`
/// and a `code` or an `error` ends the wait; a wrong or missing state is refused with a
/// 400 page, and stray requests (favicon, probes) get a 404 and are otherwise ignored.
public final class LoopbackListener: RedirectListener {
    public let port: Int
    private var fd: Int32

    public struct Factory: ListenerFactory {
        public init() {}
        public func listen(ports: ClosedRange<Int>) throws(HelperError) -> RedirectListener {
            try LoopbackListener(ports: ports)
        }
    }

    /// Binds one port of the range: random picks first, then each in turn for a small range.
    public init(ports: ClosedRange<Int>) throws(HelperError) {
        var candidates: [Int] = []
        if ports.count <= 64 {
            candidates = Array(ports)
        } else {
            for _ in 0..<32 {
                candidates.append(ports.lowerBound + Int(Random.number() % UInt32(ports.count)))
            }
        }
        var lastError = "no port to try"
        for candidate in candidates {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard socket >= 0 else { throw .listenerFailed(Files.errorText()) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            address.sin_port = UInt16(candidate).bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0, Glibc.listen(socket, 16) == 0 {
                fd = socket
                port = candidate
                return
            }
            lastError = "port \(candidate): \(Files.errorText())"
            Glibc.close(socket)
        }
        throw .listenerFailed("\(ports.lowerBound)-\(ports.upperBound), last tried \(lastError)")
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }

    public func waitForCallback(state: String, deadline: Int64, tick: () -> Bool) -> Callback? {
        while true {
            guard tick() else { return nil }
            let left = deadline - Monotonic.milliseconds()
            guard left > 0 else { return nil }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32(min(left, 100))) > 0 else { continue }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            defer { Glibc.close(client) }
            if let callback = handle(client: client, state: state) { return callback }
        }
    }

    /// Reads one request and answers it; a callback when it is the one awaited.
    private func handle(client: Int32, state: String) -> Callback? {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while request.count < 16384, !Self.headersComplete(request) {
            let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            request += chunk[0..<n]
        }
        guard let parsed = CallbackRequest.parse(request), parsed.method == "GET" else {
            respond(client, status: "405 Method Not Allowed", page: Pages.stray)
            return nil
        }
        func field(_ name: String) -> String? { parsed.fields.last { $0.name == name }?.value }
        guard parsed.path == "/", field("code") != nil || field("error") != nil else {
            respond(client, status: "404 Not Found", page: Pages.stray)
            return nil
        }
        guard field("state") == state else {
            respond(client, status: "400 Bad Request", page: Pages.wrongState)
            return nil
        }
        if let error = field("error") {
            respond(client, status: "200 OK", page: Pages.failure)
            return .error(error, description: field("error_description") ?? "")
        }
        respond(client, status: "200 OK", page: Pages.success)
        return .code(field("code") ?? "")
    }

    static func headersComplete(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        for i in 0...(bytes.count - 4) where bytes[i] == 0x0D && bytes[i + 1] == 0x0A && bytes[i + 2] == 0x0D && bytes[i + 3] == 0x0A {
            return true
        }
        return false
    }

    private func respond(_ client: Int32, status: String, page: String) {
        let body = Array(page.utf8)
        let head = "HTTP/1.1 \(status)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: \(body.count)\r\n"
            + "Cache-Control: no-store\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            sent += n
        }
    }
}

/// The small pages the browser shows.
enum Pages {
    static func page(_ title: String, _ text: String) -> String {
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(title)</title></head>"
            + "<body style=\"font-family:sans-serif;margin:3em\"><h1>\(title)</h1><p>\(text)</p></body></html>"
    }
    static let success = page("Signed in", "entra-credential-helper has your sign-in. You can close this tab and return to the terminal.")
    static let failure = page("Sign-in failed", "The sign-in did not complete. The terminal says why; you can close this tab.")
    static let wrongState = page("Not this sign-in", "This answer does not belong to the sign-in in progress, so it was refused.")
    static let stray = page("Not found", "Nothing here.")
}
