import Foundation
import HelperCore
import Testing
@testable import EntraAuth

#if canImport(Glibc)
import Glibc
#endif

/// The managed identity transport: the only one allowed plain http to 169.254.0.0/16, with
/// a bounded connect, so that a machine without an endpoint fails with one line.
@Suite("managed identity: its transport, and the bounded first probe")
struct ManagedIdentityTransportTests {
    @Test("only the managed identity transport allows link-local http, and it bounds the connect at 1 s; the others do not")
    func transports() {
        let environment: (String) -> String? = { _ in nil }
        let managed = CurlTransport.managedIdentity(environment: environment)
        #expect(managed.allowsLinkLocalHTTP)
        #expect(managed.connectTimeoutMilliseconds == 1000)
        #expect(!CurlTransport(environment: environment).allowsLinkLocalHTTP)
        #expect(!CurlTransport().allowsLinkLocalHTTP)
    }

    @Test("a loopback port whose accept queue is full (SYNs dropped, as a black-holed IMDS address): one line, from the connect bound")
    func blackHole() throws {
        let hole = try BlackHole()
        let source = ManagedIdentity(http: CurlTransport.managedIdentity(environment: { _ in nil }),
                                     endpoint: .imds(base: "http://127.0.0.1:\(hole.port)"), identity: .systemAssigned, clock: FakeTime())
        let profile = Profile(name: "vm", tenant: "t", clientID: "c", scopes: ["https://management.azure.com/.default"])
        #expect { try source.acquire(profile, key: SignInKey(profile: profile), demand: TokenDemand(scopes: profile.scopes, options: AcquireOptions())) } throws: { error in
            guard let helper = error as? HelperError, case let .managedIdentityUnreachable(endpoint, detail) = helper else { return false }
            // curl names the bound that fired: the connect one (1000 ms), not the total one.
            let milliseconds = detail.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.filter { $0 >= 1000 && $0 != hole.port }
            #expect(milliseconds.count == 1 && (1000..<2000).contains(milliseconds[0]), "\(detail)")
            return endpoint == "http://127.0.0.1:\(hole.port)" && detail.hasPrefix("timed out: ")
                && helper.message.hasPrefix("no managed identity endpoint answered at http://127.0.0.1:\(hole.port) (timed out: ")
                && !helper.message.contains("\n")
        }
    }
}

/// A listening socket on 127.0.0.1 with a backlog of 0 whose one queued connection is
/// never accepted: further SYNs are dropped, so a connect hangs until its own timeout.
final class BlackHole {
    let port: Int
    private var fds: [Int32] = []

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        fds.append(listener)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 0) == 0 else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
        // Fill the accept queue: the first connection completes and waits there forever.
        guard let filler = LoopbackSocket.connect(port: port, ipv6: false) else { throw POSIXError(.ECONNREFUSED) }
        fds.append(filler)
    }

    deinit { fds.forEach { close($0) } }
}
