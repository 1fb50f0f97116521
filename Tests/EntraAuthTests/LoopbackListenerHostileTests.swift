import Foundation
import HelperCore
import Testing
@testable import EntraAuth

#if canImport(Glibc)
import Glibc
#endif

/// The listener against other local processes: slow clients, and squatters on ::1.
@Suite("loopback listener against other local processes")
struct LoopbackListenerHostileTests {
    @Test("a client trickling a byte every 1.5 s does not keep the browser's redirect waiting")
    func tricklerBesideRedirect() throws {
        let listener = try LoopbackListener(ports: 49152...65535)
        defer { listener.close() }
        let wait = BackgroundWait(listener, state: "st", seconds: 30)
        let trickler = try Trickler(port: listener.port)
        defer { trickler.stop() }
        usleep(300_000)  // the trickler's connection is accepted first
        let answer = try get(port: listener.port, "/?code=the-code&state=st")
        #expect(answer.status == 200)
        #expect(wait.finished(within: 5))
        #expect(wait.result == .code("the-code"))
    }

    @Test("a trickler alone cannot stretch the wait past its deadline")
    func tricklerAlone() throws {
        let listener = try LoopbackListener(ports: 49152...65535)
        defer { listener.close() }
        let trickler = try Trickler(port: listener.port)
        defer { trickler.stop() }
        let start = SystemTime().monotonicMilliseconds
        let result = listener.waitForCallback(state: "s", deadline: start + 3000, tick: { true })
        let elapsed = SystemTime().monotonicMilliseconds - start
        #expect(result == nil)
        #expect(elapsed <= 4000, "the wait ended \(elapsed) ms after it began, past the 3 s deadline plus one second")
    }

    @Test("silent connections on both addresses, more than are served at once, do not hold the redirect either")
    func silentConnections() throws {
        let listener = try LoopbackListener(ports: 49152...65535)
        defer { listener.close() }
        let wait = BackgroundWait(listener, state: "st", seconds: 30)
        var silent: [Int32] = []
        defer { silent.forEach { close($0) } }
        for index in 0..<(LoopbackListener.maxClients + 6) {
            silent.append(try #require(LoopbackSocket.connect(port: listener.port, ipv6: index % 2 == 0)))
        }
        usleep(300_000)
        #expect(try get(port: listener.port, ipv6: true, "/?code=c6&state=st").status == 200)
        #expect(wait.finished(within: 5))
        #expect(wait.result == .code("c6"))
    }

    @Test("a redirect that arrives on ::1 completes the sign-in")
    func redirectOnIPv6() throws {
        let listener = try LoopbackListener(ports: 49152...65535)
        defer { listener.close() }
        let wait = BackgroundWait(listener, state: "st", seconds: 20)
        #expect(try get(port: listener.port, ipv6: true, "/favicon.ico").status == 404)
        let answer = try get(port: listener.port, ipv6: true, "/?code=via-v6&state=st")
        #expect(answer.status == 200)
        #expect(answer.body.contains("Signed in"))
        #expect(wait.finished(within: 5))
        #expect(wait.result == .code("via-v6"))
    }

    @Test("a port another process holds on ::1 is not used: skipped in a range, refused when fixed")
    func squatterOnIPv6() throws {
        var checked = false
        for _ in 0..<20 where !checked {
            let port = 49152 + Int.random(in: 0..<15000)
            guard let squatter = LoopbackSocket.squat(port: port, ipv6: true) else { continue }
            defer { close(squatter) }
            let error = #expect(throws: HelperError.self) { try LoopbackListener(ports: port...port) }
            guard case let .listenerFailed(detail)? = error else { break }
            #expect(detail.contains("port \(port) on ::1: "), "\(detail)")
            guard let next = try? LoopbackListener(ports: port...(port + 1)) else { continue }  // port + 1 busy elsewhere
            defer { next.close() }
            #expect(next.port == port + 1)
            checked = true
        }
        #expect(checked)
    }
}
