import EntraAuth
import HelperCore
import SecretStore

/// `doctor`: checks what the helper needs from the machine and says, per line, ok, warn
/// or fail with the fix. The checks decide; `DoctorProbes` looks (read-only, bounded),
/// so every decision here runs against hand-written fakes in the tests.
public struct DoctorCheck: Equatable, Sendable {
    public enum Status: String, Sendable {
        case ok, warn, fail
    }

    public var name: String
    public var status: Status
    /// One line: what was found.
    public var detail: String
    /// One line: what to do (nil when ok).
    public var fix: String?

    public init(_ name: String, _ status: Status, _ detail: String, fix: String? = nil) {
        self.name = name
        self.status = status
        self.detail = detail
        self.fix = fix
    }
}

/// What a path is, looked at without creating anything.
public enum PathState: Equatable, Sendable {
    /// A directory private to this user.
    case directory(writable: Bool)
    /// `path` (the lock directory, one of its parents, or its base) fails the rule sign-ins
    /// apply (Files.baseProblem, Files.privateDirectoryProblem): `problem` says how.
    case unsafe(path: String, problem: String)
    /// Missing; `ancestor` is the nearest existing directory and whether we may write there.
    case missing(ancestor: String, writable: Bool)
}

/// The system clock, and whether the kernel counts it as synchronised (nil: unknown).
public struct ClockReading: Equatable, Sendable {
    public var now: Int64
    public var synchronised: Bool?

    public init(now: Int64, synchronised: Bool?) {
        self.now = now
        self.synchronised = synchronised
    }
}

/// The side effects `doctor` looks at. Each is read-only and bounded.
public protocol DoctorProbes {
    func environment(_ name: String) -> String?
    /// The session bus address that would be used; nil when there is none.
    func sessionBusAddress() -> String?
    /// The Secret Service's provider and default collection, through the session bus.
    func secretService() -> Result<SecretServiceState, HelperError>
    /// A process's name (/proc/PID/comm), if it can be read.
    func processName(_ pid: Int) -> String?
    /// Whether the kernel's key calls work (not blocked by seccomp).
    func kernelKeyringUsable() -> Bool
    /// The lock directory `base/names…`, checked as sign-ins check it, without making anything.
    func inspectPrivate(_ names: [String], below base: String) -> PathState
    /// The full path of an executable on PATH (or of an absolute path), if any.
    func findExecutable(_ name: String) -> String?
    /// Binds 127.0.0.1:0 and closes it again: the port it got, or why it could not.
    func bindLoopback() -> Result<String, HelperError>
    func readFile(_ path: String) -> Result<[UInt8], Files.Failure>
    func clock() -> ClockReading
    /// The kubeconfig's users through `kubectl config view` (bounded; secrets redacted).
    func kubeconfigUsers() -> KubeconfigUsers
    /// `wslinfo --networking-mode` (bounded); nil when there is no wslinfo.
    func wslNetworkingMode() -> String?
}

public struct Doctor {
    let probes: DoctorProbes

    public init(probes: DoctorProbes) { self.probes = probes }

    /// 2025-01-01T00:00:00Z: a clock before this helper was written is wrong.
    public static let earliestSaneTime: Int64 = 1_735_689_600
    /// 2100-01-01T00:00:00Z.
    public static let latestSaneTime: Int64 = 4_102_444_800

    /// Every check, in the order they are printed.
    public func run() -> [DoctorCheck] {
        var checks = keyringChecks()
        checks.append(kernelKeyring())
        checks.append(lockDirectory())
        checks.append(browser())
        checks.append(loopback())
        let (configCheck, config) = self.config()
        checks.append(configCheck)
        let profiles = config?.profiles.values.map { $0 } ?? []
        let (suffixes, suffixCheck) = publicSuffixes(profiles)
        checks += Doctor.hosts(profiles, publicSuffixes: suffixes)
        if let suffixCheck { checks.append(suffixCheck) }
        checks.append(kubeconfig())
        checks.append(clock())
        return checks
    }

    /// 0 when nothing failed, 1 otherwise.
    public static func exitStatus(_ checks: [DoctorCheck]) -> Int32 {
        checks.contains { $0.status == .fail } ? 1 : 0
    }

    // MARK: - Session bus and Secret Service

    /// The fix the failing command names for the same fault: one wording serves both.
    static func fix(_ fault: HelperError) -> String { fault.fix ?? fault.message }

    static let busFix = fix(.noSessionBus(detail: ""))
    static let providerFix = fix(.noSecretService(detail: "")) + " (or use --store file)"

    /// Session bus, Secret Service provider, and the default collection's lock state.
    func keyringChecks() -> [DoctorCheck] {
        guard let address = probes.sessionBusAddress() else {
            return [
                DoctorCheck("session bus", .fail, "none: DBUS_SESSION_BUS_ADDRESS is not set and there is no $XDG_RUNTIME_DIR/bus", fix: Self.busFix),
                DoctorCheck("secret service", .fail, "not reachable without a session bus", fix: "fix the session bus first"),
            ]
        }
        let shown = String(address.prefix(100))
        let bus = DoctorCheck("session bus", .ok, shown)
        switch probes.secretService() {
        case let .success(state):
            let who = state.providerPID.flatMap { pid in probes.processName(pid).map { "\($0) (pid \(pid))" } } ?? "a provider"
            let provider = DoctorCheck("secret service", .ok, "\(who) answers on the session bus")
            guard let collection = state.defaultCollection else {
                return [bus, provider, DoctorCheck(
                    "keyring", .warn, "no default collection: reads work, storing a login or refresh token fails",
                    fix: Self.fix(.noDefaultCollection))]
            }
            guard state.locked else {
                return [bus, provider, DoctorCheck("keyring", .ok, "default collection '\(collection)' is unlocked")]
            }
            let prompt = probes.environment("DISPLAY") != nil || probes.environment("WAYLAND_DISPLAY") != nil
            return [bus, provider, DoctorCheck(
                "keyring", .warn,
                "default collection '\(collection)' is locked" + (prompt ? " (an unlock prompt will be shown on first use)" : " and there is no display for an unlock prompt"),
                fix: Self.fix(.collectionLocked(collection: collection)) + (prompt ? " (or unlock it from the desktop)" : ""))]
        case let .failure(error):
            switch error {
            case let .noSessionBus(detail):
                return [DoctorCheck("session bus", .fail, detail, fix: Self.busFix),
                        DoctorCheck("secret service", .fail, "not reachable without a session bus", fix: "fix the session bus first")]
            case .noSecretService:
                return [bus, DoctorCheck("secret service", .fail, "no provider of org.freedesktop.secrets on the session bus", fix: Self.providerFix)]
            case let .keyringTimeout(milliseconds):
                return [bus, DoctorCheck("secret service", .fail, "the provider did not answer within \(milliseconds) ms", fix: Self.fix(error))]
            case let .missingLibrary(text):
                return [bus, DoctorCheck("secret service", .fail, "libsecret cannot be loaded", fix: text)]
            default:
                return [bus, DoctorCheck("secret service", .fail, error.message, fix: "check the keyring daemon, or restart it with `gnome-keyring-daemon --replace --components=secrets`")]
            }
        }
    }

    // MARK: - Kernel keyring, lock directory, loopback

    func kernelKeyring() -> DoctorCheck {
        if probes.environment("ENTRA_CREDENTIAL_HELPER_ACCESS_CACHE") == "secret-service" {
            return DoctorCheck("kernel keyring", .ok, "not used: ENTRA_CREDENTIAL_HELPER_ACCESS_CACHE=secret-service")
        }
        if probes.kernelKeyringUsable() {
            return DoctorCheck("kernel keyring", .ok, "usable: access tokens are cached in the user keyring")
        }
        return DoctorCheck("kernel keyring", .warn, "the key calls are blocked (e.g. Docker's default seccomp profile); access tokens are cached in the Secret Service instead",
                           fix: "nothing is required; to use it, allow add_key and keyctl in the container's seccomp profile")
    }

    func lockDirectory() -> DoctorCheck {
        let locker = FileLocker(environment: probes.environment)
        let path = locker.directory
        let name = "lock directory", word = Sanitize.shellWord(path)
        switch probes.inspectPrivate(locker.names, below: locker.base) {
        case let .directory(writable):
            guard writable else {
                return DoctorCheck(name, .fail, "\(path) is not writable", fix: "`chmod u+rwx \(word)`, or set XDG_RUNTIME_DIR to a directory of your own")
            }
            return DoctorCheck(name, .ok, path)
        case let .unsafe(unsafe, problem):  // sign-ins refuse it (FileLocker), so this fails
            return DoctorCheck(name, .fail, "\(unsafe) \(problem), so sign-ins refuse it", fix: Self.fix(unsafe == locker.base ? .unsafeLockBase(path: unsafe, problem: problem) : .unsafeLockPath(path: unsafe, problem: problem)))
        case let .missing(ancestor, writable):
            guard writable else {
                return DoctorCheck(name, .fail, "\(path) is missing and \(ancestor) is not writable",
                                   fix: "create it with `mkdir -p -m 700 \(word)` as its owner, or set XDG_RUNTIME_DIR to a directory of your own")
            }
            return DoctorCheck(name, .ok, "\(path) (made at the first sign-in)")
        }
    }

    func loopback() -> DoctorCheck {
        switch probes.bindLoopback() {
        case let .success(bound):
            return wslLoopback(bound: bound) ?? DoctorCheck("loopback", .ok, "the sign-in listener binds \(bound)")
        case let .failure(error):
            let detail: String
            if case let .listenerFailed(text) = error { detail = text } else { detail = error.message }
            return DoctorCheck("loopback", .fail, "cannot listen on localhost (\(detail)): the browser sign-in cannot receive its redirect",
                               fix: "bring up the loopback interface (`ip link set lo up`), or sign in with --flow device-code")
        }
    }
}
