import Foundation
import HelperCore
import Testing
@testable import EntraAuth

#if canImport(Glibc)
import Glibc
#endif

/// One raw HTTP request to 127.0.0.1:port (or [::1]:port); the status code and the body.
func rawRequest(port: Int, ipv6: Bool = false, _ text: String) throws -> (status: Int, body: String) {
    let fd = try #require(LoopbackSocket.connect(port: port, ipv6: ipv6), "connect: \(String(cString: strerror(errno)))")
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let bytes = Array(text.utf8)
    try #require(bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count)
    var answer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        answer += chunk[0..<n]
    }
    let response = String(decoding: answer, as: UTF8.self)
    let words = response.split(separator: " ", maxSplits: 2)
    let status = try #require(words.count > 1 ? Int(words[1]) : nil, "no status in \(response.prefix(80))")
    let body = response.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    return (status, body)
}

func get(port: Int, ipv6: Bool = false, _ target: String) throws -> (status: Int, body: String) {
    try rawRequest(port: port, ipv6: ipv6, "GET \(target) HTTP/1.1\r\nHost: localhost:\(port)\r\nUser-Agent: test\r\n\r\n")
}

/// Runs waitForCallback on its own thread.
final class BackgroundWait: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private(set) var result: Callback?

    init(_ listener: LoopbackListener, state: String, seconds: Int64) {
        let thread = Thread { [self] in
            result = listener.waitForCallback(state: state, deadline: SystemTime().monotonicMilliseconds + seconds * 1000) { true }
            done.signal()
        }
        thread.start()
    }

    /// True when the wait ended within `seconds`.
    func finished(within seconds: Double) -> Bool { done.wait(timeout: .now() + seconds) == .success }
}

extension LoopbackListener: @unchecked Sendable {}

@Suite("loopback redirect listener")
struct LoopbackListenerTests {
    @Test("stray and wrong-state requests are refused while the wait goes on; the right one ends it")
    func callbackSequence() throws {
        let listener = try LoopbackListener(ports: 49152...65535)
        defer { listener.close() }
        #expect((49152...65535).contains(listener.port))
        let wait = BackgroundWait(listener, state: "st-1", seconds: 20)

        let favicon = try get(port: listener.port, "/favicon.ico")
        #expect(favicon.status == 404)
        #expect(!wait.finished(within: 0.2))

        #expect(try get(port: listener.port, "/?code=abc&state=wrong").status == 400)
        #expect(try get(port: listener.port, "/?code=abc").status == 400)
        #expect(try get(port: listener.port, "/callback?code=abc&state=st-1").status == 404)
        #expect(try rawRequest(port: listener.port, "POST /?code=abc&state=st-1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n").status == 405)
        #expect(!wait.finished(within: 0.2))

        let good = try get(port: listener.port, "/?code=0.AR8A%2Bx_y&state=st-1&session_state=z")
        #expect(good.status == 200)
        #expect(good.body.contains("Signed in"))
        #expect(wait.finished(within: 5))
        #expect(wait.result == .code("0.AR8A+x_y"))
    }

    @Test("an error redirect with the right state ends the wait with the error")
    func errorCallback() throws {
        let listener = try LoopbackListener(ports: 49152...65535)
        defer { listener.close() }
        let wait = BackgroundWait(listener, state: "s", seconds: 20)
        let answer = try get(port: listener.port, "/?error=access_denied&error_description=AADSTS65004%3A+User+declined&state=s")
        #expect(answer.status == 200)
        #expect(answer.body.contains("Sign-in failed"))
        #expect(wait.finished(within: 5))
        #expect(wait.result == .error("access_denied", description: "AADSTS65004: User declined"))
    }

    @Test("nothing before the deadline: nil, after about the deadline")
    func deadline() throws {
        let listener = try LoopbackListener(ports: 49152...65535)
        defer { listener.close() }
        let start = SystemTime().monotonicMilliseconds
        #expect(listener.waitForCallback(state: "s", deadline: start + 300, tick: { true }) == nil)
        let elapsed = SystemTime().monotonicMilliseconds - start
        #expect(elapsed >= 290 && elapsed < 3000, "\(elapsed) ms")
    }

    @Test("tick returning false ends the wait at once")
    func tickStops() throws {
        let listener = try LoopbackListener(ports: 49152...65535)
        defer { listener.close() }
        let start = SystemTime().monotonicMilliseconds
        #expect(listener.waitForCallback(state: "s", deadline: start + 10_000, tick: { false }) == nil)
        #expect(SystemTime().monotonicMilliseconds - start < 1000)
    }

    @Test("a taken port is skipped in a range; a single taken port fails")
    func takenPort() throws {
        var checked = false
        for _ in 0..<10 where !checked {
            let first = try LoopbackListener(ports: 49152...65000)
            defer { first.close() }
            let taken = first.port
            #expect(throws: HelperError.self) { try LoopbackListener(ports: taken...taken) }
            guard let second = try? LoopbackListener(ports: taken...(taken + 1)) else { continue }  // taken + 1 busy elsewhere
            defer { second.close() }
            #expect(second.port == taken + 1)
            checked = true
        }
        #expect(checked)
    }

    @Test("the listener is refused when every port of the range is taken, naming the range")
    func allTaken() throws {
        let first = try LoopbackListener(ports: 49152...65000)
        defer { first.close() }
        let error = #expect(throws: HelperError.self) { try LoopbackListener(ports: first.port...first.port) }
        guard case let .listenerFailed(detail)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(detail.hasPrefix("\(first.port)-\(first.port), last tried port \(first.port): "))
    }
}

@Suite("browser launcher command")
struct BrowserCommandTests {
    static let url = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=c&state=s%20x"

    @Test("$BROWSER", arguments: [
        (nil, ["xdg-open", url]),
        ("", ["xdg-open", url]),
        ("firefox", ["firefox", url]),
        ("chromium --headless", ["chromium", "--headless", url]),
        ("mybrowser %s --x", ["mybrowser", url, "--x"]),
        ("open --url=%s", ["open", "--url=" + url]),
        ("a:b", ["a", url]),
        ("w3m -dump:lynx", ["w3m", "-dump", url]),
    ] as [(String?, [String])])
    func command(browser: String?, expected: [String]) {
        let launcher = SystemBrowserLauncher(environment: { $0 == "BROWSER" ? browser : nil })
        #expect(launcher.command(url: Self.url) == expected)
    }
}
