import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Plain sockets on 127.0.0.1 and ::1 for the listener tests, built here rather than
/// borrowed from the listener, so that the tests check it from the outside.
enum LoopbackSocket {
    /// A connected stream socket, or nil (errno says why).
    static func connect(port: Int, ipv6: Bool) -> Int32? {
        opened(port: port, ipv6: ipv6) { Glibc.connect($0, $1, $2) == 0 }
    }

    /// Another process's socket bound (and listening) on [::1]:port, or nil when taken.
    static func squat(port: Int, ipv6: Bool) -> Int32? {
        opened(port: port, ipv6: ipv6) { fd, address, length in
            var on: Int32 = 1
            if ipv6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<Int32>.size)) }
            return bind(fd, address, length) == 0 && listen(fd, 4) == 0
        }
    }

    /// A stream socket for 127.0.0.1:port or [::1]:port (from getaddrinfo, not the
    /// listener's code) that `use` succeeded with, or nil with errno saying why.
    static func opened(port: Int, ipv6: Bool, _ use: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool) -> Int32? {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(ipv6 ? "::1" : "127.0.0.1", String(port), &hints, &list) == 0, let info = list?.pointee else { return nil }
        defer { freeaddrinfo(list) }
        let fd = socket(info.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        guard use(fd, info.ai_addr, info.ai_addrlen) else {
            let saved = errno
            close(fd)
            errno = saved
            return nil
        }
        return fd
    }
}

/// A local client that connects and then sends one byte every 1.5 s, never finishing its
/// request (what the review used to hold the listener), until stopped or refused.
final class Trickler: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    init(port: Int, ipv6: Bool = false, bytes: Int = 20) throws {
        guard let fd = LoopbackSocket.connect(port: port, ipv6: ipv6) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED)
        }
        let thread = Thread { [self] in
            defer { close(fd); done.signal() }
            for byte in "GET /?state=".utf8.prefix(bytes) {
                var one = byte
                guard !isStopped, send(fd, &one, 1, Int32(MSG_NOSIGNAL)) == 1 else { return }
                for _ in 0..<15 where !isStopped { usleep(100_000) }
            }
        }
        thread.start()
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        done.wait()
    }
}
