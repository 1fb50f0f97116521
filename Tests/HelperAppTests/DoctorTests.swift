@testable import HelperApp
import Foundation
import HelperCore
import SecretStore
import Testing
@testable import EntraAuth

/// A machine as `doctor` sees it, every part settable: healthy by default.
struct FakeDoctorProbes: DoctorProbes {
    var env: [String: String] = [
        "HOME": "/home/u", "XDG_CONFIG_HOME": "/home/u/.config", "XDG_CACHE_HOME": "/home/u/.cache",
        "XDG_RUNTIME_DIR": "/run/user/1000", "DISPLAY": ":0",
    ]
    var bus: String? = "unix:path=/run/user/1000/bus"
    var service: Result<SecretServiceState, HelperError> = .success(SecretServiceState(providerPID: 42, defaultCollection: "login", locked: false))
    var processes: [Int: String] = [42: "gnome-keyring-daemon"]
    var kernel = true
    var paths: [String: PathState] = [:]
    var executables: [String: String] = ["xdg-open": "/usr/bin/xdg-open"]
    var loopback: Result<String, HelperError> = .success("127.0.0.1 and ::1 (got port 50123)")
    var files: [String: Result<[UInt8], Files.Failure>] = [
        PublicSuffixList.defaultPath: .success(Array("// ===BEGIN ICANN DOMAINS===\ncom\nio\nnet\n// ===BEGIN PRIVATE DOMAINS===\ngithub.io\nazurewebsites.net\n".utf8)),
    ]
    var reading = ClockReading(now: 1_790_000_000, synchronised: true)

    func environment(_ name: String) -> String? { env[name] }
    func sessionBusAddress() -> String? { bus }
    func secretService() -> Result<SecretServiceState, HelperError> { service }
    func processName(_ pid: Int) -> String? { processes[pid] }
    func kernelKeyringUsable() -> Bool { kernel }
    func inspectPrivate(_ names: [String], below base: String) -> PathState {
        paths(base + "/" + names.joined(separator: "/")) ?? .directory(writable: true)
    }
    func paths(_ path: String) -> PathState? { paths[path] }
    func findExecutable(_ name: String) -> String? { executables[name] }
    func bindLoopback() -> Result<String, HelperError> { loopback }
    func readFile(_ path: String) -> Result<[UInt8], Files.Failure> { files[path] ?? .failure(.missing) }
    func clock() -> ClockReading { reading }
    var kubeconfig: KubeconfigUsers = .noKubectl
    func kubeconfigUsers() -> KubeconfigUsers { kubeconfig }
    var networkingMode: String?
    func wslNetworkingMode() -> String? { networkingMode }

    static let configPath = "/home/u/.config/entra-credential-helper/config.json"

    mutating func config(_ text: String) { files[Self.configPath] = .success(Array(text.utf8)) }
}

/// One row of a table: a change to the healthy machine, and what the named check says.
struct DoctorCase: CustomTestStringConvertible, Sendable {
    var label: String
    var change: @Sendable (inout FakeDoctorProbes) -> Void
    var check: String
    var status: DoctorCheck.Status
    var phrase: String
    var testDescription: String { label }

    init(_ label: String, _ check: String, _ status: DoctorCheck.Status, _ phrase: String,
         _ change: @escaping @Sendable (inout FakeDoctorProbes) -> Void) {
        (self.label, self.check, self.status, self.phrase, self.change) = (label, check, status, phrase, change)
    }
}

@Suite("doctor")
struct DoctorTests {
    static let profiles = """
        {"default_profile": "ado", "profiles": {
          "ado": {"preset": "azure-devops"},
          "acr": {"preset": "acr"}
        }}
        """

    static func checks(_ change: (inout FakeDoctorProbes) -> Void = { _ in }) -> [DoctorCheck] {
        var probes = FakeDoctorProbes()
        probes.config(profiles)
        change(&probes)
        return Doctor(probes: probes).run()
    }

    @Test("a healthy machine: every line ok, exit 0")
    func healthy() {
        let checks = Self.checks()
        #expect(checks.map(\.name) == ["session bus", "secret service", "keyring", "kernel keyring", "lock directory",
                                       "browser", "loopback", "config", "hosts", "hosts", "kubeconfig", "clock"])
        #expect(checks.allSatisfy { $0.status == .ok && $0.fix == nil }, "\(checks.filter { $0.status != .ok })")
        #expect(Doctor.exitStatus(checks) == 0)
        let text = Doctor.render(checks)
        #expect(text.contains("ok    secret service  gnome-keyring-daemon (pid 42) answers on the session bus\n"))
        #expect(text.contains("ok    lock directory  /run/user/1000/entra-credential-helper\n"))
        #expect(text.contains("ok    hosts           acr: *.azurecr.io\n"))
        #expect(text.contains("ok    hosts           ado: dev.azure.com *.visualstudio.com\n"))
        #expect(text.contains("ok    config          \(FakeDoctorProbes.configPath): 2 profiles, default ado; token store secret-service\n"))
    }

    static let cases: [DoctorCase] = [
        // Session bus and Secret Service.
        DoctorCase("no bus at all", "session bus", .fail, "dbus-run-session") { $0.bus = nil },
        DoctorCase("no bus: the Secret Service fails too", "secret service", .fail, "session bus first") { $0.bus = nil },
        DoctorCase("a dead bus address", "session bus", .fail, "cannot connect to unix:path=/x") {
            $0.service = .failure(.noSessionBus(detail: "cannot connect to unix:path=/x: No such file"))
        },
        DoctorCase("no provider", "secret service", .fail, "apt-get install gnome-keyring") {
            $0.service = .failure(.noSecretService(detail: "nothing provides org.freedesktop.secrets"))
        },
        DoctorCase("no provider: the bus is fine", "session bus", .ok, "unix:path=/run/user/1000/bus") {
            $0.service = .failure(.noSecretService(detail: "x"))
        },
        DoctorCase("a provider that hangs", "secret service", .fail, "did not answer within 500 ms") {
            $0.service = .failure(.keyringTimeout(milliseconds: 500))
        },
        DoctorCase("libsecret missing", "secret service", .fail, "apt-get install libsecret-1-0") {
            $0.service = .failure(.missingLibrary("libsecret-1.so.0 is missing; `sudo apt-get install libsecret-1-0`"))
        },
        DoctorCase("the provider refuses", "secret service", .fail, "gnome-keyring-daemon --replace") {
            $0.service = .failure(.keyringFailure("denied"))
        },
        DoctorCase("provider name unknown", "secret service", .ok, "a provider answers") { $0.processes = [:] },
        DoctorCase("no default collection", "keyring", .warn, "gnome-keyring-daemon --replace --unlock") {
            $0.service = .success(SecretServiceState(providerPID: 42, defaultCollection: nil, locked: false))
        },
        DoctorCase("locked, no display", "keyring", .warn, "no display for an unlock prompt") {
            $0.service = .success(SecretServiceState(providerPID: 42, defaultCollection: "login", locked: true))
            $0.env["DISPLAY"] = nil
        },
        DoctorCase("locked: the fix", "keyring", .warn, "`gnome-keyring-daemon --unlock`") {
            $0.service = .success(SecretServiceState(providerPID: 42, defaultCollection: "login", locked: true))
        },
        DoctorCase("locked, a display", "keyring", .warn, "an unlock prompt will be shown") {
            $0.service = .success(SecretServiceState(providerPID: nil, defaultCollection: "work", locked: true))
        },
        DoctorCase("locked, a display: the fix names the desktop", "keyring", .warn, "(or unlock it from the desktop)") {
            $0.service = .success(SecretServiceState(providerPID: nil, defaultCollection: "work", locked: true))
        },
        // Kernel keyring.
        DoctorCase("kernel keyring blocked", "kernel keyring", .warn, "seccomp") { $0.kernel = false },
        DoctorCase("kernel keyring not used", "kernel keyring", .ok, "not used") {
            $0.kernel = false
            $0.env["ENTRA_CREDENTIAL_HELPER_ACCESS_CACHE"] = "secret-service"
        },
        // Lock directory.
        DoctorCase("lock directory open to others", "lock directory", .fail, "`chmod 700 '/run/user/1000/entra-credential-helper'`") {
            $0.paths["/run/user/1000/entra-credential-helper"] = .unsafe(path: "/run/user/1000/entra-credential-helper", problem: "is writable by others (mode 0777)")
        },
        DoctorCase("lock directory's base open to others: tightened, never removed", "lock directory", .fail,
                   "`chmod go-w '/run/user/1000'`; otherwise set XDG_RUNTIME_DIR") {
            $0.paths["/run/user/1000/entra-credential-helper"] = .unsafe(path: "/run/user/1000", problem: "is writable by others without the sticky bit (mode 0777)")
        },
        DoctorCase("lock directory not writable", "lock directory", .fail, "is not writable") {
            $0.paths["/run/user/1000/entra-credential-helper"] = .directory(writable: false)
        },
        DoctorCase("lock directory is a file", "lock directory", .fail, "not a directory") {
            $0.paths["/run/user/1000/entra-credential-helper"] = .unsafe(path: "/run/user/1000/entra-credential-helper", problem: "is not a directory")
        },
        DoctorCase("lock directory made later", "lock directory", .ok, "made at the first sign-in") {
            $0.paths["/run/user/1000/entra-credential-helper"] = .missing(ancestor: "/run/user/1000", writable: true)
        },
        DoctorCase("lock directory cannot be made", "lock directory", .fail, "mkdir -p -m 700") {
            $0.paths["/run/user/1000/entra-credential-helper"] = .missing(ancestor: "/run", writable: false)
        },
        DoctorCase("no runtime directory: under the cache", "lock directory", .ok, "/home/u/.cache/entra-credential-helper/locks") {
            $0.env["XDG_RUNTIME_DIR"] = nil
        },
        // Browser and display.
        DoctorCase("no display, no BROWSER", "browser", .warn, "sign-in will use the device code") { $0.env["DISPLAY"] = nil },
        DoctorCase("a display, no xdg-open", "browser", .warn, "xdg-utils") { $0.executables = [:] },
        DoctorCase("Wayland", "browser", .ok, "/usr/bin/xdg-open on WAYLAND_DISPLAY=wayland-0") {
            $0.env["DISPLAY"] = nil
            $0.env["WAYLAND_DISPLAY"] = "wayland-0"
        },
        DoctorCase("BROWSER with %s, no display", "browser", .ok, "BROWSER: /usr/bin/w3m") {
            $0.env["DISPLAY"] = nil
            $0.env["BROWSER"] = "w3m %s:lynx"
            $0.executables["w3m"] = "/usr/bin/w3m"
        },
        DoctorCase("BROWSER not installed", "browser", .warn, "'nobrowser', which is not found") {
            $0.env["BROWSER"] = "nobrowser --new-window"
        },
        // WSL (a kernel release naming Microsoft, or the interop marker).
        DoctorCase("WSL: wslview, even with WSLg's display", "browser", .ok,
                   "WSL (kernel 5.15.153.1-microsoft-standard-WSL2): the Windows browser through /usr/bin/wslview") {
            $0.files[WSL.kernelRelease] = .success(Array("5.15.153.1-microsoft-standard-WSL2\n".utf8))
            $0.executables["wslview"] = "/usr/bin/wslview"
        },
        DoctorCase("WSL: cmd.exe", "browser", .ok, "interop marker /proc/sys/fs/binfmt_misc/WSLInterop): the Windows browser through /mnt/c/Windows/system32/cmd.exe /d /c start") {
            $0.files[WSL.interopMarkers[0]] = .success(Array("enabled\n".utf8))
            $0.executables["cmd.exe"] = "/mnt/c/Windows/system32/cmd.exe"
        },
        DoctorCase("WSL: neither wslview nor cmd.exe", "browser", .warn, "apt-get install wslu") {
            $0.files[WSL.interopMarkers[1]] = .success(Array("enabled\n".utf8))
        },
        DoctorCase("WSL: BROWSER still wins", "browser", .ok, "BROWSER: /usr/bin/w3m") {
            $0.files[WSL.interopMarkers[0]] = .success(Array("enabled\n".utf8))
            $0.env["BROWSER"] = "w3m"
            $0.executables["w3m"] = "/usr/bin/w3m"
        },
        DoctorCase("WSL NAT: reachable through localhost forwarding", "loopback", .ok, "reaches it through WSL networking mode nat") {
            $0.files[WSL.kernelRelease] = .success(Array("4.4.0-19041-Microsoft\n".utf8))
            $0.networkingMode = "nat"
        },
        DoctorCase("WSL networking none: device code", "loopback", .warn, "networking mode is 'none'") {
            $0.files[WSL.kernelRelease] = .success(Array("5.15.153.1-microsoft-standard-WSL2\n".utf8))
            $0.networkingMode = "none"
        },
        // Loopback.
        DoctorCase("loopback refused", "loopback", .fail, "--flow device-code") {
            $0.loopback = .failure(.listenerFailed("Cannot assign requested address"))
        },
        // Config.
        DoctorCase("no config", "config", .warn, "profile add NAME --preset") { $0.files = [:] },
        DoctorCase("config unreadable", "config", .fail, "(Permission denied)") {
            $0.files[FakeDoctorProbes.configPath] = .failure(.failed("Permission denied"))
        },
        DoctorCase("config not JSON: file and line", "config", .fail, "\(FakeDoctorProbes.configPath), line 3:") {
            $0.config("{\n \"profiles\": {\n  \"a\": }\n}\n")
        },
        DoctorCase("config with an unknown key: its line", "config", .fail, "line 2: unknown key 'profile'") {
            $0.config("{\n  \"profile\": {}\n}\n")
        },
        DoctorCase("config named by the environment", "config", .fail, "/etc/ech.json, line 1") {
            $0.env["ENTRA_CREDENTIAL_HELPER_CONFIG"] = "/etc/ech.json"
            $0.files["/etc/ech.json"] = .success(Array("[]".utf8))
        },
        DoctorCase("config without profiles", "config", .warn, "no profiles yet") { $0.config("{}") },
        DoctorCase("a bad store in the environment", "config", .fail, "ENTRA_CREDENTIAL_HELPER_STORE='disk'") {
            $0.env["ENTRA_CREDENTIAL_HELPER_STORE"] = "disk"
        },
        DoctorCase("the file store", "config", .ok, "token store file") { $0.env["ENTRA_CREDENTIAL_HELPER_STORE"] = "file" },
        // Clock.
        DoctorCase("clock at the epoch", "clock", .fail, "1970-01-01T00:00:00Z") { $0.reading = ClockReading(now: 0, synchronised: false) },
        DoctorCase("clock in 2200", "clock", .fail, "cannot be right") { $0.reading = ClockReading(now: 7_258_118_400, synchronised: true) },
        DoctorCase("clock not synchronised", "clock", .warn, "timedatectl set-ntp true") {
            $0.reading = ClockReading(now: 1_790_000_000, synchronised: false)
        },
        DoctorCase("clock sync unknown", "clock", .ok, "2026-09-21T14:13:20Z") { $0.reading = ClockReading(now: 1_790_000_000, synchronised: nil) },
    ]

    @Test("each fault: its line, status and fix", arguments: cases)
    func fault(_ row: DoctorCase) {
        let checks = Self.checks(row.change)
        let line = checks.first { $0.name == row.check && $0.status == row.status }
        #expect(line != nil, "\(checks.filter { $0.name == row.check })")
        guard let line else { return }
        #expect((line.detail + " " + (line.fix ?? "")).contains(row.phrase), "\(line)")
        #expect(line.status == .ok ? line.fix == nil : line.fix != nil)
        // A warning alone never fails the run; a fail always does.
        if row.status != .ok { #expect(Doctor.exitStatus(checks) == (row.status == .fail ? 1 : 0)) }
    }

    @Test("the dead-bus line is rendered once, with the address and the fix")
    func deadBusRendering() {
        let text = Doctor.render(Self.checks { $0.service = .failure(.noSessionBus(detail: "cannot connect to unix:path=/x: gone")) })
        #expect(text.hasPrefix("fail  session bus     cannot connect to unix:path=/x: gone — fix: the Secret Service needs one: log in to a desktop session"))
        #expect(text.split(separator: "\n").count == 11)
    }

    static let profileCases: [(String, [(String, [String])], [String: (DoctorCheck.Status, String)])] = [
        ("no hosts", [("a", [])], ["a": (.warn, "serves no hosts")]),
        ("the same host twice", [("a", ["x.example.com"]), ("b", ["X.example.com"])],
         ["a": (.warn, "requests go to a"), "b": (.warn, "also in profile a")]),
        ("the same wildcard twice", [("a", ["*.example.com"]), ("b", ["*.example.com"])], ["b": (.warn, "'*.example.com' is also in profile a")]),
        ("a more specific host is fine", [("a", ["*.azurecr.io"]), ("b", ["prod.azurecr.io"])], ["a": (.ok, "a: *.azurecr.io"), "b": (.ok, "prod.azurecr.io")]),
        ("an organisation path is fine", [("a", ["dev.azure.com"]), ("b", ["dev.azure.com/contoso"])], ["b": (.ok, "dev.azure.com/contoso")]),
        ("two organisations", [("a", ["dev.azure.com/one"]), ("b", ["dev.azure.com/two"])], ["a": (.ok, "one"), "b": (.ok, "two")]),
        ("the same organisation", [("a", ["dev.azure.com/one"]), ("b", ["dev.azure.com/One"])], ["a": (.warn, "also in profile b")]),
        ("other ports", [("a", ["x.example.com:8443"]), ("b", ["x.example.com"])], ["a": (.ok, "x.example.com:8443")]),
        ("port 443 is the default", [("a", ["x.example.com:443"]), ("b", ["x.example.com"])], ["b": (.warn, "also in profile a")]),
        ("a single-label host", [("a", ["intranet"])], ["a": (.warn, "single-label")]),
        ("localhost is fine", [("a", ["localhost:8080", "127.0.0.1:5000"])], ["a": (.ok, "localhost:8080 127.0.0.1:5000")]),
    ]

    @Test("the profiles' hosts", arguments: profileCases.indices)
    func hosts(_ index: Int) throws {
        let (_, profiles, expected) = Self.profileCases[index]
        let built = try profiles.map { name, hosts in
            Profile(name: name, tenant: "t", clientID: "c", scopes: [], hosts: try hosts.map { try HostPattern(parsing: $0) })
        }
        let checks = Doctor.hosts(built)
        #expect(checks.count == profiles.count)
        for (name, (status, phrase)) in expected {
            let line = checks.first { $0.detail.hasPrefix("\(name): ") }
            #expect(line?.status == status, "\(name): \(String(describing: line))")
            #expect(line?.detail.contains(phrase) == true, "\(String(describing: line))")
        }
    }

    @Test("output: aligned columns, control characters removed, JSON with null fixes")
    func output() throws {
        let checks = [DoctorCheck("clock", .ok, "fine"),
                      DoctorCheck("browser", .warn, "BROWSER='a\u{1B}[2Jb\nc'", fix: "unset it")]
        #expect(Doctor.render(checks) == "ok    clock           fine\nwarn  browser         BROWSER='a [2Jb c' — fix: unset it\n")
        let json = try JSONSerialization.jsonObject(with: Data(Doctor.json(checks))) as? [[String: Any]]
        #expect(json?.count == 2)
        #expect(json?[0]["status"] as? String == "ok")
        #expect(json?[0]["fix"] is NSNull)
        #expect(json?[1]["fix"] as? String == "unset it")
        #expect(json?[1]["detail"] as? String == "BROWSER='a [2Jb c'")
    }

    static let exitCases: [([DoctorCheck.Status], Int32)] = [([.ok, .ok], 0), ([.ok, .warn], 0), ([.warn, .fail], 1), ([], 0)]

    @Test("exit status: 1 only when a check failed", arguments: exitCases)
    func exitStatus(_ statuses: [DoctorCheck.Status], _ expected: Int32) {
        #expect(Doctor.exitStatus(statuses.map { DoctorCheck("x", $0, "d", fix: $0 == .ok ? nil : "f") }) == expected)
    }
}
