import Foundation
import Testing

/// HTTPS_PROXY / NO_PROXY and SSL_CERT_FILE, end to end: the emulator over TLS with a
/// self-signed certificate (trusted only through SSL_CERT_FILE), reached through a real
/// CONNECT proxy (Support/connect-proxy.py) that logs every tunnel it opens.
@Suite("HTTP proxy", .serialized, .enabled(if: Harness.keyringReady))
struct ProxyIntegrationTests {
    /// The proxy on a free loopback port, and its tunnel log.
    final class ConnectProxy {
        let dir: TemporaryDirectory
        let port: Int
        private let process: Spawned

        static var script: String {
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/connect-proxy.py").path
        }

        init() throws {
            dir = try TemporaryDirectory()
            let portFile = dir.file("port")
            process = try Spawned(["python3", Self.script, portFile, dir.file("tunnels.log")],
                                  environment: Harness.environment, stderr: dir.file("proxy.err"))
            var found: Int?
            for _ in 0..<200 where found == nil && !process.exited {
                found = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
                if found == nil { usleep(50_000) }
            }
            guard let found else {
                throw ServerDidNotStart(port: 0, log: (try? String(contentsOfFile: dir.file("proxy.err"), encoding: .utf8)) ?? "")
            }
            port = found
        }

        deinit { process.terminate() }

        var tunnels: [String] {
            ((try? String(contentsOfFile: dir.file("tunnels.log"), encoding: .utf8)) ?? "")
                .split(separator: "\n").map(String.init)
        }
    }

    /// The profile names the emulator as https://0.0.0.0:PORT: a connection to 0.0.0.0 ends
    /// at this machine's loopback, but the helper does not count it as a loopback host (it
    /// never proxies those), so the proxy rules apply as they do to login.microsoftonline.com.
    @Test("requests go through HTTPS_PROXY (either spelling), not for NO_PROXY hosts; a dead proxy keeps the sign-in")
    func proxy() throws {
        let world = try SignInWorld(tls: true, host: "0.0.0.0")
        let proxy = try ConnectProxy()
        let target = "CONNECT 0.0.0.0:\(world.emulator.port)"

        world.extra["HTTPS_PROXY"] = "http://127.0.0.1:\(proxy.port)"
        _ = try world.signInWithDeviceCode()
        let signIn = proxy.tunnels
        #expect(signIn.count >= 2 && signIn.allSatisfy { $0 == target }, "device code and token requests: \(signIn)")
        let before = try world.emulator.grants("refresh_token")
        let proxied = try world.helper(["refresh"])
        #expect(proxied.status == 0, "\(proxied.stderr)")
        #expect(proxy.tunnels == signIn + [target], "\(proxy.tunnels)")
        #expect(try world.emulator.grants("refresh_token") == before + 1)

        world.extra["HTTPS_PROXY"] = nil
        world.extra["https_proxy"] = "http://127.0.0.1:\(proxy.port)"
        #expect(try world.helper(["refresh"]).status == 0)
        #expect(proxy.tunnels.count == signIn.count + 2, "\(proxy.tunnels)")

        world.extra["NO_PROXY"] = "0.0.0.0"
        let direct = try world.helper(["refresh"])
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(proxy.tunnels.count == signIn.count + 2, "a NO_PROXY host went through the proxy: \(proxy.tunnels)")
        #expect(try world.emulator.grants("refresh_token") == before + 3)

        // A proxy that is not there: a clear network error naming the proxy settings, and
        // the sign-in is kept.
        world.extra["NO_PROXY"] = nil
        world.extra["https_proxy"] = "http://127.0.0.1:9"
        let stored = try world.storedRefreshToken()
        let dead = try world.helper(["refresh"])
        #expect(dead.status == 1)
        #expect(dead.stderr.contains("could not reach https://0.0.0.0:\(world.emulator.port)"), "\(dead.stderr)")
        #expect(dead.stderr.contains("HTTPS_PROXY"), "\(dead.stderr)")
        #expect(try world.storedRefreshToken() == stored)
    }

    @Test("a loopback authority is never proxied, like Go's net/http")
    func loopbackBypass() throws {
        let world = try SignInWorld(tls: true)
        _ = try world.signInWithDeviceCode()
        let proxy = try ConnectProxy()
        world.extra["HTTPS_PROXY"] = "http://127.0.0.1:\(proxy.port)"
        let refreshed = try world.helper(["refresh"])
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        #expect(proxy.tunnels.isEmpty, "\(proxy.tunnels)")
    }

    @Test("without SSL_CERT_FILE the self-signed emulator is not trusted; with it, it is")
    func customCA() throws {
        let world = try SignInWorld(tls: true)
        _ = try world.signInWithDeviceCode()
        world.extra["SSL_CERT_FILE"] = "/etc/ssl/certs/ca-certificates.crt"
        let untrusted = try world.helper(["refresh"])
        #expect(untrusted.status == 1)
        #expect(untrusted.stderr.contains("could not reach"), "\(untrusted.stderr)")
        #expect(untrusted.stderr.contains("SSL_CERT_FILE"), "\(untrusted.stderr)")
        world.extra["SSL_CERT_FILE"] = world.emulator.certificate
        #expect(try world.helper(["refresh"]).status == 0)
    }
}
