import Foundation
import Testing

/// The browser sign-in's listener against other local processes, with the real binary, the
/// emulator and real headless Chromium: a client that trickles bytes, and one that holds
/// `localhost:PORT` on ::1 (where Chromium tries first).
@Suite("sign-in listener against other local processes",
       .enabled(if: Harness.keyringReady && Harness.which("python3") != nil && Harness.which("chromium") != nil))
struct SignInListenerTests {
    @Test("a local client trickling a byte every 1.5 s does not hold the browser's redirect")
    func tricklerBesideBrowser() throws {
        let world = try SignInWorld()
        // Chromium on 127.0.0.1, the trickler's address, so that the two share one socket.
        world.extra = ["BROWSER": SignInWorld.browserScript, "ECH_TRICKLE": "1", "ECH_BROWSER_LOCALHOST": "127.0.0.1"]
        let result = try world.helper(["get-token", "--flow", "browser", "--timeout", "40", "--output", "json"], timeout: 90)
        #expect(result.status == 0, "\(result.stderr)")
        let answer = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(SignInWorld.claims(answer["access_token"] as? String ?? "")["upn"] as? String == "ada@contoso.example")
    }

    @Test("a trickling client alone: the sign-in ends within --timeout plus one second")
    func tricklerAlone() throws {
        let world = try SignInWorld()
        world.extra = ["BROWSER": SignInWorld.browserScript, "ECH_TRICKLE": "only"]
        let result = try world.helper(["get-token", "--flow", "browser", "--timeout", "3"], timeout: 90)
        #expect(result.status == 1)
        #expect(result.stderr.contains("did not complete within 3 s"), "\(result.stderr)")
        #expect(result.seconds <= 4.0, "the sign-in took \(result.seconds) s with --timeout 3")
    }

    @Test("a redirect that reaches localhost on ::1 completes the sign-in")
    func redirectOnIPv6() throws {
        let world = try SignInWorld()
        world.extra = ["BROWSER": SignInWorld.browserScript, "ECH_BROWSER_LOCALHOST": "[::1]",
                       "ECH_BROWSER_DUMP": world.home.file("page.html")]
        let result = try world.helper(["get-token", "--flow", "browser", "--timeout", "30"], timeout: 90)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(SignInWorld.claims(result.stdout.trimmingCharacters(in: .newlines))["upn"] as? String == "ada@contoso.example")
        #expect(try world.emulator.grants("authorization_code") == 1)
    }

    @Test("a port another process holds on ::1 is skipped, and the code never reaches that process")
    func squatterSkipped() throws {
        let world = try SignInWorld()
        let squatter = try Squatter()
        defer { squatter.close() }
        world.extra = ["BROWSER": SignInWorld.browserScript]
        let range = "\(squatter.port)-\(squatter.port + 1)"
        let result = try world.helper(["get-token", "--flow", "browser", "--port-range", range, "--timeout", "30"], timeout: 90)
        #expect(result.status == 0, "\(result.stderr)")
        let authorize = try world.emulator.lastAuthorize()
        #expect(authorize["redirect_uri"] as? String == "http://localhost:\(squatter.port + 1)")
        #expect(!squatter.wasContacted(), "the browser's redirect went to the other process")
    }

    @Test("a fixed --port another process holds on ::1 fails with one line, before any browser starts")
    func squatterFixedPort() throws {
        let world = try SignInWorld()
        let squatter = try Squatter()
        defer { squatter.close() }
        world.extra = ["BROWSER": SignInWorld.browserScript]
        let result = try world.helper(["get-token", "--flow", "browser", "--port", "\(squatter.port)", "--timeout", "20"], timeout: 90)
        #expect(result.status == 1)
        #expect(result.stderr == "entra-credential-helper: cannot listen for the sign-in redirect on localhost (\(squatter.port)-\(squatter.port), "
            + "last tried port \(squatter.port) on ::1: Address already in use); pick free ports with --port-range A-B, or use --flow device-code\n")
        #expect(try world.emulator.totalRequests() == 0)
        #expect(!squatter.wasContacted())
    }

    @Test("without ::1 (IPv6 off on lo, in a private network namespace) the listener serves 127.0.0.1 alone",
          .enabled(if: Harness.which("unshare") != nil && Harness.which("ip") != nil))
    func noIPv6() throws {
        let world = try SignInWorld()
        let script = "ip link set lo up && echo 1 > /proc/sys/net/ipv6/conf/lo/disable_ipv6 && exec \"$0\" \"$@\""
        let result = try run(["unshare", "-rn", "sh", "-c", script, "setsid", "-w", Harness.binary,
                              "get-token", "--flow", "browser", "--show-url", "--timeout", "1"],
                             environment: world.environment, removing: SignInWorld.unset)
        #expect(result.status == 1)
        #expect(result.stderr.contains("redirect_uri=http%3A%2F%2Flocalhost%3A"), "\(result.stderr)")
        #expect(result.stderr.contains("did not complete within 1 s"), "the listener was up: \(result.stderr)")
    }
}

/// Another local process's listening socket on [::1]:PORT (IPv6 only), PORT and PORT + 1
/// free on both addresses when it was made.
final class Squatter {
    let port: Int
    private var fd: Int32

    struct Unavailable: Error {}

    init() throws {
        for _ in 0..<50 {
            let port = 49152 + Int.random(in: 0..<16000)
            guard Self.free(port: port + 1, ipv6: false), Self.free(port: port + 1, ipv6: true), Self.free(port: port, ipv6: false),
                  let fd = Self.bound(port: port, ipv6: true) else { continue }
            guard listen(fd, 4) == 0 else { Glibc.close(fd); continue }
            (self.port, self.fd) = (port, fd)
            return
        }
        throw Unavailable()
    }

    /// Whether anything connected to it (a connection waits in its backlog).
    func wasContacted() -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    private static func free(port: Int, ipv6: Bool) -> Bool {
        guard let fd = bound(port: port, ipv6: ipv6) else { return false }
        Glibc.close(fd)
        return true
    }

    /// A socket bound to 127.0.0.1:port or [::1]:port (IPv6 only), the address from getaddrinfo.
    private static func bound(port: Int, ipv6: Bool) -> Int32? {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(ipv6 ? "::1" : "127.0.0.1", String(port), &hints, &list) == 0, let info = list?.pointee else { return nil }
        defer { freeaddrinfo(list) }
        let fd = socket(info.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var on: Int32 = 1
        if ipv6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<Int32>.size)) }
        guard bind(fd, info.ai_addr, info.ai_addrlen) == 0 else { Glibc.close(fd); return nil }
        return fd
    }
}
