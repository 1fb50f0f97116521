import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Plain sockets on 127.0.0.1 and ::1 for the listener tests, built here rather than
/// borrowed from the listener, so that the tests check it from the outside.
enum LoopbackSocket {
    /// A connected stream socket, or nil (errno says why).
    static func connect(port: Int, ipv6: Bool) -> Int32? {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        guard withAddress(port: port, ipv6: ipv6, { Glibc.connect(fd, $0, $1) }) == 0 else {
            let saved = errno
            close(fd)
            errno = saved
            return nil
        }
        return fd
    }

    /// Another process's socket bound (and listening) on [::1]:port, or nil when taken.
    static func squat(port: Int, ipv6: Bool) -> Int32? {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var on: Int32 = 1
        if ipv6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<Int32>.size)) }
        guard withAddress(port: port, ipv6: ipv6, { bind(fd, $0, $1) }) == 0, listen(fd, 4) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    static func withAddress(port: Int, ipv6: Bool, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(port).bigEndian
            address.sin6_addr.__in6_u.__u6_addr8.15 = 1  // ::1
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
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
