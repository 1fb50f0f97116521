import Foundation

/// A D-Bus session bus of a test's own, for faults that must not touch the shared
/// test keyring: a bus with no Secret Service, a provider that never answers, a
/// keyring whose collection gets locked. Stopped (with all it started) by `stop()`.
final class PrivateBus {
    enum Kind {
        /// No service files: nothing can be activated, so there is no Secret Service.
        case bare
        /// The normal session configuration, with D-Bus activation (gcr-prompter too).
        case session
        /// Like `bare`, but any user may connect (a helper run as another user).
        case anyUser
    }

    let address: String
    let home: TemporaryDirectory
    private let daemon: Spawned
    private var helpers: [Spawned] = []

    init(_ kind: Kind) throws {
        home = try TemporaryDirectory()
        for sub in ["runtime", "data", "config"] {
            try FileManager.default.createDirectory(atPath: home.file(sub), withIntermediateDirectories: true)
        }
        chmod(home.file("runtime"), 0o700)
        let arguments: [String]
        switch kind {
        case .bare, .anyUser:
            if kind == .anyUser { chmod(home.path, 0o755) }
            let config = try home.write("bus.conf", """
                <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
                 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
                <busconfig><type>session</type><listen>unix:dir=\(home.path)</listen>
                <policy context="default"><allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/><allow own="*"/>\(kind == .anyUser ? "<allow user=\"*\"/>" : "")</policy></busconfig>
                """)
            arguments = ["--config-file=\(config)"]
        case .session:
            arguments = ["--session"]
        }
        let addressFile = home.file("address")
        daemon = try Spawned(["/usr/bin/dbus-daemon", "--nofork", "--print-address=1"] + arguments,
                             environment: Self.environment(home: home, address: "", extra: [:]), stdout: addressFile)
        var text = ""
        for _ in 0..<100 {
            text = (try? String(contentsOfFile: addressFile, encoding: .utf8)) ?? ""
            if text.contains("\n") { break }
            usleep(20_000)
        }
        address = text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit { stop() }

    /// The environment a process on this bus gets: its own HOME and XDG folders, no display.
    func environment(extra: [String: String]) -> [String: String] {
        Self.environment(home: home, address: address, extra: extra)
    }

    static func environment(home: TemporaryDirectory, address: String, extra: [String: String]) -> [String: String] {
        var env = Harness.environment  // with the IMDS override (ManagedIdentityGuard)
        for key in ["DISPLAY", "WAYLAND_DISPLAY", "GNOME_KEYRING_CONTROL"] { env.removeValue(forKey: key) }
        env["HOME"] = home.path
        env["XDG_RUNTIME_DIR"] = home.file("runtime")
        env["XDG_DATA_HOME"] = home.file("data")
        env["XDG_CONFIG_HOME"] = home.file("config")
        if !address.isEmpty { env["DBUS_SESSION_BUS_ADDRESS"] = address }
        env.merge(extra) { _, new in new }
        return env
    }

    /// The variables to hand to `run` for a command on this bus.
    var variables: [String: String] {
        ["DBUS_SESSION_BUS_ADDRESS": address, "HOME": home.path, "XDG_RUNTIME_DIR": home.file("runtime"),
         "XDG_DATA_HOME": home.file("data"), "XDG_CONFIG_HOME": home.file("config")]
    }

    /// Starts a program on this bus that lives until `stop()`.
    func start(_ argv: [String]) throws {
        helpers.append(try Spawned(argv, environment: environment(extra: [:])))
    }

    /// Starts gnome-keyring's Secret Service and waits until it answers: unlocked with a
    /// known password (which creates the login collection), or merely started (none).
    func startKeyring(unlocked: Bool = true) throws {
        let command = unlocked
            ? "printf %s test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null"
            : "gnome-keyring-daemon --start --components=secrets >/dev/null"
        let result = try run(
            ["/bin/sh", "-c", command],
            environment: variables, removing: ["DISPLAY", "WAYLAND_DISPLAY", "GNOME_KEYRING_CONTROL"])
        guard result.status == 0 else { throw CocoaError(.executableLoad) }
        for _ in 0..<50 {
            if try call("org.freedesktop.DBus.Properties.Get", "/org/freedesktop/secrets",
                        ["org.freedesktop.Secret.Service", "Collections"]).status == 0 { return }
            usleep(100_000)
        }
        throw CocoaError(.executableLoad)
    }

    /// `gdbus call` on this bus, to org.freedesktop.secrets.
    func call(_ method: String, _ path: String, _ arguments: [String]) throws -> Outcome {
        try run(["gdbus", "call", "--session", "--dest", "org.freedesktop.secrets", "--object-path", path,
                 "--method", method] + arguments, environment: variables, timeout: 10)
    }

    /// Stops the helpers and the bus; a keyring daemon on it exits with the bus.
    func stop() {
        for helper in helpers { helper.terminate() }
        helpers.removeAll()
        daemon.terminate()
    }
}
