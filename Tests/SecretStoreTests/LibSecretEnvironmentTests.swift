import Foundation
import HelperCore
import Testing
@testable import SecretStore

// The session bus is looked for in the environment the store is given, not in the
// process's (which, under scripts/with-keyring.sh, names a private bus with a keyring).

@Suite("libsecret store: the injected environment")
struct LibSecretEnvironmentTests {
    static func environment(_ values: [String: String]) -> (String) -> String? { { values[$0] } }

    /// A directory holding a listening unix socket named "bus", as systemd's user bus.
    static func runtimeDirectoryWithBus() throws -> (directory: String, descriptor: Int32) {
        let directory = NSTemporaryDirectory() + "ech-run-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array((directory + "/bus").utf8CString)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.enumerated() { raw[i] = UInt8(bitPattern: byte) }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        return (directory, fd)
    }

    @Test("the bus address: DBUS_SESSION_BUS_ADDRESS from the environment given")
    func addressFromEnvironment() {
        let address = "unix:path=/nonexistent/injected-\(getpid())/bus"
        #expect(ProcessInfo.processInfo.environment["DBUS_SESSION_BUS_ADDRESS"] != address)
        #expect(LibSecretStore.sessionBusAddress(environment: Self.environment(["DBUS_SESSION_BUS_ADDRESS": address])) == address)
    }

    @Test("the bus address: else the bus socket in the given XDG_RUNTIME_DIR")
    func runtimeDirectory() throws {
        let (directory, fd) = try Self.runtimeDirectoryWithBus()
        defer { close(fd); try? FileManager.default.removeItem(atPath: directory) }
        #expect(LibSecretStore.sessionBusAddress(environment: Self.environment(["XDG_RUNTIME_DIR": directory]))
            == "unix:path=\(directory)/bus")
        // A directory without the socket, or empty values: no bus, whatever the process has.
        #expect(LibSecretStore.sessionBusAddress(environment: Self.environment(["XDG_RUNTIME_DIR": directory + "/none"])) == nil)
        #expect(LibSecretStore.sessionBusAddress(environment: Self.environment(["DBUS_SESSION_BUS_ADDRESS": "", "XDG_RUNTIME_DIR": ""])) == nil)
        #expect(LibSecretStore.sessionBusAddress(environment: Self.environment([:])) == nil)
    }

    @Test("a store given an environment without a bus says so before connecting, though the process has one")
    func storeWithoutBus() {
        let store = LibSecretStore(options: .init(promptAllowed: false, environment: Self.environment([:])))
        #expect(throws: HelperError.noSessionBus(detail: "DBUS_SESSION_BUS_ADDRESS is not set and there is no $XDG_RUNTIME_DIR/bus")) {
            try store.search(["xdg:schema": "ech.test.injected-environment"])
        }
    }

    @Test("a bus that cannot be reached is named from the environment given")
    func unreachableBusNamed() {
        let address = "unix:path=/nonexistent/injected-\(getpid())/bus"
        #expect(KeyringFaults.noBus(nil, environment: Self.environment(["DBUS_SESSION_BUS_ADDRESS": address]))
            == .noSessionBus(detail: "cannot connect to \(address): unknown error"))
        #expect(KeyringFaults.noBus(nil, environment: Self.environment([:])) == .noSessionBus(detail: "DBUS_SESSION_BUS_ADDRESS is not set"))
    }
}
