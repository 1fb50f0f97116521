import HelperCore

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
    /// ms, on the clock the listener was made with) passes (nil returned).
    func waitForCallback(state: String, deadline: Int64, tick: () -> Bool) -> Callback?
    func close()
}

public protocol ListenerFactory {
    func listen(ports: ClosedRange<Int>) throws(HelperError) -> RedirectListener
}

/// A one-shot HTTP listener on localhost: 127.0.0.1, and the same port on ::1 where the
/// machine has IPv6, so that no other process can take `localhost:PORT` on ::1 (browsers try
/// ::1 first). Only `GET /?…` carrying the expected `state` and a `code` or an `error` ends
/// the wait; a wrong or missing state is refused with a 400 page, and stray requests
/// (favicon, probes) get a 404 and are otherwise ignored. Connections are served side by
/// side with poll(2): each has `connectionBudget` ms and `headCap` bytes to send its request,
/// so a slow or silent client can neither hold the browser's redirect nor the deadline.
public final class LoopbackListener: RedirectListener {
    public let port: Int
    /// The listening sockets: 127.0.0.1, then ::1 when there is IPv6.
    private var sockets: [Int32]
    /// Deadlines and connection budgets (monotonic).
    private let clock: any TimeSource
    /// The addresses it listens on, for doctor.
    public var addresses: String { sockets.count > 1 ? "127.0.0.1 and ::1" : "127.0.0.1 (no ::1 here)" }

    static let connectionBudget: Int64 = 2000
    static let headCap = 16384
    static let maxClients = 64

    public struct Factory: ListenerFactory {
        let clock: any TimeSource
        public init(clock: any TimeSource = SystemTime()) { self.clock = clock }
        public func listen(ports: ClosedRange<Int>) throws(HelperError) -> RedirectListener {
            try LoopbackListener(ports: ports, clock: clock)
        }
    }

    /// Binds one port of the range on both addresses: random picks first, then each in turn
    /// for a small range. A port another process holds on either address is skipped.
    public init(ports: ClosedRange<Int>, clock: any TimeSource = SystemTime()) throws(HelperError) {
        self.clock = clock
        var candidates: [Int] = []
        if ports.count <= 64 {
            candidates = Array(ports)
        } else {
            for _ in 0..<32 {
                candidates.append(ports.lowerBound + Int(Random.number() % UInt32(ports.count)))
            }
        }
        var lastError = "no port to try"
        var ipv6 = true
        for candidate in candidates {
            let v4: Int32
            switch Self.listenSocket(ipv6: false, port: candidate) {
            case let .listening(socket): v4 = socket
            case let .noSocket(code): throw .listenerFailed(Files.errorText(code))
            case let .failed(code):
                lastError = "port \(candidate): \(Files.errorText(code))"
                continue
            }
            guard ipv6 else { (sockets, port) = ([v4], candidate); return }
            switch Self.listenSocket(ipv6: true, port: candidate) {
            case let .listening(v6):
                (sockets, port) = ([v4, v6], candidate)
                return
            case .noSocket(EAFNOSUPPORT), .failed(EADDRNOTAVAIL):  // no IPv6, or no ::1: 127.0.0.1 alone
                ipv6 = false
                (sockets, port) = ([v4], candidate)
                return
            case let .noSocket(code):
                Glibc.close(v4)
                throw .listenerFailed(Files.errorText(code))
            case let .failed(code):
                Glibc.close(v4)
                lastError = "port \(candidate) on ::1: \(Files.errorText(code))"
            }
        }
        throw .listenerFailed("\(ports.lowerBound)-\(ports.upperBound), last tried \(lastError)")
    }

    private enum Opened { case listening(Int32), noSocket(Int32), failed(Int32) }

    /// A non-blocking socket listening on 127.0.0.1:port or [::1]:port (IPv6 only).
    private static func listenSocket(ipv6: Bool, port: Int) -> Opened {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let socket = Glibc.socket(ipv6 ? AF_INET6 : AF_INET, type, 0)
        guard socket >= 0 else { return .noSocket(errno) }
        var bound: Int32
        if ipv6 {
            var on: Int32 = 1
            setsockopt(socket, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_addr = in6addr_loopback
            address.sin6_port = UInt16(port).bigEndian
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            address.sin_port = UInt16(port).bigEndian
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        if bound == 0 { bound = Glibc.listen(socket, 16) }
        guard bound == 0 else {
            let code = errno
            Glibc.close(socket)
            return .failed(code)
        }
        return .listening(socket)
    }

    public func close() {
        for socket in sockets { Glibc.close(socket) }
        sockets = []
    }

    deinit { close() }

    /// One accepted connection and what it sent so far.
    private struct Client {
        let fd: Int32
        /// Monotonic ms after which it is cut: its budget, or the overall deadline.
        let cutoff: Int64
        var head: [UInt8] = []
    }

    public func waitForCallback(state: String, deadline: Int64, tick: () -> Bool) -> Callback? {
        var clients: [Client] = []
        defer { for client in clients { Glibc.close(client.fd) } }
        while true {
            guard tick() else { return nil }
            let now = clock.monotonicMilliseconds
            guard deadline > now else { return nil }
            clients.removeAll { client in
                if client.cutoff > now { return false }
                Glibc.close(client.fd)
                return true
            }
            let wait = clients.reduce(min(deadline - now, 100)) { min($0, $1.cutoff - now) }
            var entries = (sockets + clients.map(\.fd)).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&entries, nfds_t(entries.count), Int32(wait)) > 0 else { continue }
            // Clients first: their indices are those polled.
            var kept: [Client] = []
            for (index, var client) in clients.enumerated() {
                guard entries[sockets.count + index].revents != 0 else { kept.append(client); continue }
                switch Self.read(&client) {
                case .waiting:
                    kept.append(client)
                case .dropped:
                    Glibc.close(client.fd)
                case .complete:
                    let callback = answer(client, state: state)
                    Glibc.close(client.fd)
                    if let callback {
                        clients = kept + clients[(index + 1)...]
                        return callback
                    }
                }
            }
            clients = kept
            for (index, socket) in sockets.enumerated() where entries[index].revents != 0 {
                let fd = accept(socket, nil, nil)  // Glibc's module has no accept4; nothing execs meanwhile
                guard fd >= 0 else { continue }
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                if clients.count >= Self.maxClients { Glibc.close(clients.removeFirst().fd) }  // the oldest goes
                clients.append(Client(fd: fd, cutoff: min(now + Self.connectionBudget, deadline)))
            }
        }
    }

    private enum ReadOutcome { case waiting, complete, dropped }

    /// Takes what the client sent without blocking; complete at the blank line, the size
    /// cap or the end of its stream.
    private static func read(_ client: inout Client) -> ReadOutcome {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while client.head.count < headCap {
            let room = min(chunk.count, headCap - client.head.count)
            let n = chunk.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, room, 0) }
            if n == 0 { return .complete }
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .waiting : .dropped }
            client.head += chunk[0..<n]
            if headersComplete(client.head) { return .complete }
        }
        return .complete
    }

    /// Answers one request; a callback when it is the one awaited.
    private func answer(_ client: Client, state: String) -> Callback? {
        guard let request = CallbackRequest.parse(client.head), request.method == "GET" else {
            respond(client.fd, status: "405 Method Not Allowed", page: Pages.stray)
            return nil
        }
        switch request.verdict(state: state) {
        case .notRedirect:
            respond(client.fd, status: "404 Not Found", page: Pages.stray)
            return nil
        case .wrongState:
            respond(client.fd, status: "400 Bad Request", page: Pages.wrongState)
            return nil
        case let .callback(callback):
            if case .error = callback {
                respond(client.fd, status: "200 OK", page: Pages.failure)
            } else {
                respond(client.fd, status: "200 OK", page: Pages.success)
            }
            return callback
        }
    }

    static func headersComplete(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        for i in 0...(bytes.count - 4) where bytes[i] == 0x0D && bytes[i + 1] == 0x0A && bytes[i + 2] == 0x0D && bytes[i + 3] == 0x0A {
            return true
        }
        return false
    }

    /// The page fits the socket's send buffer; a client that does not take it loses it.
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
